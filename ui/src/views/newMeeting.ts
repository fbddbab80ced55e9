// New meeting: the Meetings tab's dialog that makes one. A title (required: said next to
// it when empty), the colleagues to invite (a checkbox each, a box that filters them; at
// most five, since a meeting's audio holds six: the others turn off at five), an optional
// date and time (this computer's time, sent as an ISO instant), and "Start it now" (joined
// as soon as it is made). Create asks the shell; a refusal is said in the dialog, which
// stays open; success closes it. Escape and Cancel close it, back on "New meeting".
//
// As the transfer dialog: not a native <dialog> (shown modal, it would make an incoming
// call's dialog inert under it), but a backdrop over the window, the rest of the window
// inert behind it, and focus kept inside.
import type { Actions } from '../actions';
import { alertRegion, field, h, inertAround, setAttr, setDisabled, setText, show, uid } from '../dom';
import { displayName, initials, plainText } from '../format';
import { icon } from '../icons';
import { joinBlockReason, joining, localToIso, MAX_OTHERS, MEETING_SIZE } from '../meetings';
import { effectiveStatus, isDisabled, visibleUsers } from '../people';
import type { Watch } from '../state';
import type { DirectoryEntry, NewMeeting } from '../types';
import { avatar, presenceTag, setBusy } from './common';

const NO_TITLE = 'Give the meeting a title.';
const BAD_TIME = 'Enter a whole date and time, or clear the field for no set time.';

interface Pick {
  li: HTMLLIElement;
  box: HTMLInputElement;
  update(u: DirectoryEntry, chosen: boolean, full: boolean): void;
}

function pickRow(u0: DirectoryEntry, onToggle: (userId: number, on: boolean) => void): Pick {
  const box = h('input', { type: 'checkbox', class: 'pick-box', 'data-user-id': String(u0.id) });
  const name = h('span', { class: 'pick-name', dir: 'auto' });
  const sub = h('span', { class: 'pick-username', dir: 'auto' });
  const presence = presenceTag();
  const av = avatar(displayName(u0));
  const label = h('label', { class: 'pick' }, box, av, h('span', { class: 'pick-who' }, name, sub), presence.el);
  const li = h('li', null, label);
  box.addEventListener('change', () => onToggle(Number(box.dataset.userId), box.checked));
  return {
    li,
    box,
    update(u, chosen, full) {
      const n = displayName(u);
      setText(name, n);
      setText(av, initials(n));
      setText(sub, plainText(u.username));
      presence.set(effectiveStatus(u));
      if (box.checked !== chosen) box.checked = chosen;
      // At five, the others cannot be chosen too (unchosen ones can still be let go).
      const off = full && !chosen;
      setDisabled(box, off);
      setAttr(label, 'data-off', off);
      setAttr(label, 'title', off ? `A meeting holds at most ${MAX_OTHERS} colleagues besides you.` : null);
    },
  };
}

export interface NewMeetingDialog {
  el: HTMLElement;
  open(): void;
  readonly isOpen: boolean;
}

