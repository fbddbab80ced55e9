// History: my calls, newest first, 20 a page; missed calls stand out (icon, word, weight),
// and a call that grew into a meeting says so.
import type { Actions } from '../actions';
import { callbackForCall, LATER } from '../callbacks';
import { callDuration, direction, isMissed, otherParty, statusWord } from '../calls';
import { alertRegion, h, setAttr, setDisabled, setText, show } from '../dom';
import { displayName, durationWords, formatDuration, formatWhen, plainText, plural } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { Callback, CallLog, CallSession } from '../types';
import { button, laterChoices, regardingNode, setBusy, type View } from './common';

const PAGE_SIZE = 20;

/** Who wrote a log: "You", or the other participant's name. */
function authorName(call: CallSession, log: CallLog, meId: number | null): string {
  if (log.author === meId) return 'You';
  if (log.author === call.initiator) return displayName(call.initiator_details);
  if (log.author === call.recipient) return displayName(call.recipient_details);
  return 'Someone';
}

/** The participants' logs: "Bob Stone: Resolved — Sent the quote." */
function logList(call: CallSession, meId: number | null): HTMLUListElement | null {
  const logs = (call.logs ?? []).filter((l) => plainText(l.outcome).trim() || plainText(l.note).trim());
  if (logs.length === 0) return null;
  return h(
    'ul',
    { class: 'call-logs', 'aria-label': 'After-call notes' },
    ...logs.map((l) => {
      const outcome = plainText(l.outcome).trim();
      const note = plainText(l.note).trim();
      return h(
        'li',
        null,
        h('span', { class: 'log-author', text: `${authorName(call, l, meId)}: ` }),
        outcome ? h('span', { class: 'log-outcome', dir: 'auto', text: outcome }) : null,
        outcome && note ? ' — ' : null,
        note ? h('span', { class: 'log-note', dir: 'auto', text: note }) : null,
      );
    }),
  );
}

/** A call that did not connect: one to call back. */
function toCallBack(call: CallSession, meId: number | null): boolean {
  return call.status === 'missed' || call.status === 'rejected' || isMissed(call, meId);
}

interface CallBackLater {
  el: HTMLElement;
  /** The offer, or the call-back made from this call; nothing on a server without them. */
  set(callbacks: Callback[] | null, missing: boolean, busy: boolean): void;
}

/** "Call back later": in 10 minutes or in 1 hour, a call-back from this call. */
function callBackLater(call: CallSession, meId: number | null, actions: Actions): CallBackLater {
  const other = otherParty(call, meId);
  const name = displayName(other);
  const menu = laterChoices({
    label: 'Call back later',
    groupLabel: `Call back ${name}`,
    choices: LATER,
    choiceLabel: (l) => `In ${l}`,
    cls: 'ghost small',
    onChoose: (seconds) => void actions.createCallback({ user_id: other.id, due_in_seconds: seconds, call_id: call.id }, 'history'),
  });
  const made = h('span', { class: 'callback-made', tabindex: '-1' });
  const el = h('div', { class: 'row-callback', hidden: true }, menu.el, made);
  let working = false;
  el.addEventListener('focusin', () => {
    working = true;
  });
  el.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !el.contains(to)) working = false;
  });
  return {
    el,
    set(callbacks, missing, busy) {
      // Unknown until the call-backs are loaded: nothing offered yet.
      show(el, !missing && callbacks !== null);
      const cb = callbackForCall(callbacks, call.id);
      const wasOffer = !menu.el.hidden;
      show(menu.el, !cb);
      show(made, !!cb);
      menu.setDisabled(busy);
      setText(made, cb ? `Call-back due ${formatWhen(cb.due_at)}` : '');
      if (cb && wasOffer && working) {
        const active = document.activeElement;
        if (!active || active === document.body || el.contains(active)) made.focus();
      }
    },
  };
}

/** "Log…" for a missed or declined call: the after-call panel's outcome and note for it
 * ("Edit log…" once I wrote one). */
function logButton(call: CallSession, meId: number | null, actions: Actions): HTMLButtonElement {
  const name = displayName(otherParty(call, meId));
  const mine = (call.logs ?? []).some((l) => l.author === meId);
  const b = button(mine ? 'Edit log…' : 'Log…', { cls: 'ghost small log-btn', onclick: () => actions.openLog(call) });
  setAttr(b, 'aria-label', mine ? `Edit log of the call with ${name}` : `Log the call with ${name}`);
  return b;
}

/** "On hold 0:40" under the duration of a call that spent time on hold; nothing else. */
function holdTime(call: CallSession): HTMLElement | null {
  const secs = call.hold_seconds ?? 0;
  if (secs <= 0) return null;
  return h('div', { class: 'row-hold', 'aria-label': `On hold ${durationWords(secs)}`, text: `On hold ${formatDuration(secs)}` });
}

