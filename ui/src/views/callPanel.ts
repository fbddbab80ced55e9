// The call card: "Calling Bob…" while it rings (and who put me through, for a call a
// colleague transferred to me to place), the in-call controls once answered (with the
// call's pictures above them, a voice call's too once there are some; Transfer and Add
// someone open their dialogs, views/transfer.ts and views/addToCall.ts), and how the call
// ended afterwards; or, for a call that grew into a meeting, that it moves there, until
// the meeting card takes its place.
//
// While I talk to a colleague before putting the caller through (an attended transfer),
// the card shows that call (the consultation) as the current one, under a strip for the
// held call: who waits, for how long, "Transfer to …" once the colleague answered and
// "Back to …"; once the consultation ended, the strip alone, with "Resume …".
import { isChangingVideo, type Actions, type VideoSource } from '../actions';
import { holdSide, MOVED_LINE, otherParty, putThroughWords, type HoldSide } from '../calls';
import { alertRegion, h, inertAround, setAttr, setText, show, uid } from '../dom';
import { displayName, durationWords, formatDuration, initials } from '../format';
import { icon, type IconName } from '../icons';
import { putThroughBy, videoSending } from '../reduce';
import { whileShown, type MovingToMeeting, type UiState, type Watch } from '../state';
import type { CallSession } from '../types';
import type { MediaState } from '../types';
import type { FeedState } from '../video';
import { addToCallDialog } from './addToCall';
import { button, regardingLine, setBusy, type View } from './common';
import { devicePickers } from './devices';
import { levelMeter, qualityIndicator } from './meters';
import { transferDialog } from './transfer';

function mediaWords(m: MediaState | null, held: boolean): string {
  if (!m || m.state === 'connecting') return 'Connecting audio…';
  // A video call's pictures say by themselves whether they come (the card's video area).
  // On hold, no sound goes either way: "Connected" would say otherwise.
  if (m.state === 'connected') return held ? 'On hold' : 'Connected';
  if (m.reason === 'lost') return 'Connection lost';
  if (m.reason === 'failed') return m.message ?? 'Audio failed';
  // The other side's end, when the shell says more ("The call moved to a meeting.").
  if (m.reason === 'remote' && m.message) return m.message.trim().replace(/\.$/, '');
  return 'Ended';
}

/** Under "Moving to a meeting…", once the call ended into it. */
function movedWords(m: MovingToMeeting): string {
  return m.added ? `You added ${m.added} to your call with ${m.withName}.` : `Your call with ${m.withName} became a meeting.`;
}

/** What the call card says while my call moves into a meeting: whom I added, or (the other
 * party added someone) only that it moves. Said once, as the move begins. */
function movingWords(m: MovingToMeeting): string {
  return m.added ? `Adding ${m.added}: moving to a meeting…` : `Your call with ${m.withName} is moving to a meeting…`;
}

function isActiveCall(s: UiState): boolean {
  return s.app?.active_call?.status === 'active';
}

/** What the video area says where their picture is not shown. */
function stageWords(name: string, remote: FeedState, isVideo: boolean, problem: string | null, held: boolean): string {
  if (problem) return `Video cannot be shown here: ${problem}`;
  // The shell sends no picture either way on hold; the last ones would stand frozen.
  if (held) return 'No video while the call is on hold';
  if (remote === 'stopped') return `${name} turned their video off`;
  // A voice call shows the area once I send: theirs may never come.
  return isVideo ? `Waiting for ${name}’s video…` : `${name} is not sending video`;
}

/** The words and icons of the buttons that send my video: what each does, and (like Mute)
 * an icon for the state it is in. */
const SOURCES: Record<VideoSource, { on: string; off: string; icons: Record<'on' | 'off', IconName> }> = {
  camera: { off: 'Turn camera on', on: 'Turn camera off', icons: { off: 'video-off', on: 'video' } },
  screen: { off: 'Share screen', on: 'Stop sharing', icons: { off: 'screen', on: 'screen' } },
};

/** The camera's or the share's button: pressed while this side sends that source, and
 * waiting (not pressable) while either button's change is under way. */
function sourceButton(actions: Actions, source: VideoSource): { el: HTMLButtonElement; set(on: boolean, busy: boolean, waiting: boolean): void } {
  const words = SOURCES[source];
  const label = h('span', { class: 'label', text: words.off });
  const el = h(
    'button',
    { type: 'button', class: 'btn video-send', 'aria-pressed': 'false', 'data-source': source },
    icon(words.icons.off, 'icon i-off'),
    icon(words.icons.on, 'icon i-on'),
    label,
  );
  el.addEventListener('click', () => {
    if (el.getAttribute('aria-disabled') === 'true') return;
    void actions.setVideo(el.getAttribute('aria-pressed') === 'true' ? 'off' : source, source);
  });
  return {
    el,
    set(on, busy, waiting) {
      setAttr(el, 'aria-pressed', on ? 'true' : 'false');
      setText(label, on ? words.on : words.off);
      // aria-disabled, not disabled: a disabled button loses keyboard focus (and the call
      // card would then move it to Mute) just when the user pressed it.
      setAttr(el, 'aria-disabled', waiting ? 'true' : null);
      setAttr(el, 'aria-busy', busy ? 'true' : null);
    },
  };
}

