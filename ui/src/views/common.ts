// Pieces shared by the views: the View shape, avatars, presence dots, busy buttons.
import { h, setAttr, setDisabled, setText, uid } from '../dom';
import { describeRegarding, errorText, initials, presenceLabel } from '../format';
import { api } from '../ipc';
import { CALL_IN_MEETING } from '../people';
import { inCall, type UiState } from '../state';
import type { Presence, Regarding } from '../types';

/** A piece of the screen. It keeps itself up to date: its factory is given a `Watch` and
 * watches the slices of the state it draws from. */
export interface View {
  el: HTMLElement;
}

export function avatar(name: string, extra = ''): HTMLSpanElement {
  return h('span', { class: `avatar ${extra}`.trim(), 'aria-hidden': 'true', text: initials(name) });
}

/** A presence dot (its shape differs per state too) and the state in words. */
export function presenceTag(): { el: HTMLSpanElement; set(p: Presence): void } {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const text = h('span', { class: 'presence-text' });
  const el = h('span', { class: 'presence' }, dot, text);
  return {
    el,
    set(p: Presence) {
      setAttr(el, 'data-status', p);
      setText(text, presenceLabel(p));
    },
  };
}

/** Why nobody can be called from here now: I am in a call, or in a meeting; null when
 * calling is possible (as far as I go). */
export function busyWhy(s: UiState): string | null {
  if (inCall(s)) return 'You are in a call.';
  // (A call moving into a meeting is as good as in it: the shell joins it.)
  if (s.app?.meeting || s.moving) return CALL_IN_MEETING;
  return null;
}

/** Show a button as busy (label changes, disabled) while its command runs. */
export function setBusy(btn: HTMLButtonElement, busy: boolean, idle: string, working: string): void {
  const label = btn.querySelector('.label') ?? btn;
  setText(label, busy ? working : idle);
  setDisabled(btn, busy);
  setAttr(btn, 'aria-busy', busy ? 'true' : null);
}

export function button(
  label: string,
  opts: { cls?: string; icon?: SVGElement; onclick?: (e: MouseEvent) => void; type?: 'button' | 'submit' } = {},
): HTMLButtonElement {
  return h(
    'button',
    { type: opts.type ?? 'button', class: `btn ${opts.cls ?? ''}`.trim(), onclick: opts.onclick },
    opts.icon ?? null,
    h('span', { class: 'label', text: label }),
  );
}

/**
 * "Are you sure?" in place: the question, a confirming button and Cancel. It takes focus
 * when opened (read out by its question); Escape, like Cancel, closes it.
 */
export function confirmation(opts: {
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}): {
  el: HTMLElement;
  set(question: string, detail: string): void;
  confirm: HTMLButtonElement;
  cancel: HTMLButtonElement;
  focus(): void;
} {
  const id = uid('confirm');
  // The question in bold, what follows from it in plain text; both name the group.
  const question = h('span', { class: 'confirm-question', id: `${id}-q` });
  const detail = h('span', { class: 'confirm-detail', id: `${id}-d` });
  const confirm = button(opts.confirmLabel, { cls: 'danger small', onclick: () => opts.onConfirm() });
  const cancel = button('Cancel', { cls: 'secondary small', onclick: () => opts.onCancel() });
  const el = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-labelledby': `${question.id} ${detail.id}`, tabindex: '-1', hidden: true },
    h('p', null, question, ' ', detail),
    h('div', { class: 'confirm-actions' }, confirm, cancel),
  );
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !confirm.disabled) {
      e.preventDefault();
      e.stopPropagation();
      opts.onCancel();
    }
  });
  return {
    el,
    set(q, d) {
      setText(question, q);
      setText(detail, d);
    },
    confirm,
    cancel,
    focus: () => el.focus(),
  };
}

/** "About Deal: ACME renewal", the label a link to the CRM record when it has an http(s)
 * address. A click asks the shell to open it in the user's browser (a link followed in
 * the webview would navigate the app itself); a failure is said next to it. */
