// The call card's dialogs that choose a colleague for the call in progress: Transfer (put
// the other party through to them, views/transfer.ts) and Add someone (bring them into the
// call, which grows into a meeting, views/addToCall.ts). A search box (focused on open),
// then the colleagues other than me and the other party with their presence; those who
// cannot take a call now are shown, turned off, with why. Choosing one (a click, or Enter
// on its row) asks the shell; while it runs nothing else can be chosen, a refusal is said
// in the dialog (which stays open), and success closes it. Escape and Cancel close it,
// back on the button that opened it.
//
// Not a native <dialog>: shown modal, it would make an incoming call's dialog (in
// #modal-root) inert under it. As the other dialogs here, a backdrop over the window, the
// rest of the window inert behind it, and focus kept inside.
//
// Each part has a shared class (`chooser-…`, styled once) and the dialog's own
// (`transfer-…`, `add-…`, for tests and anything particular).
//
// A dialog may also offer a choice above the search box that changes what choosing does
// (Transfer: now, or after talking to them first): `PickerKind.choice`, on Tab's way.
import { alertRegion, field, h, inertAround, setAttr, setDisabled, setText, show, uid } from '../dom';
import { displayName, initials, plainText, plural, presenceLabel } from '../format';
import { icon, type IconName } from '../icons';
import { callBlockReason, effectiveStatus, isCallable, isDisabled, visibleUsers } from '../people';
import type { ErrorArea, Watch } from '../state';
import type { DirectoryEntry } from '../types';
import { avatar, presenceTag } from './common';

/** On the row, in a few words, why they cannot take the call now (the presence beside it
 * says offline, busy or do not disturb; this says what follows from it). */
function shortWhy(u: DirectoryEntry): string {
  if (isDisabled(u)) return 'Account disabled';
  if (effectiveStatus(u) !== 'offline' && u.presence.current_call != null) return 'In a call';
  const status = effectiveStatus(u);
  if (status === 'offline' || status === 'busy' || status === 'dnd') return 'Can’t take calls now';
  return 'Not taking calls';
}

/** A choice above the search box that changes what choosing a colleague does. */
export interface PickerChoice {
  el: HTMLElement;
  /** Where Tab lands in it (it comes before the search box on Tab's way). */
  tabStop(): HTMLElement;
  /** Off while the shell works on a choice. */
  setDisabled(on: boolean): void;
}

/** An element holding the other party's name ("Bob Stone"), kept up to date; one per place
 * the name is said. */
export type NameSpan = () => HTMLElement;

/** What makes one dialog of the kind differ from the other. */
export interface PickerKind {
  /** The dialog's own class prefix: 'transfer' or 'add'. */
  kind: string;
  /** The dialog's icon, and (unless `rowIcon` says otherwise) each choosable row's. */
  icon: IconName;
  /** The icon at the end of a choosable row. */
  rowIcon?: () => Node;
  /** The heading and the text under it. */
  title(them: NameSpan): (Node | string)[];
  desc(them: NameSpan): (Node | string)[];
  /** Above the search box: a choice that changes what choosing does; `changed`: to call when
   * it changes (the dialog redraws). */
  choice?(changed: () => void, them: NameSpan): PickerChoice;
  /** On the row being chosen, while the shell works: "Putting through…". */
  rowBusy(): string;
  /** The summary while the shell works: "Putting Bob Stone through to Carol Diaz…". */
  working(them: string, to: string): string;
  /** "… can take the call now", after "6 colleagues, 2". */
  canNow: string;
  /** Nobody else on the server. */
  nobody(them: string): string;
  /** The commands' pending keys (any of them pending: the shell works), and the area
   * their refusals are said in. */
  pendingKeys: string[];
  errorArea: ErrorArea;
  /** Ask the shell; true when it went (the dialog then closes). */
  choose(userId: number): Promise<boolean>;
  /** Clear the last refusal (on open). */
  clearError(): void;
  /** Where focus goes when it went: back on the opener (`true`), or where the call card
   * puts it (the call ended). */
  refocusOnSuccess: boolean;
}

interface RowState {
  /** Why they cannot take the call now, as a sentence; null when they can. */
  why: string | null;
  /** The shell works on them. */
  busy: boolean;
  /** The shell works (on anyone): nothing can be chosen. */
  locked: boolean;
  /** The row Tab lands on in the list (the others: the arrow keys). */
  current: boolean;
}

