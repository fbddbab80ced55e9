// The "server URL, username, password" form, used by first run and by sign in.
import type { Actions } from '../actions';
import { alertRegion, field, h, setText } from '../dom';
import type { UiState } from '../state';
import { button, setBusy, type View } from './common';

export function connectForm(actions: Actions, area: 'first_run' | 'sign_in', submitLabel: string): View & {
  focus(): void;
} {
  const url = h('input', {
    type: 'text',
    inputmode: 'url',
    name: 'server',
    required: true,
    autocomplete: 'url',
    placeholder: 'http://10.0.0.5:8000',
    spellcheck: 'false',
  });
  const username = h('input', { type: 'text', name: 'username', required: true, autocomplete: 'username', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const submit = button(submitLabel, { cls: 'primary wide', type: 'submit' });
  const alert = alertRegion();
  const form = h(
    'form',
    { class: 'form', 'aria-label': submitLabel },
    field('Server address', url, 'The address your team uses, for example http://10.0.0.5:8000 (ask your admin).'),
    field('Username', username),
    field('Password', password),
    alert,
    submit,
  );
  let prefilled = false;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void actions
      .signIn(area, { serverUrl: url.value, username: username.value, password: password.value })
      .then(() => {
        if (alert.textContent) password.select();
      });
  });
  return {
    el: form,
    focus() {
      (url.value ? username.value ? password : username : url).focus();
    },
    update(s: UiState) {
      if (!prefilled && s.app?.server_url) {
        url.value = s.app.server_url;
        prefilled = true;
      }
      setText(alert, s.errors[area] ?? '');
      setBusy(submit, !!s.pending.sign_in, submitLabel, 'Signing in…');
    },
  };
}
