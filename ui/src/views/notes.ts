// Notes: what colleagues left me when I could not take their call, newest first. Each says
// who, when, what about, the text (line breaks kept), with Call back, Mark read and
// Delete. Shown only when the server has notes.
import type { Actions } from '../actions';
import { isUnread, unreadCount } from '../busyLamp';
import { alertRegion, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { displayName, formatWhen, plainText, plural } from '../format';
import { icon } from '../icons';
import { callBlockReason } from '../people';
import type { Watch } from '../state';
import type { DirectoryEntry, Note } from '../types';
import { avatar, busyWhy, button, regardingNode, setBusy, type View } from './common';

interface NoteRow {
  li: HTMLLIElement;
  /** Buttons off while a command on this note runs; Call back also when it could not ring. */
  set(busy: boolean, calling: boolean, why: string | null): void;
}

function noteRow(n: Note, actions: Actions, now: Date): NoteRow {
  const name = displayName(n.from_details);
  const nameId = uid('note-from');
  const unread = isUnread(n);
  const whyId = uid('note-why');
  const why = h('span', { class: 'sr-only', id: whyId });
  const call = button('Call back', {
    cls: 'call-btn small',
    icon: icon('phone'),
    onclick: () => void actions.callUser(n.from_user_id, 'notes'),
  });
  setAttr(call, 'aria-label', `Call back ${name}`);
  call.dataset.focus = `${n.id}:call`;
  const read = unread
    ? button('Mark read', { cls: 'secondary small', icon: icon('check'), onclick: () => void actions.markNoteRead(n.id) })
    : null;
  if (read) {
    setAttr(read, 'aria-describedby', nameId);
    read.dataset.focus = `${n.id}:read`;
  }
  const remove = button('Delete', { cls: 'ghost small danger-text', icon: icon('trash'), onclick: () => void actions.deleteNote(n.id) });
  setAttr(remove, 'aria-describedby', nameId);
  remove.dataset.focus = `${n.id}:delete`;
  const text = plainText(n.text).trim();

  const li = h(
    'li',
    {
      class: 'note-item',
      'data-note-id': String(n.id),
      'data-unread': unread ? 'true' : null,
      'data-focus': `${n.id}:item`,
      tabindex: '-1',
      'aria-labelledby': nameId,
    },
    avatar(name),
    h(
      'div',
      { class: 'note-body' },
      h(
        'span',
        { class: 'note-line' },
        h('span', { class: 'note-from', id: nameId, dir: 'auto', text: name }),
        unread ? h('span', { class: 'tag tag-new', text: 'New' }) : null,
        h('time', { class: 'note-when', datetime: n.created_at, text: formatWhen(n.created_at, now) }),
      ),
      n.regarding ? h('div', { class: 'note-regarding' }, regardingNode(n.regarding)) : null,
      h('p', { class: 'note-text', dir: 'auto', text }),
    ),
    h('div', { class: 'note-actions' }, call, read, remove, why),
  );
  return {
    li,
    set(busy, calling, reason) {
      setBusy(call, calling, 'Call back', 'Calling…');
      setDisabled(call, busy || calling || reason !== null);
      setAttr(call, 'title', reason);
      setAttr(call, 'aria-describedby', reason ? whyId : null);
      setText(why, reason ?? '');
      if (read) setDisabled(read, busy);
      setDisabled(remove, busy);
      setAttr(li, 'aria-busy', busy ? 'true' : null);
    },
  };
}

export function notesView(actions: Actions, watch: Watch): View {
  const alert = alertRegion();
  const refresh = button('Refresh', { cls: 'ghost small', icon: icon('refresh'), onclick: () => void actions.loadNotes() });
  const summary = h('p', { class: 'summary', role: 'status' });
  const list = h('ul', { class: 'note-list', 'aria-label': 'Notes' });
  const empty = h('p', {
    class: 'empty',
    text: 'No notes. When a colleague cannot reach you, they can leave you a note, and it is kept here.',
  });
  const heading = h('h2', { id: 'notes-title', text: 'Notes', tabindex: '-1' });
  const el = h(
    'section',
    { class: 'panel notes-panel', 'aria-labelledby': heading.id },
    h('div', { class: 'toolbar' }, heading, refresh),
    summary,
    alert,
    list,
    empty,
  );

  let rows: { note: Note; row: NoteRow }[] = [];
  let state: { pending: Record<string, boolean>; inCall: string | null; users: DirectoryEntry[] } = { pending: {}, inCall: null, users: [] };

  // Where focus was in the list, to put it back when the list is drawn again (a note
  // marked read is drawn anew; a deleted one goes: then to the note now in its place).
  let lastFocus: { key: string; index: number } | null = null;
  list.addEventListener('focusin', (e) => {
    const t = e.target as HTMLElement;
    const li = t.closest('li');
    if (li) lastFocus = { key: t.dataset.focus ?? '', index: Array.prototype.indexOf.call(list.children, li) };
  });
  list.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !list.contains(to)) lastFocus = null;
  });
  const usable = (b: HTMLElement | null): b is HTMLElement => !!b && !(b as HTMLButtonElement).disabled && b.getClientRects().length > 0;
  const restoreFocus = () => {
    const active = document.activeElement;
    if (!lastFocus || el.hidden || (active && active !== document.body && !list.contains(active))) return;
    if (active && list.contains(active)) return;
    const { key, index } = lastFocus;
    const [id, what] = key.split(':');
    const row = list.querySelector<HTMLElement>(`li[data-note-id="${id}"]`);
    if (row) {
      // The same button; Mark read is gone once read: the next one (Delete).
      const same = row.querySelector<HTMLElement>(`[data-focus="${key}"]`);
      const next = what === 'read' ? row.querySelector<HTMLElement>(`[data-focus="${id}:delete"]`) : null;
      return (usable(same) ? same : usable(next) ? next : row).focus();
    }
    const other = (list.children[index] ?? list.children[index - 1]) as HTMLElement | undefined;
    if (other) other.focus();
    else heading.focus();
  };

  const applyState = () => {
    const byId = new Map(state.users.map((u) => [u.id, u]));
    for (const { note, row } of rows) {
      const from = byId.get(note.from_user_id);
      const why = state.inCall ?? (from ? callBlockReason(from, false) : null);
      row.set(!!state.pending[`note:${note.id}`], !!state.pending[`call:${note.from_user_id}`], why);
    }
  };

  watch((s) => s.errors.notes ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ notes: s.notes, loading: !!s.pending.notes }),
    ({ notes, loading }) => {
      setBusy(refresh, loading, 'Refresh', 'Loading…');
      if (notes === null) {
        setText(summary, loading ? 'Loading notes…' : '');
        show(empty, false);
      }
    },
  );
  watch(
    (s) => s.notes,
    (notes) => {
      if (!notes) {
        list.replaceChildren();
        rows = [];
        return;
      }
      const now = new Date();
      rows = notes.map((note) => ({ note, row: noteRow(note, actions, now) }));
      list.replaceChildren(...rows.map((r) => r.row.li));
      applyState();
      show(empty, notes.length === 0);
      const unread = unreadCount(notes);
      setText(summary, notes.length ? `${plural(notes.length, 'note')}${unread ? `, ${unread} unread` : ''}` : '');
      restoreFocus();
    },
  );
  watch(
    (s) => ({ pending: s.pending, inCall: busyWhy(s), users: s.app?.users ?? [] }),
    (next) => {
      state = next;
      applyState();
      restoreFocus();
    },
  );
  return { el };
}
