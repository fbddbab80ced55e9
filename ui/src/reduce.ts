// Pure state transitions: a new AppState from a command, an engine event, a call update.
// No DOM and no IPC, so every rule here is unit-tested.
import { withNote } from './busyLamp';
import { isOpen, withCallback } from './callbacks';
import { describeEnd, endedAnd, isFinal, localEndStatus, otherParty, type Outcome } from './calls';
import { displayName, sameServer } from './format';
import { endedFrom, endedInList, startedBy, withListedMeeting } from './meetings';
import { applyPresence } from './people';
import { emptyHistory, initialState, noneMissing, type AfterCall, type Consult, type Incoming, type UiState } from './state';
import type {
  AppState,
  Callback,
  CallSession,
  CallStatus,
  CampOn,
  EngineEvent,
  Invite,
  MediaState,
  Meeting,
  MeetingView,
  Note,
  RingingCall,
  VideoSend,
} from './types';
import type { VideoKey } from './video';

const NO_CALL = {
  quality: null,
  levels: { input: 0, output: 0 },
  callStartedAt: null,
  holdStartedAt: null,
  videoRoom: null,
  videoSend: null,
} as const;

/** What this side sends in the active call: what its camera and share buttons chose last,
 * or else what the shell opened as it connected (the camera in a video call, if one is set
 * up; nothing in a voice call). Out of a call, or while one rings: nothing. */
export function videoSending(s: UiState): VideoSend {
  const call = s.app?.active_call;
  if (!call || call.status !== 'active') return 'off';
  if (s.videoSend?.callId === call.id) return s.videoSend.send;
  return call.call_type === 'video' && s.app?.camera_set_up ? 'camera' : 'off';
}

/** Whose pictures are taken (video.ts, VideoKey): the call in progress once answered (a
 * voice call too), else the meeting this app is in, by its call (`meeting:<call_id>`; the
 * meeting's id negated while its view names no call); else none. The app is never in both
 * (a call cannot be placed or answered during a meeting), but the call comes first. */
export function videoKey(s: UiState): VideoKey | null {
  const call = s.app?.active_call;
  if (call?.status === 'active') return `call:${call.id}`;
  const meeting = s.app?.meeting;
  if (!meeting || meeting.ended) return null;
  return `meeting:${meeting.call_id ?? -meeting.meeting_id}`;
}

/** A time the server gave (`iso`) on this clock (ms): as it is, unless clocks disagree so
 * much that it makes no sense (`now` then); never later than `now`. */
function serverTime(iso: string | null | undefined, now: number): number {
  const at = iso ? Date.parse(iso) : NaN;
  const sane = Number.isFinite(at) && now - at < 12 * 3600_000;
  return sane ? Math.min(at, now) : now;
}

/** When the hold on `call` began, for the hold timer: kept while the same hold goes on,
 * `fresh` for one this state did not know; null while nobody holds the call. */
function holdStart(s: UiState, call: CallSession, fresh: number): number | null {
  if (call.status !== 'active' || call.on_hold_by == null) return null;
  const before = s.app?.active_call;
  const same =
    before?.id === call.id && before.on_hold_by === call.on_hold_by && before.on_hold_since === call.on_hold_since;
  return same && s.holdStartedAt != null ? s.holdStartedAt : fresh;
}

/** Take a whole AppState from the shell (app_state, sign_in, host_team, sign_out, and the
 * `app_state` event). Commands still in flight stay pending: their own answer ends them. */
