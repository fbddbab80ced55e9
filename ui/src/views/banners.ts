// Under the top bar: the connection banner (reconnecting / offline), the engine's
// `problem` messages, a call-back that is due, and, after hosting, where teammates connect.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setDisabled, setText, show } from '../dom';
import { describeConnection, describeDeviceSwitch, displayName, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { Callback } from '../types';
import { button, regardingNode, type View } from './common';
import { hostAddresses } from './hostInfo';

export function bannersView(actions: Actions, watch: Watch): View {
  const connText = h('p', { class: 'banner-text' });
  const signInAgain = button('Sign in again', { cls: 'secondary small', onclick: () => void actions.signOut() });
  const conn = h(
    'div',
    { class: 'banner banner-conn' },
    icon('warn'),
    h('div', { class: 'banner-alert', role: 'status' }, connText),
    signInAgain,
  );

  const problemText = h('p', { class: 'banner-text' });
  const problem = h(
    'div',
    { class: 'banner banner-problem' },
    icon('warn'),
    h('div', { role: 'alert', class: 'banner-alert' }, problemText),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('global') }),
  );

  // A device that moved on its own is news, not an error: a status region, no alarm.
  const deviceText = h('p', { class: 'banner-text' });
  const device = h(
    'div',
    { class: 'banner banner-device' },
    icon('mic'),
    h('div', { role: 'status', class: 'banner-alert' }, deviceText),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('device') }),
  );

  // A call-back of mine is due (the shell also shows a notification): a banner, not a
  // dialog, with what can be done about it here and now.
  const dueName = h('strong', { class: 'callback-due-name', dir: 'auto' });
  const dueAbout = h('span', { class: 'callback-due-about' });
  const dueNote = h('p', { class: 'banner-note', dir: 'auto' });
  const dueAlert = alertRegion();
  let dueId: number | null = null;
  const callBack = button('Call back', {
    cls: 'primary small',
    icon: icon('phone'),
    onclick: () => dueId != null && void actions.callBack(dueId, 'callback_due'),
  });
  const snooze = button('Snooze 10 min', {
    cls: 'secondary small',
    onclick: () => dueId != null && void actions.snoozeCallback(dueId, 600, 'callback_due'),
  });
  const doneBtn = button('Done', {
    cls: 'secondary small',
    icon: icon('check'),
    onclick: () => dueId != null && void actions.completeCallback(dueId, 'callback_due'),
  });
  const due = h(
    'section',
    { class: 'banner banner-callback', 'aria-label': 'Call-back due' },
    icon('bell'),
    h(
      'div',
      { class: 'banner-body' },
      h('div', { role: 'alert', class: 'banner-alert' }, h('p', { class: 'banner-text' }, 'Call-back due: ', dueName, dueAbout)),
      dueNote,
      dueAlert,
      h('div', { class: 'banner-actions' }, callBack, snooze, doneBtn),
    ),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('callback_due') }),
  );
  // Whether the user was working in the banner (a button there may have gone disabled,
  // which drops focus, by the time the banner goes).
  let focusInDue = false;
  due.addEventListener('focusin', () => {
    focusInDue = true;
  });
  due.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !due.contains(to)) focusInDue = false;
  });
  const drawDue = (c: Callback | null) => {
    dueId = c?.id ?? null;
    if (!c) {
      setText(dueName, '');
      dueAbout.replaceChildren();
      setText(dueNote, '');
      return;
    }
    setText(dueName, displayName(c.user_details));
    dueAbout.replaceChildren(...(c.regarding ? [' — ', regardingNode(c.regarding, 'about')] : []));
    const note = plainText(c.note).trim();
    setText(dueNote, note ? `“${note}”` : '');
  };

  const addresses = hostAddresses(watch, { invites: 'first' });
  const host = h(
    'section',
    { class: 'banner banner-host', 'aria-labelledby': 'host-notice-title' },
    icon('server'),
    h(
      'div',
      { class: 'banner-body' },
      h('h2', { id: 'host-notice-title', class: 'banner-title', text: 'Your team’s server is running on this computer' }),
      h('p', { class: 'banner-text', text: 'Teammates choose “Connect to a server” and enter this address:' }),
      addresses.el,
      h('p', { class: 'hint', text: 'You can find it again in Settings. Keep this computer on while your team is calling.' }),
    ),
    button('Got it', { cls: 'ghost small', onclick: () => actions.dismiss('host') }),
  );

  watch(
    (s) => s.app?.connection ?? null,
    (connection) => {
      const c = describeConnection(connection);
      // The role=status region stays in the page so a change is announced.
      setText(connText, c.banner ?? '');
      setAttr(conn, 'data-kind', c.kind);
      conn.classList.toggle('is-empty', !c.banner);
      show(signInAgain, c.kind === 'bad');
    },
  );
  watch(
    (s) => s.errors.global ?? '',
    (error) => {
      setText(problemText, error);
      show(problem, !!error);
    },
  );
  watch(
    (s) => s.deviceSwitch,
    (d) => {
      setText(deviceText, d ? describeDeviceSwitch(d) : '');
      show(device, !!d);
    },
  );
  watch(
    // Settings shows the same addresses in full, so the banner steps aside there.
    (s) => !!s.app?.hosting && !s.hostNoticeDismissed && s.tab !== 'settings',
    (shown) => show(host, shown),
  );

  watch(
    (s) => s.callbackDue,
    (c, prev) => {
      // Focus in the banner as it goes (Snooze, Done, Dismiss): to the section on screen.
      const active = document.activeElement;
      const hadFocus = !c && !!prev && focusInDue && (due.contains(active) || !active || active === document.body);
      drawDue(c);
      show(due, !!c);
      if (hadFocus) {
        focusInDue = false;
        document.querySelector<HTMLElement>('#content .panel:not([hidden]) h2')?.focus();
      }
    },
  );
  watch((s) => s.errors.callback_due ?? '', (error) => setText(dueAlert, error));
  watch(
    (s) => ({ id: s.callbackDue?.id ?? null, pending: s.pending, inCall: !!s.app?.active_call }),
    ({ id, pending, inCall }) => {
      const busy = id != null && !!pending[`callback:${id}`];
      setDisabled(callBack, busy || inCall);
      setAttr(callBack, 'title', inCall ? 'You are in a call.' : null);
      setDisabled(snooze, busy);
      setDisabled(doneBtn, busy);
    },
  );

  return { el: h('div', { class: 'banners' }, conn, problem, device, due, host) };
}