function row(
  call: CallSession,
  meId: number | null,
  now: Date,
  later: CallBackLater | null,
  log: HTMLButtonElement | null,
): HTMLTableRowElement {
  const dir = direction(call, meId);
  const missed = isMissed(call, meId);
  const dirWord = `${dir === 'incoming' ? 'Incoming' : 'Outgoing'}${call.call_type === 'video' ? ' video' : ''}`;
  const secs = callDuration(call);
  const answered = call.status === 'completed' && secs != null;
  const declineMessage = call.status === 'rejected' ? plainText(call.decline_message).trim() : '';
  return h(
    'tr',
    { class: missed ? 'missed' : '', 'data-call-id': String(call.id), 'data-status': call.status },
    h('td', { class: 'dir' }, icon(dir), h('span', { text: dirWord })),
    h(
      'td',
      { class: 'who' },
      h('span', { dir: 'auto', text: displayName(otherParty(call, meId)) }),
      call.regarding ? h('div', { class: 'row-regarding' }, regardingNode(call.regarding)) : null,
      logList(call, meId),
    ),
    h(
      'td',
      { class: 'status' },
      missed ? icon('missed') : null,
      missed ? h('strong', { text: statusWord(call, meId) }) : statusWord(call, meId),
      // A call someone added a colleague to: it went on as a meeting.
      call.escalated_to_meeting != null ? h('span', { class: 'became-meeting' }, icon('calendar'), 'Became a meeting') : null,
      declineMessage ? h('div', { class: 'decline-message' }, h('span', { class: 'sr-only', text: 'Message: ' }), h('span', { dir: 'auto', text: `“${declineMessage}”` })) : null,
      later || log ? h('div', { class: 'row-actions' }, later?.el, log) : null,
    ),
    h(
      'td',
      { class: 'duration' },
      answered ? h('span', { 'aria-label': durationWords(secs), text: formatDuration(secs) }) : h('span', { 'aria-label': 'none', text: '—' }),
      answered ? holdTime(call) : null,
    ),
    h('td', { class: 'when' }, h('time', { datetime: call.created_at, text: formatWhen(call.created_at, now) })),
  );
}

export function historyView(actions: Actions, watch: Watch): View {
  const alert = alertRegion();
  const refresh = button('Refresh', { cls: 'ghost small', icon: icon('refresh'), onclick: () => void actions.loadHistory(page) });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'history' },
    h('caption', { class: 'sr-only', text: 'Call history, newest first' }),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', text: 'Call' }),
        h('th', { scope: 'col', text: 'Person' }),
        h('th', { scope: 'col', text: 'Result' }),
        h('th', { scope: 'col', text: 'Duration' }),
        h('th', { scope: 'col', text: 'When' }),
      ),
    ),
    tbody,
  );
  const empty = h('p', { class: 'empty', text: 'No calls yet. Calls you make and receive will be listed here.' });
  const loading = h('p', { class: 'summary', role: 'status' });
  const newer = button('Newer', { cls: 'ghost small', onclick: () => void actions.loadHistory(page - 1) });
  const older = button('Older', { cls: 'ghost small', onclick: () => void actions.loadHistory(page + 1) });
  const pageText = h('span', { class: 'page-text' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'History pages' }, newer, pageText, older);

  const el = h(
    'section',
    { class: 'panel history-panel', 'aria-labelledby': 'history-title' },
    h('div', { class: 'toolbar' }, h('h2', { id: 'history-title', text: 'History', tabindex: '-1' }), refresh),
    loading,
    alert,
    h('div', { class: 'table-wrap' }, table),
    empty,
    pager,
  );

  let page = 1;
  watch((s) => s.errors.history ?? '', (error) => setText(alert, error));
  // A page of calls is a new array each time it is loaded, so the rows are rebuilt once
  // per load (the "5 minutes ago" times are then fresh too).
  let offers = new Map<number, CallBackLater>();
  // Missed and declined calls can be logged too, on a server with call outcomes.
  watch(
    (s) => ({ results: s.history.results, meId: s.app?.me?.id ?? null, logs: !s.missing.call_outcomes }),
    ({ results, meId, logs }) => {
      const now = new Date();
      offers = new Map();
      tbody.replaceChildren(
        ...results.map((c) => {
          const unanswered = toCallBack(c, meId);
          const later = unanswered ? callBackLater(c, meId, actions) : null;
          if (later) offers.set(c.id, later);
          return row(c, meId, now, later, unanswered && logs ? logButton(c, meId, actions) : null);
        }),
      );
    },
  );
  // The offers follow my call-backs (one made from a call shows instead of the offer).
  watch(
    (s) => ({ results: s.history.results, callbacks: s.callbacks, missing: s.missing.callbacks, pending: s.pending }),
    ({ callbacks, missing, pending }) => {
      for (const [callId, later] of offers) later.set(callbacks, missing, !!pending[`create_callback:${callId}`]);
    },
  );
  watch(
    (s) => s.history,
    (hist) => {
      page = hist.page;
      setText(loading, hist.loading ? 'Loading calls…' : hist.loaded ? plural(hist.count, 'call') : '');
      setBusy(refresh, hist.loading, 'Refresh', 'Loading…');
      show(table, hist.results.length > 0);
      show(empty, hist.loaded && hist.results.length === 0);
      const pages = Math.max(1, Math.ceil(hist.count / PAGE_SIZE));
      show(pager, hist.hasNext || hist.hasPrevious);
      setText(pageText, `Page ${hist.page} of ${pages}`);
      setDisabled(newer, !hist.hasPrevious || hist.loading);
      setDisabled(older, !hist.hasNext || hist.loading);
    },
  );
  return { el };
}