export function withAppState(s: UiState, app: AppState, now: number): UiState {
  const meId = app.me?.id ?? null;
  const users = app.users.filter((u) => u.id !== meId);
  const call = app.active_call;
  const signedOut = app.phase !== 'signed_in';
  // Signed out, the UI starts afresh, but a repeat of the same screen (the shell's
  // start-up state arriving while someone types, or the state an invite link brings)
  // keeps the error, the certificate question and the hosts found shown on it.
  const sameScreen = s.app?.phase === app.phase;
  const base: UiState = signedOut
    ? {
        ...initialState(),
        errors: sameScreen ? s.errors : {},
        certificate: sameScreen ? s.certificate : null,
        foundHosts: sameScreen ? s.foundHosts : null,
        pending: s.pending,
      }
    : s.app?.me?.id === meId
      ? { ...s, certificate: null, ...(s.app?.server_url === app.server_url ? {} : otherServer()) }
      : {
          ...s,
          ...otherServer(),
          certificate: null,
          history: emptyHistory(),
          invites: null,
          createdInvite: null,
          accountNotice: null,
          afterCall: null,
        };
  // (An older shell sends no held call.)
  const held = signedOut ? null : app.held_call ?? null;
  let next: UiState = { ...base, app: { ...app, users, meeting: app.meeting ?? null, held_call: held } };
  // A call held while I consult someone (a window opened or reloaded meanwhile): its timers
  // from the server, unless this window knew the call already.
  next = {
    ...next,
    consult: held ? putAside(s, held, now) : null,
    heldGone: next.heldGone && call?.id === next.heldGone.callId ? next.heldGone : null,
  };
  // (The shell's state names the meeting it is in; one it was put out of is only sent as
  // a `meeting` payload, but is taken the same way here.)
  if (app.meeting?.ended) next = withMeetingView(next, app.meeting);
  else if (app.meeting) next = arrivedIn(next, app.meeting.meeting_id);
  // A call ringing here that no command of this window answered yet: a window opened
  // while it rings (the callbox, a reload) shows it too.
  const ringing = signedOut ? null : incomingFromRinging(app.ringing ?? null);
  if (!call) {
    return { ...next, ...NO_CALL, incoming: ringing };
  }
  next.incoming =
    incomingFrom(call, meId) ??
    (ringing && ringing.callId !== call.id ? ringing : null) ??
    (s.incoming?.callId === call.id ? s.incoming : null);
  // (Another call than the one this window timed, such as a consultation: its own time.)
  if (s.app?.active_call?.id !== call.id) next = { ...next, callStartedAt: null };
  if (call.status === 'active' && next.callStartedAt == null) {
    next = { ...next, callStartedAt: serverTime(call.started_at, now) };
  }
  // A hold already under way (a window opened or reloaded during it): the server's time.
  return { ...next, holdStartedAt: holdStart(s, call, serverTime(call.on_hold_since, now)) };
}

/** What is known about one server's features and my call-backs, notes and camp-ons there,
 * forgotten for another. */
function otherServer(): Pick<
  UiState,
  | 'callbacks'
  | 'callbackDue'
  | 'missing'
  | 'outcomes'
  | 'notes'
  | 'noteBanner'
  | 'campOns'
  | 'freeNow'
  | 'peopleNotice'
  | 'webhooks'
  | 'deliveries'
  | 'lastEnded'
  | 'meetings'
  | 'meetingsNotice'
  | 'meetingEnded'
  | 'meetingStarted'
  | 'moving'
> {
  return {
    callbacks: null,
    callbackDue: null,
    missing: noneMissing(),
    outcomes: null,
    notes: null,
    noteBanner: null,
    campOns: null,
    freeNow: [],
    peopleNotice: null,
    webhooks: null,
    deliveries: {},
    lastEnded: null,
    meetings: null,
    meetingsNotice: null,
    meetingEnded: null,
    meetingStarted: null,
    moving: null,
  };
}

/**
 * The meeting this app is in, as the shell says it (the `meeting` payload, the answers to
 * `join_meeting` and `set_meeting_muted`): null once it has left; a view with `ended` puts
 * it out of the meeting, and its sentence is kept until dismissed. Being in a meeting ends
 * the banner offering to join it, and the sentence about a meeting left before.
 */
export function withMeetingView(s: UiState, view: MeetingView | null): UiState {
  if (view) s = arrivedIn(s, view.meeting_id);
  const app = s.app;
  if (!app) return s;
  const banner = (id: number) => (s.meetingStarted?.meeting.id === id ? null : s.meetingStarted);
  if (view?.ended) {
    return {
      ...s,
      app: { ...app, meeting: null },
      meetingEnded: endedFrom(view),
      meetingStarted: banner(view.meeting_id),
      errors: withoutKey(s.errors, 'meeting'),
    };
  }
  if (!view) {
    if ((app.meeting ?? null) === null) return s;
    return { ...s, app: { ...app, meeting: null }, errors: withoutKey(s.errors, 'meeting') };
  }
  return {
    ...s,
    app: { ...app, meeting: view },
    meetingEnded: null,
    meetingStarted: banner(view.meeting_id),
  };
}

/**
 * The app is in meeting `meetingId` (or was put out of it, which the meeting card says):
 * a call growing into it is done moving, and the sentence shown for a call that moved
 * into it without the app (`Outcome.movedTo`) goes, the meeting card in its place.
 */
function arrivedIn(s: UiState, meetingId: number): UiState {
  const moving = s.moving && (s.moving.meetingId === null || s.moving.meetingId === meetingId) ? null : s.moving;
  const late = s.outcome?.movedTo === meetingId;
  if (moving === s.moving && !late) return s;
  return { ...s, moving, ...(late ? { outcome: null, endedMedia: null } : {}) };
}

/**
 * After `add_to_call` succeeded (`meeting`: the meeting my call `callId` grows into, and
 * `name`: whom I added): the call card says so until the meeting's view comes. The call's
 * end may have come first (it then names whom I added), or the meeting's view (nothing
 * left to say). The meeting is in my list at once.
 */
