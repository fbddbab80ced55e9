// Meetings: the meetings I host or am invited to (`meetings`, 20 a page, "More" for the
// next), each with its host, who is invited, when, and its state; Join one in progress,
// Start one not started, Start again one that is over; the host can Delete one (after a
// confirmation). "New meeting" opens its dialog (views/newMeeting.ts). Being in a meeting
// is the meeting card's (views/meetingPanel.ts), shown over every tab.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { plainText, plural } from '../format';
import { icon } from '../icons';
import {
  andList,
  guestNames,
  hostName,
  joinBlockWhy,
  joining,
  joinLabel,
  MEETING_STATUS_WORDS,
  meetingWhen,
} from '../meetings';
import { inCall, type Watch } from '../state';
import type { Meeting } from '../types';
import { button, confirmation, setBusy, type View } from './common';
import { newMeetingDialog } from './newMeeting';

/** What the rows' buttons depend on besides their meeting. */
interface Busy {
  pending: Record<string, boolean>;
  inCall: boolean;
  /** The meeting I am in (its id). */
  meetingId: number | null;
}

/** What a row shows besides the meeting itself. */
interface RowState {
  /** I am in this meeting now. */
  here: boolean;
  /** Why it cannot be joined now (a call, another meeting), or null. */
  blocked: string | null;
  /** Its join is under way. */
  joiningThis: boolean;
  /** Some join is under way (one at a time). */
  joiningAny: boolean;
  /** Its delete is under way. */
  deleting: boolean;
}

interface Row {
  li: HTMLLIElement;
  meeting: Meeting;
  set(st: RowState): void;
  /** The Delete confirmation: open it (focus in it), or close it. */
  confirm(open: boolean): void;
  readonly confirming: boolean;
}

function meetingRow(m: Meeting, meId: number | null, actions: Actions, onConfirm: (id: number | null) => void): Row {
  const title = plainText(m.title).trim() || 'Untitled meeting';
  const titleId = uid('meeting-title');
  const status = h('span', { class: 'tag meeting-status', 'data-status': m.status, text: MEETING_STATUS_WORDS[m.status] });
  const hereTag = h('span', { class: 'tag meeting-here', text: 'You are in it', hidden: true });
  const guests = guestNames(m, meId);
  const when = meetingWhen(m.scheduled_at);
  const main = button(joinLabel(m), {
    cls: `${m.status === 'ongoing' ? 'primary' : 'secondary'} small meeting-join`,
    icon: icon(m.status === 'ongoing' ? 'phone' : 'play'),
    onclick: () => main.getAttribute('aria-disabled') !== 'true' && void actions.joinMeeting(m.id, 'meetings'),
  });
  const mainLabel = main.querySelector('.label') as HTMLElement;
  main.dataset.focus = `${m.id}:join`;
  setAttr(main, 'aria-describedby', titleId);
  const whyId = uid('meeting-why');
  const why = h('span', { class: 'sr-only', id: whyId });
  const isHost = m.host.id === meId;
  const remove = isHost
    ? button('Delete', { cls: 'ghost small danger-text', icon: icon('trash'), onclick: () => onConfirm(m.id) })
    : null;
  if (remove) {
    remove.dataset.focus = `${m.id}:delete`;
    setAttr(remove, 'aria-describedby', titleId);
    setAttr(remove, 'aria-expanded', 'false');
  }
  const ask = confirmation({
    confirmLabel: 'Delete',
    onConfirm: () => void actions.deleteMeeting(m).then((ok) => !ok && onConfirm(null)),
    onCancel: () => onConfirm(null),
  });
  ask.set(`Delete “${title}”?`, 'It goes for everyone invited, and cannot be undone.');
  ask.confirm.dataset.focus = `${m.id}:confirm`;
  ask.cancel.dataset.focus = `${m.id}:cancel`;

  const li = h(
    'li',
    { class: 'meeting-row', 'data-meeting-id': String(m.id), 'data-status': m.status },
    h('span', { class: 'meeting-icon', 'aria-hidden': 'true' }, icon('calendar')),
    h(
      'div',
      { class: 'meeting-what' },
      h('span', { class: 'meeting-line' }, h('span', { class: 'meeting-name', id: titleId, dir: 'auto', text: title }), status, hereTag),
      h(
        'p',
        { class: 'meeting-meta' },
        h('span', null, 'Host: ', h('span', { dir: 'auto', text: hostName(m.host, meId) })),
        h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }),
        m.scheduled_at
          ? h('time', { class: 'meeting-when', datetime: m.scheduled_at, text: when })
          : h('span', { class: 'meeting-when is-unset', text: when }),
      ),
      h('p', { class: 'meeting-guests', dir: 'auto', text: guests.length ? `With ${andList(guests)}` : 'No one else invited' }),
    ),
    h('div', { class: 'meeting-actions' }, main, why, remove),
    ask.el,
  );
  let confirming = false;
  return {
    li,
    meeting: m,
    get confirming() {
      return confirming;
    },
    set(st) {
      show(hereTag, st.here);
      show(main, !st.here);
      setText(mainLabel, st.joiningThis ? (m.status === 'ongoing' ? 'Joining…' : 'Starting…') : joinLabel(m));
      // Waiting: aria-disabled, not disabled, so that it keeps focus (which then goes to
      // the meeting card). Off for another join, a call, another meeting, a delete.
      setAttr(main, 'aria-disabled', st.joiningThis ? 'true' : null);
      setAttr(main, 'aria-busy', st.joiningThis ? 'true' : null);
      setDisabled(main, (st.joiningAny && !st.joiningThis) || !!st.blocked || st.deleting);
      setAttr(main, 'title', st.blocked);
      setText(why, st.blocked ?? '');
      setAttr(main, 'aria-describedby', st.blocked ? `${titleId} ${whyId}` : titleId);
      if (remove) setDisabled(remove, st.deleting || st.joiningThis);
      setBusy(ask.confirm, st.deleting, 'Delete', 'Deleting…');
      setDisabled(ask.cancel, st.deleting);
      setAttr(li, 'aria-busy', st.deleting || st.joiningThis ? 'true' : null);
    },
    confirm(open) {
      if (!remove) return;
      confirming = open;
      show(ask.el, open);
      setAttr(remove, 'aria-expanded', open ? 'true' : 'false');
      if (open) ask.focus();
    },
  };
}

