// The sign-in form's question about a server's certificate: one no authority signed (the
// user compares its fingerprint with the host's screen, then trusts it or not), or one
// other than the certificate this computer trusted for that server (refused, in words).
// The form around it answers Escape (Cancel).
import { h, setText, show, uid } from '../dom';
import { groupFingerprint } from '../format';
import { icon } from '../icons';
import type { CertificateQuestion } from '../state';
import { button } from './common';

/** A fingerprint to compare by eye: monospace, eight groups of four to a line. */
export function fingerprintBlock(cls = ''): HTMLElement {
  return h('code', { class: `fingerprint ${cls}`.trim() });
}

/** `joining`: the question comes from "Create your account" rather than signing in. */
export function certificatePanel(on: { trust(): void; cancel(): void; joining?: boolean }): {
  el: HTMLElement;
  set(q: CertificateQuestion | null): void;
  focus(): void;
  trust: HTMLButtonElement;
} {
  const id = uid('cert');
  const title = h('h2', { class: 'cert-title', id: `${id}-title` });
  const intro = h('p', { id: `${id}-text` });
  const shownLabel = h('p', { class: 'cert-label' });
  const shown = fingerprintBlock();
  const pinnedLabel = h('p', { class: 'cert-label', text: 'Trusted before' });
  const pinned = fingerprintBlock();
  const advice = h('p');
  const trust = button(on.joining ? 'Trust and create account' : 'Trust and sign in', { cls: 'primary', onclick: () => on.trust() });
  const cancel = button('Cancel', { cls: 'secondary', onclick: () => on.cancel() });
  const el = h(
    'section',
    {
      class: 'cert-panel',
      'aria-labelledby': title.id,
      'aria-describedby': intro.id,
      tabindex: '-1',
      hidden: true,
    },
    h('div', { class: 'cert-head' }, icon('warn'), title),
    intro,
    shownLabel,
    shown,
    pinnedLabel,
    pinned,
    advice,
    h('div', { class: 'cert-actions' }, trust, cancel),
  );
  return {
    el,
    trust,
    focus: () => el.focus(),
    set(q) {
      show(el, !!q);
      if (!q) return;
      const { check, serverUrl } = q;
      setText(shown, check.fingerprint_grouped || groupFingerprint(check.fingerprint));
      if (check.trust.kind === 'changed') {
        el.dataset.kind = 'changed';
        setText(title, `${on.joining ? 'No account made' : 'Not signed in'}: this server’s certificate has changed`);
        setText(
          intro,
          `The server at ${serverUrl} shows a different certificate than the one this computer trusted for it. ` +
            `Someone on the network may be standing in for it, so Switchboard did not ${on.joining ? 'send it anything' : 'sign in'}.`,
        );
        setText(shownLabel, 'Shown now');
        setText(pinned, groupFingerprint(check.trust.pinned));
        setText(
          advice,
          'If the host made a new certificate, ask them to send you a new invite link, and paste it into the server address.',
        );
        setText(cancel.querySelector('.label') as HTMLElement, 'Close');
      } else {
        el.dataset.kind = 'unknown';
        setText(title, 'Is this your team’s server?');
        setText(
          intro,
          `The certificate of ${serverUrl} is not signed by an authority this computer knows, ` +
            'so Switchboard cannot tell by itself that it is your team’s server.',
        );
        setText(shownLabel, 'Its certificate fingerprint');
        setText(pinned, '');
        setText(
          advice,
          'Compare it with the fingerprint on the host’s screen (on the host: Settings → Hosting for your team). ' +
            'Trust it only if every group matches. Or ask the host for the invite link and paste it into the server address.',
        );
        setText(cancel.querySelector('.label') as HTMLElement, 'Cancel');
      }
      const changed = check.trust.kind === 'changed';
      show(pinnedLabel, changed);
      show(pinned, changed);
      show(trust, !changed);
    },
  };
}
