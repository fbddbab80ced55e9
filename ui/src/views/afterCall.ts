// After a call I talked on: a small panel (not a dialog) for my outcome and a note. Save
// sends `log_call` and then says what was saved (Edit changes it); Skip closes the panel.
// History's "Log…" opens the same panel for a missed or declined call.
import type { Actions } from '../actions';
import { alertRegion, h, setDisabled, setOptions, setText, show } from '../dom';
import { plainText } from '../format';
import { icon } from '../icons';
import { inCall, type AfterCall, type Watch } from '../state';
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
  const fill = (log: CallLog | null) => {
    outcome.value = log?.outcome ?? '';
    // An outcome no longer in the team's list is kept as it was chosen.
    if (log?.outcome && outcome.value !== log.outcome) {
      outcome.append(h('option', { value: log.outcome, text: plainText(log.outcome) }));
      outcome.value = log.outcome;
    }
    note.value = log?.note ?? '';
    countText();
  };
  const showForm = (on: boolean) => {
    editing = on;
    show(form, on);
    show(saved, !on && !!current?.saved);
    if (on && current?.saved) {
      fill(current.saved);
      outcome.focus();
    }
  };
  // Opened from History: where to go back to when the panel closes.
  let backTo: number | null = null;
  let focusInside = false;
  el.addEventListener('focusin', () => {
    focusInside = true;
  });
  el.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !el.contains(to)) focusInside = false;
  });

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
    (s) => ({ after: s.missing.call_outcomes ? null : s.afterCall, inCall: inCall(s) }),
    ({ after, inCall }, prev) => {
      const isNew = after?.callId !== current?.callId || after?.fromHistory !== current?.fromHistory;
      const opened = !!after?.fromHistory && (isNew || prev?.after == null);
      const closedFrom = !after && prev?.after?.fromHistory ? backTo : null;
      current = after;
      // After a call, the panel waits for the next call to end; one opened from History
      // shows at once.
      show(el, !!after && (!inCall || !!after.fromHistory));
      if (closedFrom != null) {
        backTo = null;
        const active = document.activeElement;
        if (focusInside && (!active || active === document.body || el.contains(active))) {
          focusInside = false;
          document.querySelector<HTMLElement>(`tr[data-call-id="${closedFrom}"] .log-btn`)?.focus();
        }
      }
      if (!after) return;
      if (isNew || prev?.after == null) {
        // A new call to log: an empty form (or, from History, what I saved before), and
        // the team's outcomes if not loaded yet.
        fill(after.fromHistory ? after.saved : null);
        void actions.loadOutcomes();
      }
      setText(title, after.title ?? `How did the call with ${after.withName} go?`);
      regarding.set(after.regarding);
      if (after.saved) setText(savedText, savedWords(after.saved));
      if (isNew) showForm(true);
      else show(saved, !editing && !!after.saved);
      if (opened) {
        backTo = after.callId;
        outcome.focus();
      }
    },
  );
  watch(
    (s) => s.outcomes,
    (list) => {
      const keep = outcome.value;
      const options: [string, string][] = [['', 'No outcome'], ...(list ?? []).map((o): [string, string] => [o, plainText(o)])];
      // An outcome saved before and since removed from the list stays choosable here.
      if (keep && !options.some(([v]) => v === keep)) options.push([keep, plainText(keep)]);
      setOptions(outcome, options, keep);
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