interface Row {
  li: HTMLLIElement;
  btn: HTMLButtonElement;
  update(u: DirectoryEntry, st: RowState): void;
}

function pickRow(k: PickerKind, c: (part: string) => string, u0: DirectoryEntry, onChoose: (userId: number, row: Row) => void): Row {
  const name = h('span', { class: c('name'), dir: 'auto' });
  const sub = h('span', { class: c('username'), dir: 'auto' });
  const presence = presenceTag();
  const whyShort = h('span', { class: c('why'), 'aria-hidden': 'true' });
  const whyId = uid(`${k.kind}-why`);
  const whyFull = h('span', { class: 'sr-only', id: whyId });
  const av = avatar(displayName(u0));
  const btn = h(
    'button',
    { type: 'button', class: c('person'), tabindex: '-1', 'data-user-id': String(u0.id) },
    av,
    h('span', { class: c('who') }, name, sub),
    h('span', { class: c('state') }, presence.el, whyShort),
    k.rowIcon ? h('span', { class: c('go') }, k.rowIcon()) : icon(k.icon, `icon ${c('go')}`),
  );
  const li = h('li', null, btn, whyFull);
  let userId = u0.id;
  const row: Row = {
    li,
    btn,
    update(u, st) {
      userId = u.id;
      const n = displayName(u);
      setText(name, n);
      setText(av, initials(n));
      setText(sub, plainText(u.username));
      const status = effectiveStatus(u);
      presence.set(status);
      setAttr(btn, 'data-status', status);
      // Named by who and their presence; why they cannot take it, as its description.
      setAttr(btn, 'aria-label', `${n}, ${presenceLabel(status)}`);
      // aria-disabled, not disabled: a row that cannot be chosen can still be reached with
      // the arrow keys, and says why; and the chosen row keeps focus while the shell works.
      setAttr(btn, 'aria-disabled', st.why || st.locked ? 'true' : null);
      setAttr(btn, 'data-blocked', st.why ? 'true' : null);
      setAttr(btn, 'aria-busy', st.busy ? 'true' : null);
      setAttr(btn, 'aria-describedby', st.why ? whyId : null);
      setAttr(btn, 'title', st.why);
      setText(whyFull, st.why ?? '');
      setText(whyShort, st.busy ? k.rowBusy() : st.why ? shortWhy(u) : '');
      setAttr(btn, 'tabindex', st.current ? '0' : '-1');
    },
  };
  btn.addEventListener('click', () => {
    if (btn.getAttribute('aria-disabled') !== 'true') onChoose(userId, row);
  });
  return row;
}

/** Who can take a call first, then as in People: by presence, then by name. */
function pickOrder(users: DirectoryEntry[], query: string, meId: number | null, themId: number): DirectoryEntry[] {
  const shown = visibleUsers(users, query, 'all', meId).filter((u) => u.id !== themId);
  return [...shown.filter(isCallable), ...shown.filter((u) => !isCallable(u))];
}

export interface PickerDialog {
  el: HTMLElement;
  open(): void;
  /** Focus back inside (the search box, or the row being worked on), when it is open. */
  focus(): void;
  readonly isOpen: boolean;
}

