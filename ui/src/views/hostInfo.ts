// The addresses teammates use to reach the server this computer hosts, its certificate's
// fingerprint and the invite links that carry both.
import { h, setText, show } from '../dom';
import { icon } from '../icons';
import type { UiState, Watch } from '../state';
import { button } from './common';
import { fingerprintBlock } from './certificate';

/**
 * The hosted server's addresses as one flat list, `[url, ...lan_urls]`, or null when this
 * computer does not host. Every `app_state` brings a new HostInfo object; a list of
 * strings compares entry by entry, so the same addresses draw nothing.
 */
export function hostAddressList(s: UiState): string[] | null {
  const host = s.app?.hosting;
  return host ? [host.url, ...host.lan_urls] : null;
}

/** The certificate part, flat for the same reason: `[fingerprint_grouped, ...invite_links]`. */
export function hostInviteList(s: UiState): string[] | null {
  const host = s.app?.hosting;
  return host ? [host.fingerprint_grouped, ...host.invite_links] : null;
}

/** A "Copy" button for `value`, saying in `status` whether it worked. */
function copyButton(value: string, what: string, status: HTMLElement, done: string): HTMLButtonElement {
  const copy = button('Copy', {
    cls: 'ghost small',
    icon: icon('copy'),
    onclick: () => {
      navigator.clipboard
        .writeText(value)
        .then(() => setText(status, done))
        .catch(() => setText(status, `Could not copy: select the ${what} and copy it by hand.`));
    },
  });
  copy.setAttribute('aria-label', `Copy ${what === 'address' ? value : `the ${what}`}`);
  return copy;
}

/**
 * Where teammates connect: the LAN addresses, then the invite link(s) and the certificate's
 * fingerprint. `invites: 'first'` shows one invite link (the banner stays small), `'all'`
 * one per address (Settings).
 */
export function hostAddresses(watch: Watch, { invites }: { invites: 'first' | 'all' }): { el: HTMLElement } {
  const list = h('ul', { class: 'lan-urls', 'aria-label': 'Addresses for teammates' });
  const none = h('p', { class: 'hint' });
  const copied = h('p', { class: 'hint', role: 'status' });

  const inviteList = h('ul', { class: 'invite-links', 'aria-label': 'Invite links' });
  const inviteText = h('p', {
    class: 'invite-text',
    text: 'Or send them an invite link: they paste it into “Connect to a server” (or open it), and their app checks that it is really this computer.',
  });
  const fingerprint = fingerprintBlock();
  const fingerprintLabel = h('p', { class: 'cert-label', text: 'Certificate fingerprint' });
  const certificate = h(
    'div',
    { class: 'host-certificate', role: 'group', 'aria-label': 'Certificate fingerprint' },
    fingerprintLabel,
    fingerprint,
  );
  const trustBlock = h('div', { class: 'host-trust' }, inviteText, inviteList, certificate);

  const el = h('div', { class: 'lan-block' }, list, none, trustBlock, copied);
  watch(hostAddressList, (addresses) => {
    if (!addresses) return;
    const [url, ...lanUrls] = addresses;
    list.replaceChildren(
      ...lanUrls.map((lanUrl) =>
        h('li', null, h('code', { class: 'lan-url', text: lanUrl }), copyButton(lanUrl, 'address', copied, `Copied ${lanUrl}.`)),
      ),
    );
    setText(
      none,
      lanUrls.length ? '' : `No network address was found, so only this computer can connect (${url}). Check the network connection.`,
    );
    none.hidden = lanUrls.length > 0;
  });
  watch(hostInviteList, (entries) => {
    if (!entries) return;
    const [grouped, ...links] = entries;
    const shown = invites === 'first' ? links.slice(0, 1) : links;
    inviteList.replaceChildren(
      ...shown.map((link) =>
        h(
          'li',
          null,
          h('code', { class: 'invite-link', text: link, title: link }),
          copyButton(link, shown.length > 1 ? `invite link for ${serverOf(link)}` : 'invite link', copied, 'Copied the invite link.'),
        ),
      ),
    );
    show(inviteText, shown.length > 0);
    show(inviteList, shown.length > 0);
    setText(fingerprint, grouped);
    show(certificate, !!grouped);
    show(trustBlock, !!grouped || shown.length > 0);
  });
  return { el };
}

/** "switchboard://join?server=https://10.0.0.5:8000&fp=…" → "https://10.0.0.5:8000". */
function serverOf(link: string): string {
  return /[?&]server=([^&]+)/.exec(link)?.[1] ?? link;
}
