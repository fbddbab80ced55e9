// The callbox: the ringing call in a small window in the screen's corner (380×168), for
// when Switchboard is not in front. Who calls, audio or video, what about; Accept, Reject,
// and "Reply…" (the incoming modal's quick replies). Once focused: Enter or A accepts,
// Escape or R rejects; an Enter (or A) in the first moments does nothing.
import { h, setAttr, setDisabled, setText, show } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import type { Incoming } from '../state';
import { button, regardingLine, setBusy } from './common';
import { QUICK_REPLIES, REPLY_MAX } from './incoming';

const ENTER_GUARD_MS = 300;

export interface CallboxHandlers {
  accept(callId: number): void;
  reject(callId: number): void;
  decline(callId: number, message: string, callBackIn?: number): void;
  /** "Close", when the call is gone and a problem is left to read. */
  close(): void;
}

/** What the callbox shows: the call ringing (or the one last shown, while it is being
 * answered or rejected, or when a problem with it is left to read), what is under way,
 * and the sentence of a command that failed. */
export interface CallboxState {
  call: Incoming | null;
  ringing: boolean;
  busy: 'answer' | 'reject' | null;
  problem: string;
}

export function callboxView(on: CallboxHandlers): { el: HTMLElement; draw(s: CallboxState): void } {
  const av = h('span', { class: 'avatar ringing', 'aria-hidden': 'true' });
  const kind = h('p', { class: 'callbox-kind', id: 'callbox-kind' });
  const caller = h('h1', { class: 'callbox-name', id: 'callbox-name', dir: 'auto' });
  const regarding = regardingLine('p', 'callbox-regarding');
  const keys = h('p', { class: 'sr-only', id: 'callbox-keys', text: 'Press Enter or A to accept, Escape or R to reject.' });
  const problem = h('p', { class: 'callbox-problem', role: 'alert' });

  let callId: number | null = null;
  const accept = button('Accept', { cls: 'accept', icon: icon('phone'), onclick: () => callId != null && on.accept(callId) });
  const reject = button('Reject', { cls: 'danger', icon: icon('phone-off'), onclick: () => callId != null && on.reject(callId) });
  accept.append(h('kbd', { 'aria-hidden': 'true', text: 'Enter' }));
  reject.append(h('kbd', { 'aria-hidden': 'true', text: 'Esc' }));
  const replyToggle = button('Reply…', { cls: 'ghost small reply-toggle', icon: icon('message') });
  const closeBtn = button('Close', { cls: 'secondary callbox-close', onclick: () => on.close() });

  // Quick replies: the call declined with a message the caller sees.
  const back = button('Back', { cls: 'ghost small' });
  const quick = QUICK_REPLIES.map(({ text, callBackIn }) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn secondary small quick-reply',
        // The whole message, should a narrow font cut it short.
        title: text,
        onclick: () => callId != null && on.decline(callId, text.slice(0, REPLY_MAX), callBackIn),
      },
      h('span', { class: 'sr-only', text: 'Decline with: ' }),
      h('span', { class: 'label', text }),
    ),
  );
  const replies = h(
    'div',
    { class: 'callbox-replies', id: 'callbox-replies', role: 'group', 'aria-labelledby': 'callbox-replies-title', hidden: true },
    h('div', { class: 'callbox-replies-head' }, h('h2', { id: 'callbox-replies-title', text: 'Decline with a message' }), back),
    ...quick,
  );
  setAttr(replyToggle, 'aria-expanded', 'false');
  setAttr(replyToggle, 'aria-controls', replies.id);

  const main = h(
    'div',
    { class: 'callbox-main' },
    h('div', { class: 'callbox-who' }, av, h('div', { class: 'callbox-text' }, kind, caller, regarding.el), replyToggle),
    problem,
    h('div', { class: 'callbox-actions' }, reject, accept, closeBtn),
  );
  const el = h(
    'section',
    { class: 'callbox', role: 'alertdialog', 'aria-labelledby': 'callbox-kind callbox-name', 'aria-describedby': 'callbox-keys', hidden: true },
    main,
    replies,
    keys,
  );

  const setReplies = (open: boolean) => {
    show(main, !open);
    replies.hidden = !open;
    setAttr(replyToggle, 'aria-expanded', open ? 'true' : 'false');
  };
  replyToggle.addEventListener('click', () => {
    setReplies(true);
    quick[0].focus();
  });
  back.addEventListener('click', () => {
    setReplies(false);
    replyToggle.focus();
  });

  let openedAt = 0;
  let ringing = false;
  let busy = false;
  document.addEventListener('keydown', (e) => {
    if (callId == null || e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    if (!ringing) {
      // Over, with a problem left to read: Escape closes, as Close does.
      if (e.key === 'Escape' && !closeBtn.hidden) {
        e.preventDefault();
        on.close();
      }
      return;
    }
    const letter = e.key.length === 1 ? e.key.toLowerCase() : '';
    if (!replies.hidden) {
      // In the replies, Escape goes back; Enter and Space press the reply focused.
      if (e.key === 'Escape') {
        e.preventDefault();
        back.click();
      }
      return;
    }
    const accepting = e.key === 'Enter' || letter === 'a';
    if (accepting && (e.repeat || performance.now() - openedAt < ENTER_GUARD_MS)) {
      // Keys meant for something else as the call arrived must not answer it.
      e.preventDefault();
      return;
    }
    if (busy) return;
    const active = document.activeElement;
    // Enter on Reject, Reply… or the record's link does what that control does; anywhere
    // else it accepts.
    const ownEnter = active instanceof HTMLElement && active !== accept && active.matches('a[href], button, input');
    if (e.key === 'Escape' || letter === 'r') {
      e.preventDefault();
      on.reject(callId);
    } else if (letter === 'a' || (e.key === 'Enter' && !ownEnter)) {
      e.preventDefault();
      on.accept(callId);
    }
  });

  let prev: CallboxState | null = null;
  const draw = (s: CallboxState) => {
    const inc = s.call;
    callId = inc?.callId ?? null;
    ringing = s.ringing;
    busy = s.busy != null;
    show(el, !!inc);
    if (!inc) return;
    const isNew = inc.callId !== prev?.call?.callId;
    const name = plainText(inc.callerName);
    setText(av, initials(name));
    setText(caller, name);
    // Over, with a problem left to read: one line says which call, the sentence the rest.
    setText(kind, !s.ringing ? `Call from ${name}` : inc.callType === 'video' ? 'Video call' : 'Audio call');
    setAttr(el, 'data-state', s.ringing ? 'ringing' : 'over');
    setAttr(el, 'data-type', inc.callType);
    regarding.set(inc.regarding);
    setText(problem, s.problem);
    setBusy(accept, s.busy === 'answer', 'Accept', 'Connecting…');
    setBusy(reject, s.busy === 'reject', 'Reject', 'Rejecting…');
    setDisabled(accept, busy);
    setDisabled(reject, busy);
    for (const b of [replyToggle, ...quick]) setDisabled(b, busy);
    // Gone while a problem is left to read: only Close.
    for (const b of [accept, reject, replyToggle]) show(b, s.ringing);
    show(closeBtn, !s.ringing);
    if (!s.ringing) setReplies(false);
    if (isNew) {
      setReplies(false);
      openedAt = performance.now();
      accept.focus();
    } else if (!s.ringing && prev?.ringing) closeBtn.focus();
  };
  return {
    el,
    draw(s) {
      draw(s);
      prev = s;
    },
  };
}