export function newMeetingDialog(actions: Actions, watch: Watch, opener: HTMLButtonElement): NewMeetingDialog {
  const titleId = uid('new-meeting-title');
  const descId = uid('new-meeting-desc');
  const heading = h('h2', { id: titleId, class: 'modal-title', text: 'New meeting' });
  const desc = h('p', {
    id: descId,
    class: 'modal-text',
    text: `Invite up to ${MAX_OTHERS} colleagues: a meeting holds ${MEETING_SIZE} people, you included.`,
  });

  // Title, required.
  const title = h('input', { type: 'text', name: 'title', autocomplete: 'off', maxlength: '200', required: true, 'aria-required': 'true' });
  const titleField = field('Title', title);
  const titleError = h('p', { class: 'field-error', id: uid('title-error'), hidden: true });
  titleField.append(titleError);
  title.addEventListener('input', () => {
    if (title.value.trim()) setTitleError(null);
  });
  const setTitleError = (text: string | null) => {
    setText(titleError, text ?? '');
    show(titleError, !!text);
    setAttr(title, 'aria-invalid', text ? 'true' : null);
    setAttr(title, 'aria-describedby', text ? titleError.id : null);
  };

  // Colleagues: a filter, then a checkbox each.
  const filter = h('input', { type: 'search', class: 'search', placeholder: 'Name or username', autocomplete: 'off', spellcheck: 'false' });
  const filterField = h('div', { class: 'search-wrap' }, icon('search', 'icon search-icon'), field('Filter colleagues', filter));
  const count = h('p', { class: 'pick-count', role: 'status' });
  const list = h('ul', { class: 'pick-list', 'aria-label': 'Colleagues' });
  const none = h('p', { class: 'pick-empty', hidden: true });
  const people = h(
    'fieldset',
    { class: 'pick-people' },
    h('legend', { text: 'Colleagues to invite' }),
    filterField,
    count,
    list,
    none,
  );

  // When: optional.
  const when = h('input', { type: 'datetime-local', name: 'scheduled_at', class: 'when-input' });
  const whenField = field('Date and time (optional)', when, 'Leave it empty for a meeting with no set time.');
  const whenError = h('p', { class: 'field-error', id: uid('when-error'), hidden: true });
  whenField.append(whenError);
  const setWhenError = (text: string | null) => {
    setText(whenError, text ?? '');
    show(whenError, !!text);
    setAttr(when, 'aria-invalid', text ? 'true' : null);
    setAttr(when, 'aria-describedby', text ? `${when.id}-hint ${whenError.id}` : `${when.id}-hint`);
  };
  when.addEventListener('input', () => setWhenError(null));

  // Start it now.
  const startNow = h('input', { type: 'checkbox', class: 'switch', id: uid('start-now') });
  const startHint = h('p', { class: 'hint', id: `${startNow.id}-hint` });
  setAttr(startNow, 'aria-describedby', startHint.id);
  const startRow = h(
    'div',
    { class: 'toggle start-now' },
    startNow,
    h('div', null, h('label', { for: startNow.id, text: 'Start it now' }), startHint),
  );

  const alert = alertRegion();
  const cancel = h(
    'button',
    { type: 'button', class: 'btn secondary' },
    h('span', { class: 'label', text: 'Cancel' }),
    h('kbd', { 'aria-hidden': 'true', text: 'Esc' }),
  );
  cancel.addEventListener('click', () => close(true));
  const submit = h('button', { type: 'submit', class: 'btn primary' }, icon('plus'), h('span', { class: 'label', text: 'Create' }));
  const form = h(
    'form',
    {
      class: 'modal new-meeting-dialog',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': titleId,
      'aria-describedby': descId,
      novalidate: true,
    },
    h('div', { class: 'chooser-head' }, icon('calendar', 'icon chooser-icon'), heading),
    desc,
    titleField,
    people,
    whenField,
    startRow,
    alert,
    h('div', { class: 'new-meeting-actions' }, cancel, submit),
  );
  const el = h('div', { class: 'modal-backdrop new-meeting-backdrop', hidden: true }, form);

  let isOpen = false;
  let undoInert: (() => void) | null = null;
  let busy = false;
  const chosen: number[] = [];
  const picks = new Map<number, Pick>();

  const label = () => (startNow.checked && !startNow.disabled ? 'Create and start' : 'Create');
  const drawSubmit = () => setBusy(submit, busy, label(), startNow.checked ? 'Starting…' : 'Creating…');
  startNow.addEventListener('change', drawSubmit);

  const onToggle = (userId: number, on: boolean) => {
    const at = chosen.indexOf(userId);
    if (on && at < 0 && chosen.length < MAX_OTHERS) chosen.push(userId);
    if (!on && at >= 0) chosen.splice(at, 1);
    redraw();
  };

  /** Close; `restore`: back on "New meeting" (Escape, Cancel, or made without starting).
   * Started: on the meeting card's Mute. */
  function close(restore: boolean): void {
    if (!isOpen || busy) return;
    isOpen = false;
    show(el, false);
    undoInert?.();
    undoInert = null;
    if (restore) opener.focus();
  }

  el.addEventListener('keydown', (e) => {
    if (!isOpen) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    } else if (e.key === 'Tab') {
      // Round and round inside the dialog.
      const items = Array.from(form.querySelectorAll<HTMLElement>('input, button')).filter(
        (x) => !(x as HTMLInputElement).disabled && x.getClientRects().length > 0,
      );
      if (items.length === 0) return;
      const at = items.indexOf(document.activeElement as HTMLElement);
      if (e.shiftKey && at <= 0) {
        e.preventDefault();
        items[items.length - 1].focus();
      } else if (!e.shiftKey && (at === items.length - 1 || at < 0)) {
        e.preventDefault();
        items[0].focus();
      }
    }
  });
  // Enter in the filter filters; it does not create the meeting.
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      list.querySelector<HTMLInputElement>('input:not(:disabled)')?.focus();
    } else if (e.key === 'Escape' && filter.value) {
      e.preventDefault();
      e.stopPropagation();
      filter.value = '';
      redraw();
    }
  });
  filter.addEventListener('input', () => redraw());
  el.addEventListener('mousedown', (e) => {
    if (e.target === el) e.preventDefault();
  });
  form.addEventListener('focusout', (e) => {
    if (isOpen && !form.contains(e.relatedTarget as Node | null)) queueMicrotask(() => {
      if (isOpen && !el.closest('[inert]') && !form.contains(document.activeElement)) title.focus();
    });
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!isOpen || busy) return;
    const name = title.value.trim();
    const badTime = when.validity.badInput || (when.value !== '' && localToIso(when.value) === null);
    setTitleError(name ? null : NO_TITLE);
    setWhenError(badTime ? BAD_TIME : null);
    if (!name) return title.focus();
    if (badTime) return when.focus();
    const scheduled = localToIso(when.value);
    const nm: NewMeeting = { title: name, participant_ids: [...chosen], ...(scheduled ? { scheduled_at: scheduled } : {}) };
    const start = startNow.checked && !startNow.disabled;
    void actions.createMeeting(nm, start).then((made) => {
      if (!made) {
        if (!form.contains(document.activeElement)) submit.focus();
        return;
      }
      // Let the dialog's pending state end first (`busy`), then close.
      queueMicrotask(() => {
        busy = false;
        const inMeeting = document.querySelector<HTMLElement>('.meeting-card .meeting-in:not([hidden]) .meeting-mute');
        close(!start || !inMeeting);
        if (start && inMeeting) inMeeting.focus();
      });
    });
  });

  type Slice = {
    users: DirectoryEntry[] | null;
    meId: number | null;
    pending: boolean;
    error: string;
    blocked: string | null;
  };
  let last: Slice | null = null;
  const redraw = () => {
    if (last) draw(last);
  };
  watch(
    (s): Slice => ({
      users: s.app?.users ?? null,
      meId: s.app?.me?.id ?? null,
      pending: !!s.pending.create_meeting || joining(s) !== null,
      error: s.errors.meeting_form ?? '',
      // (Any meeting: a new one is never the one I am in.)
      blocked: joinBlockReason(s, -1),
    }),
    (slice) => {
      last = slice;
      draw(slice);
    },
  );

  function draw({ users, meId, pending, error, blocked }: Slice): void {
    busy = pending;
    setText(alert, isOpen ? error : '');
    setAttr(form, 'aria-busy', pending ? 'true' : null);
    for (const x of [title, filter, when]) x.readOnly = pending;
    setDisabled(cancel, pending);
    // Start it now: not during a call or another meeting (the shell refuses): why, in its hint.
    setDisabled(startNow, pending || !!blocked);
    if (blocked && startNow.checked) startNow.checked = false;
    setAttr(startRow, 'data-off', !!blocked);
    setText(startHint, blocked ? `${blocked} You can start it later from the list.` : 'You join it as soon as it is created; the others are told.');
    drawSubmit();
    if (!isOpen || !users) return;

    // Who can be invited: everyone else whose account works, as People orders them.
    const everyone = users.filter((u) => u.id !== meId && !isDisabled(u));
    const shown = visibleUsers(everyone, filter.value, 'all', meId);
    const keep = new Set(shown.map((u) => u.id));
    for (const [id, p] of picks) {
      if (!keep.has(id)) {
        p.li.remove();
        picks.delete(id);
      }
    }
    // Someone chosen who left the directory is let go.
    for (const id of [...chosen]) if (!everyone.some((u) => u.id === id)) chosen.splice(chosen.indexOf(id), 1);
    const full = chosen.length >= MAX_OTHERS;
    const focused = document.activeElement;
    shown.forEach((u, i) => {
      let p = picks.get(u.id);
      if (!p) {
        p = pickRow(u, onToggle);
        picks.set(u.id, p);
      }
      p.update(u, chosen.includes(u.id), full);
      p.box.disabled = p.box.disabled || pending;
      if (list.children[i] !== p.li) list.insertBefore(p.li, list.children[i] ?? null);
    });
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();

    const names = chosen.map((id) => displayName(everyone.find((u) => u.id === id)));
    setText(
      count,
      chosen.length === 0
        ? `None chosen yet (up to ${MAX_OTHERS}).`
        : full
          ? `${MAX_OTHERS} of ${MAX_OTHERS} chosen, the most a meeting holds: ${names.join(', ')}.`
          : `${chosen.length} of ${MAX_OTHERS} chosen: ${names.join(', ')}.`,
    );
    setAttr(count, 'data-full', full);
    const q = filter.value.trim();
    setText(none, everyone.length === 0 ? 'There is no one else on this server to invite yet.' : `No one matches “${q}”.`);
    show(none, shown.length === 0);
    show(list, shown.length > 0);
  }

  return {
    el,
    get isOpen() {
      return isOpen;
    },
    open() {
      if (isOpen) return;
      isOpen = true;
      title.value = '';
      filter.value = '';
      when.value = '';
      startNow.checked = false;
      chosen.splice(0);
      setTitleError(null);
      setWhenError(null);
      actions.say('meeting_form', null);
      show(el, true);
      undoInert = inertAround(el);
      redraw();
      list.scrollTop = 0;
      title.focus();
    },
  };
}
