// The addresses teammates use to reach the server this computer hosts.
import { h, setText } from '../dom';
import { icon } from '../icons';
import type { HostInfo } from '../types';
import { button } from './common';

export function hostAddresses(): { el: HTMLElement; set(info: HostInfo): void } {
  const list = h('ul', { class: 'lan-urls', 'aria-label': 'Addresses for teammates' });
  const none = h('p', { class: 'hint' });
  const copied = h('p', { class: 'hint', role: 'status' });
  const el = h('div', { class: 'lan-block' }, list, none, copied);
  let sig = '';
  return {
    el,
    set(info: HostInfo) {
      const next = JSON.stringify([info.lan_urls, info.url]);
      if (next === sig) return;
      sig = next;
      list.replaceChildren(
        ...info.lan_urls.map((url) => {
          const copy = button('Copy', {
            cls: 'ghost small',
            icon: icon('copy'),
            onclick: () => {
              navigator.clipboard
                .writeText(url)
                .then(() => setText(copied, `Copied ${url}.`))
                .catch(() => setText(copied, 'Could not copy: select the address and copy it by hand.'));
            },
          });
          copy.setAttribute('aria-label', `Copy ${url}`);
          return h('li', null, h('code', { class: 'lan-url', text: url }), copy);
        }),
      );
      setText(
        none,
        info.lan_urls.length
          ? ''
          : `No network address was found, so only this computer can connect (${info.url}). Check the network connection.`,
      );
      none.hidden = info.lan_urls.length > 0;
    },
  };
}
