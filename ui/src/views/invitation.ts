// Added to a call: a colleague added me to their call, which became a meeting of the three
// (`meeting_started` with `added_to_call`). Shown as an incoming call is: a full-screen
// alert dialog saying who adds me and who else is on it. Enter (or Join) joins; Escape (or
// Decline) closes it, and the banner stays, to join later. Focus starts on Join and stays
// inside until then.
import type { Actions } from '../actions';
import { alertRegion, h, setText } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import { button, setBusy } from './common';

/** An Enter typed for something else just as the dialog opens does not join. */
const ENTER_GUARD_MS = 300;

export function invitationView(
  actions: Actions,
  onOpenChange: (open: boolean) => void,
): { el: HTMLElement; attach(watch: Watch): void } {
  const av = h('span', { class: 'avatar huge ringing', 'aria-hidden': 'true' });
  const adder = h('span', { class: 'caller-name', dir: 'auto' });
  const title = h('h2', { id: 'invitation-title', class: 'modal-title' }, adder, ' is adding you to a call');
  const withName = h('strong', { dir: 'auto' });
  const desc = h('p', { id: 'invitation-desc', class: 'modal-text' }, 'With ', withName, '. Press Enter to join or Escape to decline.');
  const alert = alertRegion();
  let meetingId: number | null = null;
  const join = button('Join', { cls: 'accept', icon: icon('phone'), onclick: () => meetingId != null && void actions.joinMeeting(meetingId, 'meeting_banner') });
  const decline = button('Decline', { cls: 'danger', icon: icon('phone-off'), onclick: () => actions.declineAddition() });
  join.append(h('kbd', { 'aria-hidden': 'true', text: 'Enter' }));
  decline.append(h('kbd', { 'aria-hidden': 'true', text: 'Esc' }));
  const dialog = h(
    'div',
    { class: 'modal', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': title.id, 'aria-describedby': desc.id },
    av,
    h('p', { class: 'modal-kicker', text: 'Incoming call' }),
    title,
    desc,
    alert,
    h('div', { class: 'modal-actions' }, decline, join),
  );
  const el = h('div', { class: 'modal-backdrop invitation', hidden: true }, dialog);

  let openedAt = 0;
  el.addEventListener('keydown', (e) => {
    if (meetingId == null) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      actions.declineAddition();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (e.repeat || performance.now() - openedAt < ENTER_GUARD_MS) return;
      if (document.activeElement === decline) actions.declineAddition();
      else if (!join.disabled) void actions.joinMeeting(meetingId, 'meeting_banner');
    } else if (e.key === 'Tab') {
      // Two buttons: Tab goes from one to the other, and stays inside.
      e.preventDefault();
      (document.activeElement === join ? decline : join).focus();
    }
  });
  // Clicks on the backdrop must not reach (or focus) anything behind it.
  el.addEventListener('mousedown', (e) => {
    if (e.target === el) e.preventDefault();
  });

  return {
    el,
    /** Draw from the store through `watch` (each screen attaches it again, after its views). */
    attach(watch) {
      watch(
        (s) => {
          const started = s.meetingStarted;
          const asking = !!started?.asking && !!started.addedWith && s.app?.meeting?.meeting_id !== started.meeting.id;
          return {
            asking: asking ? started : null,
            error: s.errors.meeting_banner ?? '',
            joining: !!started && !!s.pending[`join_meeting:${started.meeting.id}`],
          };
        },
        ({ asking, error, joining }) => {
          const wasOpen = meetingId != null;
          meetingId = asking?.meeting.id ?? null;
          if (asking) {
            const name = plainText(asking.by);
            setText(av, initials(name));
            setText(adder, name);
            setText(withName, plainText(asking.addedWith ?? ''));
            setText(alert, error);
            setBusy(join, joining, 'Join', 'Joining…');
          }
          if (!!asking !== wasOpen) {
            el.hidden = !asking;
            onOpenChange(!!asking);
            if (asking) {
              openedAt = performance.now();
              join.focus();
            }
          }
        },
      );
    },
  };
}