export function addedToCall(s: UiState, callId: number, meeting: Meeting, name: string): UiState {
  const app = s.app;
  if (!app) return s;
  const listed: UiState = {
    ...s,
    meetings: s.meetings && withListedMeeting(s.meetings, meeting),
    meetingStarted: s.meetingStarted?.meeting.id === meeting.id ? null : s.meetingStarted,
  };
  if (app.meeting?.meeting_id === meeting.id) return listed;
  const m = s.moving;
  if (m?.callId === callId) return { ...listed, moving: { ...m, meetingId: meeting.id, added: name } };
  const call = app.active_call;
  if (call?.id !== callId || call.status !== 'active') return listed;
  const withName = displayName(otherParty(call, app.me?.id ?? null));
  return { ...listed, moving: { callId, meetingId: meeting.id, added: name, withName, endedAt: null, fallback: null } };
}

/**
 * The meeting my call `callId` grew into did not come in time (`MOVE_WAIT_MS`): the call
 * ends on screen as any call does (the after-call panel too), saying where it went. While
 * the call is still on (its end not heard of either), only the line saying it moves goes.
 */
export function meetingDidNotCome(s: UiState, callId: number): UiState {
  const m = s.moving;
  if (!m || m.callId !== callId) return s;
  if (!m.fallback) return { ...s, moving: null };
  const { outcome, endedMedia, afterCall } = m.fallback;
  return { ...s, moving: null, outcome, endedMedia, afterCall: afterCall ?? s.afterCall };
}

/** A note arrived (`note_received`): in the inbox at once (when it is loaded), and a
 * banner says who it is from. */
export function noteReceived(s: UiState, note: Note): UiState {
  return {
    ...s,
    notes: s.notes && withNote(s.notes, note),
    noteBanner: note,
    errors: withoutKey(s.errors, 'note_banner'),
  };
}

/** A camp-on is over (`colleague_available`): gone from my list, and a banner says that
 * colleague can take calls now (once per camp-on). */
export function colleagueAvailable(s: UiState, c: CampOn): UiState {
  return {
    ...s,
    campOns: s.campOns && s.campOns.filter((x) => x.id !== c.id),
    freeNow: [...s.freeNow.filter((x) => x.id !== c.id && x.user_id !== c.user_id), c],
  };
}

/** My call-backs as `callbacks` gave them (`now` in ms). The due banner stays while its
 * call-back is open and not put off since (snoozed on another device, say). */
export function withCallbacks(s: UiState, list: Callback[], now: number): UiState {
  const due = s.callbackDue;
  const still = due ? list.find((c) => c.id === due.id) : undefined;
  const keep = !!due && !!still && isOpen(still) && (still.due_at === due.due_at || Date.parse(still.due_at) <= now);
  return { ...s, callbacks: list, callbackDue: keep ? still : null };
}

/** One call-back changed (snoozed, done): the list shows it now, and the due banner goes
 * if it was about it. */
export function changedCallback(s: UiState, c: Callback): UiState {
  return {
    ...s,
    callbacks: s.callbacks && withCallback(s.callbacks, c),
    callbackDue: s.callbackDue?.id === c.id ? null : s.callbackDue,
  };
}

/** One call-back deleted (or called back: the banner about it goes). */
export function withoutCallback(s: UiState, id: number, fromList: boolean): UiState {
  return {
    ...s,
    callbacks: fromList && s.callbacks ? s.callbacks.filter((c) => c.id !== id) : s.callbacks,
    callbackDue: s.callbackDue?.id === id ? null : s.callbackDue,
  };
}

/** The invite (opened or pasted) for the server at `serverUrl`, if there is one: its
 * certificate is pinned only for the server it names, not for an address typed since. */
export function inviteFor(s: UiState, serverUrl: string): Invite | null {
  const invite = s.app?.invite;
  return invite && sameServer(invite.server, serverUrl) ? invite : null;
}

function incomingFromRinging(r: RingingCall | null): Incoming | null {
  if (!r) return null;
  return {
    callId: r.call_id,
    fromUserId: r.from_user_id,
    callerName: r.caller_name,
    callType: r.call_type,
    ...(r.regarding ? { regarding: r.regarding } : {}),
  };
}

function incomingFrom(call: CallSession, meId: number | null): Incoming | null {
  if (call.recipient !== meId || (call.status !== 'ringing' && call.status !== 'pending')) return null;
  return {
    callId: call.id,
    fromUserId: call.initiator,
    callerName: displayName(call.initiator_details),
    callType: call.call_type,
    ...(call.regarding ? { regarding: call.regarding } : {}),
  };
}

/** How far a call not yet ended has got: news of an earlier stage is old news. */
const STAGE: Record<CallStatus, number> = { pending: 0, ringing: 1, active: 2, completed: 3, rejected: 3, cancelled: 3, missed: 3, failed: 3 };

