// The top bar: who I am, my status and message, and the connection to the server.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setText, uid } from '../dom';
import { describeConnection, displayName, initials, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { Presence } from '../types';
import type { View } from './common';

const MY_STATUSES: [Presence, string][] = [
  ['online', 'Online'],
  ['away', 'Away'],
  ['busy', 'Busy'],
  ['dnd', 'Do not disturb'],
];

export function headerView(actions: Actions, watch: Watch): View {
  const av = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const name = h('span', { class: 'me-name', dir: 'auto' });
  const selectId = uid('my-status');
  const status = h(
    'select',
    { id: selectId, class: 'status-select' },
    ...MY_STATUSES.map(([v, l]) => h('option', { value: v, text: l })),
  );
  const msgId = uid('my-message');
  const message = h('input', {
    id: msgId,
    type: 'text',
    class: 'status-message',
    maxlength: '120',
    placeholder: 'Add a status message',
    autocomplete: 'off',
    dir: 'auto',
  });
  const alert = alertRegion();
  const statusDot = h('span', { class: 'presence' }, h('span', { class: 'dot', 'aria-hidden': 'true' }));

  const commit = () => void actions.setStatus(status.value as Presence, message.value.trim());
  status.addEventListener('change', commit);
  message.addEventListener('change', commit);
  message.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      message.blur();
    }
    if (e.key === 'Escape') {
      message.value = lastMessage;
      message.blur();
    }
  });

  const connDot = h('span', { class: 'conn-dot', 'aria-hidden': 'true' });
  const connText = h('span', { class: 'conn-text' });
  const conn = h('span', { class: 'conn' }, connDot, connText);

  const el = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, icon('phone', 'icon brand-icon'), h('span', { text: 'Switchboard' })),
    h(
      'div',
      { class: 'me', role: 'group', 'aria-label': 'Me' },
      av,
      h('div', { class: 'me-text' }, name, h('span', { class: 'me-sub' }, statusDot, h('label', { class: 'sr-only', for: selectId, text: 'My status' }), status)),
      h('label', { class: 'sr-only', for: msgId, text: 'Status message' }),
      message,
      alert,
    ),
    h('div', { class: 'conn-wrap' }, h('span', { class: 'sr-only', text: 'Server connection: ' }), conn),
  );

  let lastMessage = '';
  watch(
    (s) => s.app?.me ?? null,
    (meUser) => {
      if (!meUser) return;
      const me = displayName(meUser);
      setText(av, initials(me));
      setText(name, me);
    },
  );
  watch(
    (s) => ({ mine: s.app?.my_status ?? null, saving: !!s.pending.set_status }),
    ({ mine, saving }) => {
      const st = mine ?? { status: 'online' as Presence, message: '' };
      if (!saving && status.value !== st.status) {
        if (!status.querySelector(`option[value="${st.status}"]`)) {
          status.append(h('option', { value: st.status, text: 'Offline', disabled: true }));
        }
        status.value = st.status;
      }
      setAttr(statusDot, 'data-status', st.status);
      const said = plainText(st.message);
      if (said !== lastMessage && document.activeElement !== message) message.value = said;
      lastMessage = said;
    },
  );
  watch((s) => s.errors.status ?? '', (error) => setText(alert, error));
  watch(
    (s) => s.app?.connection ?? null,
    (connection) => {
      const c = describeConnection(connection);
      setText(connText, c.word);
      setAttr(conn, 'data-kind', c.kind);
    },
  );
  return { el };
}
