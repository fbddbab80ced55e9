// The Connect screen's "Hosts on this network": the team hosts that answered the shell's
// search of the local network (mDNS), one row each; choosing one fills the server address.
// What a host announces is only its word: anyone on the network can announce one. So its
// fingerprint is shown to compare with the host's screen, never pinned: the certificate of
// the host chosen is checked as a typed address's is (see `Actions.connect`, and
// docs/desktop.md, "The team's host, found on the LAN"), and the section says why.
import type { Actions } from '../actions';
import { h, setAttr, setText, show, uid } from '../dom';
import { groupFingerprint, plainText, sameServer } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { FoundHost } from '../types';
import { button, type View } from './common';

export const SEARCHING = 'Searching the local network…';
export const NONE_FOUND = 'No team host answered on this network. Ask your host for the address.';
export const ANYONE_CAN_ANNOUNCE = 'Anyone on this network can announce a host: check the fingerprint with the person hosting.';

/** "Found 2 hosts: …", what the status says over the list. */
export function foundSentence(count: number): string {
  return `Found ${count === 1 ? 'one host' : `${count} hosts`}: choose yours to fill in the server address.`;
}

/**
 * The section; `choose` is told the host a row was chosen for (click, Enter or Space).
 * It searches when told (`search`: when the screen opens, and "Search again"); `mark`
 * marks the row of the address the form holds now.
 */
export function foundHostsSection(
  actions: Actions,
  watch: Watch,
  on: { choose(host: FoundHost): void },
): View & { search(): void; mark(address: string): void } {
  const id = uid('hosts');
  const title = h('h2', { class: 'found-hosts-title', id: `${id}-title`, text: 'Hosts on this network' });
  const again = button('Search again', { cls: 'ghost small', icon: icon('refresh'), onclick: () => search() });
  again.classList.add('found-hosts-again');
  const status = h('p', { class: 'found-hosts-status', role: 'status' });
  const list = h('ul', { class: 'found-hosts-list', 'aria-labelledby': title.id, hidden: true });
  const note = h('p', { class: 'found-hosts-note', text: ANYONE_CAN_ANNOUNCE, hidden: true });
  const el = h(
    'section',
    { class: 'found-hosts', 'aria-labelledby': title.id },
    h('div', { class: 'found-hosts-head' }, title, again),
    status,
    list,
    note,
  );

  // One search at a time: the button stays focusable meanwhile (a disabled one would drop
  // the keyboard's focus), and says it is busy instead.
  let searching = false;
  const search = () => {
    if (!searching) void actions.findHosts();
  };

  let address = '';
  const rows = () => [...list.querySelectorAll<HTMLButtonElement>('.found-host')];
  const markRows = () => {
    for (const row of rows()) {
      const chosen = sameServer(row.dataset.url ?? '', address);
      row.classList.toggle('chosen', chosen);
      setAttr(row, 'aria-current', chosen ? 'true' : null);
    }
  };

  // Drawn again only when the answer differs: a search that finds the same hosts leaves
  // the rows (and the keyboard's place on one) as they were.
  let drawn = '';
  const drawList = (hosts: FoundHost[]) => {
    const key = JSON.stringify(hosts);
    if (key === drawn) return;
    drawn = key;
    const focused = rows().find((row) => row === document.activeElement);
    list.replaceChildren(...hosts.map((host) => h('li', null, hostRow(host, () => on.choose(host)))));
    if (focused) (rows().find((row) => row.dataset.url === focused.dataset.url) ?? again).focus();
    markRows();
  };

  watch(
    (s) => ({ hosts: s.foundHosts, busy: !!s.pending.find_hosts, error: s.errors.find_hosts ?? '' }),
    ({ hosts, busy, error }) => {
      searching = busy;
      const count = hosts?.length ?? 0;
      setText(status, busy ? SEARCHING : error || (hosts ? (count ? foundSentence(count) : NONE_FOUND) : ''));
      el.dataset.state = busy ? 'searching' : error ? 'failed' : hosts ? (count ? 'found' : 'none') : 'idle';
      // Searching again, the hosts found before stay (dimmed) until the answer: the form
      // under the section does not jump twice.
      drawList(hosts ?? []);
      show(list, count > 0);
      show(note, count > 0);
      setAttr(list, 'aria-busy', busy && count > 0 ? 'true' : null);
      setAttr(again, 'aria-disabled', busy ? 'true' : null);
    },
  );

  return {
    el,
    search,
    mark(value) {
      address = value;
      markRows();
    },
  };
}

/** A host's row: its name, its address, and its certificate's fingerprint in groups of
 * four (eight to a line, as the host's screen shows it). The button is named by the name
 * and address; the fingerprint describes it. */
function hostRow(host: FoundHost, choose: () => void): HTMLButtonElement {
  const id = uid('host');
  // A name from the network: without bidi controls, in its own direction.
  const name = h('span', { class: 'found-host-name', id: `${id}-name`, dir: 'auto', text: plainText(host.name).trim() || 'A host with no name' });
  const url = h('span', { class: 'found-host-url', id: `${id}-url`, text: host.url });
  const grouped = host.fingerprint ? groupFingerprint(plainText(host.fingerprint)) : '';
  const print = h(
    'span',
    { class: 'found-host-fp', id: `${id}-fp` },
    ...(grouped
      ? [h('span', { class: 'sr-only', text: 'Certificate fingerprint ' }), h('code', { class: 'found-host-print', text: grouped })]
      : [h('span', { class: 'found-host-none', text: 'No certificate fingerprint announced' })]),
  );
  const chosen = h('span', { class: 'found-host-chosen', 'aria-hidden': 'true' }, icon('check'), 'In the address');
  return h(
    'button',
    {
      type: 'button',
      class: 'found-host',
      'aria-labelledby': `${name.id} ${url.id}`,
      'aria-describedby': print.id,
      'data-url': host.url,
      onclick: choose,
    },
    name,
    chosen,
    url,
    print,
  );
}