/** A CallSession from an event or a command's answer. */

export function applyCall(s: UiState, call: CallSession, now: number): UiState {
  const app = s.app;
  if (!app || !app.me) return s;
  const meId = app.me.id;
  if (call.initiator !== meId && call.recipient !== meId) return s;
  const current = app.active_call;
  let next: UiState;

  // The call I hold while consulting someone, and the end of either call while
  // complete_transfer runs (its answer says what that end is).
  if (app.held_call?.id === call.id) return heldCallNews(s, call);
  const joining = s.consult?.joining;
  if (joining && isFinal(call.status) && call.id === current?.id) {
    return { ...s, consult: { ...s.consult!, joining: [...joining, call] } };
  }

  if (isFinal(call.status)) {
    const isCurrent = current?.id === call.id;
    const isIncoming = s.incoming?.callId === call.id;
    const refinesOutcome = s.outcome?.callId === call.id;
    if (!isCurrent && !isIncoming && !refinesOutcome) return s;
    const localSecs = s.callStartedAt != null ? Math.round((now - s.callStartedAt) / 1000) : null;
    const media = isCurrent ? app.media : s.endedMedia;
    const outcome = describeEnd(call, meId, media, localSecs);
    next = {
      ...s,
      incoming: isIncoming ? null : s.incoming,
      history: s.history.loaded ? { ...s.history, stale: true } : s.history,
    };
    // A consultation ending while the held call waits: that call stays on hold, alone.
    if (isCurrent && app.held_call) return consultationEnded(next, call, meId, media);
    if (isCurrent) {
      // A call that was talked on ends with the after-call panel (outcome and note); not
      // a consultation that went on after the held party hung up (the held call's panel
      // waits for it).
      const afterConsult = s.heldGone?.callId === call.id;
      const callErrorsGone = withoutKey(withoutKey(withoutKey(s.errors, 'call'), 'video'), 'add_to_call');
      const afterCall: AfterCall | null =
        call.status === 'completed' && !afterConsult
          ? {
              callId: call.id,
              withName: displayName(otherParty(call, meId)),
              regarding: call.regarding ?? current?.regarding ?? null,
              saved: null,
            }
          : s.afterCall;
      next = {
        ...next,
        ...NO_CALL,
        app: { ...app, active_call: null, media: null, muted: false },
        outcome,
        endedMedia: media,
        lastEnded: { callId: call.id, withName: displayName(otherParty(call, meId)) },
        errors: afterConsult ? callErrorsGone : withoutKey(callErrorsGone, 'after_call'),
        afterCall,
        heldGone: null,
      };
      // (A copy without the field, of the call I added someone to: the meeting I was told.)
      const asked = s.moving?.callId === call.id ? s.moving.meetingId : null;
      const meetingId = call.status === 'completed' ? call.escalated_to_meeting ?? asked : null;
      if (meetingId != null) {
        // It grew into a meeting, which the shell joins by itself: no end to show, unless
        // the meeting does not come (`meetingDidNotCome`).
        const moved: Outcome = { ...describeEnd(call, meId, null, localSecs), movedTo: meetingId };
        return intoMeeting({ ...next, outcome: null, endedMedia: null, afterCall: s.afterCall }, s, call, meetingId, now, {
          outcome: moved,
          endedMedia: media,
          afterCall,
        });
      }
    } else if (!current) {
      // A call to me that ended before I answered, or the shell confirming a call I ended.
      next = { ...next, outcome };
    }
    return next;
  }

  // Non-final: ringing either way, or active.
  if (current?.status === 'active' && current.id !== call.id && (isPutThrough(call, current.id, meId) || isJoinedHere(call, meId))) {
    // Put through (a transfer): the server ended my call and started this one from me in
    // its place; or (an attended transfer) I was the one consulted, and am now in a call
    // with the party that was held. News of that end may come later (or not before this):
    // it ends here now.
    return applyCall(applyCall(s, { ...current, status: 'completed' }, now), call, now);
  }
  if (current && current.id !== call.id) {
    // Someone calls while I am already in a call: only the modal learns of it.
    return s.incoming ? s : { ...s, incoming: incomingFrom(call, meId) };
  }
  // A call only moves forward (ringing, active, ended), but news of it does not arrive in
  // order: the answer pushed by the server can come before the reply to the command that
  // placed the call, which says `pending` (not yet delivered). An older picture (pending
  // or ringing) of a call already further on is dropped. An active one always replaces
  // it: holding and resuming change only who holds it.
  if (current?.id === call.id && STAGE[call.status] < STAGE[current.status]) return s;
  const becameActive = call.status === 'active' && current?.status !== 'active';
  next = {
    ...s,
    app: { ...app, active_call: call, media: current?.id === call.id ? app.media : null },
    // Another call while the held call waits alone: how the last one ended is old news.
    consult: s.consult && current?.id !== call.id ? { ...s.consult, ended: null } : s.consult,
    // A hold heard of as it happens starts now, here, whatever the two clocks say (as the
    // call's timer does).
    holdStartedAt: holdStart(s, call, now),
    outcome: null,
    incoming:
      call.status === 'active'
        ? s.incoming?.callId === call.id
          ? null
          : s.incoming
        : s.incoming ?? incomingFrom(call, meId),
  };
  if (becameActive || (call.status === 'active' && s.callStartedAt == null)) {
    next = { ...next, callStartedAt: s.callStartedAt ?? now };
  }
  if (!current) next = { ...next, quality: null, levels: { input: 0, output: 0 } };
  return next;
}