/** Hold and Resume: pressed while this side holds the call. While the other side holds it,
 * it cannot be pressed (a held call is not held again, and only they can resume it), and
 * says why (its tooltip, and its description: `why`, kept beside it). */
function holdButton(actions: Actions): {
  el: HTMLButtonElement;
  why: HTMLElement;
  set(side: HoldSide, name: string, busy: boolean, blocked: string | null): void;
} {
  const label = h('span', { class: 'label', text: 'Hold' });
  const why = h('span', { id: uid('hold-why'), hidden: true });
  const el = h(
    'button',
    { type: 'button', class: 'btn hold', 'aria-pressed': 'false' },
    icon('pause', 'icon i-pause'),
    icon('play', 'icon i-play'),
    label,
  );
  el.addEventListener('click', () => {
    if (el.getAttribute('aria-disabled') === 'true') return;
    void actions.holdCall(el.getAttribute('aria-pressed') !== 'true');
  });
  return {
    el,
    why,
    set(side, name, busy, blocked) {
      const theirs = side === 'them';
      // (A consultation: another call is on hold already.)
      const because = blocked ?? (theirs ? `${name} put the call on hold` : '');
      setAttr(el, 'aria-pressed', side === 'me' ? 'true' : 'false');
      setText(label, side === 'me' ? 'Resume' : 'Hold');
      // aria-disabled, not disabled: the button keeps keyboard focus while it waits, and
      // when they put the call on hold under it.
      setAttr(el, 'aria-disabled', theirs || busy || !!blocked ? 'true' : null);
      setAttr(el, 'aria-busy', busy ? 'true' : null);
      setText(why, because);
      setAttr(el, 'title', because || null);
      setAttr(el, 'aria-describedby', because ? why.id : null);
    },
  };
}

/** What each side reads while the call is on hold. */
function holdWords(side: HoldSide, name: string): { status: string; hint: string } {
  if (side === 'me') {
    return { status: `You put ${name} on hold`, hint: `Neither of you hears the other. ${name} hears a soft beep until you resume.` };
  }
  if (side === 'them') {
    return {
      status: `${name} put you on hold`,
      hint: `Neither of you hears the other until ${name} resumes. The soft beep means you are still connected.`,
    };
  }
  return { status: '', hint: '' };
}

/**
 * "You put Bob Stone on hold" (or "Bob Stone put you on hold"), for how long, and what it
 * means: a line of its own under the call's controls while the call is on hold. Kept in
 * the page (out of sight) when it is not, so that its status is heard as it fills.
 */
function holdLine(): { el: HTMLElement; set(side: HoldSide, name: string): void; tick(secs: number): void } {
  const status = h('strong', { class: 'hold-status', role: 'status' });
  const timer = h('span', { class: 'hold-timer', role: 'timer', 'aria-live': 'off' });
  const hint = h('p', { class: 'hold-hint' });
  const el = h(
    'div',
    { class: 'call-hold' },
    icon('pause', 'icon'),
    h('div', { class: 'hold-body' }, h('p', { class: 'hold-head' }, status, timer), hint),
  );
  return {
    el,
    set(side, name) {
      const words = holdWords(side, name);
      setAttr(el, 'data-held', side === 'none' ? null : side);
      setText(status, words.status);
      setText(hint, words.hint);
      show(timer, side !== 'none');
    },
    tick(secs) {
      setText(timer, formatDuration(secs));
      setAttr(timer, 'aria-label', `On hold for ${durationWords(secs)}`);
    },
  };
}

/** What the held-call strip shows: nothing; that the held party hung up (the consultation
 * goes on); or the held call, while the consultation rings, once they answered, or once
 * it ended (the held call alone). */
type StripView =
  | { state: 'none' }
  | { state: 'gone'; text: string }
  | {
      state: 'ringing' | 'talking' | 'alone';
      held: string;
      /** Who the consultation is (was) with; how it ended, once it did. */
      to: string;
      ended: string | null;
      joining: boolean;
      going: boolean;
      error: string;
    };

/** What the strip's line says, under who waits. */
function stripNote(v: StripView): string {
  switch (v.state) {
    case 'none':
      return '';
    case 'gone':
      return v.text;
    case 'ringing':
      return `Waiting for ${v.to} to answer…`;
    case 'talking':
      return v.joining ? `Putting ${v.held} through to ${v.to}…` : `You are talking to ${v.to}. ${v.held} hears a soft beep.`;
    case 'alone':
      return `${v.ended ?? 'Your other call ended.'} ${v.held} is still on hold.`;
  }
}

