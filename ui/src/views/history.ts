// History: my calls, newest first, 20 a page; missed calls stand out (icon, word, weight).
import type { Actions } from '../actions';
import { callDuration, direction, isMissed, otherParty, statusWord } from '../calls';
import { alertRegion, h, setDisabled, setText, show } from '../dom';
import { displayName, durationWords, formatDuration, formatWhen, plainText, plural } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { CallLog, CallSession } from '../types';
import { button, regardingNode, setBusy, type View } from './common';

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

function row(call: CallSession, meId: number | null, now: Date): HTMLTableRowElement {
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
      declineMessage ? h('div', { class: 'decline-message' }, h('span', { class: 'sr-only', text: 'Message: ' }), h('span', { dir: 'auto', text: `“${declineMessage}”` })) : null,
    ),
    h(
      'td',
      { class: 'duration' },
      answered ? h('span', { 'aria-label': durationWords(secs), text: formatDuration(secs) }) : h('span', { 'aria-label': 'none', text: '—' }),
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
  watch(
    (s) => ({ results: s.history.results, meId: s.app?.me?.id ?? null }),
    ({ results, meId }) => {
      const now = new Date();
      tbody.replaceChildren(...results.map((c) => row(c, meId, now)));
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
