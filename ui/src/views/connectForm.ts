// The "server URL, username, password" form, used by first run and by sign in.
import type { Actions } from '../actions';
import { alertRegion, field, h, setText } from '../dom';
import type { Watch } from '../state';
import { button, setBusy, type View } from './common';

export function connectForm(actions: Actions, watch: Watch, area: 'first_run' | 'sign_in', submitLabel: string): View & {
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
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void actions
      .signIn(area, { serverUrl: url.value, username: username.value, password: password.value })
      .then(() => {
        if (alert.textContent) password.select();
      });
  });
  let prefilled = false;
  watch(
    (s) => s.app?.server_url ?? null,
    (serverUrl) => {
      if (prefilled || !serverUrl) return;
      url.value = serverUrl;
      prefilled = true;
    },
  );
  watch((s) => s.errors[area] ?? '', (error) => setText(alert, error));
  watch((s) => !!s.pending.sign_in, (busy) => setBusy(submit, busy, submitLabel, 'Signing in…'));
  return {
    el: form,
    focus() {
      (url.value ? username.value ? password : username : url).focus();
    },
  };
}