/** My call `call` ended into meeting `meetingId` (`s`: the state with the call ended,
 * `before`: as it was). Already in that meeting (its view came first), nothing more;
 * otherwise the call card says the call is moving there until the view comes. The banner
 * offering to join it goes: the shell joins it. */
function intoMeeting(
  s: UiState,
  before: UiState,
  call: CallSession,
  meetingId: number,
  now: number,
  fallback: { outcome: Outcome; endedMedia: MediaState | null; afterCall: AfterCall | null },
): UiState {
  const meId = s.app?.me?.id ?? null;
  const inIt = s.app?.meeting?.meeting_id === meetingId;
  const was = before.moving?.callId === call.id ? before.moving : null;
  return {
    ...s,
    meetingStarted: s.meetingStarted?.meeting.id === meetingId ? null : s.meetingStarted,
    moving: inIt
      ? null
      : {
          callId: call.id,
          meetingId,
          added: was?.added ?? null,
          withName: displayName(otherParty(call, meId)),
          endedAt: now,
          fallback,
        },
  };
}

/** Whether `call` is one the other party of my call `fromId` put me through to: it comes
 * from that call, and I place it. */
function isPutThrough(call: CallSession, fromId: number, meId: number): boolean {
  return call.transferred_from === fromId && call.initiator === meId;
}

/** Who put me through to `call` (a transfer): the other party of the call it came from, as
 * far as this window knows that call; null when it does not (a window opened since). */
export function putThroughBy(s: UiState, call: CallSession): string | null {
  const from = call.transferred_from;
  if (from == null) return null;
  if (s.lastEnded?.callId === from) return s.lastEnded.withName;
  const known = s.history.results.find((c) => c.id === from);
  return known ? displayName(otherParty(known, s.app?.me?.id ?? null)) : null;
}

/**
 * A call's media that ends after the call did, saying what this side did: a transfer ends
 * the call on the server first, and its media then says "Transferred to Carol Diaz.". The
 * outcome still shown for that call says it too, once.
 */
export function endedLater(s: UiState, callId: number, media: MediaState): UiState {
  const outcome = s.outcome;
  if (outcome?.callId !== callId || media.state !== 'ended' || media.reason !== 'local' || !media.message) return s;
  if (s.endedMedia?.state === 'ended') return s;
  return { ...s, endedMedia: media, outcome: { ...outcome, text: endedAnd(outcome.text, media.message) } };
}

/**
 * After `transfer_call` succeeded (`placed`: the call now ringing from the other party to
 * the colleague): my call `callId` ends on screen now, saying to whom it went, as the
 * shell's media end says it. The shell's own news of the end, before or after this,
 * refines it or finds it said.
 */
export function transferredAway(s: UiState, callId: number, placed: CallSession, now: number): UiState {
  const media: MediaState = { state: 'ended', reason: 'local', message: `Transferred to ${displayName(placed.recipient_details)}.` };
  const app = s.app;
  if (app?.active_call?.id === callId) return endLocally({ ...s, app: { ...app, media } }, callId, now);
  return endedLater(s, callId, media);
}

/** After `hang_up` succeeds: end the call on screen now; the shell's final update refines it. */
export function endLocally(s: UiState, callId: number, now: number): UiState {
  const app = s.app;
  const call = app?.active_call;
  if (!app || !call || call.id !== callId) return s;
  const ended: CallSession = { ...call, status: localEndStatus(call, app.me?.id ?? null) };
  return applyCall(s, ended, now);
}

/** Whether `call` is the one an attended transfer put me in, as the colleague consulted:
 * to me, already under way (both said yes), from a call (the held one, not mine). */
function isJoinedHere(call: CallSession, meId: number): boolean {
  return call.recipient === meId && call.status === 'active' && call.transferred_from != null;
}

/** What the UI keeps of `held`, my call put aside for a consultation: what this window
 * knew of it (it was current here), or else what the server says. */
