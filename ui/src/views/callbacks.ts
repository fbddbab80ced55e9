// Call-backs: the people I said I would call back. Open ones by due time ("Due in 10 min",
// "Overdue by 5 min"), each with Call back, Snooze, Done and Delete; the done ones folded
// away under "Done". Shown only when the server has call-backs.
import type { Actions } from '../actions';
import { dueAtWords, dueCount, dueWords, isDue, isOpen, LATER } from '../callbacks';
import { alertRegion, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { displayName, formatWhen, plainText, plural } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { Callback } from '../types';
import { avatar, busyWhy, button, laterChoices, regardingNode, setBusy, type View } from './common';

const capital = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** "Due in 10 min" on the element, the time it is due in its title. */
function drawDue(el: HTMLElement, c: Callback, now: number): void {
  setText(el, capital(dueWords(c.due_at, now)));
  setAttr(el, 'title', dueAtWords(c.due_at, new Date(now)));
}

/** The lines under the name: the record, and the note. */
function details(c: Callback): (HTMLElement | null)[] {
  const note = plainText(c.note).trim();
  return [
    c.regarding ? h('div', { class: 'callback-regarding' }, regardingNode(c.regarding)) : null,
    note ? h('p', { class: 'callback-note', dir: 'auto', text: note }) : null,
  ];
}

interface OpenRow {
  li: HTMLLIElement;
  /** Buttons off while a command on this call-back runs; Call back also during a call or
   * a meeting (`inCall`: why, or null). */
  set(busy: boolean, inCall: string | null): void;
  tick(now: number): void;
}

function openRow(c: Callback, actions: Actions): OpenRow {
  const name = displayName(c.user_details);
  const nameId = uid('callback-name');
  const due = h('time', { class: 'callback-due tag', datetime: c.due_at });
  const call = button('Call back', { cls: 'call-btn small', icon: icon('phone'), onclick: () => void actions.callBack(c.id, 'callbacks') });
  setAttr(call, 'aria-label', `Call back ${name}`);
  call.dataset.focus = `${c.id}:call`;
  const snooze = laterChoices({
    label: 'Snooze',
    groupLabel: `Snooze the call-back to ${name} for`,
    choices: LATER,
    key: `${c.id}:snooze`,
    onChoose: (seconds) => void actions.snoozeCallback(c.id, seconds, 'callbacks'),
  });
  setAttr(snooze.toggle, 'aria-describedby', nameId);
  const done = button('Done', { cls: 'secondary small', icon: icon('check'), onclick: () => void actions.completeCallback(c.id, 'callbacks') });
  setAttr(done, 'aria-describedby', nameId);
  done.dataset.focus = `${c.id}:done`;
  const remove = button('Delete', { cls: 'ghost small danger-text', icon: icon('trash'), onclick: () => void actions.deleteCallback(c.id, 'callbacks') });
  setAttr(remove, 'aria-describedby', nameId);
  remove.dataset.focus = `${c.id}:delete`;

  const li = h(
    'li',
    { class: 'callback', 'data-callback-id': String(c.id) },
    avatar(name),
    h(
      'div',
      { class: 'callback-who' },
      h('span', { class: 'callback-line' }, h('span', { class: 'callback-name', id: nameId, dir: 'auto', text: name }), due),
      ...details(c),
    ),
    h('div', { class: 'callback-actions' }, call, snooze.el, done, remove),
  );
  return {
    li,
    set(busy, inCall) {
      setDisabled(call, busy || !!inCall);
      setAttr(call, 'title', inCall);
      snooze.setDisabled(busy);
      setDisabled(done, busy);
      setDisabled(remove, busy);
      setAttr(li, 'aria-busy', busy ? 'true' : null);
    },
    tick(now) {
      drawDue(due, c, now);
      setAttr(li, 'data-due', isDue(c, now) ? 'true' : null);
    },
  };
}

function doneRow(c: Callback, now: Date): HTMLLIElement {
  const name = displayName(c.user_details);
  const when = c.completed_at ? formatWhen(c.completed_at, now) : '';
  const how = c.completed_by_call != null ? 'Called back' : 'Done';
  return h(
    'li',
    { class: 'callback is-done', 'data-callback-id': String(c.id) },
    avatar(name),
    h(
      'div',
      { class: 'callback-who' },
      h(
        'span',
        { class: 'callback-line' },
        h('span', { class: 'callback-name', dir: 'auto', text: name }),
        h('span', { class: 'callback-done-when' }, `${how} `, h('time', { datetime: c.completed_at ?? '', text: when })),
      ),
      ...details(c),
    ),
  );
}

export function callbacksView(actions: Actions, watch: Watch): View & { tick(): void } {
  const alert = alertRegion();
  const refresh = button('Refresh', { cls: 'ghost small', icon: icon('refresh'), onclick: () => void actions.loadCallbacks() });
  const summary = h('p', { class: 'summary', role: 'status' });
  const list = h('ul', { class: 'callback-list', 'aria-label': 'Open call-backs' });
  const empty = h('p', {
    class: 'empty',
    text: 'No call-backs. Decline a call with “I’ll call you back…”, or choose “Call back later” for a missed call in History, and it is listed here.',
  });
  const doneCount = h('span');
  const doneList = h('ul', { class: 'callback-list', 'aria-label': 'Done call-backs' });
  const done = h('details', { class: 'callbacks-done' }, h('summary', null, 'Done ', doneCount), doneList);
  const heading = h('h2', { id: 'callbacks-title', text: 'Call-backs', tabindex: '-1' });
  const el = h(
    'section',
    { class: 'panel callbacks-panel', 'aria-labelledby': heading.id },
    h('div', { class: 'toolbar' }, heading, refresh),
    summary,
    alert,
    list,
    empty,
    done,
  );

  let rows: OpenRow[] = [];
  let open: Callback[] = [];
  let loaded = false;
  let state = { pending: {} as Record<string, boolean>, inCall: null as string | null };

  const drawSummary = (now: number) => {
    if (!loaded) return;
    const due = dueCount(open, now);
    setText(summary, open.length ? `${plural(open.length, 'open call-back')}${due ? `, ${due} due now` : ''}` : '');
  };

  // Where focus was in the list, to put it back when the list is drawn again (a row
  // moves when snoozed, goes when done) or a busy button is enabled again.
  let lastFocus: { key: string; index: number } | null = null;
  list.addEventListener('focusin', (e) => {
    const t = e.target as HTMLElement;
    const li = t.closest('li');
    if (t.dataset.focus && li) lastFocus = { key: t.dataset.focus, index: Array.prototype.indexOf.call(list.children, li) };
  });
  list.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !list.contains(to)) lastFocus = null;
  });
  const usable = (b: HTMLElement | null): b is HTMLElement => !!b && !(b as HTMLButtonElement).disabled && b.getClientRects().length > 0;
  const restoreFocus = () => {
    const active = document.activeElement;
    if (!lastFocus || (active && active !== document.body && !list.contains(active)) || el.hidden) return;
    if (active && list.contains(active)) return;
    const { key, index } = lastFocus;
    const id = key.split(':')[0];
    const row = list.querySelector<HTMLElement>(`li[data-callback-id="${id}"]`);
    // The same button, else (a time chosen, its group closed) the button that opened it.
    const target = [key, key.replace(/-\d+$/, '')]
      .map((k) => list.querySelector<HTMLElement>(`[data-focus="${k}"]`))
      .find(usable);
    if (target) return target.focus();
    if (row) return;
    // The call-back left the open list: the one now in its place, else the one before.
    const next = (list.children[index] ?? list.children[index - 1]) as HTMLElement | undefined;
    const first = next?.querySelector<HTMLElement>('.callback-actions button:not(:disabled)');
    if (usable(first ?? null)) first!.focus();
    else heading.focus();
  };

  const applyState = () => {
    for (const [i, r] of rows.entries()) r.set(!!state.pending[`callback:${open[i].id}`], state.inCall);
  };

  watch((s) => s.errors.callbacks ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ callbacks: s.callbacks, loading: !!s.pending.callbacks }),
    ({ callbacks, loading }) => {
      setBusy(refresh, loading, 'Refresh', 'Loading…');
      loaded = callbacks !== null;
      if (!loaded) {
        setText(summary, loading ? 'Loading call-backs…' : '');
        show(empty, false);
        show(done, false);
      }
    },
  );
  // A list of call-backs is a new array each time it is loaded or changed: the rows are
  // built again then (and keep focus where it was).
  watch(
    (s) => s.callbacks,
    (callbacks) => {
      if (!callbacks) {
        list.replaceChildren();
        rows = [];
        open = [];
        return;
      }
      const now = Date.now();
      open = callbacks.filter(isOpen);
      const finished = callbacks.filter((c) => !isOpen(c));
      rows = open.map((c) => openRow(c, actions));
      for (const r of rows) r.tick(now);
      list.replaceChildren(...rows.map((r) => r.li));
      applyState();
      show(empty, open.length === 0);
      setText(doneCount, `(${finished.length})`);
      doneList.replaceChildren(...finished.map((c) => doneRow(c, new Date(now))));
      show(done, finished.length > 0);
      drawSummary(now);
      restoreFocus();
    },
  );
  watch(
    (s) => ({ pending: s.pending, inCall: busyWhy(s) }),
    (next) => {
      state = next;
      applyState();
      restoreFocus();
    },
  );

  return {
    el,
    /** Every second: the relative times, and what is due now. */
    tick() {
      if (!loaded) return;
      const now = Date.now();
      for (const r of rows) r.tick(now);
      drawSummary(now);
    },
  };
}
