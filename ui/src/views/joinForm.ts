// "Create your account" with a one-time invite code from the team's admin. From an invite
// link (`AppState.invite` with a code) the server, its certificate and the code are the
// link's; by hand ("I have an invite code") the person types the server address and the
// code, and the server's certificate is checked as for signing in (see `Actions.join`).
import { MIN_PASSWORD, passwordProblem, type Actions, type JoinFields } from '../actions';
import { alertRegion, field, h, setAttr, setText, show } from '../dom';
import { groupFingerprint, looksLikeInvite, sameServer } from '../format';
import type { Watch } from '../state';
import type { Invite } from '../types';
import { certificatePanel } from './certificate';
import { button, setBusy, type View } from './common';

const TITLE = 'Create your account';

export function joinForm(actions: Actions, watch: Watch, { heading }: { heading: boolean }): View & { focus(): void } {
  const server = h('input', {
    type: 'text',
    inputmode: 'url',
    name: 'join_server',
    required: true,
    autocomplete: 'url',
    placeholder: 'https://10.0.0.5:8000',
    spellcheck: 'false',
  });
  const code = h('input', {
    type: 'text',
    name: 'invite_code',
    required: true,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    class: 'mono',
  });
  const fullName = h('input', { type: 'text', name: 'full_name', required: true, autocomplete: 'name' });
  const username = h('input', {
    type: 'text',
    name: 'new_username',
    required: true,
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'new_password', required: true, autocomplete: 'new-password' });
  const confirm = h('input', { type: 'password', name: 'confirm_password', required: true, autocomplete: 'new-password' });
  const alert = alertRegion();
  const submit = button('Create account', { cls: 'primary wide', type: 'submit' });

  // Typed by hand: where, and the code.
  const serverField = field(
    'Server address',
    server,
    'The address your admin sent with the code, for example https://10.0.0.5:8000. You can also paste the invite link.',
  );
  const inviteNote = h('p', { class: 'invite-note', id: `${server.id}-invite`, hidden: true });
  serverField.append(inviteNote);
  server.setAttribute('aria-describedby', `${server.id}-hint ${inviteNote.id}`);
  const byHand = h('div', { class: 'join-by-hand' }, serverField, field('Invite code', code, 'The code your admin sent you. It works once.'));

  // From a link: said, not asked.
  const fromLink = h('div', { class: 'running-note join-invite', hidden: true });

  /** The invite in the state, and what this form is doing. */
  let invite: Invite | null = null;
  let asked = false;
  let busy = false;
  const linkInvite = () => (invite?.code ? invite : null);

  const fields = (): JoinFields => {
    const link = linkInvite();
    return {
      serverUrl: link ? link.server : server.value,
      code: link ? (link.code ?? '') : code.value,
      fullName: fullName.value,
      username: username.value,
      email: email.value,
      password: password.value,
    };
  };
  const cancelQuestion = () => {
    actions.dismiss('certificate');
    server.focus();
  };
  const panel = certificatePanel({
    joining: true,
    trust: () => void actions.trustCertificateToJoin(fields()).then(afterSubmit),
    cancel: cancelQuestion,
  });

  const titleEl = heading ? h('h2', { class: 'join-title', text: TITLE }) : null;
  const form = h(
    'form',
    { class: 'form join-form', 'aria-label': TITLE },
    titleEl,
    fromLink,
    byHand,
    field('Full name', fullName, 'How colleagues will see you.'),
    field('Username', username, 'You sign in with this.'),
    field('Email (optional)', email),
    field('Password', password, 'At least 8 characters.'),
    field('Confirm password', confirm),
    alert,
    panel.el,
    submit,
  );

  const markInvalid = (which: HTMLInputElement | null) => {
    for (const input of [password, confirm]) setAttr(input, 'aria-invalid', input === which ? 'true' : null);
  };
  function afterSubmit(): void {
    // The busy button lost focus while disabled: back into the form, near the error.
    if (!asked && alert.textContent && !form.contains(document.activeElement)) submit.focus();
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy) return;
    const problem = passwordProblem(password.value, confirm.value);
    if (problem) {
      const wrong = password.value.length < MIN_PASSWORD ? password : confirm;
      markInvalid(wrong);
      actions.say('join', problem);
      wrong.select();
      return;
    }
    markInvalid(null);
    void actions.join(fields()).then(afterSubmit);
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && asked && !busy) {
      e.preventDefault();
      cancelQuestion();
    }
  });
  for (const input of [password, confirm]) {
    input.addEventListener('input', () => {
      if (input.getAttribute('aria-invalid')) markInvalid(null);
    });
  }

  // An invite link pasted into the address: read it (with a code, the form fills itself).
  let triedLink = '';
  const openInvite = (link: string) => {
    triedLink = link.trim();
    void actions.openInvite('join', link).then((opened) => {
      if (opened) server.value = opened.server;
      drawInviteNote();
    });
  };
  server.addEventListener('paste', (e) => {
    const text = e.clipboardData?.getData('text') ?? '';
    if (!looksLikeInvite(text)) return;
    e.preventDefault();
    server.value = text.trim();
    openInvite(text);
  });
  server.addEventListener('change', () => {
    if (looksLikeInvite(server.value) && server.value.trim() !== triedLink) openInvite(server.value);
  });
  server.addEventListener('input', () => {
    if (asked) actions.dismiss('certificate');
    drawInviteNote();
  });

  const drawInviteNote = () => {
    const current = invite && !invite.code && sameServer(invite.server, server.value) ? invite : null;
    const grouped = current ? groupFingerprint(current.fingerprint) : '';
    if (inviteNote.dataset.shown !== grouped) {
      inviteNote.dataset.shown = grouped;
      if (grouped) inviteNote.replaceChildren('Certificate from the invite: ', h('code', { text: grouped }));
      else inviteNote.replaceChildren();
    }
    show(inviteNote, !!current);
  };

  const drawMode = () => {
    const link = linkInvite();
    show(byHand, !link);
    show(fromLink, !!link);
    // Hidden fields must not block the form with `required`.
    server.required = !link;
    code.required = !link;
    if (link) {
      fromLink.replaceChildren(
        h('span', { class: 'join-invite-line' }, 'You were invited to the team at ', h('code', { text: link.server }), '.'),
        h(
          'span',
          { class: 'join-invite-line' },
          'Its certificate, from the invite: ',
          h('code', { class: 'fingerprint-inline', text: groupFingerprint(link.fingerprint) }),
        ),
      );
    }
  };

  let prefilled = false;
  watch(
    (s) => s.app?.server_url ?? null,
    (serverUrl) => {
      if (prefilled || !serverUrl) return;
      server.value = serverUrl;
      prefilled = true;
    },
  );
  watch(
    (s) => [s.app?.invite?.server ?? null, s.app?.invite?.fingerprint ?? null, s.app?.invite?.code ?? null],
    ([srv, fingerprint, inviteCode]) => {
      invite = srv && fingerprint ? { server: srv, fingerprint, code: inviteCode } : null;
      if (invite && !invite.code) {
        server.value = invite.server;
        prefilled = true;
      }
      drawMode();
      drawInviteNote();
    },
  );
  watch((s) => s.errors.join ?? '', (error) => setText(alert, error));
  watch(
    (s) => (s.certificate?.area === 'join' ? s.certificate : null),
    (q, prev) => {
      asked = !!q;
      panel.set(q);
      show(submit, !q);
      if (q && q !== prev) panel.focus();
    },
  );
  watch(
    (s) => ({ joining: !!s.pending.join_team, checking: !!s.pending.check_server, reading: !!s.pending.open_invite }),
    ({ joining, checking, reading }) => {
      busy = joining || checking || reading;
      const working = checking ? 'Checking the server…' : reading ? 'Reading the invite…' : 'Creating your account…';
      setBusy(submit, busy, 'Create account', working);
      setBusy(panel.trust, joining, 'Trust and create account', 'Creating your account…');
      setAttr(form, 'aria-busy', busy ? 'true' : null);
    },
  );

  return {
    el: form,
    focus() {
      const first = linkInvite() ? fullName : server.value ? code : server;
      first.focus();
    },
  };
}