function putAside(s: UiState, held: CallSession, now: number): Consult {
  if (s.consult?.heldId === held.id) return s.consult;
  const app = s.app;
  const wasCurrent = app?.active_call?.id === held.id;
  return {
    heldId: held.id,
    startedAt: wasCurrent && s.callStartedAt != null ? s.callStartedAt : serverTime(held.started_at, now),
    holdSince: wasCurrent && s.holdStartedAt != null ? s.holdStartedAt : serverTime(held.on_hold_since, now),
    media: wasCurrent ? app?.media ?? null : null,
    muted: wasCurrent ? !!app?.muted : false,
    videoSend: wasCurrent && s.videoSend?.callId === held.id ? s.videoSend.send : null,
    ended: null,
    joining: null,
  };
}

/**
 * After `consult_call` succeeded: my call `heldId` waits on hold (`app.held_call`), and the
 * call to the colleague (`consultation`, ringing) is the current one. Already so (the
 * shell's state came first), nothing more. The held call ended meanwhile (its party hung
 * up as I asked): the consultation is an ordinary call, saying so.
 */
export function consulting(s: UiState, heldId: number, consultation: CallSession, now: number): UiState {
  const app = s.app;
  if (!app?.me) return s;
  const current = app.active_call;
  if (current?.id === consultation.id) return s;
  if (current?.id !== heldId || current.status !== 'active') {
    const gone = s.outcome?.callId === heldId ? s.outcome.text : null;
    const next = applyCall(s, consultation, now);
    return gone && next.app?.active_call?.id === consultation.id ? { ...next, heldGone: { callId: consultation.id, text: gone } } : next;
  }
  return {
    ...s,
    ...NO_CALL,
    app: { ...app, held_call: current, active_call: consultation, media: null, muted: false },
    consult: { ...putAside(s, current, now), ended: null, joining: null },
    heldGone: null,
    callStartedAt: consultation.status === 'active' ? now : null,
    outcome: null,
    errors: withoutKey(withoutKey(s.errors, 'consult'), 'call'),
  };
}

/** How a consultation ended, said on the held-call strip while the held call waits alone:
 * "Cat Diaz declined the call.", "Cat Diaz hung up.", "Your call with Cat Diaz ended." */
function consultationWords(call: CallSession, meId: number, media: MediaState | null): string {
  if (call.status !== 'completed') return describeEnd(call, meId, media).text;
  const name = displayName(otherParty(call, meId));
  const ended = media?.state === 'ended' ? media : null;
  if (ended?.reason === 'remote') return `${name} hung up.`;
  if (ended?.reason === 'lost') return `The connection to ${name} was lost.`;
  return `Your call with ${name} ended.`;
}

/** The consultation `call` ended (`s`: with the bookkeeping of any end done) while the held
 * call waits: no after-call panel, nor an outcome of its own; the held call stays on hold,
 * and its strip says how the consultation ended. */
function consultationEnded(s: UiState, call: CallSession, meId: number, media: MediaState | null): UiState {
  const app = s.app!;
  return {
    ...s,
    ...NO_CALL,
    app: { ...app, active_call: null, media: null, muted: false },
    consult: s.consult && { ...s.consult, ended: consultationWords(call, meId, media), joining: null },
    outcome: null,
    endedMedia: null,
    errors: withoutKey(withoutKey(withoutKey(s.errors, 'call'), 'video'), 'add_to_call'),
  };
}

/** News of the call I hold while consulting someone: who holds it, or that it ended (the
 * held party hung up; while complete_transfer runs, its answer says). */
function heldCallNews(s: UiState, call: CallSession): UiState {
  const app = s.app!;
  const meId = app.me!.id;
  const consult = s.consult;
  if (!isFinal(call.status)) return { ...s, app: { ...app, held_call: call } };
  if (consult?.joining) return { ...s, consult: { ...consult, joining: [...consult.joining, call] } };
  const name = displayName(otherParty(call, meId));
  const text = call.status === 'completed' ? `${name} hung up while on hold.` : describeEnd(call, meId, null).text;
  const base: UiState = {
    ...s,
    app: { ...app, held_call: null },
    consult: null,
    // It was talked on: its after-call panel, which waits for the consultation to end.
    afterCall:
      call.status === 'completed'
        ? { callId: call.id, withName: name, regarding: call.regarding ?? app.held_call?.regarding ?? null, saved: null }
        : s.afterCall,
    lastEnded: { callId: call.id, withName: name },
    history: s.history.loaded ? { ...s.history, stale: true } : s.history,
    errors: withoutKey(s.errors, 'consult'),
  };
  // The consultation goes on (an ordinary call now), saying so; or nothing is left.
  const current = app.active_call;
  if (current) return { ...base, heldGone: { callId: current.id, text } };
  return { ...base, outcome: { callId: call.id, text, kind: 'ended' }, endedMedia: null };
}

