// People: the directory with live presence, search, a status filter and a Call button.
import type { Actions } from '../actions';
import { alertRegion, field, h, setAttr, setDisabled, setText, show } from '../dom';
import { displayName, plainText, plural } from '../format';
import { icon } from '../icons';
import { callBlockReason, effectiveStatus, FILTERS, isCallable, isDisabled, visibleUsers, type PresenceFilter } from '../people';
import type { Store, Watch } from '../state';
import type { DirectoryEntry } from '../types';
import { avatar, button, presenceTag, setBusy, type View } from './common';

function shortReason(u: DirectoryEntry): string {
  // A disabled account: its tag says so.
  if (isDisabled(u) || effectiveStatus(u) === 'offline') return '';
  if (u.presence.current_call != null) return 'In a call';
  if (u.presence.status === 'busy' || u.presence.status === 'dnd') return '';
  return u.presence.available_for_calls ? '' : 'Not taking calls';
}

interface Row {
  li: HTMLLIElement;
  /** Draw `u`; does nothing when neither the entry nor the call state changed. */
  update(u: DirectoryEntry, inCall: boolean, calling: boolean): void;
}

function personRow(u0: DirectoryEntry, actions: Actions): Row {
  const name = h('span', { class: 'person-name', dir: 'auto' });
  // Disabled by an administrator: said in words next to the name.
  const disabledTag = h('span', { class: 'tag tag-disabled', text: 'Disabled', hidden: true });
  const sub = h('span', { class: 'person-sub', dir: 'auto' });
  const presence = presenceTag();
  const message = h('span', { class: 'status-msg', dir: 'auto' });
  const reasonId = `reason-${u0.id}`;
  const reason = h('span', { class: 'sr-only', id: reasonId });
  const note = h('span', { class: 'call-reason', 'aria-hidden': 'true' });
  let userId = u0.id;
  const call = button('Call', {
    cls: 'call-btn',
    icon: icon('phone'),
    onclick: () => void actions.callUser(userId),
  });
  const av = avatar(displayName(u0));
  const li = h(
    'li',
    { class: 'person', 'data-user-id': String(u0.id) },
    av,
    h('div', { class: 'person-who' }, h('span', { class: 'person-line' }, name, disabledTag), sub),
    h('div', { class: 'person-presence' }, presence.el, message),
    h('div', { class: 'person-action' }, call, note, reason),
  );
  let drawn: [DirectoryEntry, boolean, boolean] | null = null;
  return {
    li,
    update(u, inCall, calling) {
      if (drawn && drawn[0] === u && drawn[1] === inCall && drawn[2] === calling) return;
      drawn = [u, inCall, calling];
      userId = u.id;
      const n = displayName(u);
      setText(name, n);
      const username = plainText(u.username);
      const email = plainText(u.email);
      setText(sub, email ? `${username} · ${email}` : username);
      const st = effectiveStatus(u);
      presence.set(st);
      setAttr(li, 'data-status', st);
      const disabled = isDisabled(u);
      show(disabledTag, disabled);
      setAttr(li, 'data-disabled', disabled ? 'true' : null);
      const said = plainText(u.presence.status_message);
      setText(message, said ? `“${said}”` : '');
      const why = callBlockReason(u, inCall);
      setBusy(call, calling, 'Call', 'Calling…');
      setDisabled(call, calling || why !== null);
      setAttr(call, 'aria-label', `Call ${n}`);
      setAttr(call, 'aria-describedby', why ? reasonId : null);
      setText(reason, why ?? '');
      setAttr(call, 'title', why);
      // On screen, only what the presence column does not already say ("In a call",
      // "Not taking calls"); "You are already in a call" is said once above the list.
      setText(note, why && !inCall ? shortReason(u) : '');
    },
  };
}

export function peopleView(actions: Actions, store: Store, watch: Watch): View {
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Name, username or email',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const filter = h(
    'select',
    { class: 'filter' },
    ...FILTERS.map((f) => h('option', { value: f.value, text: f.label })),
  );
  search.addEventListener('input', () => store.set({ query: search.value }));
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && search.value) {
      e.preventDefault();
      search.value = '';
      store.set({ query: '' });
    }
  });
  filter.addEventListener('change', () => store.set({ filter: filter.value as PresenceFilter }));

  const summary = h('p', { class: 'summary', role: 'status' });
  const inCallNote = h('p', { class: 'note', id: 'in-call-note', text: 'You are in a call. Calling is available again when it ends.' });
  const alert = alertRegion();
  const list = h('ul', { class: 'people-list', 'aria-label': 'People' });
  const empty = h('p', { class: 'empty' });

  const el = h(
    'section',
    { class: 'panel people', 'aria-labelledby': 'people-title' },
    h(
      'div',
      { class: 'toolbar' },
      h('h2', { id: 'people-title', text: 'People', tabindex: '-1' }),
      h('div', { class: 'search-wrap' }, icon('search', 'icon search-icon'), field('Search people', search)),
      field('Show', filter),
    ),
    summary,
    alert,
    inCallNote,
    list,
    empty,
  );

  watch((s) => s.errors.people ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ query: s.query, chosen: s.filter }),
    ({ query, chosen }) => {
      if (document.activeElement !== search && search.value !== query) search.value = query;
      if (filter.value !== chosen) filter.value = chosen;
    },
  );
  watch((s) => !!s.app?.active_call, (inCall) => show(inCallNote, inCall));

  const rows = new Map<number, Row>();
  // The directory is drawn again only when the directory, the search, the filter, whether
  // I am in a call, or the commands in flight (a Call button's "Calling…") change.
  watch(
    (s) => ({
      all: s.app?.users ?? null,
      query: s.query,
      chosen: s.filter,
      meId: s.app?.me?.id ?? null,
      isAdmin: !!s.app?.me?.is_admin,
      inCall: !!s.app?.active_call,
      pending: s.pending,
    }),
    ({ all, query, chosen, meId, isAdmin, inCall, pending }) => {
      if (!all) return;
      const users = visibleUsers(all, query, chosen, meId);
      const focused = document.activeElement;
      const keep = new Set(users.map((u) => u.id));
      for (const [id, row] of rows) {
        if (!keep.has(id)) {
          row.li.remove();
          rows.delete(id);
        }
      }
      users.forEach((u, i) => {
        let row = rows.get(u.id);
        if (!row) {
          row = personRow(u, actions);
          rows.set(u.id, row);
        }
        row.update(u, inCall, !!pending[`call:${u.id}`]);
        if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] ?? null);
      });
      // Moving a row can drop focus; put it back where it was.
      if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();

      const available = all.filter(isCallable).length;
      setText(
        summary,
        users.length === all.length
          ? `${plural(all.length, 'person').replace('persons', 'people')}, ${available} available to call`
          : `Showing ${users.length} of ${all.length}`,
      );
      const q = query.trim();
      setText(
        empty,
        all.length === 0
          ? isAdmin
            ? 'No one else is on this server yet. Add teammates in Settings.'
            : 'No one else is on this server yet. An admin can add teammates.'
          : q
            ? `No one matches “${q}”.`
            : 'No one matches this filter.',
      );
      show(empty, users.length === 0);
    },
  );
  return { el };
}