/**
 * The sign-in form ("Sign in", or first run's "Connect") and "Create your account", one at
 * a time, with a small switch between them. An invite link with a code shows "Create your
 * account" first; "I have an invite code" shows it by hand. The form not shown is taken
 * out of the page (its fields' labels are the same).
 */
export function accountForms(
  signIn: View & { focus(): void },
  join: View & { focus(): void },
  actions: Actions,
  watch: Watch,
  onMode: (joining: boolean) => void = () => {},
): View & { focus(): void } {
  const toJoin = h('button', { type: 'button', class: 'link-btn', text: 'I have an invite code' });
  const toSignIn = h('button', { type: 'button', class: 'link-btn', text: 'I already have an account: sign in' });
  const signInPart = h('div', { class: 'account-part' }, signIn.el, h('p', { class: 'switch-line' }, toJoin));
  const joinPart = h('div', { class: 'account-part' }, join.el, h('p', { class: 'switch-line' }, toSignIn));
  const el = h('div', { class: 'account-forms' });

  let joining: boolean | null = null;
  const setJoining = (on: boolean, focus: boolean) => {
    if (joining === on) return;
    if (joining !== null) actions.dismiss('certificate');
    joining = on;
    el.replaceChildren(on ? joinPart : signInPart);
    onMode(on);
    if (focus) (on ? join : signIn).focus();
  };
  toJoin.addEventListener('click', () => setJoining(true, true));
  toSignIn.addEventListener('click', () => setJoining(false, true));

  // A new invite with a code (a link opened, or pasted) asks to create the account.
  watch(
    (s) => s.app?.invite?.code ?? null,
    (code, prev) => {
      if (code && code !== prev) setJoining(true, prev !== undefined);
      else if (joining === null) setJoining(false, false);
    },
  );
  return {
    el,
    focus: () => (joining ? join : signIn).focus(),
  };
}
