// The incoming call: a full-screen alert dialog. Enter accepts, Escape declines, focus
// starts on Accept and stays inside until the call is answered, declined or gone.
// "Reply…" opens quick replies: declining with a message the caller sees.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setDisabled, setText, show } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import { button, regardingLine, setBusy } from './common';

const ENTER_GUARD_MS = 300;
/** The longest message the caller is sent (one line). */
export const REPLY_MAX = 200;
/** Declining with a message; one that says when I will call back also adds that call-back
 * for me (`callBackIn` seconds), on a server that has call-backs. */
export const QUICK_REPLIES: readonly { text: string; callBackIn?: number }[] = [
  { text: "In a meeting — I'll call you back in 10 minutes", callBackIn: 600 },
  { text: "Can't talk now, send me a message" },
  { text: "I'll call you back in an hour", callBackIn: 3600 },
];

export function incomingView(
  actions: Actions,
  onOpenChange: (open: boolean) => void,
): { el: HTMLElement; attach(watch: Watch): void } {
  const av = h('span', { class: 'avatar huge ringing', 'aria-hidden': 'true' });
  // The caller's name is isolated (dir="auto"): a right-to-left name reads correctly and
  // does not reorder " is calling".
  const caller = h('span', { class: 'caller-name', dir: 'auto' });
  const title = h('h2', { id: 'incoming-title', class: 'modal-title' }, caller, ' is calling');
  const regarding = regardingLine('p', 'modal-regarding');
  const desc = h('p', { id: 'incoming-desc', class: 'modal-text' });
  const alert = alertRegion();
  let callId: number | null = null;
  const accept = button('Accept', { cls: 'accept', icon: icon('phone'), onclick: () => callId != null && void actions.answer(callId) });
  const reject = button('Decline', { cls: 'danger', icon: icon('phone-off'), onclick: () => callId != null && void actions.reject(callId) });
  accept.append(h('kbd', { 'aria-hidden': 'true', text: 'Enter' }));
  reject.append(h('kbd', { 'aria-hidden': 'true', text: 'Esc' }));

  // Quick replies: decline with a message.
  const decline = (message: string, callBackIn?: number) => {
    const m = message.replace(/\s+/g, ' ').trim().slice(0, REPLY_MAX);
    if (callId != null && m) void actions.decline(callId, m, callBackIn);
  };
  const replyToggle = button('Reply…', { cls: 'ghost small reply-toggle', icon: icon('message') });
  const quick = QUICK_REPLIES.map(({ text, callBackIn }) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn secondary small quick-reply',
        'data-call-back': callBackIn ? 'true' : null,
        onclick: () => decline(text, callBackIn),
      },
      h('span', { class: 'sr-only', text: 'Decline with: ' }),
      h('span', { class: 'label', text }),
    ),
  );
  const callBackHint = h('p', {
    class: 'hint',
    id: 'incoming-callback-hint',
    text: '“Call you back” replies also add a call-back for you.',
  });
  const custom = h('input', {
    type: 'text',
    id: 'incoming-reply',
    maxlength: String(REPLY_MAX),
    autocomplete: 'off',
    placeholder: 'Your own message',
    'aria-describedby': 'incoming-reply-hint',
  });
  const send = button('Send', { cls: 'danger small', type: 'submit' });
  setDisabled(send, true);
  custom.addEventListener('input', () => setDisabled(send, custom.value.trim() === ''));
  const customForm = h(
    'form',
    { class: 'reply-custom', 'aria-label': 'Decline with your own message' },
    h('label', { for: custom.id, class: 'sr-only', text: 'Your own message' }),
    custom,
    send,
    h('p', { class: 'hint', id: 'incoming-reply-hint', text: `One line, ${REPLY_MAX} characters at most. The call is declined with it.` }),
  );
  customForm.addEventListener('submit', (e) => {
    e.preventDefault();
    decline(custom.value);
  });
  const replies = h(
    'div',
    { class: 'replies', id: 'incoming-replies', role: 'group', 'aria-label': 'Decline with a message', hidden: true },
    ...quick,
    callBackHint,
    customForm,
  );
  setAttr(replyToggle, 'aria-expanded', 'false');
  setAttr(replyToggle, 'aria-controls', replies.id);
  const setReplies = (open: boolean) => {
    replies.hidden = !open;
    setAttr(replyToggle, 'aria-expanded', open ? 'true' : 'false');
  };
  replyToggle.addEventListener('click', () => {
    setReplies(!!replies.hidden);
    if (!replies.hidden) quick[0].focus();
  });
  const dialog = h(
    'div',
    {
      class: 'modal',
      role: 'alertdialog',
      'aria-modal': 'true',
      'aria-labelledby': 'incoming-title',
      'aria-describedby': 'incoming-desc',
    },
    av,
    h('p', { class: 'modal-kicker', text: 'Incoming call' }),
    title,
    regarding.el,
    desc,
    alert,
    h('div', { class: 'modal-actions' }, reject, accept),
    replyToggle,
    replies,
  );
  /** What Tab goes through, in order: what is shown and can be used. */
  const focusables = () =>
    Array.from(dialog.querySelectorAll<HTMLElement>('a[href], button, input')).filter(
      (x) => !(x as HTMLButtonElement).disabled && x.getClientRects().length > 0,
    );
  const el = h('div', { class: 'modal-backdrop', hidden: true }, dialog);

  let openedAt = 0;
  el.addEventListener('keydown', (e) => {
    if (callId == null) return;
    // An Enter typed for something else just as the call arrives must not answer it.
    if (e.key === 'Enter' && (e.repeat || performance.now() - openedAt < ENTER_GUARD_MS)) {
      e.preventDefault();
      return;
    }
    const active = document.activeElement as HTMLElement | null;
    if (e.key === 'Escape') {
      e.preventDefault();
      // Escape in the open replies closes them; anywhere else it declines.
      if (!replies.hidden && active && (replies.contains(active) || active === replyToggle)) {
        setReplies(false);
        replyToggle.focus();
      } else void actions.reject(callId);
    } else if (e.key === 'Enter') {
      // Enter on Decline declines; on Reply…, a quick reply, the record's link or in the
      // message field, it does what that control does; anywhere else it accepts.
      if (active === reject) {
        e.preventDefault();
        void actions.reject(callId);
      } else if (active && active !== accept && dialog.contains(active) && active !== dialog) {
        return;
      } else {
        e.preventDefault();
        if (!accept.disabled) void actions.answer(callId);
      }
    } else if (e.key === 'Tab') {
      // Trap focus inside the dialog.
      e.preventDefault();
      const list = focusables();
      if (list.length === 0) return;
      const i = list.indexOf(active as HTMLElement);
      const next = e.shiftKey ? (i <= 0 ? list.length - 1 : i - 1) : i < 0 || i === list.length - 1 ? 0 : i + 1;
      list[next].focus();
    }
  });
  // Clicks on the backdrop must not reach (or focus) anything behind it.
  el.addEventListener('mousedown', (e) => {
    if (e.target === el) e.preventDefault();
  });
  dialog.addEventListener('focusout', (e) => {
    if (callId != null && !dialog.contains(e.relatedTarget as Node | null)) queueMicrotask(() => {
      if (callId != null && !dialog.contains(document.activeElement)) accept.focus();
    });
  });

  return {
    el,
    /** Draw from the store through `watch`. The dialog outlives screens, so each screen
     * attaches it again, after its own views: closing it hands focus to what they drew. */
    attach(watch) {
      watch(
        (s) => s.missing.callbacks,
        (missing) => {
          show(callBackHint, !missing);
          for (const b of quick) if (b.dataset.callBack) setAttr(b, 'aria-describedby', missing ? null : callBackHint.id);
        },
      );
      watch(
        (s) => ({ inc: s.incoming, error: s.errors.incoming ?? '', answering: !!s.pending.answer }),
        ({ inc, error, answering }) => {
          const open = !!inc;
          const wasOpen = callId != null;
          callId = inc?.callId ?? null;
          if (inc) {
            const name = plainText(inc.callerName);
            setText(av, initials(name));
            setText(caller, name);
            regarding.set(inc.regarding);
            // The voice is Switchboard's; a video call's picture opens in the browser (the
            // call card's "Open video room").
            const kind = inc.callType === 'video' ? 'Video call' : 'Audio call';
            setText(desc, `${kind}. Press Enter to accept or Escape to decline.`);
            setText(alert, error);
            setBusy(accept, answering, 'Accept', 'Connecting…');
          }
          if (open !== wasOpen) {
            el.hidden = !open;
            onOpenChange(open);
            if (open) {
              setReplies(false);
              custom.value = '';
              setDisabled(send, true);
              openedAt = performance.now();
              accept.focus();
            }
          }
        },
      );
    },
  };
}
