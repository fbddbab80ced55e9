// First run: connect to an existing server, or host one for the team on this computer.
// When the shell already hosts (`switchboard --embedded`), "Host" is preselected and the
// form only creates the admin account: the server is listening already.
import type { Actions } from '../actions';
import { alertRegion, field, h, setText, show } from '../dom';
import { icon } from '../icons';
import type { Watch } from '../state';
import { button, setBusy, type View } from './common';
import { connectForm } from './connectForm';
import { hostAddressList } from './hostInfo';
import { accountForms, joinForm } from './joinForm';

export function firstRunView(actions: Actions, watch: Watch): View & { focus(): void } {
  // "Connect to a server": sign in, or create an account with an invite code. The sign-in
  // form lists the team hosts found on the local network.
  const signIn = connectForm(actions, watch, 'first_run', 'Connect', { findHosts: true });
  const connect = accountForms(signIn, joinForm(actions, watch, { heading: true }), actions, watch);

  const fullName = h('input', { type: 'text', name: 'full_name', required: true, autocomplete: 'name' });
  const username = h('input', { type: 'text', name: 'username', required: true, autocomplete: 'username', spellcheck: 'false', value: 'admin' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'new-password' });
  const listen = h('input', { type: 'text', name: 'listen', autocomplete: 'off', spellcheck: 'false', placeholder: '0.0.0.0:8000' });
  const listenField = field('Listen address (optional)', listen, 'Leave empty to accept teammates on every network of this computer.');
  const running = h('p', { class: 'running-note' });
  const hostAlert = alertRegion();
  const hostSubmit = button('Start hosting', { cls: 'primary wide', type: 'submit' });
  const hostForm = h(
    'form',
    { class: 'form', 'aria-label': 'Host for my team', hidden: true },
    running,
    field('Your name', fullName, 'How teammates will see you.'),
    field('Admin username', username, 'You sign in with this; you can add teammates later, in Settings.'),
    field('Password', password, 'Choose a strong one: this account can add teammates.'),
    listenField,
    hostAlert,
    hostSubmit,
  );
  let alreadyHosting = false;
  hostForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void actions.hostTeam({
      fullName: fullName.value.trim(),
      username: username.value.trim(),
      password: password.value,
      listen: alreadyHosting ? '' : listen.value,
    });
  });

  const choice = (value: string, title: string, text: string, ic: SVGElement, checked: boolean) =>
    h(
      'label',
      { class: 'choice-card' },
      h('input', { type: 'radio', name: 'mode', value, checked }),
      ic,
      h('span', { class: 'choice-body' }, h('span', { class: 'choice-title', text: title }), h('span', { class: 'choice-text', text })),
    );
  const choices = h(
    'fieldset',
    { class: 'choices' },
    h('legend', { text: 'How will you use Switchboard?' }),
    choice('connect', 'Connect to a server', 'Your team already has a Switchboard or CRM server.', icon('users', 'icon choice-icon'), true),
    choice('host', 'Host for my team', 'This computer runs the server; teammates connect to it.', icon('server', 'icon choice-icon'), false),
  );
  const radio = (value: 'connect' | 'host') => choices.querySelector(`input[value="${value}"]`) as HTMLInputElement;
  // The network is searched for team hosts once, when "Connect to a server" first shows
  // (at once, unless this computer already hosts): "Search again" is the user's after that.
  let searched = false;
  const showChoice = () => {
    const host = radio('host').checked;
    show(hostForm, host);
    show(connect.el, !host);
    if (!host && !searched) {
      searched = true;
      signIn.searchHosts();
    }
  };
  // Until the user picks, the choice follows the state (Host when the app already hosts);
  // after that, no state update changes it.
  let userChose = false;
  choices.addEventListener('change', () => {
    userChose = true;
    showChoice();
  });

  const el = h(
    'main',
    { class: 'welcome' },
    h(
      'div',
      { class: 'card welcome-card' },
      h('p', { class: 'brand-line' }, icon('phone', 'icon brand-icon'), 'Switchboard'),
      h('h1', { text: 'Welcome', tabindex: '-1' }),
      h('p', { class: 'lead', text: 'Call your colleagues straight from your desk. First, tell Switchboard how your team connects.' }),
      choices,
      connect.el,
      hostForm,
    ),
  );
  watch(
    (s) => s.app?.hosting ?? null,
    (hosting) => {
      alreadyHosting = !!hosting;
      if (!userChose && radio('host').checked !== alreadyHosting) {
        radio(alreadyHosting ? 'host' : 'connect').checked = true;
        showChoice();
      }
      show(listenField, !hosting);
      show(running, !!hosting);
    },
  );
  watch(hostAddressList, (addresses) => {
    if (addresses) setRunning(running, addresses);
  });
  watch((s) => s.errors.first_run ?? '', (error) => setText(hostAlert, error));
  watch(
    (s) => ({ hosting: !!s.app?.hosting, busy: !!s.pending.host_team }),
    ({ hosting, busy }) => {
      if (hosting) setBusy(hostSubmit, busy, 'Create admin account', 'Creating the account…');
      else setBusy(hostSubmit, busy, 'Start hosting', 'Starting the server…');
    },
  );
  // The choice as it stands now (searching the network when it is Connect).
  showChoice();
  return {
    el,
    focus() {
      (el.querySelector('h1') as HTMLElement).focus();
    },
  };
}

/** "The server is already running on this computer at … Teammates connect to …" */
function setRunning(el: HTMLElement, [url, ...lanUrls]: string[]): void {
  const code = (u: string) => h('code', { text: u });
  const lan: (Node | string)[] = [];
  lanUrls.forEach((u, i) => {
    if (i > 0) lan.push(i === lanUrls.length - 1 ? ' or ' : ', ');
    lan.push(code(u));
  });
  el.replaceChildren(
    'Switchboard’s server is already running on this computer at ',
    code(url),
    '. ',
    ...(lan.length
      ? ['Teammates will connect to ', ...lan, '. ']
      : ['No network address was found, so only this computer can reach it for now. ']),
    'Create your admin account to finish.',
  );
}
