// People: the directory with live presence, search, a status filter, and Call and Video
// call buttons; for someone who cannot take a call now (the busy lamp), "Leave a note" and
// "Tell me when free" instead, and the camp-ons I made.
import type { Actions } from '../actions';
import { campOnFor, campOnWords, NOTE_TEXT_MAX, offersFor } from '../busyLamp';
import { alertRegion, field, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { displayName, plainText, plural } from '../format';
import { icon } from '../icons';
import { callBlockReason, effectiveStatus, FILTERS, isCallable, isDisabled, visibleUsers, type PresenceFilter } from '../people';
import { inCall, type PeopleNotice, type Store, type Watch } from '../state';
import type { CampOn, DirectoryEntry } from '../types';
import { avatar, button, presenceTag, setBusy, type View } from './common';

function shortReason(u: DirectoryEntry): string {
  // A disabled account: its tag says so.
  if (isDisabled(u) || effectiveStatus(u) === 'offline') return '';
  if (u.presence.current_call != null) return 'In a call';
  if (u.presence.status === 'busy' || u.presence.status === 'dnd') return '';
  return u.presence.available_for_calls ? '' : 'Not taking calls';
}

/** What a row shows besides the person: my call, the offers, a camp-on, a notice. */
interface RowState {
  inCall: boolean;
  /** I am in a meeting: nobody can be called until I leave it. */
  inMeeting: boolean;
  calling: boolean;
  /** The server has notes (they were loaded): "Leave a note" can be offered. */
  notesOn: boolean;
  /** The server has camp-ons (they were loaded): "Tell me when free" can be offered. */
  campOnsOn: boolean;
  /** My camp-on on this person, if any. */
  campOn: CampOn | null;
  /** A camp-on being made or cancelled. */
  campBusy: boolean;
  /** "Note sent to …", or "… can take calls now: call them." */
  notice: string;
  /** The note form is open in this row. */
  noteOpen: boolean;
}

const sameState = (a: RowState, b: RowState) =>
  (Object.keys(a) as (keyof RowState)[]).every((k) => Object.is(a[k], b[k]));

interface Row {
  li: HTMLLIElement;
  /** Draw `u`; does nothing when neither the entry nor the row's state changed. */
  update(u: DirectoryEntry, st: RowState): void;
  /** Where focus goes back to when the note form closes. */
  focusAfterNote(): void;
}

interface RowHandlers {
  openNote(userId: number, name: string, row: Row): void;
}

function personRow(u0: DirectoryEntry, actions: Actions, handlers: RowHandlers): Row {
  const name = h('span', { class: 'person-name', dir: 'auto' });
  // Disabled by an administrator: said in words next to the name.
  const disabledTag = h('span', { class: 'tag tag-disabled', text: 'Disabled', hidden: true });
  const sub = h('span', { class: 'person-sub', dir: 'auto' });
  const presence = presenceTag();
  const message = h('span', { class: 'status-msg', dir: 'auto' });
  const reasonId = `reason-${u0.id}`;
  const reason = h('span', { class: 'sr-only', id: reasonId });
  const note = h('span', { class: 'call-reason', 'aria-hidden': 'true' });
  let userId = u0.id;
  let shownName = displayName(u0);
  let campOn: CampOn | null = null;
  const call = button('Call', {
    cls: 'call-btn',
    icon: icon('phone'),
    onclick: () => void actions.callUser(userId),
  });
  // A video call: an icon, named in words for screen readers and in a tooltip.
  const videoCall = h(
    'button',
    { type: 'button', class: 'btn icon-only call-btn video-call-btn', onclick: () => void actions.callUser(userId, 'people', true) },
    icon('video'),
  );

  // For someone who cannot take a call now: a note, or word when they are free.
  const leave = button('Leave a note', {
    cls: 'ghost small',
    icon: icon('message'),
    onclick: () => handlers.openNote(userId, shownName, row),
  });
  const tell = button('Tell me when free', {
    cls: 'ghost small',
    icon: icon('bell'),
    onclick: () => {
      void actions.campOn(userId).then((ok) => {
        if (ok && usable(cancel)) cancel.focus();
      });
    },
  });
  const campText = h('span', { class: 'camp-on-text', dir: 'auto' });
  const cancel = button('Cancel', {
    cls: 'ghost small',
    onclick: () => {
      if (!campOn) return;
      void actions.cancelCampOn(campOn).then((ok) => {
        if (!ok) return;
        if (usable(tell)) tell.focus();
        else if (usable(call)) call.focus();
      });
    },
  });
  const camped = h('span', { class: 'camp-on', hidden: true }, icon('bell'), campText, cancel);
  const offers = h('div', { class: 'person-offers', hidden: true }, leave, tell, camped);
  const notice = h('p', { class: 'person-notice', role: 'status', dir: 'auto' });

  const av = avatar(displayName(u0));
  const li = h(
    'li',
    { class: 'person', 'data-user-id': String(u0.id) },
    av,
    h('div', { class: 'person-who' }, h('span', { class: 'person-line' }, name, disabledTag), sub),
    h('div', { class: 'person-presence' }, presence.el, message),
    h('div', { class: 'person-action' }, h('div', { class: 'person-calls' }, videoCall, call), note, reason),
    offers,
    notice,
  );
  let drawn: [DirectoryEntry, RowState] | null = null;
  const row: Row = {
    li,
    update(u, st) {
      if (drawn && drawn[0] === u && sameState(drawn[1], st)) return;
      drawn = [u, st];
      userId = u.id;
      const n = displayName(u);
      shownName = n;
      setText(name, n);
      const username = plainText(u.username);
      const email = plainText(u.email);
      setText(sub, email ? `${username} · ${email}` : username);
      const status = effectiveStatus(u);
      presence.set(status);
      setAttr(li, 'data-status', status);
      const disabled = isDisabled(u);
      show(disabledTag, disabled);
      setAttr(li, 'data-disabled', disabled ? 'true' : null);
      const said = plainText(u.presence.status_message);
      setText(message, said ? `“${said}”` : '');
      const why = callBlockReason(u, st.inCall, st.inMeeting);
      setBusy(call, st.calling, 'Call', 'Calling…');
      setDisabled(call, st.calling || why !== null);
      setAttr(call, 'aria-label', `Call ${n}`);
      setAttr(call, 'aria-describedby', why ? reasonId : null);
      setText(reason, why ?? '');
      setAttr(call, 'title', why);
      setDisabled(videoCall, st.calling || why !== null);
      setAttr(videoCall, 'aria-label', `Video call ${n}`);
      setAttr(videoCall, 'aria-describedby', why ? reasonId : null);
      setAttr(videoCall, 'title', why ?? 'Video call');
      // On screen, only what the presence column does not already say ("In a call",
      // "Not taking calls"); "You are already in a call" (or in a meeting) is said once
      // above the list.
      setText(note, why && !st.inCall && !st.inMeeting ? shortReason(u) : '');

      // The busy lamp's offers: a note (unless its form is open here), and a camp-on
      // unless I already wait for them (then that is said, with Cancel).
      campOn = st.campOn;
      const offer = offersFor(u);
      show(leave, offer && st.notesOn && !st.noteOpen);
      show(tell, offer && st.campOnsOn && !campOn);
      show(camped, !!campOn);
      setText(campText, campOn ? campOnWords(campOn) : '');
      show(offers, !leave.hidden || !tell.hidden || !camped.hidden);
      setAttr(leave, 'aria-label', `Leave a note for ${n}`);
      setAttr(tell, 'aria-label', `Tell me when ${n} is free`);
      setAttr(tell, 'aria-describedby', offer ? reasonId : null);
      setAttr(cancel, 'aria-label', `Cancel: stop waiting for ${n}`);
      setBusy(tell, st.campBusy && !campOn, 'Tell me when free', 'Asking…');
      setBusy(cancel, st.campBusy && !!campOn, 'Cancel', 'Cancelling…');
      setText(notice, st.notice);
    },
    focusAfterNote() {
      const target = [leave, tell, call].find(usable);
      if (target) target.focus();
    },
  };
  return row;
}

const IN_CALL_NOTE = 'You are in a call. Calling is available again when it ends.';
const IN_MEETING_NOTE = 'You are in a meeting. Leave the meeting to call someone.';

const usable = (b: HTMLButtonElement) => !b.disabled && b.getClientRects().length > 0;

/** The one note form: opened in the row of the person it is for (one at a time). */
function noteForm(actions: Actions, watch: Watch, onClose: () => void) {
  const textId = uid('note-text');
  const countId = `${textId}-count`;
  const title = h('label', { class: 'note-form-title', for: textId });
  const text = h('textarea', {
    id: textId,
    rows: '3',
    maxlength: String(NOTE_TEXT_MAX),
    'aria-describedby': countId,
  });
  const count = h('p', { class: 'hint', id: countId });
  const countText = () => setText(count, `${text.value.length} of ${NOTE_TEXT_MAX} characters. They see it at once, and in their Notes.`);
  text.addEventListener('input', countText);
  const alert = alertRegion();
  const send = button('Send note', { cls: 'primary small', type: 'submit' });
  const cancel = button('Cancel', { cls: 'ghost small', onclick: () => close() });
  const el = h(
    'form',
    { class: 'note-form', hidden: true },
    title,
    text,
    count,
    alert,
    h('div', { class: 'note-form-actions' }, send, cancel),
  );
  let target: { userId: number; name: string } | null = null;

  const close = () => {
    if (!target) return;
    target = null;
    show(el, false);
    el.remove();
    onClose();
  };
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !send.disabled) {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      // Enter is a new line; Ctrl+Enter (⌘Enter) sends.
      e.preventDefault();
      el.requestSubmit();
    }
  });
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!target || send.disabled) return;
    const words = text.value.trim();
    if (!words) {
      actions.say('leave_note', `Write something for ${target.name} first, or press Cancel.`);
      text.focus();
      return;
    }
    const to = target;
    void actions.leaveNote(to.userId, to.name, words).then((ok) => {
      if (ok && target === to) close();
      else if (!ok && !el.contains(document.activeElement)) text.focus();
    });
  });
  watch((s) => s.errors.leave_note ?? '', (error) => setText(alert, error));
  watch((s) => !!s.pending.leave_note, (busy) => {
    setBusy(send, busy, 'Send note', 'Sending…');
    setDisabled(cancel, busy);
  });

  return {
    el,
    /** The person the form is open for, or null. */
    get userId() {
      return target?.userId ?? null;
    },
    open(userId: number, name: string, li: HTMLElement) {
      target = { userId, name };
      setText(title, `Note for ${name}`);
      setAttr(el, 'aria-label', `Leave a note for ${name}`);
      text.value = '';
      countText();
      actions.say('leave_note', null);
      li.append(el);
      show(el, true);
      text.focus();
    },
    close,
  };
}

