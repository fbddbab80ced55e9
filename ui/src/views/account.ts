// Settings → Account: change my password (the app stays signed in; my other devices are
// signed out), and sign out everywhere (after a confirmation).
import { MIN_PASSWORD, passwordProblem, type Actions } from '../actions';
import { alertRegion, field, h, setAttr, setText, show, uid } from '../dom';
import type { Watch } from '../state';
import { button, confirmation, setBusy } from './common';

export function accountSecurity(actions: Actions, watch: Watch): { el: HTMLElement } {
  const current = h('input', { type: 'password', name: 'current_password', required: true, autocomplete: 'current-password' });
  const next = h('input', { type: 'password', name: 'new_password', required: true, autocomplete: 'new-password' });
  const again = h('input', { type: 'password', name: 'confirm_new_password', required: true, autocomplete: 'new-password' });
  const alert = alertRegion();
  const status = h('p', { class: 'notice', role: 'status' });
  const submit = button('Change password', { cls: 'primary', type: 'submit' });
  const passwordTitle = h('h4', { id: uid('pw'), text: 'Change password' });
  const form = h(
    'form',
    { class: 'form account-form', 'aria-labelledby': passwordTitle.id },
    field('Current password', current),
    field('New password', next, `At least ${MIN_PASSWORD} characters.`),
    field('Confirm new password', again),
    h('div', { class: 'form-end' }, alert, submit),
  );
  const markInvalid = (which: HTMLInputElement | null) => {
    for (const input of [next, again]) setAttr(input, 'aria-invalid', input === which ? 'true' : null);
  };
  for (const input of [next, again]) {
    input.addEventListener('input', () => {
      if (input.getAttribute('aria-invalid')) markInvalid(null);
    });
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    const problem = passwordProblem(next.value, again.value);
    if (problem) {
      const wrong = next.value.length < MIN_PASSWORD ? next : again;
      markInvalid(wrong);
      actions.say('account', problem);
      wrong.select();
      return;
    }
    markInvalid(null);
    void actions.changePassword(current.value, next.value).then((ok) => {
      if (ok) {
        form.reset();
        status.focus();
      } else {
        current.select();
      }
    });
  });
  // The confirmation can take focus, so that it is read out where the form was.
  status.tabIndex = -1;

  const everywhere = button('Sign out everywhere', {
    cls: 'secondary',
    onclick: () => {
      show(everywhere, false);
      show(ask.el, true);
      ask.focus();
    },
  });
  const closeAsk = () => {
    actions.say('everywhere', null);
    show(ask.el, false);
    show(everywhere, true);
    everywhere.focus();
  };
  const ask = confirmation({
    confirmLabel: 'Yes, sign out everywhere',
    onConfirm: () => void actions.signOutEverywhere(),
    onCancel: closeAsk,
  });
  ask.set(
    'Sign out on all your devices, this one too?',
    'Anyone signed in as you elsewhere is signed out; you sign in again with your password.',
  );
  const everywhereAlert = alertRegion();
  ask.el.insertBefore(everywhereAlert, ask.el.lastChild);
  const everywhereTitle = h('h4', { id: uid('out'), text: 'Sign out everywhere' });
  const everywhereHint = h('p', {
    class: 'hint',
    text: 'For a lost computer, or when someone may know your password: every device signed in as you is signed out, this one too.',
  });

  const el = h(
    'div',
    { class: 'account-security' },
    h('section', { class: 'sub-section', 'aria-labelledby': passwordTitle.id }, passwordTitle, form, status),
    h('section', { class: 'sub-section', 'aria-labelledby': everywhereTitle.id }, everywhereTitle, everywhereHint, everywhere, ask.el),
  );

  watch((s) => s.errors.account ?? '', (error) => setText(alert, error));
  watch((s) => s.errors.everywhere ?? '', (error) => setText(everywhereAlert, error));
  watch((s) => s.accountNotice ?? '', (text) => setText(status, text));
  watch(
    (s) => !!s.pending.change_password,
    (busy) => {
      setBusy(submit, busy, 'Change password', 'Changing…');
      setAttr(form, 'aria-busy', busy ? 'true' : null);
    },
  );
  watch(
    (s) => !!s.pending.sign_out_everywhere,
    (busy) => {
      setBusy(ask.confirm, busy, 'Yes, sign out everywhere', 'Signing out…');
      ask.cancel.disabled = busy;
    },
  );
  return { el };
}
