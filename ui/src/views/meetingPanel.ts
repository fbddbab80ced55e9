// The meeting card: while this app is in a meeting (the shell's `meeting` view), over every
// tab as the call card is. Everyone else invited, with how they are (not here, connecting,
// or here: their voice's level and the connection's quality), my microphone's level, Mute,
// my camera, Leave, and End for everyone (after a confirmation). The views come up to five
// times a second (levels): each one touches only what changed, mostly the meters.
//
// Video: a tile for each member whose pictures come (their picture, their name over its
// corner), and my preview while my camera is on, above the people; members who send none
// have their row only. Tiles come and go only as someone's pictures start or stop
// (actions.video, the store's `pictures`), never on a view that only moves levels.
//
// Put out of the meeting (it ended, was deleted, its audio failed), the card says why,
// until Dismiss.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setText, show, uid } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import type { UiState, Watch } from '../state';
import type { MeetingPeer, MeetingPeerState } from '../types';
import { feedState, memberFeed, type FeedState } from '../video';
import { button, confirmation, setBusy, type View } from './common';
import { levelMeter, qualityIndicator } from './meters';

const STATE_WORDS: Record<MeetingPeerState, string> = {
  away: 'Not here',
  connecting: 'Connecting…',
  connected: 'Here',
};

/** Why the camera button cannot be pressed (its tooltip and description). */
export const NO_CAMERA = 'No camera is set up on this computer: the others can hear you, not see you.';

interface PeerRow {
  li: HTMLLIElement;
  /** Their video tile (in the page only while their pictures come), and its canvas. */
  tile: HTMLLIElement;
  canvas: HTMLCanvasElement;
  set(p: MeetingPeer): void;
  /** Their pictures come (their tile is shown): the row says so too. */
  setVideo(live: boolean): void;
}

function peerRow(p0: MeetingPeer): PeerRow {
  const name0 = plainText(p0.name).trim() || 'Someone';
  const av = h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(name0) });
  const video = h('span', { class: 'peer-video', title: 'Sending video', hidden: true }, icon('video'), h('span', { class: 'sr-only', text: ', sending video' }));
  const name = h('span', { class: 'peer-name', dir: 'auto', text: name0 });
  const state = h('span', { class: 'peer-state' });
  const canvas = h('canvas', { class: 'tile-video', role: 'img', 'aria-label': `${name0}’s video` });
  const tile = h(
    'li',
    { class: 'meeting-tile', 'data-user-id': String(p0.user_id) },
    canvas,
    h('span', { class: 'tile-name', dir: 'auto', 'aria-hidden': 'true', text: name0 }),
  );
  const meter = levelMeter(`${name0}’s voice level`);
  const quality = qualityIndicator();
  const live = h('div', { class: 'peer-live' }, meter.el, quality.el);
  const li = h(
    'li',
    { class: 'meeting-peer', 'data-user-id': String(p0.user_id) },
    av,
    h('div', { class: 'peer-who' }, h('span', { class: 'peer-line' }, name, video), state),
    live,
  );
  return {
    li,
    tile,
    canvas,
    setVideo(on) {
      show(video, on);
    },
    set(p) {
      setAttr(li, 'data-state', p.state);
      setText(state, STATE_WORDS[p.state] ?? p.state);
      const here = p.state === 'connected';
      show(live, here);
      if (here) {
        meter.set(p.level);
        quality.set(p.quality);
      } else meter.set(0);
    },
  };
}

/** Whose pictures come in the meeting: the members', in the view's order, as their user
 * ids joined by commas ('' for none, or out of a meeting). */
function sendersOf(s: UiState): string {
  const meeting = s.app?.meeting;
  if (!meeting) return '';
  return meeting.participants
    .filter((p) => feedState(s.pictures, memberFeed(p.user_id)) === 'live')
    .map((p) => p.user_id)
    .join(',');
}

/** What my tile says while my preview is not shown (my camera on). */
function mineWords(mine: FeedState, problem: string | null): string {
  if (problem) return `Video cannot be shown here: ${problem}`;
  return mine === 'stopped' ? 'Your camera sends no pictures' : 'Starting your camera…';
}