export function peopleView(actions: Actions, store: Store, watch: Watch): View {
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Name, username or email',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const filter = h(
    'select',
    { class: 'filter' },
    ...FILTERS.map((f) => h('option', { value: f.value, text: f.label })),
  );
  search.addEventListener('input', () => store.set({ query: search.value }));
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && search.value) {
      e.preventDefault();
      search.value = '';
      store.set({ query: '' });
    }
  });
  filter.addEventListener('change', () => store.set({ filter: filter.value as PresenceFilter }));

  const summary = h('p', { class: 'summary', role: 'status' });
  const inCallNote = h('p', { class: 'note', id: 'in-call-note' });
  const alert = alertRegion();
  const list = h('ul', { class: 'people-list', 'aria-label': 'People' });
  const empty = h('p', { class: 'empty' });

  const el = h(
    'section',
    { class: 'panel people', 'aria-labelledby': 'people-title' },
    h(
      'div',
      { class: 'toolbar' },
      h('h2', { id: 'people-title', text: 'People', tabindex: '-1' }),
      h('div', { class: 'search-wrap' }, icon('search', 'icon search-icon'), field('Search people', search)),
      field('Show', filter),
    ),
    summary,
    alert,
    inCallNote,
    list,
    empty,
  );

  watch((s) => s.errors.people ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ query: s.query, chosen: s.filter }),
    ({ query, chosen }) => {
      if (document.activeElement !== search && search.value !== query) search.value = query;
      if (filter.value !== chosen) filter.value = chosen;
    },
  );
  watch(
    // (A call moving into a meeting is as good as in it: the shell joins it.)
    (s) => ({ inCall: inCall(s), inMeeting: !!s.app?.meeting || s.moving !== null }),
    ({ inCall, inMeeting }) => {
      setText(inCallNote, inCall ? IN_CALL_NOTE : inMeeting ? IN_MEETING_NOTE : '');
      show(inCallNote, inCall || inMeeting);
    },
  );

  const rows = new Map<number, Row>();
  let noteRow: Row | null = null;
  let drawing = false;
  // The form closed (sent, cancelled, or its row went): focus back on the row, unless it
  // went somewhere else meanwhile.
  const form = noteForm(actions, watch, () => {
    const row = noteRow;
    noteRow = null;
    if (!drawing) redraw();
    const active = document.activeElement;
    if (row?.li.isConnected && (!active || active === document.body || row.li.contains(active))) row.focusAfterNote();
  });
  const handlers: RowHandlers = {
    openNote(userId, name, row) {
      if (form.userId !== null) form.close();
      noteRow = row;
      form.open(userId, name, row.li);
      redraw();
    },
  };

  type Slice = {
    all: DirectoryEntry[] | null;
    query: string;
    chosen: PresenceFilter;
    meId: number | null;
    isAdmin: boolean;
    inCall: boolean;
    inMeeting: boolean;
    pending: Record<string, boolean>;
    campOns: CampOn[] | null;
    notesOn: boolean;
    campOnsOn: boolean;
    notice: PeopleNotice | null;
  };
  let last: Slice | null = null;
  const redraw = () => {
    if (last) draw(last);
  };
  // The directory is drawn again only when the directory, the search, the filter, whether
  // I am in a call, the commands in flight (a Call button's "Calling…"), my camp-ons, or
  // what this server has (notes, camp-ons) change.
  watch(
    (s): Slice => ({
      all: s.app?.users ?? null,
      query: s.query,
      chosen: s.filter,
      meId: s.app?.me?.id ?? null,
      isAdmin: !!s.app?.me?.is_admin,
      inCall: inCall(s),
      inMeeting: !!s.app?.meeting || s.moving !== null,
      pending: s.pending,
      campOns: s.campOns,
      notesOn: s.notes !== null && !s.missing.notes,
      campOnsOn: s.campOns !== null && !s.missing.camp_ons,
      notice: s.peopleNotice,
    }),
    (slice) => {
      last = slice;
      drawing = true;
      try {
        draw(slice);
      } finally {
        drawing = false;
      }
    },
  );
  function draw({ all, query, chosen, meId, isAdmin, inCall, inMeeting, pending, campOns, notesOn, campOnsOn, notice }: Slice): void {
    if (!all) return;
    const now = Date.now();
    const users = visibleUsers(all, query, chosen, meId);
    const focused = document.activeElement;
    const keep = new Set(users.map((u) => u.id));
    for (const [id, row] of rows) {
      if (!keep.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    // The note form goes with its row (filtered away, say); its person may no longer
    // need one (they can take calls now): it stays open until sent or cancelled.
    if (noteRow && !noteRow.li.isConnected) form.close();
    if (form.userId !== null && !notesOn) form.close();
    users.forEach((u, i) => {
      let row = rows.get(u.id);
      if (!row) {
        row = personRow(u, actions, handlers);
        rows.set(u.id, row);
      }
      row.update(u, {
        inCall,
        inMeeting,
        calling: !!pending[`call:${u.id}`],
        notesOn,
        campOnsOn,
        campOn: campOnFor(campOns, u.id, now),
        campBusy: !!pending[`camp_on:${u.id}`],
        notice: notice?.userId === u.id ? notice.text : '',
        noteOpen: form.userId === u.id,
      });
      if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] ?? null);
    });
    // Moving a row can drop focus; put it back where it was.
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();

    const available = all.filter(isCallable).length;
    setText(
      summary,
      users.length === all.length
        ? `${plural(all.length, 'person').replace('persons', 'people')}, ${available} available to call`
        : `Showing ${users.length} of ${all.length}`,
    );
    const q = query.trim();
    setText(
      empty,
      all.length === 0
        ? isAdmin
          ? 'No one else is on this server yet. Add teammates in Settings.'
          : 'No one else is on this server yet. An admin can add teammates.'
        : q
          ? `No one matches “${q}”.`
          : 'No one matches this filter.',
    );
    show(empty, users.length === 0);
  }
  return { el };
}
