// The incoming call: a full-screen alert dialog. Enter accepts, Escape declines, focus
// starts on Accept and stays inside until the call is answered, declined or gone.
import type { Actions } from '../actions';
import { alertRegion, h, setText } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import { button, setBusy } from './common';

const ENTER_GUARD_MS = 300;

export function incomingView(
  actions: Actions,
  onOpenChange: (open: boolean) => void,
): { el: HTMLElement; attach(watch: Watch): void } {
  const av = h('span', { class: 'avatar huge ringing', 'aria-hidden': 'true' });
  // The caller's name is isolated (dir="auto"): a right-to-left name reads correctly and
  // does not reorder " is calling".
  const caller = h('span', { class: 'caller-name', dir: 'auto' });
  const title = h('h2', { id: 'incoming-title', class: 'modal-title' }, caller, ' is calling');
  const desc = h('p', { id: 'incoming-desc', class: 'modal-text' });
  const alert = alertRegion();
  let callId: number | null = null;
  const accept = button('Accept', { cls: 'accept', icon: icon('phone'), onclick: () => callId != null && void actions.answer(callId) });
  const reject = button('Decline', { cls: 'danger', icon: icon('phone-off'), onclick: () => callId != null && void actions.reject(callId) });
  accept.append(h('kbd', { 'aria-hidden': 'true', text: 'Enter' }));
  reject.append(h('kbd', { 'aria-hidden': 'true', text: 'Esc' }));
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
    desc,
    alert,
    h('div', { class: 'modal-actions' }, reject, accept),
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
    if (e.key === 'Escape') {
      e.preventDefault();
      void actions.reject(callId);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (document.activeElement === reject) void actions.reject(callId);
      else if (!accept.disabled) void actions.answer(callId);
    } else if (e.key === 'Tab') {
      // Trap focus between the two buttons.
      e.preventDefault();
      (document.activeElement === accept ? reject : accept).focus();
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
        (s) => ({ inc: s.incoming, error: s.errors.incoming ?? '', answering: !!s.pending.answer }),
        ({ inc, error, answering }) => {
          const open = !!inc;
          const wasOpen = callId != null;
          callId = inc?.callId ?? null;
          if (inc) {
            const name = plainText(inc.callerName);
            setText(av, initials(name));
            setText(caller, name);
            const kind = inc.callType === 'video' ? 'Video call, answered with audio only' : 'Audio call';
            setText(desc, `${kind}. Press Enter to accept or Escape to decline.`);
            setText(alert, error);
            setBusy(accept, answering, 'Accept', 'Connecting…');
          }
          if (open !== wasOpen) {
            el.hidden = !open;
            onOpenChange(open);
            if (open) {
              openedAt = performance.now();
              accept.focus();
            }
          }
        },
      );
    },
  };
}