export function meetingsView(actions: Actions, watch: Watch): View {
  const heading = h('h2', { id: 'meetings-title', text: 'Meetings', tabindex: '-1' });
  const refresh = button('Refresh', { cls: 'ghost small', icon: icon('refresh'), onclick: () => void actions.loadMeetings() });
  const create = button('New meeting', { cls: 'primary', icon: icon('plus') });
  setAttr(create, 'aria-haspopup', 'dialog');
  const dialog = newMeetingDialog(actions, watch, create);
  create.addEventListener('click', () => dialog.open());
  const summary = h('p', { class: 'summary', role: 'status' });
  const notice = h('p', { class: 'notice', role: 'status' });
  const busyNote = h('p', { class: 'note meetings-busy' });
  const alert = alertRegion();
  const list = h('ul', { class: 'meeting-list', 'aria-labelledby': heading.id });
  const empty = h('p', {
    class: 'empty',
    text: 'No meetings yet. Choose “New meeting” to invite colleagues, then start it now or later.',
  });
  const more = button('More', { cls: 'secondary', icon: icon('down'), onclick: () => void actions.moreMeetings() });
  const moreLine = h('div', { class: 'meetings-more', hidden: true }, more);
  const el = h(
    'section',
    { class: 'panel meetings-panel', 'aria-labelledby': heading.id },
    h('div', { class: 'toolbar' }, heading, refresh, create),
    summary,
    notice,
    alert,
    busyNote,
    list,
    empty,
    moreLine,
    dialog.el,
  );

  let rows: Row[] = [];
  let state: Busy = { pending: {}, inCall: false, meetingId: null };
  /** The meeting whose Delete is being confirmed. */
  let confirmingId: number | null = null;

  const usable = (b: HTMLElement | null): b is HTMLElement =>
    !!b && !(b as HTMLButtonElement).disabled && !b.closest('[hidden]') && b.getClientRects().length > 0;
  // Where focus was in the list, to put it back when rows are drawn again.
  let lastFocus: { key: string; index: number } | null = null;
  list.addEventListener('focusin', (e) => {
    const t = e.target as HTMLElement;
    const li = t.closest('li.meeting-row');
    if (li) lastFocus = { key: t.dataset.focus ?? '', index: Array.prototype.indexOf.call(list.children, li) };
  });
  list.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !list.contains(to)) lastFocus = null;
  });
  const restoreFocus = () => {
    const active = document.activeElement;
    if (!lastFocus || el.hidden) return;
    if (active && active !== document.body && (!list.contains(active) || usable(active as HTMLElement))) return;
    const { key, index } = lastFocus;
    const [id, what] = key.split(':');
    const row = list.querySelector<HTMLElement>(`li[data-meeting-id="${id}"]`);
    if (row) {
      // Busy (being deleted, joined): wait for what comes of it.
      if (row.getAttribute('aria-busy') === 'true') return;
      // The same button, else (the confirmation closed) Delete, else the row's first.
      const same = row.querySelector<HTMLElement>(`[data-focus="${key}"]`);
      const back = what === 'confirm' || what === 'cancel' ? row.querySelector<HTMLElement>(`[data-focus="${id}:delete"]`) : null;
      const first = row.querySelector<HTMLElement>('.meeting-actions button:not(:disabled):not([hidden])');
      const target = [same, back, first].find(usable);
      if (target) target.focus();
      else heading.focus();
      return;
    }
    // The meeting left the list (deleted): the one now in its place, else the one before.
    const other = (list.children[index] ?? list.children[index - 1]) as HTMLElement | undefined;
    const first = other?.querySelector<HTMLElement>('.meeting-actions button:not(:disabled):not([hidden])') ?? null;
    if (usable(first)) first.focus();
    else heading.focus();
  };

  const onConfirm = (id: number | null) => {
    const was = confirmingId;
    confirmingId = id;
    for (const r of rows) {
      if (r.meeting.id === id) r.confirm(true);
      else if (r.confirming) r.confirm(false);
    }
    // Cancelled (or refused): back on Delete.
    if (id === null && was !== null) {
      const back = list.querySelector<HTMLElement>(`[data-focus="${was}:delete"]`);
      if (usable(back)) back.focus();
    }
  };

  const rowState = ({ pending, inCall, meetingId }: Busy, m: Meeting): RowState => {
    const joiningId = joining({ pending });
    return {
      here: meetingId === m.id,
      blocked: joinBlockWhy(inCall, meetingId, m.id),
      joiningThis: joiningId === m.id,
      joiningAny: joiningId !== null,
      deleting: !!pending[`meeting:${m.id}`],
    };
  };
  const applyState = () => {
    for (const r of rows) r.set(rowState(state, r.meeting));
  };

  watch((s) => s.errors.meetings ?? '', (error) => setText(alert, error));
  watch((s) => s.meetingsNotice ?? '', (text) => setText(notice, text));
  watch(
    (s) => ({ list: s.meetings, loading: !!s.pending.meetings, more: !!s.pending.more_meetings }),
    ({ list: meetings, loading, more: loadingMore }) => {
      setBusy(refresh, loading, 'Refresh', 'Loading…');
      setBusy(more, loadingMore, 'More', 'Loading…');
      if (!meetings) {
        setText(summary, loading ? 'Loading meetings…' : '');
        show(empty, false);
        show(moreLine, false);
        return;
      }
      const shown = meetings.results.length;
      const ongoing = meetings.results.filter((m) => m.status === 'ongoing').length;
      const total = Math.max(meetings.count, shown);
      const words = shown < total ? `Showing ${shown} of ${total} meetings` : shown ? plural(shown, 'meeting') : '';
      setText(summary, words && ongoing ? `${words}, ${ongoing} in progress` : words);
      show(empty, shown === 0);
      show(moreLine, meetings.hasNext);
    },
  );
  // The rows are built again when the list changes (a new array), and keep focus.
  watch(
    (s) => ({ list: s.meetings, meId: s.app?.me?.id ?? null }),
    ({ list: meetings, meId }) => {
      const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.focus;
      rows = (meetings?.results ?? []).map((m) => meetingRow(m, meId, actions, onConfirm));
      list.replaceChildren(...rows.map((r) => r.li));
      if (confirmingId !== null && !rows.some((r) => r.meeting.id === confirmingId)) confirmingId = null;
      for (const r of rows) {
        if (r.meeting.id === confirmingId) {
          r.confirm(true);
          // Focus back where it was in the confirmation, not on the group.
          if (focusedKey) r.li.querySelector<HTMLElement>(`[data-focus="${focusedKey}"]`)?.focus();
        }
      }
      applyState();
      restoreFocus();
    },
  );
  watch(
    (s): Busy => ({ pending: s.pending, inCall: inCall(s), meetingId: s.app?.meeting?.meeting_id ?? null }),
    (next) => {
      state = next;
      applyState();
      const { inCall, meetingId } = next;
      setText(
        busyNote,
        inCall
          ? 'You are in a call. End it to start or join a meeting.'
          : meetingId !== null
            ? 'You are in a meeting. Leave it to start or join another.'
            : '',
      );
      show(busyNote, inCall || meetingId !== null);
      restoreFocus();
    },
  );

  return { el };
}
