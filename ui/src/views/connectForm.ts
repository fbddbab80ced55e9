// The "server URL, username, password" form, used by first run and by sign in. An invite
// link pasted into the server address (or opened from outside: `AppState.invite`) fills
// the address and brings the certificate to pin; an https server's certificate is checked
// before a first sign-in (see `Actions.connect`). With `findHosts` (first run's Connect),
// the team hosts found on the local network are listed under the address, to choose from.
import type { Actions, ConnectArea } from '../actions';
import { alertRegion, field, h, setText, show } from '../dom';
import { groupFingerprint, looksLikeInvite, sameServer } from '../format';
import type { Watch } from '../state';
import type { FoundHost, Invite } from '../types';
import { certificatePanel } from './certificate';
import { button, setBusy, type View } from './common';
import { foundHostsSection } from './foundHosts';

export function connectForm(
  actions: Actions,
  watch: Watch,
  area: ConnectArea,
  submitLabel: string,
  { findHosts = false }: { findHosts?: boolean } = {},
): View & {
  focus(): void;
  /** Search the local network for team hosts (with `findHosts`; otherwise nothing). */
  searchHosts(): void;
} {
  const url = h('input', {
    type: 'text',
    inputmode: 'url',
    name: 'server',
    required: true,
    autocomplete: 'url',
    placeholder: 'https://10.0.0.5:8000',
    spellcheck: 'false',
  });
  const username = h('input', { type: 'text', name: 'username', required: true, autocomplete: 'username', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' });
  const submit = button(submitLabel, { cls: 'primary wide', type: 'submit' });
  const alert = alertRegion();
  /** The invite in the state (opened from outside or pasted here), the certificate
   * question being open, and a command of this form in flight. */
  let invite: Pick<Invite, 'server' | 'fingerprint'> | null = null;
  let asked = false;
  let busy = false;
  const urlField = field(
    'Server address',
    url,
    'The address your team uses, for example https://10.0.0.5:8000 (ask your admin). You can also paste the invite link the host sent you.',
  );
  // The certificate an invite brought, while the address is still the invite's server.
  const inviteNote = h('p', { class: 'invite-note', id: `${url.id}-invite`, hidden: true });
  urlField.append(inviteNote);
  url.setAttribute('aria-describedby', `${url.id}-hint ${inviteNote.id}`);

  const credentials = () => ({ username: username.value, password: password.value });
  const cancelQuestion = () => {
    actions.dismiss('certificate');
    url.focus();
  };
  const panel = certificatePanel({
    trust: () => {
      void actions.trustCertificate(credentials()).then(() => {
        if (alert.textContent) password.select();
      });
    },
    cancel: cancelQuestion,
  });

  // Under the address, not over it: the address field stays where it is while the search
  // runs and its answer comes. A host chosen fills the address only (its announcement
  // proves nothing), and the next field to fill takes the focus.
  const hosts = findHosts
    ? foundHostsSection(actions, watch, {
        choose: (host: FoundHost) => {
          url.value = host.url;
          addressChanged();
          (username.value ? password : username).focus();
        },
      })
    : null;

  const form = h(
    'form',
    { class: 'form', 'aria-label': submitLabel },
    urlField,
    hosts?.el,
    field('Username', username),
    field('Password', password),
    alert,
    panel.el,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy) return;
    void actions.connect(area, { serverUrl: url.value, ...credentials() }).then(() => {
      if (alert.textContent) password.select();
    });
  });
  // Escape anywhere in the form answers "Cancel" while the certificate question is open.
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && asked && !busy) {
      e.preventDefault();
      cancelQuestion();
    }
  });

  // An invite link pasted (or typed, then left) in the address: read it at once.
  let triedLink = '';
  const openInvite = (link: string) => {
    triedLink = link.trim();
    void actions.openInvite(area, link).then((opened) => {
      if (opened) url.value = opened.server;
      drawAddress();
    });
  };
  url.addEventListener('paste', (e) => {
    const text = e.clipboardData?.getData('text') ?? '';
    if (!looksLikeInvite(text)) return;
    e.preventDefault();
    url.value = text.trim();
    openInvite(text);
  });
  url.addEventListener('change', () => {
    if (looksLikeInvite(url.value) && url.value.trim() !== triedLink) openInvite(url.value);
  });
  /** The address changed (typed, or a host chosen). */
  function addressChanged(): void {
    // The question was about the address as it was.
    if (asked) actions.dismiss('certificate');
    drawAddress();
  }
  url.addEventListener('input', addressChanged);

  const drawInviteNote = () => {
    const current = invite && sameServer(invite.server, url.value) ? invite : null;
    const grouped = current ? groupFingerprint(current.fingerprint) : '';
    if (inviteNote.dataset.shown !== grouped) {
      inviteNote.dataset.shown = grouped;
      // Empty when hidden: the address field is described by it.
      if (grouped) inviteNote.replaceChildren('Certificate from the invite: ', h('code', { text: grouped }));
      else inviteNote.replaceChildren();
    }
    show(inviteNote, !!current);
  };
  /** What follows the address: the invite's certificate note, the host found marked. */
  function drawAddress(): void {
    drawInviteNote();
    hosts?.mark(url.value);
  }

  let prefilled = false;
  watch(
    (s) => s.app?.server_url ?? null,
    (serverUrl) => {
      if (prefilled || !serverUrl) return;
      url.value = serverUrl;
      prefilled = true;
      drawAddress();
    },
  );
  // An invite (opened from outside, or pasted here) fills the address.
  watch(
    (s) => [s.app?.invite?.server ?? null, s.app?.invite?.fingerprint ?? null],
    ([server, fingerprint]) => {
      invite = server && fingerprint ? { server, fingerprint } : null;
      if (invite) {
        url.value = invite.server;
        prefilled = true;
      }
      drawAddress();
    },
  );
  watch((s) => s.errors[area] ?? '', (error) => setText(alert, error));

  watch(
    (s) => (s.certificate?.area === area ? s.certificate : null),
    (q, prev) => {
      asked = !!q;
      panel.set(q);
      show(submit, !q);
      if (q && q !== prev) panel.focus();
    },
  );
  watch(
    (s) => ({ signing: !!s.pending.sign_in, checking: !!s.pending.check_server, reading: !!s.pending.open_invite }),
    ({ signing, checking, reading }) => {
      busy = signing || checking || reading;
      const working = checking ? 'Checking the server…' : reading ? 'Reading the invite…' : 'Signing in…';
      setBusy(submit, busy, submitLabel, working);
      setBusy(panel.trust, signing, 'Trust and sign in', 'Signing in…');
    },
  );
  return {
    el: form,
    focus() {
      (url.value ? username.value ? password : username : url).focus();
    },
    searchHosts: () => hosts?.search(),
  };
}