/** `complete_transfer` starts: ends of either call heard until its answer wait for it. */
export function joinStarts(s: UiState): UiState {
  return s.consult && !s.consult.joining ? { ...s, consult: { ...s.consult, joining: [] } } : s;
}

/** `complete_transfer` was refused: the ends heard meanwhile are taken as they came. */
export function joinRefused(s: UiState, now: number): UiState {
  const heard = s.consult?.joining ?? [];
  let next: UiState = s.consult ? { ...s, consult: { ...s.consult, joining: null } } : s;
  for (const call of heard) next = applyCall(next, call, now);
  return next;
}

/**
 * After `complete_transfer` succeeded (`joined`: the held party's call with the colleague,
 * under way): both my calls end now. The consultation ends without a word of its own; the
 * held call as a blind transfer's does (its after-call panel), saying who talk now, as the
 * shell's media end says it ("Ann Lee and Cat Diaz are talking now.", its words when
 * heard already). The shell's own news of the ends, after, refines it or finds it said.
 */
export function joinedUp(s: UiState, joined: CallSession, now: number): UiState {
  const app = s.app;
  const held = app?.held_call;
  if (!app?.me || !held) return joinRefused(s, now);
  const meId = app.me.id;
  const consult = s.consult;
  const said = (m: MediaState | null | undefined) => (m?.state === 'ended' && m.reason === 'local' && m.message ? m.message : null);
  const message =
    said(app.media) ??
    said(consult?.media) ??
    `${displayName(joined.initiator_details)} and ${displayName(joined.recipient_details)} are talking now.`;
  const media: MediaState = { state: 'ended', reason: 'local', message };
  const name = displayName(otherParty(held, meId));
  const localSecs = consult?.startedAt != null ? Math.round((now - consult.startedAt) / 1000) : null;
  const consultation = app.active_call;
  const mine = (id: number | undefined) => id === held.id || (consultation != null && id === consultation.id);
  let errors = s.errors;
  for (const area of ['call', 'consult', 'after_call', 'video', 'add_to_call', 'transfer'] as const) errors = withoutKey(errors, area);
  return {
    ...s,
    ...NO_CALL,
    app: { ...app, active_call: null, held_call: null, media: null, muted: false },
    consult: null,
    heldGone: null,
    incoming: mine(s.incoming?.callId) ? null : s.incoming,
    outcome: describeEnd({ ...held, status: 'completed' }, meId, media, localSecs),
    endedMedia: media,
    lastEnded: { callId: held.id, withName: name },
    afterCall: { callId: held.id, withName: name, regarding: held.regarding ?? null, saved: null },
    history: s.history.loaded ? { ...s.history, stale: true } : s.history,
    errors,
  };
}

/**
 * After `back_to_held` succeeded (`call`: the held call, taken off hold): it is the current
 * call again, with its timer, media, mute and video as they were; the consultation (if one
 * was still on) ended without a word. An answer about another call changes nothing.
 */
export function backFromConsult(s: UiState, call: CallSession, now: number): UiState {
  const app = s.app;
  if (!app || app.held_call?.id !== call.id || isFinal(call.status)) return s;
  const consult = s.consult?.heldId === call.id ? s.consult : null;
  const consultation = app.active_call;
  return {
    ...s,
    ...NO_CALL,
    app: { ...app, active_call: call, held_call: null, media: consult?.media ?? null, muted: consult?.muted ?? false },
    consult: null,
    heldGone: null,
    outcome: null,
    endedMedia: null,
    incoming: consultation && s.incoming?.callId === consultation.id ? null : s.incoming,
    callStartedAt: consult?.startedAt ?? serverTime(call.started_at, now),
    // (Still held, should the shell say so: the same hold goes on.)
    holdStartedAt: call.on_hold_by != null ? consult?.holdSince ?? now : null,
    videoSend: consult?.videoSend ? { callId: call.id, send: consult.videoSend } : null,
    errors: withoutKey(withoutKey(s.errors, 'consult'), 'call'),
  };
}

