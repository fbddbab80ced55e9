// First run: connect to an existing server, or host one for the team on this computer.
import type { Actions } from '../actions';
import { alertRegion, field, h, setText, show } from '../dom';
import { icon } from '../icons';
import type { UiState } from '../state';
import { button, setBusy, type View } from './common';
import { connectForm } from './connectForm';

export function firstRunView(actions: Actions): View & { focus(): void } {
  const connect = connectForm(actions, 'first_run', 'Connect');

  const fullName = h('input', { type: 'text', name: 'full_name', required: true, autocomplete: 'name' });
  const username = h('input', { type: 'text', name: 'username', required: true, autocomplete: 'username', spellcheck: 'false', value: 'admin' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'new-password' });
  const listen = h('input', { type: 'text', name: 'listen', autocomplete: 'off', spellcheck: 'false', placeholder: '0.0.0.0:8000' });
  const hostAlert = alertRegion();
  const hostSubmit = button('Start hosting', { cls: 'primary wide', type: 'submit' });
  const hostForm = h(
    'form',
    { class: 'form', 'aria-label': 'Host for my team', hidden: true },
    field('Your name', fullName, 'How teammates will see you.'),
    field('Admin username', username, 'You sign in with this; you can add teammates later.'),
    field('Password', password, 'Choose a strong one: this account can add and remove teammates.'),
    field('Listen address (optional)', listen, 'Leave empty to accept teammates on every network of this computer.'),
    hostAlert,
    hostSubmit,
  );
  hostForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void actions.hostTeam({
      fullName: fullName.value.trim(),
      username: username.value.trim(),
      password: password.value,
      listen: listen.value,
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
  choices.addEventListener('change', () => {
    const host = (choices.querySelector('input:checked') as HTMLInputElement).value === 'host';
    show(hostForm, host);
    show(connect.el, !host);
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
  return {
    el,
    focus() {
      (el.querySelector('h1') as HTMLElement).focus();
    },
    update(s: UiState) {
      connect.update(s);
      setText(hostAlert, s.errors.first_run ?? '');
      setBusy(hostSubmit, !!s.pending.host_team, 'Start hosting', 'Starting the server…');
    },
  };
}