export function meetingPanelView(actions: Actions, watch: Watch): View {
  // In the meeting.
  const badge = h('span', { class: 'avatar large meeting-badge', 'aria-hidden': 'true' }, icon('calendar'));
  const title = h('h2', { class: 'meeting-card-title', dir: 'auto' });
  const here = h('span', { class: 'meeting-here-count' });
  const hostNote = h('span', { class: 'meeting-host-note' });
  const sub = h('p', { class: 'meeting-sub' }, here, h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }), hostNote);
  const muteLabel = h('span', { class: 'label', text: 'Mute' });
  const mute = h('button', { type: 'button', class: 'btn meeting-mute', 'aria-pressed': 'false' }, icon('mic', 'icon i-mic'), icon('mic-off', 'icon i-mic-off'), muteLabel);
  mute.addEventListener('click', () => void actions.setMeetingMuted(mute.getAttribute('aria-pressed') !== 'true'));
  // My camera, for everyone in the meeting: as the call card's camera button (pressed while
  // on; aria-disabled, not disabled, so that focus stays on it while it waits, and a
  // keyboard reaches it to hear why it cannot be pressed with no camera set up).
  const cameraLabel = h('span', { class: 'label', text: 'Turn camera on' });
  const cameraWhy = h('span', { id: uid('camera-why'), hidden: true });
  const camera = h(
    'button',
    { type: 'button', class: 'btn video-send meeting-camera', 'aria-pressed': 'false' },
    icon('video-off', 'icon i-off'),
    icon('video', 'icon i-on'),
    cameraLabel,
  );
  camera.addEventListener('click', () => {
    if (camera.getAttribute('aria-disabled') === 'true') return;
    void actions.setMeetingCamera(camera.getAttribute('aria-pressed') !== 'true');
  });
  const leave = button('Leave', { cls: 'secondary', icon: icon('leave'), onclick: () => void actions.leaveMeeting() });
  const end = button('End for everyone', { cls: 'danger', icon: icon('phone-off') });
  setAttr(end, 'aria-expanded', 'false');
  const mutedBadge = h('span', { class: 'muted-badge', role: 'status' });
  const ask = confirmation({
    confirmLabel: 'End for everyone',
    onConfirm: () => void actions.endMeeting(),
    onCancel: () => {
      setAsking(false);
      end.focus();
    },
  });
  ask.set('End the meeting for everyone?', 'Everyone still in it is disconnected, not only you. To go on your own, choose Leave.');
  const setAsking = (on: boolean) => {
    show(ask.el, on);
    setAttr(end, 'aria-expanded', on ? 'true' : 'false');
  };
  end.addEventListener('click', () => {
    setAsking(true);
    ask.focus();
  });
  const myLevel = levelMeter('Your microphone level');
  const peersHeading = h('h3', { text: 'Participants' });
  const peers = h('ul', { class: 'meeting-peers', 'aria-label': 'Participants' });
  const nobody = h('p', { class: 'hint', text: 'No one else is invited to this meeting.', hidden: true });
  const alert = alertRegion();
  // The pictures: the members' tiles (made with their rows, put in the list while their
  // pictures come), then mine.
  const mineCanvas = h('canvas', { class: 'tile-video', role: 'img', 'aria-label': 'Your video', hidden: true });
  actions.video.attach('meeting', { local: mineCanvas });
  const mineText = h('span');
  const mineWaiting = h('p', { class: 'tile-waiting', role: 'status' }, icon('video'), mineText);
  const mineTile = h(
    'li',
    { class: 'meeting-tile is-mine' },
    mineCanvas,
    mineWaiting,
    h('span', { class: 'tile-name', 'aria-hidden': 'true', text: 'You' }),
  );
  const tiles = h('ul', { class: 'meeting-tiles', 'aria-label': 'Video' });
  const videoArea = h('div', { class: 'meeting-video', hidden: true }, tiles);
  const inMeeting = h(
    'div',
    { class: 'meeting-in' },
    h(
      'div',
      { class: 'meeting-top' },
      badge,
      h('div', { class: 'meeting-head' }, title, sub),
      h('div', { class: 'meeting-controls' }, mute, camera, leave, end, cameraWhy),
      mutedBadge,
    ),
    ask.el,
    alert,
    videoArea,
    h(
      'div',
      { class: 'meeting-body' },
      h('div', { class: 'meeting-people' }, peersHeading, peers, nobody),
      h('div', { class: 'meeting-mine' }, h('h3', { text: 'Your microphone' }), myLevel.el),
    ),
  );

  // Put out of it.
  const endedTitle = h('strong', { class: 'meeting-ended-title', dir: 'auto' });
  const endedText = h('span');
  // Said once: the visible sentence is hidden from screen readers, the live copy is not.
  const endedLine = h('p', { class: 'meeting-ended-text', 'aria-hidden': 'true' }, endedTitle, ' ', endedText);
  const dismiss = button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('meeting_ended') });
  const ended = h('div', { class: 'meeting-ended' }, icon('calendar'), endedLine, dismiss);
  const endedLive = h('div', { role: 'status', class: 'sr-only' });

  const el = h('section', { class: 'meeting-card', 'aria-label': 'Meeting', hidden: true }, inMeeting, ended, endedLive);

  /** Focus was on something that went (the banner, Leave), is off, or nowhere. */
  const focusLost = (): boolean => {
    const a = document.activeElement as HTMLElement | null;
    return !a || a === document.body || !a.isConnected || a.getClientRects().length === 0 || (a as HTMLButtonElement).disabled === true;
  };
  /** Focus is on what joined the meeting: a Join (Start) in the list or the banner. */
  const onJoin = (): boolean => !!(document.activeElement as HTMLElement | null)?.closest?.('.meeting-join, .banner-meeting');
  const toSection = () => document.querySelector<HTMLElement>('#content .panel:not([hidden]) h2')?.focus();

  // Which part shows, and its title.
  watch(
    (s) => ({
      id: s.app?.meeting?.meeting_id ?? null,
      title: s.app?.meeting?.title ?? '',
      isHost: !!s.app?.meeting && s.app.meeting.host_id === s.app.me?.id,
      ended: s.app?.meeting ? null : s.meetingEnded,
    }),
    ({ id, title: t, isHost, ended: out }, prev) => {
      const inside = el.contains(document.activeElement);
      const name = plainText(id !== null ? t : out?.title ?? '').trim() || 'Untitled meeting';
      setText(title, name);
      setText(hostNote, isHost ? 'You host it' : 'You are a guest');
      show(inMeeting, id !== null);
      show(ended, id === null && !!out);
      show(el, id !== null || !!out);
      setAttr(el, 'data-mode', id !== null ? 'meeting' : out ? 'ended' : 'none');
      setAttr(el, 'aria-label', id !== null || out ? `Meeting: ${name}` : 'Meeting');
      setText(endedTitle, out ? `“${name}”:` : '');
      setText(endedText, out?.text ?? '');
      setText(endedLive, out ? `${name}: ${out.text}` : '');
      if (id === null || id !== prev?.id) setAsking(false);
      if (!prev) return;
      if (id !== null && prev.id !== id) {
        // Just in it: on Mute, unless the user is busy elsewhere.
        if (focusLost() || inside || onJoin()) mute.focus();
      } else if (id === null && prev.id !== null) {
        // Out of it: focus that was on the card goes to why (Dismiss), or to the section.
        if (inside || focusLost()) {
          if (out) dismiss.focus();
          else toSection();
        }
      } else if (!out && prev.ended && (inside || focusLost())) toSection();
    },
  );
  watch((s) => s.errors.meeting ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ muted: !!s.app?.meeting?.muted, leaving: !!s.pending.leave_meeting, ending: !!s.pending.end_meeting }),
    ({ muted, leaving, ending }) => {
      setAttr(mute, 'aria-pressed', muted ? 'true' : 'false');
      setText(muteLabel, muted ? 'Unmute' : 'Mute');
      setText(mutedBadge, muted ? 'Muted: the others cannot hear you' : '');
      setBusy(leave, leaving, 'Leave', 'Leaving…');
      setBusy(ask.confirm, ending, 'End for everyone', 'Ending…');
      if (leaving || ending) {
        leave.disabled = true;
        end.disabled = true;
        ask.cancel.disabled = true;
      } else {
        end.disabled = false;
        ask.cancel.disabled = false;
      }
    },
  );
  watch(
    (s) => ({
      on: !!s.app?.meeting?.camera_on,
      busy: !!s.pending.set_meeting_camera,
      setUp: !!s.app?.camera_set_up,
    }),
    ({ on, busy, setUp }) => {
      setAttr(camera, 'aria-pressed', on ? 'true' : 'false');
      setText(cameraLabel, on ? 'Turn camera off' : 'Turn camera on');
      // With no camera set up it cannot be turned on (a camera on can always go off).
      const why = !setUp && !on ? NO_CAMERA : '';
      setAttr(camera, 'aria-disabled', busy || why ? 'true' : null);
      setAttr(camera, 'aria-busy', busy ? 'true' : null);
      setText(cameraWhy, why);
      setAttr(camera, 'title', why || null);
      setAttr(camera, 'aria-describedby', why ? cameraWhy.id : null);
    },
  );
  // Levels and states: five times a second. Rows are made once per person; each view only
  // patches them.
  const rows = new Map<number, PeerRow>();
  watch(
    (s) => s.app?.meeting?.participants ?? null,
    (list) => {
      const people = list ?? [];
      const keep = new Set(people.map((p) => p.user_id));
      for (const [id, r] of rows) {
        if (!keep.has(id)) {
          r.li.remove();
          r.tile.remove();
          rows.delete(id);
          actions.video.attach('meeting', { [memberFeed(id)]: null });
        }
      }
      people.forEach((p, i) => {
        let r = rows.get(p.user_id);
        if (!r) {
          r = peerRow(p);
          rows.set(p.user_id, r);
          // Their pictures are drawn there from the first one, tile shown or not.
          actions.video.attach('meeting', { [memberFeed(p.user_id)]: r.canvas });
        }
        r.set(p);
        if (peers.children[i] !== r.li) peers.insertBefore(r.li, peers.children[i] ?? null);
      });
      show(nobody, people.length === 0);
      show(peers, people.length > 0);
      const hereNow = people.filter((p) => p.state === 'connected').length + 1;
      setText(here, `${hereNow} of ${people.length + 1} here`);
    },
  );
  watch(
    (s) => s.app?.meeting?.my_level ?? 0,
    (level) => myLevel.set(level),
  );
  // The tiles: only when whose pictures come changes (a string: the same one compares
  // equal, so level-only views draw nothing here), or my camera, or my preview's state.
  watch(
    (s) => ({ senders: sendersOf(s), mine: s.app?.meeting?.camera_on ? feedState(s.pictures, 'local') : null, problem: s.videoProblem }),
    ({ senders, mine, problem }) => {
      const ids = senders ? senders.split(',').map(Number) : [];
      const sending = new Set(ids);
      for (const [id, r] of rows) {
        r.setVideo(sending.has(id));
        if (!sending.has(id)) r.tile.remove();
      }
      const shown: HTMLLIElement[] = ids.flatMap((id) => rows.get(id)?.tile ?? []);
      if (mine !== null) shown.push(mineTile);
      else mineTile.remove();
      shown.forEach((tile, i) => {
        if (tiles.children[i] !== tile) tiles.insertBefore(tile, tiles.children[i] ?? null);
      });
      show(videoArea, shown.length > 0);
      if (mine === null) return;
      show(mineCanvas, mine === 'live');
      show(mineWaiting, mine !== 'live');
      setText(mineText, mineWords(mine, problem));
    },
  );

  return { el };
}