export function applyEvent(s: UiState, ev: EngineEvent, now: number): UiState {
  // The whole state applies even before the first one arrived (e.g. after a failed boot).
  if (ev.type === 'app_state') return withAppState(s, ev.state, now);
  const app = s.app;
  if (!app) return s;
  const call = app.active_call;
  switch (ev.type) {
    case 'connection': {
      const { type: _t, ...connection } = ev;
      return { ...s, app: { ...app, connection } };
    }
    case 'incoming_call':
      if (app.phase !== 'signed_in') return s;
      return {
        ...s,
        outcome: null,
        // A call ringing takes the screen from being added to one: the banner still offers it.
        meetingStarted: s.meetingStarted?.asking ? { ...s.meetingStarted, asking: false } : s.meetingStarted,
        incoming: {
          callId: ev.call_id,
          fromUserId: ev.from_user_id,
          callerName: ev.caller_name,
          callType: ev.call_type,
          // An older shell sends no record.
          ...(ev.regarding ? { regarding: ev.regarding } : {}),
        },
      };
    case 'call_updated':
      return applyCall(s, ev.call, now);
    case 'presence': {
      const message = ev.status_message ?? null;
      const users = applyPresence(app.users, ev.user_id, ev.status, ev.available_for_calls, message);
      const mine = app.me?.id === ev.user_id && app.my_status
        ? { status: ev.status, message: message ?? app.my_status.message }
        : app.my_status;
      return { ...s, app: { ...app, users, my_status: mine } };
    }
    case 'directory': {
      const meId = app.me?.id ?? null;
      return { ...s, app: { ...app, users: ev.users.filter((u) => u.id !== meId) } };
    }
    case 'audio_level':
      if (call?.id !== ev.call_id) return s;
      return { ...s, levels: { input: ev.input, output: ev.output } };
    case 'quality':
      if (call?.id !== ev.call_id) return s;
      return { ...s, quality: ev.quality };
    case 'media':
      // The held call's media runs on, silent, while I consult someone: given back with it.
      if (s.consult?.heldId === ev.call_id && call?.id !== ev.call_id) return { ...s, consult: { ...s.consult, media: ev.media } };
      if (call?.id !== ev.call_id) return endedLater(s, ev.call_id, ev.media);
      return { ...s, app: { ...app, media: ev.media } };
    case 'muted':
      if (call && call.id !== ev.call_id) return s;
      return { ...s, app: { ...app, muted: ev.muted } };
    case 'missed_calls':
      return { ...s, app: { ...app, missed_calls: ev.count } };
    case 'problem':
      return { ...s, errors: { ...s.errors, global: ev.message } };
    case 'callback_due':
      if (app.phase !== 'signed_in') return s;
      return {
        ...s,
        callbackDue: ev.callback,
        callbacks: s.callbacks && withCallback(s.callbacks, ev.callback),
        errors: withoutKey(s.errors, 'callback_due'),
      };
    case 'note_received':
      if (app.phase !== 'signed_in' || s.missing.notes) return s;
      return noteReceived(s, ev.note);
    case 'colleague_available':
      if (app.phase !== 'signed_in' || s.missing.camp_ons) return s;
      return colleagueAvailable(s, ev.camp_on);
    case 'sound_device':
      return { ...s, deviceSwitch: ev.switch };
    case 'meeting': {
      const view = ev.meeting;
      // While my mute change is under way, the views sent meanwhile still carry the old one.
      const mine = app.meeting;
      const keepMute = !!view && !view.ended && !!s.pending.set_meeting_muted && mine?.meeting_id === view.meeting_id;
      return withMeetingView(s, keepMute && mine ? { ...view, muted: mine.muted } : view);
    }
    case 'meeting_started': {
      if (app.phase !== 'signed_in') return s;
      // Under way now, whatever the copy sent says.
      const meeting = { ...ev.meeting, status: 'ongoing' as const, active_call_id: ev.meeting.active_call_id ?? ev.call.id };
      // Not for a meeting the app is in, or is moving into by itself (my call grew into it).
      const inIt = app.meeting?.meeting_id === meeting.id || (s.moving !== null && s.moving.meetingId === meeting.id);
      return {
        ...s,
        meetings: s.meetings && withListedMeeting(s.meetings, meeting),
        meetingStarted: inIt
          ? s.meetingStarted
          : {
              meeting,
              by: startedBy(meeting, ev.call),
              addedWith: ev.added_to_call ? displayName(ev.added_to_call.with) : null,
              asking: !!ev.added_to_call && !s.incoming && !app.active_call,
            },
        errors: inIt ? s.errors : withoutKey(s.errors, 'meeting_banner'),
      };
    }
    case 'meeting_ended':
      return {
        ...s,
        meetings: s.meetings && endedInList(s.meetings, ev.meeting_id),
        meetingStarted: s.meetingStarted?.meeting.id === ev.meeting_id ? null : s.meetingStarted,
      };
    // Gone: its banner (and invitation) with it; the list reloads (actions.ts).
    case 'meeting_deleted':
      return { ...s, meetingStarted: s.meetingStarted?.meeting.id === ev.meeting_id ? null : s.meetingStarted };
    default:
      return s;
  }
}

function withoutKey<T extends object>(o: T, key: keyof T): T {
  if (!(key in o)) return o;
  const copy = { ...o };
  delete copy[key];
  return copy;
}