export function regardingNode(r: Regarding, about = 'About'): HTMLElement {
  const { kind, label, url } = describeRegarding(r);
  const problem = h('span', { class: 'record-problem', role: 'status' });
  let name: HTMLElement;
  if (url) {
    name = h(
      'a',
      { class: 'record-link', href: url, target: '_blank', rel: 'noopener noreferrer', dir: 'auto' },
      label,
      h('span', { class: 'sr-only', text: ' (opens in your browser)' }),
    );
    name.addEventListener('click', (e) => {
      e.preventDefault();
      setText(problem, '');
      api.openRecordPage({ url }).catch((err: unknown) => {
        setText(problem, ` ${errorText(err)}`);
      });
    });
  } else {
    name = h('span', { class: 'record-label', dir: 'auto', text: label });
  }
  return h('span', { class: 'regarding', 'data-type': kind }, `${about} ${kind}: `, name, problem);
}

/** A line that shows what a call is about, or nothing (hidden) when it is about nothing. */
export function regardingLine(tag: 'p' | 'div' = 'p', cls = 'regarding-line'): {
  el: HTMLElement;
  set(r: Regarding | null | undefined): void;
} {
  const el = h(tag, { class: cls, hidden: true });
  let shown: Regarding | null = null;
  return {
    el,
    set(r) {
      const next = r ?? null;
      if (next === shown || (next && shown && JSON.stringify(next) === JSON.stringify(shown))) return;
      shown = next;
      el.replaceChildren(...(next ? [regardingNode(next)] : []));
      el.hidden = !next;
    },
  };
}

/**
 * A button that opens a few times to choose from ("10 minutes", "1 hour"), as a group
 * right after it; choosing one closes the group and runs `onChoose` with its seconds.
 * Escape in the group closes it, back on the button. `key` marks the buttons (data-focus)
 * so that a list drawn again can put focus back on the same one.
 */
export function laterChoices(opts: {
  label: string;
  groupLabel: string;
  choices: readonly { label: string; seconds: number }[];
  choiceLabel?: (label: string) => string;
  cls?: string;
  key?: string;
  onChoose(seconds: number): void;
}): { el: HTMLElement; toggle: HTMLButtonElement; setDisabled(disabled: boolean): void; close(): void } {
  const id = uid('later');
  const toggle = button(opts.label, { cls: opts.cls ?? 'ghost small' });
  toggle.classList.add('later-toggle');
  setAttr(toggle, 'aria-expanded', 'false');
  setAttr(toggle, 'aria-controls', id);
  const buttons = opts.choices.map((c) => {
    const b = button(opts.choiceLabel ? opts.choiceLabel(c.label) : c.label, {
      cls: 'secondary small',
      onclick: () => {
        setOpen(false);
        opts.onChoose(c.seconds);
      },
    });
    if (opts.key) b.dataset.focus = `${opts.key}-${c.seconds}`;
    return b;
  });
  if (opts.key) toggle.dataset.focus = opts.key;
  const group = h('div', { class: 'later-choices', id, role: 'group', 'aria-label': opts.groupLabel, hidden: true }, ...buttons);
  const el = h('div', { class: 'later' }, toggle, group);
  let isOpen = false;
  const setOpen = (open: boolean) => {
    isOpen = open;
    group.hidden = !open;
    setAttr(toggle, 'aria-expanded', open ? 'true' : 'false');
  };
  toggle.addEventListener('click', () => {
    setOpen(!isOpen);
    if (isOpen) buttons[0]?.focus();
  });
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && isOpen) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      toggle.focus();
    }
  });
  return {
    el,
    toggle,
    setDisabled(disabled) {
      setDisabled(toggle, disabled);
      for (const b of buttons) setDisabled(b, disabled);
    },
    close: () => setOpen(false),
  };
}
