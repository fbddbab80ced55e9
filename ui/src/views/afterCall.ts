// After a call I talked on: a small panel (not a dialog) for my outcome and a note. Save
// sends `log_call` and then says what was saved (Edit changes it); Skip closes the panel.
import type { Actions } from '../actions';
import { alertRegion, h, setDisabled, setOptions, setText, show } from '../dom';
import { plainText } from '../format';
import { icon } from '../icons';
import type { AfterCall, Watch } from '../state';
import type { CallLog } from '../types';
import { button, regardingLine, setBusy, type View } from './common';

export const NOTE_MAX = 4000;

function savedWords(log: CallLog): string {
  const outcome = plainText(log.outcome).trim();
  const note = plainText(log.note).trim();
  return [outcome, note].filter(Boolean).join(' — ');
}

export function afterCallView(actions: Actions, watch: Watch): View {
  const title = h('h2', { id: 'after-call-title', class: 'after-call-title' });
  const regarding = regardingLine('p', 'after-call-regarding');

  const outcome = h('select', { id: 'after-call-outcome' });
  const note = h('textarea', {
    id: 'after-call-note',
    rows: '3',
    maxlength: String(NOTE_MAX),
    'aria-describedby': 'after-call-count',
  });
  const count = h('p', { class: 'hint', id: 'after-call-count' });
  const countText = () => setText(count, `${note.value.length} of ${NOTE_MAX} characters`);
  note.addEventListener('input', countText);
  const alert = alertRegion();
  const save = button('Save', { cls: 'primary small', type: 'submit' });
  const skip = button('Skip', { cls: 'ghost small', onclick: () => actions.closeAfterCall() });
  const form = h(
    'form',
    { class: 'after-call-form', 'aria-labelledby': title.id },
    h('div', { class: 'field' }, h('label', { for: outcome.id, text: 'Outcome' }), outcome),
    h('div', { class: 'field field-note' }, h('label', { for: note.id, text: 'Note' }), note, count),
    alert,
    h('div', { class: 'after-call-actions' }, save, skip),
  );

  const savedText = h('span', { class: 'after-call-saved-text', dir: 'auto' });
  const edit = button('Edit', { cls: 'ghost small', onclick: () => showForm(true) });
  const close = button('Close', { cls: 'ghost small', onclick: () => actions.closeAfterCall() });
  const saved = h(
    'div',
    { class: 'after-call-saved' },
    h('p', { class: 'notice', role: 'status' }, 'Saved. ', savedText),
    h('div', { class: 'after-call-actions' }, edit, close),
  );

  const el = h(
    'section',
    { class: 'after-call', 'aria-labelledby': title.id, hidden: true },
    h('div', { class: 'after-call-head' }, icon('note'), h('div', null, title, regarding.el)),
    form,
    saved,
  );

  let current: AfterCall | null = null;
  let editing = true;
  const showForm = (on: boolean) => {
    editing = on;
    show(form, on);
    show(saved, !on && !!current?.saved);
    if (on && current?.saved) {
      outcome.value = current.saved.outcome ?? '';
      note.value = current.saved.note ?? '';
      countText();
      outcome.focus();
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!current) return;
    const o = outcome.value;
    const n = note.value.trim();
    if (!o && !n) {
      actions.say('after_call', 'Choose an outcome or write a note, or press Skip.');
      return;
    }
    void actions.logCall(current.callId, { ...(o ? { outcome: o } : {}), ...(n ? { note: n } : {}) }).then((ok) => {
      if (ok) {
        showForm(false);
        close.focus();
      }
    });
  });

  watch(
    // A server without call outcomes (a seeds-style backend) has no panel.
    (s) => ({ after: s.missing.call_outcomes ? null : s.afterCall, inCall: !!s.app?.active_call }),
    ({ after, inCall }, prev) => {
      const isNew = after?.callId !== current?.callId;
      current = after;
      show(el, !!after && !inCall);
      if (!after) return;
      if (isNew || prev?.after == null) {
        // A new call to log: an empty form, and the team's outcomes if not loaded yet.
        outcome.value = '';
        note.value = '';
        countText();
        void actions.loadOutcomes();
      }
      setText(title, `How did the call with ${after.withName} go?`);
      regarding.set(after.regarding);
      if (after.saved) setText(savedText, savedWords(after.saved));
      if (isNew) showForm(true);
      else show(saved, !editing && !!after.saved);
    },
  );
  watch(
    (s) => s.outcomes,
    (list) => {
      const keep = outcome.value;
      const options: [string, string][] = [['', 'No outcome'], ...(list ?? []).map((o): [string, string] => [o, plainText(o)])];
      setOptions(outcome, options, options.some(([v]) => v === keep) ? keep : '');
    },
  );
  watch((s) => s.errors.after_call ?? '', (error) => setText(alert, error));
  watch(
    (s) => !!s.pending.log_call,
    (busy) => {
      setBusy(save, busy, 'Save', 'Saving…');
      setDisabled(skip, busy);
    },
  );
  return { el };
}