export function colleaguePicker(k: PickerKind, watch: Watch, opener: HTMLButtonElement): PickerDialog {
  const c = (part: string) => `chooser-${part} ${k.kind}-${part}`;
  const titleId = uid(`${k.kind}-title`);
  const descId = uid(`${k.kind}-desc`);
  // Every place the other party's name is said.
  const names: HTMLElement[] = [];
  const them: NameSpan = () => {
    const span = h('span', { dir: 'auto' });
    names.push(span);
    return span;
  };
  const title = h('h2', { id: titleId, class: 'modal-title' }, ...k.title(them));
  const desc = h('p', { id: descId, class: 'modal-text' }, ...k.desc(them));
  const choice = k.choice?.(() => redraw(), them) ?? null;
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Name or username',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const searchField = h('div', { class: 'search-wrap' }, icon('search', 'icon search-icon'), field('Search colleagues', search));
  const summary = h('p', { class: c('summary'), role: 'status' });
  const list = h('ul', { class: c('list'), 'aria-label': 'Colleagues' });
  const empty = h('p', { class: c('empty'), hidden: true });
  const alert = alertRegion();
  const cancel = h(
    'button',
    { type: 'button', class: 'btn secondary' },
    h('span', { class: 'label', text: 'Cancel' }),
    h('kbd', { 'aria-hidden': 'true', text: 'Esc' }),
  );
  cancel.addEventListener('click', () => close(true));
  const dialog = h(
    'div',
    { class: `modal ${c('dialog')}`, role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, 'aria-describedby': descId },
    h('div', { class: c('head') }, icon(k.icon, `icon ${c('icon')}`), title),
    desc,
    choice?.el,
    searchField,
    summary,
    list,
    empty,
    alert,
    h('div', { class: c('actions') }, cancel),
  );
  const el = h('div', { class: `modal-backdrop ${c('backdrop')}`, hidden: true }, dialog);

  let isOpen = false;
  let undoInert: (() => void) | null = null;
  /** The call it is open for. */
  let callId: number | null = null;
  /** Whom I chose last (their row shows the shell working). */
  let chosen: number | null = null;
  /** The row Tab lands on in the list: the one focused last, else the first. */
  let current: number | null = null;
  let busy = false;
  const rows = new Map<number, Row>();
  const shownRows = (): Row[] => Array.from(list.children, (li) => rows.get(Number((li.firstElementChild as HTMLElement).dataset.userId))!);

  const choose = (userId: number, row: Row) => {
    if (busy) return;
    chosen = userId;
    row.btn.focus();
    void k.choose(userId).then((ok) => {
      if (ok) close(k.refocusOnSuccess);
    });
  };

  /** Close; `restore`: back on the opener (Escape, Cancel). Otherwise (the call ended)
   * the call card decides where focus goes. */
  function close(restore: boolean): void {
    if (!isOpen || (restore && busy)) return;
    isOpen = false;
    callId = null;
    const hadFocus = dialog.contains(document.activeElement);
    show(el, false);
    undoInert?.();
    undoInert = null;
    if (restore) opener.focus();
    else if (hadFocus) (document.activeElement as HTMLElement | null)?.blur();
  }

  el.addEventListener('keydown', (e) => {
    if (!isOpen) return;
    if (e.key === 'Escape') {
      // Also keeps full window (which Escape leaves) as it is.
      e.preventDefault();
      close(true);
    } else if (e.key === 'Tab') {
      // Focus goes round the choice (if any), the search box, the list (its current row)
      // and Cancel.
      e.preventDefault();
      const row = shownRows().find((r) => r.btn.tabIndex === 0);
      const stop = choice?.tabStop();
      const items = [stop, search, row?.btn, cancel].filter((x): x is HTMLElement => !!x && !(x as HTMLInputElement).disabled);
      if (items.length === 0) return;
      const inside = (x: HTMLElement, part: HTMLElement | undefined) => x === part && !!choice && choice.el.contains(document.activeElement);
      const at = items.findIndex(
        (x) => x === document.activeElement || (x === row?.btn && list.contains(document.activeElement)) || inside(x, stop),
      );
      const step = e.shiftKey ? -1 : 1;
      items[(at + step + items.length) % items.length].focus();
    }
  });
  // The list: the arrow keys, Home and End go from row to row; up from the first, back to
  // the search box. A held Enter does not choose.
  list.addEventListener('keydown', (e) => {
    const all = shownRows();
    const at = all.findIndex((r) => r.btn === document.activeElement);
    if (at < 0) return;
    const to = (i: number) => {
      e.preventDefault();
      if (i < 0) search.focus();
      else all[Math.min(i, all.length - 1)].btn.focus();
    };
    if (e.key === 'ArrowDown') to(at + 1);
    else if (e.key === 'ArrowUp') to(at - 1);
    else if (e.key === 'Home') to(0);
    else if (e.key === 'End') to(all.length - 1);
    else if ((e.key === 'Enter' || e.key === ' ') && e.repeat) e.preventDefault();
  });
  list.addEventListener('focusin', (e) => {
    const btn = (e.target as HTMLElement).closest<HTMLButtonElement>('.chooser-person');
    if (!btn) return;
    current = Number(btn.dataset.userId);
    for (const r of shownRows()) r.btn.tabIndex = r.btn === btn ? 0 : -1;
  });
  // From the search box: down (or Enter) into the list, on the first row (Enter: the first
  // who can take the call), to choose there.
  search.addEventListener('keydown', (e) => {
    const all = shownRows();
    if (e.key === 'ArrowDown' && all.length) {
      e.preventDefault();
      all[0].btn.focus();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      (all.find((r) => !r.btn.hasAttribute('data-blocked')) ?? all[0])?.btn.focus();
    }
  });
  search.addEventListener('input', () => redraw());
  // Clicks on the backdrop must not reach (or focus) anything behind it.
  el.addEventListener('mousedown', (e) => {
    if (e.target === el) e.preventDefault();
  });
  // Focus that leaves the dialog (a click on nothing) comes back in, unless a dialog over
  // it (an incoming call) has it.
  dialog.addEventListener('focusout', (e) => {
    if (isOpen && !dialog.contains(e.relatedTarget as Node | null)) queueMicrotask(() => {
      if (isOpen && !el.closest('[inert]') && !dialog.contains(document.activeElement)) search.focus();
    });
  });

  type Slice = {
    users: DirectoryEntry[] | null;
    meId: number | null;
    themId: number | null;
    themName: string;
    callId: number | null;
    pending: boolean;
    error: string;
  };
  let last: Slice | null = null;
  const redraw = () => {
    if (last) draw(last);
  };
  watch(
    (s): Slice => {
      const call = s.app?.active_call;
      const meId = s.app?.me?.id ?? null;
      const active = call?.status === 'active' ? call : null;
      const them = active ? (active.initiator === meId ? active.recipient_details : active.initiator_details) : null;
      return {
        users: s.app?.users ?? null,
        meId,
        themId: them?.id ?? null,
        themName: them ? displayName(them) : '',
        callId: active?.id ?? null,
        pending: k.pendingKeys.some((key) => !!s.pending[key]),
        error: s.errors[k.errorArea] ?? '',
      };
    },
    (slice) => {
      last = slice;
      // The call it was opened for ended (or another took its place): nothing to do.
      if (isOpen && slice.callId !== callId) close(false);
      draw(slice);
    },
  );

  function draw({ users, meId, themId, themName, pending, error }: Slice): void {
    busy = pending;
    for (const name of names) setText(name, themName);
    setText(alert, isOpen ? error : '');
    setAttr(dialog, 'aria-busy', pending ? 'true' : null);
    setDisabled(search, pending);
    setDisabled(cancel, pending);
    choice?.setDisabled(pending);
    if (!isOpen || !users || themId == null) return;

    const shown = pickOrder(users, search.value, meId, themId);
    const keep = new Set(shown.map((u) => u.id));
    for (const [id, row] of rows) {
      if (!keep.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    if (current == null || !keep.has(current)) current = shown[0]?.id ?? null;
    const focused = document.activeElement;
    const firstBlocked = shown.findIndex((u) => !isCallable(u));
    shown.forEach((u, i) => {
      let row = rows.get(u.id);
      if (!row) {
        row = pickRow(k, c, u, choose);
        rows.set(u.id, row);
      }
      row.update(u, { why: callBlockReason(u, false), busy: pending && chosen === u.id, locked: pending, current: u.id === current });
      row.li.classList.toggle('is-first-blocked', i > 0 && i === firstBlocked);
      if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] ?? null);
    });
    // Moving a row can drop focus; put it back where it was.
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();

    const everyone = users.filter((u) => u.id !== meId && u.id !== themId);
    const q = search.value.trim();
    if (pending && chosen != null) {
      const to = users.find((u) => u.id === chosen);
      setText(summary, k.working(themName, to ? displayName(to) : 'them'));
    } else if (shown.length === everyone.length) {
      setText(summary, `${plural(everyone.length, 'colleague')}, ${everyone.filter(isCallable).length} ${k.canNow}`);
    } else setText(summary, `Showing ${shown.length} of ${everyone.length}`);
    setText(empty, everyone.length === 0 ? k.nobody(themName) : `No one matches “${q}”.`);
    show(empty, shown.length === 0);
    show(list, shown.length > 0);
  }

  return {
    el,
    get isOpen() {
      return isOpen;
    },
    open() {
      if (isOpen || !last || last.callId == null) return;
      isOpen = true;
      callId = last.callId;
      chosen = null;
      current = null;
      search.value = '';
      k.clearError();
      show(el, true);
      undoInert = inertAround(el);
      redraw();
      list.scrollTop = 0;
      search.focus();
    },
    focus() {
      if (!isOpen) return;
      // While the shell works the search box is off: the chosen row has focus.
      const row = busy && chosen != null ? rows.get(chosen) : undefined;
      (row?.btn ?? search).focus();
    },
  };
}
