// Settings → Team → "Or add teammates with a password" (admins only): create an account
// for a colleague, then say how they sign in (and, when this computer hosts, at which
// address). Invites (team.ts) are the recommended way; this stays for when there is none.
import type { Actions } from '../actions';
import { alertRegion, field, h, setAttr, setText, show } from '../dom';
import { plainText } from '../format';
import type { Watch } from '../state';
import type { AppState, UserSummary } from '../types';
import { button, setBusy, type View } from './common';

/** The address teammates use: this computer's first network address when it hosts. */
export function teammateAddress(app: AppState): string | null {
  const host = app.hosting;
  if (!host) return null;
  return host.lan_urls[0] ?? host.url;
}

/** "Bob Stone can now sign in as bob." */
export function addedSentence(u: UserSummary): string {
  const name = plainText(u.full_name).trim();
  const username = plainText(u.username);
  return name ? `${name} can now sign in as ${username}.` : `${username} can now sign in.`;
}

export function teammatesView(actions: Actions, watch: Watch): View {
  const fullName = h('input', { type: 'text', name: 'teammate_full_name', required: true, autocomplete: 'off' });
  // Not "username"/"current-password": the browser must not fill in the admin's own sign-in.
  const username = h('input', {
    type: 'text',
    name: 'teammate_username',
    required: true,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const email = h('input', { type: 'email', name: 'teammate_email', autocomplete: 'off', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'teammate_password', required: true, autocomplete: 'new-password' });
  const alert = alertRegion();
  const status = h('p', { class: 'notice', role: 'status' });
  const submit = button('Add teammate', { cls: 'primary', type: 'submit' });

  const form = h(
    'form',
    { class: 'form teammate-form', 'aria-label': 'Add a teammate' },
    field('Full name', fullName, 'How colleagues will see them.'),
    field('Username', username, 'They sign in with this.'),
    field('Email (optional)', email),
    field('Password', password, 'At least 8 characters. Share it with them privately.'),
    h('div', { class: 'form-end' }, alert, submit),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    void actions
      .addTeammate({ fullName: fullName.value, username: username.value, email: email.value, password: password.value })
      .then((ok) => {
        if (ok) {
          form.reset();
          fullName.focus();
        } else if (!form.contains(document.activeElement)) {
          // The busy button lost focus while disabled: put it back where the user was.
          submit.focus();
        }
      });
  });

  const titleId = 'teammates-title';
  const section = h(
    'section',
    { class: 'team-part teammates', 'aria-labelledby': titleId },
    h('h4', { id: titleId, text: 'Or add teammates with a password' }),
    h('p', {
      class: 'hint',
      text: 'You make the account and choose its password, then tell them both privately. An invite (above) saves that step.',
    }),
    form,
    status,
  );

  watch((s) => !!s.app?.me?.is_admin, (isAdmin) => show(section, isAdmin));
  watch((s) => s.errors.teammates ?? '', (error) => setText(alert, error));
  watch(
    (s) => !!s.pending.add_teammate,
    (adding) => {
      setBusy(submit, adding, 'Add teammate', 'Adding…');
      setAttr(form, 'aria-busy', adding ? 'true' : null);
    },
  );
  watch(
    (s) => ({ added: s.addedTeammate, address: s.app ? teammateAddress(s.app) : null }),
    ({ added, address }) => {
      if (!added) {
        status.replaceChildren();
      } else if (address) {
        // No full stop after the address: it would end up in what people copy.
        status.replaceChildren(`${addedSentence(added)} Server address: `, h('code', { class: 'added-url', text: address }));
      } else {
        status.replaceChildren(addedSentence(added));
      }
    },
  );
  return { el: section };
}