/**
 * The held call during an attended transfer, on a strip of its own at the top of the call
 * card: "Ann Lee — on hold" with a running timer, what goes on, and the two ways out:
 * "Transfer to Cat Diaz" (once they answered; until then it cannot be pressed and says
 * why) and "Back to Ann Lee" ("Resume Ann Lee" once the consultation ended). Its refusals
 * are said inside it. Kept in the page (hidden) when there is none.
 */
function heldStrip(actions: Actions): {
  el: HTMLElement;
  set(v: StripView): void;
  tick(secs: number): void;
  /** The button focus goes to when the call card takes it: Resume, the held call alone. */
  main(): HTMLButtonElement | null;
} {
  const name = h('strong', { class: 'held-name', dir: 'auto' });
  const onHold = h('span', { class: 'held-on', text: ' — on hold' });
  const timer = h('span', { class: 'held-timer', role: 'timer', 'aria-live': 'off' });
  const note = h('p', { class: 'held-note', id: uid('held-note'), role: 'status' });
  const joinLabel = h('span', { class: 'label' });
  const join = h('button', { type: 'button', class: 'btn primary held-join' }, icon('outgoing'), joinLabel);
  const backLabel = h('span', { class: 'label' });
  const back = h('button', { type: 'button', class: 'btn secondary held-back' }, icon('play'), backLabel);
  const alert = alertRegion();
  const pause = h('span', { class: 'held-icon' }, icon('pause'));
  const gone = h('span', { class: 'held-icon is-gone', hidden: true }, icon('phone-off'));
  const actionsEl = h('div', { class: 'held-actions' }, join, back);
  const el = h(
    'div',
    { class: 'held-strip', role: 'group', hidden: true },
    pause,
    gone,
    h('div', { class: 'held-body' }, h('p', { class: 'held-head' }, h('span', { class: 'held-who' }, name, onHold), timer), note, alert),
    actionsEl,
  );
  const off = (b: HTMLButtonElement) => b.getAttribute('aria-disabled') === 'true';
  join.addEventListener('click', () => {
    if (!off(join)) void actions.completeTransfer();
  });
  back.addEventListener('click', () => {
    if (!off(back)) void actions.backToHeld();
  });
  let shown: StripView = { state: 'none' };
  return {
    el,
    set(v) {
      shown = v;
      show(el, v.state !== 'none');
      setAttr(el, 'data-state', v.state === 'none' ? null : v.state);
      setText(note, stripNote(v));
      const isGone = v.state === 'gone';
      show(pause, !isGone);
      show(gone, isGone);
      show(onHold, !isGone);
      show(timer, !isGone && v.state !== 'none');
      show(actionsEl, !isGone && v.state !== 'none');
      if (v.state === 'none' || v.state === 'gone') {
        setText(name, '');
        setText(alert, '');
        setAttr(el, 'aria-label', isGone ? 'Held call' : null);
        return;
      }
      setText(name, v.held);
      setText(alert, v.error);
      setAttr(el, 'aria-label', `On hold: ${v.held}`);
      const ringing = v.state === 'ringing';
      const busy = v.joining || v.going;
      // Transfer to …: only once they answered (until then, why not: its description);
      // not once the consultation ended.
      show(join, v.state !== 'alone');
      setText(joinLabel, v.joining ? 'Transferring…' : `Transfer to ${v.to}`);
      setAttr(join, 'aria-disabled', ringing || busy ? 'true' : null);
      setAttr(join, 'aria-busy', v.joining ? 'true' : null);
      setAttr(join, 'title', ringing ? `${v.to} has not answered yet` : null);
      setAttr(join, 'aria-describedby', ringing ? note.id : null);
      // Back to …, or Resume … once the held call waits alone: the way on then.
      const alone = v.state === 'alone';
      setText(backLabel, v.going ? (alone ? 'Resuming…' : 'Going back…') : `${alone ? 'Resume' : 'Back to'} ${v.held}`);
      back.classList.toggle('primary', alone);
      back.classList.toggle('secondary', !alone);
      setAttr(back, 'aria-disabled', busy ? 'true' : null);
      setAttr(back, 'aria-busy', v.going ? 'true' : null);
    },
    tick(secs) {
      setText(timer, formatDuration(secs));
      setAttr(timer, 'aria-label', `On hold for ${durationWords(secs)}`);
    },
    main: () => (shown.state === 'alone' ? back : null),
  };
}

/** Why the consultation's Hold, Transfer and Add someone cannot be pressed: one transfer at
 * a time. */
function consultBlock(held: CallSession | null | undefined, call: CallSession | null | undefined, meId: number | null): string | null {
  if (!held || !call) return null;
  return `One transfer at a time: first put ${displayName(otherParty(held, meId))} through, or go back to them.`;
}

