// The meeting card: while this app is in a meeting (the shell's `meeting` view), over every
// tab as the call card is. Everyone else invited, with how they are (not here, connecting,
// or here: their voice's level and the connection's quality), my microphone's level, Mute,
// Leave, and End for everyone (after a confirmation). The views come up to five times a
// second (levels): each one touches only what changed, mostly the meters.
//
// Put out of the meeting (it ended, was deleted, its audio failed), the card says why,
// until Dismiss.
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setText, show } from '../dom';
import { initials, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { MeetingPeer, MeetingPeerState } from '../types';
import { button, confirmation, setBusy, type View } from './common';
import { levelMeter, qualityIndicator } from './meters';

const STATE_WORDS: Record<MeetingPeerState, string> = {
  away: 'Not here',
  connecting: 'Connecting…',
  connected: 'Here',
};

interface PeerRow {
  li: HTMLLIElement;
  set(p: MeetingPeer): void;
}

function peerRow(p0: MeetingPeer): PeerRow {
  const name0 = plainText(p0.name).trim() || 'Someone';
  const av = h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(name0) });
  const name = h('span', { class: 'peer-name', dir: 'auto', text: name0 });
  const state = h('span', { class: 'peer-state' });
  const meter = levelMeter(`${name0}’s voice level`);
  const quality = qualityIndicator();
  const live = h('div', { class: 'peer-live' }, meter.el, quality.el);
  const li = h(
    'li',
    { class: 'meeting-peer', 'data-user-id': String(p0.user_id) },
    av,
    h('div', { class: 'peer-who' }, name, state),
    live,
  );
  return {
    li,
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
  const inMeeting = h(
    'div',
    { class: 'meeting-in' },
    h(
      'div',
      { class: 'meeting-top' },
      badge,
      h('div', { class: 'meeting-head' }, title, sub),
      h('div', { class: 'meeting-controls' }, mute, leave, end),
      mutedBadge,
    ),
    ask.el,
    alert,
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
          rows.delete(id);
        }
      }
      people.forEach((p, i) => {
        let r = rows.get(p.user_id);
        if (!r) {
          r = peerRow(p);
          rows.set(p.user_id, r);
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

  return { el };
}
