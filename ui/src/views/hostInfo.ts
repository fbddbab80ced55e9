// The addresses teammates use to reach the server this computer hosts.
import { h, setText } from '../dom';
import { icon } from '../icons';
import type { UiState, Watch } from '../state';
import { button } from './common';

/**
 * The hosted server's addresses as one flat list, `[url, ...lan_urls]`, or null when this
 * computer does not host. Every `app_state` brings a new HostInfo object; a list of
 * strings compares entry by entry, so the same addresses draw nothing.
 */
export function hostAddressList(s: UiState): string[] | null {
  const host = s.app?.hosting;
  return host ? [host.url, ...host.lan_urls] : null;
}

export function hostAddresses(watch: Watch): { el: HTMLElement } {
  const list = h('ul', { class: 'lan-urls', 'aria-label': 'Addresses for teammates' });
  const none = h('p', { class: 'hint' });
  const copied = h('p', { class: 'hint', role: 'status' });
  const el = h('div', { class: 'lan-block' }, list, none, copied);
  watch(hostAddressList, (addresses) => {
    if (!addresses) return;
    const [url, ...lanUrls] = addresses;
    list.replaceChildren(
      ...lanUrls.map((lanUrl) => {
        const copy = button('Copy', {
          cls: 'ghost small',
          icon: icon('copy'),
          onclick: () => {
            navigator.clipboard
              .writeText(lanUrl)
              .then(() => setText(copied, `Copied ${lanUrl}.`))
              .catch(() => setText(copied, 'Could not copy: select the address and copy it by hand.'));
          },
        });
        copy.setAttribute('aria-label', `Copy ${lanUrl}`);
        return h('li', null, h('code', { class: 'lan-url', text: lanUrl }), copy);
      }),
    );
    setText(
      none,
      lanUrls.length ? '' : `No network address was found, so only this computer can connect (${url}). Check the network connection.`,
    );
    none.hidden = lanUrls.length > 0;
  });
  return { el };
}