export function callPanelView(actions: Actions, watch: Watch): View & { focusMain(): void; tick(): void } {
  // The in-call part draws only while a call is active.
  const watchActive = whileShown(watch, isActiveCall);
  // Ringing out.
  const ringAvatar = h('span', { class: 'avatar large ringing', 'aria-hidden': 'true' });
  const ringName = h('span', { class: 'peer-name', dir: 'auto' });
  const ringTitle = h('h2', { class: 'call-title' }, 'Calling ', ringName, '…');
  const ringRegarding = regardingLine('p', 'call-regarding');
  // A call I was put through to (a transfer): who put me through, to whom. Said once, as
  // the outcome is: the visible line is hidden from screen readers, its live copy is not.
  const putThroughText = h('span', { dir: 'auto' });
  const putThrough = h('p', { class: 'call-put-through', 'aria-hidden': 'true', hidden: true }, icon('outgoing'), putThroughText);
  const putThroughLive = h('p', { role: 'status', class: 'sr-only' });
  const activeRegarding = regardingLine('p', 'call-regarding');
  const cancel = button('Cancel', { cls: 'danger', icon: icon('phone-off'), onclick: () => void actions.hangUp() });
  const ringing = h(
    'div',
    { class: 'call-ringing' },
    ringAvatar,
    h('div', { class: 'call-head' }, ringTitle, putThrough, ringRegarding.el, h('p', { class: 'call-sub', text: 'Ringing. They will see who is calling.' })),
    cancel,
  );

  // In the call.
  const avatarEl = h('span', { class: 'avatar large', 'aria-hidden': 'true' });
  const peer = h('h2', { class: 'call-title', dir: 'auto' });
  const timer = h('span', { class: 'timer', role: 'timer', 'aria-live': 'off' });
  const mediaText = h('span', { class: 'media-state' });
  const muteLabel = h('span', { class: 'label', text: 'Mute' });
  const mute = h('button', { type: 'button', class: 'btn mute', 'aria-pressed': 'false' });
  const micIcon = icon('mic', 'icon i-mic');
  const micOffIcon = icon('mic-off', 'icon i-mic-off');
  mute.append(micIcon, micOffIcon, muteLabel);
  const mutedBadge = h('span', { class: 'muted-badge', role: 'status' });
  const end = button('End call', { cls: 'danger', icon: icon('phone-off'), onclick: () => void actions.hangUp() });
  // What I send, in any call: the camera or my screen, one at a time.
  const camera = sourceButton(actions, 'camera');
  const share = sourceButton(actions, 'screen');
  const hold = holdButton(actions);
  const held = holdLine();
  // Transfer: a dialog to choose whom the other party is put through to, and how.
  const transferBtn = button('Transfer', {
    cls: 'transfer-btn',
    icon: icon('outgoing'),
    onclick: () => transferBtn.getAttribute('aria-disabled') !== 'true' && transfer.open(),
  });
  setAttr(transferBtn, 'aria-haspopup', 'dialog');
  const transfer = transferDialog(actions, watch, transferBtn);
  // Why Hold, Transfer and Add someone cannot be pressed during a consultation (their
  // description).
  const blockedWhy = h('span', { id: uid('consult-why'), hidden: true });
  // The held call, during an attended transfer.
  const strip = heldStrip(actions);
  // Add someone: a dialog to choose a colleague to bring in; the call becomes a meeting.
  const addLabel = h('span', { class: 'label', text: 'Add someone' });
  const addBtn = h('button', { type: 'button', class: 'btn add-btn', 'aria-haspopup': 'dialog' }, icon('user-plus'), addLabel);
  addBtn.addEventListener('click', () => {
    if (addBtn.getAttribute('aria-disabled') !== 'true') add.open();
  });
  const add = addToCallDialog(actions, watch, addBtn);
  // "Adding Carol Diaz: moving to a meeting…", on its own line under the controls while
  // the call is still on (the same words then fill the card once it ended; said once, by
  // movingLive).
  const addingText = h('span', { dir: 'auto' });
  const adding = h('p', { class: 'call-adding', 'aria-hidden': 'true', hidden: true }, icon('user-plus'), addingText);
  mute.addEventListener('click', () => void actions.setMuted(mute.getAttribute('aria-pressed') !== 'true'));
  const quality = qualityIndicator();
  const micLevel = levelMeter('Microphone level');
  const spkLevel = levelMeter('Speaker level');
  const pickers = devicePickers(actions, watchActive, 'call', ['input', 'output']);
  const callAlert = alertRegion();

  // The call's pictures: theirs, large, with mine in its corner while I send (drawn by
  // actions.video as the shell sends them), and "Full window".
  const remote = h('canvas', { class: 'video-remote', role: 'img', hidden: true });
  const local = h('canvas', { class: 'video-local', role: 'img', 'aria-label': 'Your video', hidden: true });
  actions.video.attach('call', { remote, local });
  const waitingText = h('span');
  const waiting = h('p', { class: 'video-waiting', role: 'status' }, icon('video', 'icon i-video'), icon('video-off', 'icon i-video-off'), waitingText);
  const fullKey = h('kbd', { 'aria-hidden': 'true', text: 'Esc' });
  const full = h(
    'button',
    { type: 'button', class: 'btn small video-full', 'aria-pressed': 'false' },
    icon('expand', 'icon i-expand'),
    icon('shrink', 'icon i-shrink'),
    h('span', { class: 'label', text: 'Full window' }),
    fullKey,
  );
  const stage = h('div', { class: 'call-stage' }, remote, waiting, local, full);
  let isFull = false;
  let undoInert: (() => void) | null = null;
  // Escape leaves full window, unless a dialog over the window (an incoming call) has it.
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented || el.closest('[inert]')) return;
    e.preventDefault();
    setFull(false);
  };
  /** Full window: the call card over the whole window, the rest of it inert. */
  const setFull = (on: boolean) => {
    if (on === isFull) return;
    isFull = on;
    setAttr(full, 'aria-pressed', on ? 'true' : 'false');
    setAttr(full, 'aria-keyshortcuts', on ? 'Escape' : null);
    setAttr(el, 'data-full-window', on);
    if (on) {
      undoInert = inertAround(el);
      document.addEventListener('keydown', onKey);
    } else {
      undoInert?.();
      undoInert = null;
      document.removeEventListener('keydown', onKey);
    }
  };
  full.addEventListener('click', () => setFull(!isFull));

  // Their video room in the browser, for a caller who is not on Switchboard (from a CRM
  // client, say): below the pictures, as a second way.
  const videoText = h('p', { class: 'call-video-text', role: 'status' });
  const videoOpen = button('Open video room', { cls: 'secondary small', icon: icon('video') });
  const videoHint = h('p', {
    class: 'hint',
    text: 'Your voice stays on this call: keep the microphone muted in the browser, or they hear you twice.',
  });
  const videoAlert = alertRegion();
  const video = h(
    'div',
    { class: 'call-video', role: 'group', 'aria-label': 'Video room' },
    icon('video'),
    h('div', { class: 'call-video-body' }, videoText, videoHint, videoAlert),
    videoOpen,
  );
  let videoCallId: number | null = null;
  videoOpen.addEventListener('click', () => videoCallId != null && void actions.openVideoRoom(videoCallId));

  const active = h(
    'div',
    { class: 'call-active' },
    stage,
    h(
      'div',
      { class: 'call-top' },
      avatarEl,
      h('div', { class: 'call-head' }, peer, activeRegarding.el, h('p', { class: 'call-sub' }, timer, h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }), mediaText)),
      h('div', { class: 'call-controls' }, mute, camera.el, share.el, hold.el, hold.why, transferBtn, addBtn, end, blockedWhy),
      // "On hold" and "Muted" on lines of their own under them: beside the buttons (or
      // above) they would move them when they appear, away from the pointer that pressed
      // Hold or Mute.
      held.el,
      mutedBadge,
      adding,
    ),
    video,
    h(
      'div',
      { class: 'call-details' },
      h('div', { class: 'call-detail' }, h('h3', { text: 'Call quality' }), quality.el),
      h('div', { class: 'call-detail' }, h('h3', { text: 'Levels' }), micLevel.el, spkLevel.el),
      h('div', { class: 'call-detail' }, h('h3', { text: 'Devices' }), pickers.el),
    ),
  );

  // Afterwards.
  // Said once: the visible sentence is hidden from screen readers, the live copy is not.
  const outcomeText = h('p', { class: 'outcome-text', 'aria-hidden': 'true' });
  const dismiss = button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('outcome') });
  // A call that grew into a meeting the app did not get into: where it went, and the way
  // there.
  const openMeetings = button('Open Meetings', { cls: 'secondary small', icon: icon('calendar'), onclick: () => toMeetings() });
  const moved = h('div', { class: 'outcome-moved', hidden: true }, h('p', { 'aria-hidden': 'true', text: MOVED_LINE }), openMeetings);
  const outcome = h('div', { class: 'call-outcome' }, icon('phone-off'), h('div', { class: 'outcome-body' }, outcomeText, moved), dismiss);
  // Kept in the page so that the sentence is announced when it appears.
  const outcomeLive = h('div', { role: 'status', class: 'sr-only' });
  const toMeetings = () => {
    actions.selectTab('meetings');
    document.getElementById('meetings-title')?.focus();
  };

  // Moving into a meeting (the call grew into one): until the meeting card takes over.
  const movingTitle = h('h2', { class: 'call-title', text: 'Moving to a meeting…' });
  const movingText = h('p', { class: 'call-sub', dir: 'auto', 'aria-hidden': 'true' });
  const movingEl = h(
    'div',
    { class: 'call-moving' },
    h('span', { class: 'avatar large moving-badge', 'aria-hidden': 'true' }, icon('user-plus')),
    h('div', { class: 'call-head' }, movingTitle, movingText),
  );
  const movingLive = h('p', { role: 'status', class: 'sr-only' });

  const el = h(
    'section',
    { class: 'call-card', 'aria-label': 'Call' },
    strip.el,
    ringing,
    active,
    movingEl,
    callAlert,
    outcome,
    outcomeLive,
    movingLive,
    putThroughLive,
    transfer.el,
    add.el,
  );

  let startedAt: number | null = null;
  /** When the hold began (local ms), while the call is on hold. */
  let heldSince: number | null = null;
  /** When the held call's hold began (local ms), during an attended transfer. */
  let stripSince: number | null = null;
  const tickStrip = () => {
    if (stripSince != null) strip.tick(Math.max(0, (Date.now() - stripSince) / 1000));
  };
  const tick = () => {
    const secs = startedAt != null ? (Date.now() - startedAt) / 1000 : 0;
    setText(timer, formatDuration(secs));
    setAttr(timer, 'aria-label', `Call time ${durationWords(secs)}`);
    if (heldSince != null) held.tick(Math.max(0, (Date.now() - heldSince) / 1000));
  };

  // Which part shows, and who the call is with.
  watch(
    (s) => {
      const call = s.app?.active_call ?? null;
      const putThroughCall = call?.transferred_from != null && call.initiator === s.app?.me?.id && call.status !== 'active';
      return {
        call,
        held: s.app?.held_call ?? null,
        meId: s.app?.me?.id ?? null,
        outcome: s.outcome,
        moving: s.moving,
        ending: !!s.pending.hang_up,
        putThrough: call && putThroughCall ? putThroughWords(putThroughBy(s, call), displayName(call.recipient_details)) : '',
      };
    },
    ({ call, held: heldCall, meId, outcome: ended, moving, ending, putThrough: words }, prev) => {
      const isRingingOut = !!call && call.initiator === meId && (call.status === 'ringing' || call.status === 'pending');
      const isActive = !!call && call.status === 'active';
      // The call I hold while consulting someone, once that call ended: it waits alone.
      const isHeld = !!heldCall && !isRingingOut && !isActive;
      // Moving into a meeting: said instead of how the call ended.
      const isMoving = !call && !heldCall && !!moving;
      const isOutcome = !call && !heldCall && !moving && !!ended;
      const wasMoving = prev?.moving != null && !prev.call;
      show(ringing, isRingingOut);
      show(active, isActive);
      show(movingEl, isMoving);
      show(outcome, isOutcome);
      show(el, isRingingOut || isActive || isHeld || isMoving || isOutcome);
      setAttr(
        el,
        'data-mode',
        isRingingOut ? 'ringing' : isActive ? 'active' : isHeld ? 'held' : isMoving ? 'moving' : isOutcome ? 'outcome' : 'none',
      );
      setAttr(el, 'data-consult', !!heldCall && (isRingingOut || isActive));
      if (call) {
        const other = displayName(otherParty(call, meId));
        setText(ringName, other);
        setText(ringAvatar, initials(other));
        setText(avatarEl, initials(other));
        setText(peer, other);
        ringRegarding.set(call.regarding);
        activeRegarding.set(call.regarding);
        setAttr(el, 'aria-label', isActive ? `Call with ${other}` : `Calling ${other}`);
        setBusy(cancel, ending, 'Cancel', 'Cancelling…');
        setBusy(end, ending, 'End call', 'Ending…');
      }
      if (isHeld && heldCall) setAttr(el, 'aria-label', `Call with ${displayName(otherParty(heldCall, meId))}, on hold`);
      setText(putThroughText, isRingingOut ? words : '');
      setText(putThroughLive, isRingingOut ? words : '');
      show(putThrough, isRingingOut && !!words);
      const text = isOutcome && ended ? ended.text : '';
      const movedTo = isOutcome && ended?.movedTo != null;
      setText(outcomeText, text);
      setText(outcomeLive, movedTo ? `${text}. ${MOVED_LINE}` : text);
      show(moved, movedTo);
      if (ended) setAttr(outcome, 'data-kind', ended.kind);
      // The line while the call is still on (I added someone), then the card's own words
      // once it ended: the same sentence, said once.
      const sayMoving = moving && (isMoving || (isActive && call?.id === moving.callId && !!moving.added)) ? movingWords(moving) : '';
      setText(addingText, isActive ? sayMoving : '');
      show(adding, isActive && !!sayMoving);
      setText(movingText, isMoving && moving ? movedWords(moving) : '');
      setText(movingLive, sayMoving);
      if (isMoving && moving) setAttr(el, 'aria-label', `Call with ${moving.withName}: moving to a meeting`);
      // The meeting did not come: focus that was lost as the call ended goes to the way there.
      if (wasMoving && isOutcome && movedTo) {
        const a = document.activeElement;
        if (!a || a === document.body || el.contains(a)) openMeetings.focus();
      }
    },
  );
  // Add someone: working while the shell adds them, and off once the call moves. Off, as
  // Transfer, during a consultation (one transfer at a time), saying why.
  watchActive(
    (s) => ({
      pending: !!s.pending.add_to_call,
      moving: s.moving?.callId != null && s.moving.callId === s.app?.active_call?.id,
      blocked: consultBlock(s.app?.held_call, s.app?.active_call, s.app?.me?.id ?? null),
    }),
    ({ pending, moving, blocked }) => {
      setText(addLabel, pending ? 'Adding…' : 'Add someone');
      setAttr(addBtn, 'aria-busy', pending ? 'true' : null);
      // aria-disabled, not disabled: focus stays on it (the dialog hands it back there).
      setAttr(addBtn, 'aria-disabled', pending || moving || !!blocked ? 'true' : null);
      setText(blockedWhy, blocked ?? '');
      for (const b of [addBtn, transferBtn]) {
        setAttr(b, 'title', blocked);
        setAttr(b, 'aria-describedby', blocked ? blockedWhy.id : null);
      }
      setAttr(transferBtn, 'aria-disabled', blocked ? 'true' : null);
    },
  );
  // The held call's strip, during an attended transfer.
  watch(
    (s) => {
      const app = s.app;
      const meId = app?.me?.id ?? null;
      const heldCall = app?.held_call ?? null;
      const call = app?.active_call ?? null;
      return {
        heldCall,
        call,
        meId,
        consult: s.consult,
        gone: s.heldGone,
        joining: !!s.pending.complete_transfer,
        going: !!s.pending.back_to_held,
        error: s.errors.consult ?? '',
      };
    },
    ({ heldCall, call, meId, consult, gone, joining, going, error }) => {
      const mine = !!call && (call.status === 'active' || call.initiator === meId);
      let v: StripView = { state: 'none' };
      if (heldCall) {
        const state = !call || !mine ? 'alone' : call.status === 'active' ? 'talking' : 'ringing';
        const to = call && mine ? displayName(otherParty(call, meId)) : '';
        const ended = consult?.ended ?? null;
        v = { state, held: displayName(otherParty(heldCall, meId)), to, ended, joining, going, error };
      } else if (gone && call?.id === gone.callId) {
        v = { state: 'gone', text: gone.text };
      }
      strip.set(v);
      stripSince = heldCall ? consult?.holdSince ?? null : null;
      tickStrip();
    },
  );
  watch((s) => s.errors.call ?? '', (error) => setText(callAlert, error));

  // In the call: the timer, the media state, mute, quality, and the meters, each on its own
  // so that a level update (10 a second) touches only the meters.
  watchActive(
    (s) => s.callStartedAt,
    (started) => {
      startedAt = started;
      tick();
    },
  );
  watchActive(
    (s) => ({ media: s.app?.media ?? null, held: holdSide(s.app?.active_call, s.app?.me?.id ?? null) !== 'none' }),
    ({ media, held }) => {
      setText(mediaText, mediaWords(media, held));
      setAttr(mediaText, 'data-state', held && media?.state === 'connected' ? 'held' : media?.state ?? 'connecting');
    },
  );
  // The call's pictures: in a video call "Waiting for …" until theirs comes; in a voice
  // call, once I send or theirs come. Mine only while I send (its last picture would stay
  // otherwise), theirs only while they come: when they stop, that they turned it off.
  // Full window ends with the call (and the canvases clear: actions.followVideo, from
  // main.ts).
  watch(
    (s) => {
      const call = s.app?.active_call;
      const isActive = !!call && call.status === 'active';
      const isVideo = isActive && call?.call_type === 'video';
      const sending = videoSending(s) !== 'off';
      return {
        staged: isActive && (isVideo || sending || s.pictures.remote !== 'none'),
        isVideo,
        name: isActive && call ? displayName(otherParty(call, s.app?.me?.id ?? null)) : '',
        sending,
        held: isActive && holdSide(call, s.app?.me?.id ?? null) !== 'none',
        pictures: s.pictures,
        problem: s.videoProblem,
      };
    },
    ({ staged, isVideo, name, sending, held, pictures, problem }, prev) => {
      show(stage, staged);
      if (!staged) return setFull(false);
      // The picture comes in above the controls (where focus is): with the page scrolled
      // past its top, as when the call was started far down the people list, it comes
      // into view as it appears, once; not while the user works elsewhere in the page
      // (a note being typed stays where it is).
      const at = document.activeElement;
      const busyElsewhere = !!at?.matches('input, textarea, select, [contenteditable]') && !el.contains(at);
      if (!prev?.staged && !busyElsewhere && stage.getBoundingClientRect().top < 0) stage.scrollIntoView({ block: 'start' });
      setAttr(remote, 'aria-label', `${name}’s video`);
      const live = pictures.remote === 'live' && !held;
      show(remote, live);
      show(local, sending && pictures.local !== 'none' && !held);
      show(waiting, !live);
      // Their camera crossed out when they send none (any more), not while it may come.
      const theirsOff = held || pictures.remote === 'stopped' || (!isVideo && pictures.remote === 'none');
      setAttr(waiting, 'data-off', theirsOff && !problem);
      setText(waitingText, stageWords(name, pictures.remote, isVideo, problem, held));
    },
  );
  watchActive(
    (s) => {
      const call = s.app?.active_call;
      const callId = call?.call_type === 'video' ? call.id : null;
      return {
        name: callId != null && call ? displayName(otherParty(call, s.app?.me?.id ?? null)) : '',
        callId,
        room: callId != null && s.videoRoom?.callId === callId ? s.videoRoom.room : null,
        opening: callId != null && !!s.pending[`video_room:${callId}`],
        error: s.errors.video ?? '',
      };
    },
    ({ name, callId, room, opening, error }) => {
      videoCallId = callId;
      show(video, callId != null);
      if (callId == null) return;
      setText(videoText, room ? `Video is open in your browser (${room.domain}).` : `If ${name} is not on Switchboard, meet in the call’s video room in your browser.`);
      const idle = room ? 'Open again' : 'Open video room';
      setBusy(videoOpen, opening, idle, 'Opening…');
      setAttr(videoOpen, 'aria-label', room && !opening ? 'Open the video room again' : null);
      setText(videoAlert, error);
    },
  );
  // On hold, on either side: the line that says who holds it and for how long, the card in
  // the hold colour, and Hold. Not only while active: a call that ends on hold leaves the
  // card (its outcome) in its usual colour.
  watch(
    (s) => {
      const call = s.app?.active_call ?? null;
      const meId = s.app?.me?.id ?? null;
      const side = holdSide(call, meId);
      return {
        side,
        name: call && side !== 'none' ? displayName(otherParty(call, meId)) : '',
        since: side === 'none' ? null : s.holdStartedAt,
        busy: !!s.pending.hold_call,
        blocked: consultBlock(s.app?.held_call, call, meId),
      };
    },
    ({ side, name, since, busy, blocked }) => {
      setAttr(el, 'data-held', side === 'none' ? null : side);
      hold.set(side, name, busy, blocked);
      held.set(side, name);
      heldSince = since;
      if (since != null) held.tick(Math.max(0, (Date.now() - since) / 1000));
    },
  );
  watchActive(
    (s) => ({ sending: videoSending(s), cameraBusy: isChangingVideo(s, 'camera'), shareBusy: isChangingVideo(s, 'screen') }),
    ({ sending, cameraBusy, shareBusy }) => {
      camera.set(sending === 'camera', cameraBusy, cameraBusy || shareBusy);
      share.set(sending === 'screen', shareBusy, cameraBusy || shareBusy);
    },
  );
  watchActive(
    (s) => !!s.app?.muted,
    (muted) => {
      setAttr(mute, 'aria-pressed', muted ? 'true' : 'false');
      setText(muteLabel, muted ? 'Unmute' : 'Mute');
      mute.classList.toggle('is-on', muted);
      setText(mutedBadge, muted ? 'Muted: they cannot hear you' : '');
    },
  );
  watchActive((s) => s.quality, (q) => quality.set(q));
  watchActive(
    (s) => ({ levels: s.levels, muted: !!s.app?.muted }),
    ({ levels, muted }) => {
      micLevel.set(muted ? 0 : levels.input);
      spkLevel.set(levels.output);
    },
  );

  return {
    el,
    focusMain() {
      // The transfer and add dialogs, when open, keep focus inside them.
      if (transfer.isOpen) return transfer.focus();
      if (add.isOpen) return add.focus();
      const target = [cancel, mute, dismiss, strip.main()].find((b) => !!b && b.offsetParent !== null);
      if (!target) return;
      // Focus alone would scroll just enough to show the button at the window's edge, with
      // the card's top (a video call's picture) cut off above it: the card comes into view
      // from its top instead, as far as the button stays in view.
      target.focus({ preventScroll: true });
      const top = el.getBoundingClientRect().top;
      const bottom = target.getBoundingClientRect().bottom;
      if (top >= 0 && bottom <= window.innerHeight) return;
      if (bottom - top <= window.innerHeight) el.scrollIntoView({ block: 'start' });
      else target.scrollIntoView({ block: 'nearest' });
    },
    /** The running timers: called every second; only the timers' text changes. */
    tick() {
      if (!active.hidden) tick();
      tickStrip();
    },
  };
}
