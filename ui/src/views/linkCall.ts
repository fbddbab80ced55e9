// A call link (`switchboard://call/<username>`) asks before dialing: any web page or
// message can hold one. A dialog names the colleague; Call (or Enter) calls, Cancel (or
// Escape) does not; "Don’t ask again" makes later links call at once. Focus starts on Call
// and stays inside. During a call it still shows, with Call off and the reason said, so
// the call goes on untouched.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setDisabled, setText, show } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import { inCall, type Watch } from '../state';
import { button, regardingLine, setBusy } from './common';

/** As for an incoming call: an Enter typed for something else just as it opens does not call. */
const ENTER_GUARD_MS = 300;

export function linkCallView(
  actions: Actions,
  onOpenChange: (open: boolean) => void,
): { el: HTMLElement; attach(watch: Watch): void; focus(): void } {
  const av = h('span', { class: 'avatar huge', 'aria-hidden': 'true' });
  // Names are isolated (dir="auto"): a right-to-left name does not reorder the sentence.
  const titleName = h('span', { class: 'caller-name', dir: 'auto' });
  const title = h('h2', { id: 'link-call-title', class: 'modal-title' }, 'Call ', titleName, '?');
  // The CRM record the link says the call is about (a CRM page's click-to-call).
  const regarding = regardingLine('p', 'modal-regarding');
  const name = h('span', { dir: 'auto' });
  const username = h('span', { class: 'link-call-username', dir: 'auto' });
  const desc = h(
    'p',
    { id: 'link-call-desc', class: 'modal-text' },
    'A link asks to call ',
    name,
    ' (',
    username,
    '). Nothing is dialed until you choose Call.',
  );
  const always = h('input', { type: 'checkbox', id: 'link-call-always', class: 'switch' });
  const alwaysRow = h(
    'div',
    { class: 'toggle link-call-always' },
    always,
    h(
      'div',
      null,
      h('label', { for: 'link-call-always', text: 'Don’t ask again for call links' }),
      h('p', { class: 'hint', id: 'link-call-always-hint', text: 'You can turn asking back on in Settings\u00a0→\u00a0Calls.' }),
    ),
  );
  always.setAttribute('aria-describedby', 'link-call-always-hint');
  const reason = h('p', { id: 'link-call-reason', class: 'link-call-reason', hidden: true });
  const alert = alertRegion();
  const cancel = button('Cancel', { cls: 'secondary', onclick: () => answer(false) });
  const call = button('Call', { cls: 'primary', icon: icon('phone'), onclick: () => answer(true) });
  cancel.append(h('kbd', { 'aria-hidden': 'true', text: 'Esc' }));
  call.append(h('kbd', { 'aria-hidden': 'true', text: 'Enter' }));
  const dialog = h(
    'div',
    {
      class: 'modal link-call',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': 'link-call-title',
      'aria-describedby': 'link-call-desc',
    },
    av,
    h('p', { class: 'modal-kicker is-question', text: 'Call link' }),
    title,
    regarding.el,
    desc,
    alwaysRow,
    reason,
    alert,
    h('div', { class: 'modal-actions' }, cancel, call),
  );
  const el = h('div', { class: 'modal-backdrop', hidden: true }, dialog);

  let open = false;
  let busy = false;
  let openedAt = 0;

  function answer(placeCall: boolean): void {
    if (!open || busy || (placeCall && call.disabled)) return;
    void actions.confirmLinkCall(placeCall, placeCall && always.checked);
  }

  /** What can take focus, in order: the choice, Cancel, Call (when on). */
  const focusable = () => [always, cancel, call].filter((c) => !c.disabled);
  const focusFirst = () => (call.disabled ? cancel : call).focus();

  el.addEventListener('keydown', (e) => {
    if (!open) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      answer(false);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (e.repeat || performance.now() - openedAt < ENTER_GUARD_MS) return;
      if (document.activeElement === cancel) answer(false);
      else if (document.activeElement === call) answer(true);
    } else if (e.key === 'Tab') {
      // Focus goes round the dialog's controls and never leaves it.
      e.preventDefault();
      const items = focusable();
      if (items.length === 0) return;
      const at = items.indexOf(document.activeElement as HTMLButtonElement);
      const step = e.shiftKey ? -1 : 1;
      items[(at + step + items.length) % items.length].focus();
    }
  });
  // Clicks on the backdrop must not reach (or focus) anything behind it.
  el.addEventListener('mousedown', (e) => {
    if (e.target === el) e.preventDefault();
  });
  dialog.addEventListener('focusout', (e) => {
    if (open && !el.inert && !dialog.contains(e.relatedTarget as Node | null)) queueMicrotask(() => {
      if (open && !el.inert && !dialog.contains(document.activeElement)) focusFirst();
    });
  });

  return {
    el,
    focus: focusFirst,
    /** Draw from the store through `watch`; attached again by each screen, as the
     * incoming-call dialog is. */
    attach(watch) {
      watch(
        (s) => ({
          link: s.app?.phase === 'signed_in' ? s.app.link_call : null,
          inCall: inCall(s),
          inMeeting: !inCall(s) && !!s.app?.meeting,
          error: s.errors.link_call ?? '',
          pending: !!s.pending.confirm_link_call,
        }),
        ({ link, inCall: inACall, inMeeting, error, pending }) => {
          // A call and a meeting alike: this call waits until it is over.
          const inCall = inACall || inMeeting;
          const wasOpen = open;
          open = !!link;
          busy = pending;
          if (link) {
            const shown = plainText(link.display_name).trim() || plainText(link.username);
            setText(av, initials(shown));
            setText(titleName, shown);
            setText(name, shown);
            setText(username, plainText(link.username));
            regarding.set(link.regarding);
            if (!wasOpen) always.checked = false;
            setText(
              reason,
              inMeeting
                ? 'Leave the meeting first. Cancel goes back to it; open the link again afterwards.'
                : inCall
                  ? 'Finish your call first. Cancel goes back to it; open the link again afterwards.'
                  : '',
            );
            show(reason, inCall);
            setText(alert, error);
            setBusy(call, pending, 'Call', 'Calling…');
            setDisabled(call, pending || inCall);
            setAttr(call, 'aria-describedby', inCall ? reason.id : null);
            setAttr(call, 'title', inMeeting ? 'Leave the meeting first' : inCall ? 'Finish your call first' : null);
            setDisabled(cancel, pending);
            setDisabled(always, pending || inCall);
            setAttr(alwaysRow, 'data-off', inCall);
            // Focus lost to a button turned off (a call began; a failed answer): back in.
            const at = document.activeElement;
            const lost = !dialog.contains(at) || (at instanceof HTMLButtonElement && at.disabled);
            if (wasOpen && !pending && !el.inert && lost) focusFirst();
          }
          if (open !== wasOpen) {
            el.hidden = !open;
            onOpenChange(open);
            if (open) {
              openedAt = performance.now();
              if (!el.inert) focusFirst();
            }
          }
        },
      );
    },
  };
}
