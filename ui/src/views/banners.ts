// Under the top bar: the connection banner (reconnecting / offline), the engine's
// `problem` messages, and, after hosting, where teammates connect.
import type { Actions } from '../actions';
import { h, setAttr, setText, show } from '../dom';
import { describeConnection, describeDeviceSwitch } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import { button, type View } from './common';
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

  return { el: h('div', { class: 'banners' }, conn, problem, device, host) };
}
