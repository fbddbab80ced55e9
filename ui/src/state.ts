// The UI's state: the shell's AppState plus what only the UI keeps (tab, search, errors,
// the incoming call, call quality, …), and a tiny store whose views each watch one slice.
import type { Outcome } from './calls';
import type { Feature } from './features';
import type { PresenceFilter } from './people';
import type {
  About,
  AppState,
  Callback,
  CallQuality,
  CampOn,
  CallSession,
  CertificateCheck,
  DeviceList,
  DeviceSwitch,
  FoundHost,
  InviteCode,
  CallLog,
  MediaState,
  Meeting,
  Note,
  Regarding,
  TeamInvite,
  UserSummary,
  VideoRoom,
  VideoSend,
  Webhook,
  WebhookDelivery,
} from './types';
import { NONE_SHOWN, type Shown } from './video';

export type Tab = 'people' | 'meetings' | 'callbacks' | 'notes' | 'history' | 'settings';

/** Where an error is shown: next to the action that failed. */
export type ErrorArea =
  | 'boot'
  | 'first_run'
  | 'sign_in'
  | 'find_hosts'
  | 'status'
  | 'people'
  | 'call'
  | 'transfer'
  | 'consult'
  | 'add_to_call'
  | 'meetings'
  | 'meeting'
  | 'meeting_form'
  | 'meeting_banner'
  | 'incoming'
  | 'after_call'
  | 'callbacks'
  | 'callback_due'
  | 'notes'
  | 'note_banner'
  | 'leave_note'
  | 'free_now'
  | 'outcomes_admin'
  | 'webhooks'
  | 'webhook_form'
  | 'deliveries'
  | 'link_call'
  | 'history'
  | 'settings'
  | 'away'
  | 'shortcuts'
  | 'about'
  | 'video'
  | 'teammates'
  | 'join'
  | 'account'
  | 'everywhere'
  | 'invites'
  | 'invite_list'
  | 'team'
  | 'global';

export interface Incoming {
  callId: number;
  fromUserId: number;
  callerName: string;
  callType: 'audio' | 'video';
  /** The CRM record the call is about, when the caller gave one (absent otherwise). */
  regarding?: Regarding;
}

/** A call I was in that ended, waiting for my outcome and note (or Skip); or a missed or
 * declined call opened from History with "Log…". */
export interface AfterCall {
  callId: number;
  /** Who the call was with, for the panel's heading. */
  withName: string;
  regarding: Regarding | null;
  /** My log once saved (the panel then says so); from History, the one saved before. */
  saved: CallLog | null;
  /** The heading when it is not "How did the call with … go?" (a missed call, say). */
  title?: string;
  /** Opened from History's "Log…": shown even during a call, and focus goes back there. */
  fromHistory?: boolean;
}

/** A line said on one person's row in People: "Note sent to Erin Walsh.", or "Erin Walsh
 * can take calls now: call them." (a camp-on refused because they became free). */
export interface PeopleNotice {
  userId: number;
  text: string;
}

/** A server whose certificate needs the user before signing in: one no authority signed
 * (compare its fingerprint, then trust it or not), or one other than the certificate this
 * computer trusted for that server (refused). Asked by the form in `area`. */
export interface CertificateQuestion {
  area: 'first_run' | 'sign_in' | 'join';
  serverUrl: string;
  check: CertificateCheck;
}

/** My meetings (`meetings`): the pages loaded so far, in the server's order. */
export interface MeetingList {
  results: Meeting[];
  /** The last page loaded (from 1). */
  page: number;
  /** The server has more after it ("More"). */
  hasNext: boolean;
  count: number;
}

/** A meeting this app was put out of (it ended, was deleted, its audio failed): said until
 * dismissed. */
export interface MeetingEnded {
  meetingId: number;
  title: string;
  /** The shell's sentence: "The meeting has ended." */
  text: string;
}

/** A meeting a colleague started (`meeting_started`), for the banner that offers Join. */
export interface MeetingStarted {
  meeting: Meeting;
  /** Who started it. */
  by: string;
  /** When they added me to their call (it became this meeting): who else is on it. */
  addedWith?: string | null;
  /** Asked as an incoming call is (views/invitation.ts), until Join or Decline: only for
   * an addition, and not over a call ringing or in progress. */
  asking?: boolean;
}

/** My call growing into a meeting: I added a colleague (`add_to_call`), or the call ended
 * naming the meeting it became (`escalated_to_meeting`), which the shell joins by itself.
 * The call card says so, instead of how the call ended, until the meeting's view comes;
 * without one after `MOVE_WAIT_MS`, the call ends on screen as any call does, saying
 * where it went (`fallback`). */
export interface MovingToMeeting {
  callId: number;
  /** The meeting it becomes (add_to_call's answer, the call's `escalated_to_meeting`). */
  meetingId: number | null;
  /** Whom I added ("Carol Diaz"); null when the other party did. */
  added: string | null;
  /** Who the call was with. */
  withName: string;
  /** Local ms when the call ended into the meeting; null while it is still on. */
  endedAt: number | null;
  /** What the end of the call shows if the meeting's view does not come: the outcome
   * sentence, the media it ended with, the after-call panel. Null while the call is on. */
  fallback: { outcome: Outcome; endedMedia: MediaState | null; afterCall: AfterCall | null } | null;
}

/**
 * An attended transfer (`consult_call`): my call held (`app.held_call`) while I talk to a
 * colleague about it (the consultation: `app.active_call`, until it ends; the held call
 * then waits alone, still on hold). What only the UI keeps of the held call while it is
 * not the current one: its timers, and what it had when it was put aside, given back when
 * it is current again (`back_to_held`).
 */
export interface Consult {
  heldId: number;
  /** Local ms when the held call became active (its call timer), and when its hold began
   * (the held-call strip's timer). */
  startedAt: number | null;
  holdSince: number;
  /** Its media state (the shell keeps it running, silent), my mute, and what I sent. */
  media: MediaState | null;
  muted: boolean;
  videoSend: VideoSend | null;
  /** How the last consultation ended, while the held call waits alone ("Cat Diaz
   * declined the call."); null while one is under way. */
  ended: string | null;
  /** While `complete_transfer` runs: the ends of either call heard meanwhile, which wait
   * for its answer (they are the transfer itself when it went, and are taken as they
   * come when it was refused). Null otherwise. */
  joining: CallSession[] | null;
}

/** The held party hung up while I consulted someone: said on the call card while that
 * consultation (`callId`) goes on, which is then an ordinary call. */
export interface HeldGone {
  callId: number;
  text: string;
}

/** Whether I am in a call: one under way or ringing, or one I hold while consulting
 * someone about it (even once that consultation ended). */
export function inCall(s: UiState): boolean {
  return !!s.app?.active_call || !!s.app?.held_call;
}

/** How long a call that grew into a meeting waits for the meeting's view (ms). */
export const MOVE_WAIT_MS = 5000;

export interface HistoryView {
  page: number;
  count: number;
  hasNext: boolean;
  hasPrevious: boolean;
  results: CallSession[];
  loading: boolean;
  loaded: boolean;
  stale: boolean;
}

export interface UiState {
  app: AppState | null;
  tab: Tab;
  query: string;
  filter: PresenceFilter;
  incoming: Incoming | null;
  quality: CallQuality | null;
  levels: { input: number; output: number };
  /** Local clock (ms) when the current call became active, for the running timer. */
  callStartedAt: number | null;
  /** Local clock (ms) when the current call's hold began, for the hold timer; null while
   * nobody holds it. */
  holdStartedAt: number | null;
  /** An attended transfer under way: the held call's side of it (`app.held_call`). */
  consult: Consult | null;
  /** The held party hung up during a consultation that goes on. */
  heldGone: HeldGone | null;
  outcome: Outcome | null;
  /** The media state the last call ended with (for the outcome sentence). */
  endedMedia: MediaState | null;
  /** The last call that ended here (its id) and who it was with: a call I was put through
   * to from it (a transfer) says who put me through. */
  lastEnded: { callId: number; withName: string } | null;
  history: HistoryView;
  devices: DeviceList | null;
  /** The last time a call's sound device moved on its own (until dismissed). */
  deviceSwitch: DeviceSwitch | null;
  errors: Partial<Record<ErrorArea, string>>;
  /** The sign-in form's question about the server's certificate, until answered. */
  certificate: CertificateQuestion | null;
  /** Team hosts that answered on the local network (`find_hosts`, the Connect screen's
   * "Hosts on this network"), null until a search has answered (or when it failed). Only
   * what they announce: the certificate of the one chosen is checked as a typed one's. */
  foundHosts: FoundHost[] | null;
  /** Commands in flight, by a key such as 'sign_in' or 'call_user:5'. */
  pending: Record<string, boolean>;
  /** The "teammates connect to" card after hosting was dismissed. */
  hostNoticeDismissed: boolean;
  /** A short confirmation, e.g. "Settings saved." */
  notice: string | null;
  /** The teammate this admin just added (Settings → Teammates says how they sign in). */
  addedTeammate: UserSummary | null;
  /** Settings → Account's confirmation, e.g. "Password changed. …" */
  accountNotice: string | null;
  /** Settings → Team (admins): the invite codes, null until loaded. */
  invites: InviteCode[] | null;
  /** The invite this admin just made: its code is shown this once, until "Done". */
  createdInvite: TeamInvite | null;
  /** The after-call panel: outcome and note for the call that just ended. */
  afterCall: AfterCall | null;
  /** The team's call outcomes (`call_outcomes`), null until loaded. */
  outcomes: string[] | null;
  /** My call-backs (`callbacks`): open ones by due time, then done ones; null until loaded. */
  callbacks: Callback[] | null;
  /** The call-back the shell last said is due (`callback_due`), for the banner. */
  callbackDue: Callback | null;
  /** Notes left for me (`notes`), newest first; null until loaded. */
  notes: Note[] | null;
  /** The note the shell last said arrived (`note_received`), for the banner. */
  noteBanner: Note | null;
  /** Whom I wait for (`camp_ons`); null until loaded. */
  campOns: CampOn[] | null;
  /** Camp-ons the shell said are over: that colleague can take calls now (banners). */
  freeNow: CampOn[];
  /** What a row in People says after a note or a camp-on (until the next one). */
  peopleNotice: PeopleNotice | null;
  /** My meetings, null until loaded (the Meetings tab loads them). */
  meetings: MeetingList | null;
  /** A short confirmation in the Meetings tab ("“Weekly sync” created."). */
  meetingsNotice: string | null;
  /** Why this app is out of the meeting it was in, until dismissed. (The meeting it is in
   * is the shell's: `app.meeting`.) */
  meetingEnded: MeetingEnded | null;
  /** The banner: a colleague started a meeting I am in, until joined, dismissed, or over. */
  meetingStarted: MeetingStarted | null;
  /** My call growing into a meeting, until the meeting's view comes (or not). */
  moving: MovingToMeeting | null;
  /** Settings → Webhooks (admins): the endpoints, null until loaded. */
  webhooks: Webhook[] | null;
  /** Each endpoint's deliveries, by its id, once asked for. */
  deliveries: Record<number, WebhookDelivery[]>;
  /** Features this server turned out not to have (a seeds-style backend): hidden. */
  missing: Record<Feature, boolean>;
  /** Settings → About Switchboard: version and folders, null until loaded. */
  about: About | null;
  /** The video room last opened in the browser for a call (`open_video_room`). */
  videoRoom: { callId: number; room: VideoRoom } | null;
  /** Native video: what the call's pictures (theirs, mine) or the meeting's (each
   * member's, mine) show: none yet, live, or stopped coming (video.ts, `feedState`). */
  pictures: Shown;
  /** What this side sends in the call, as its camera and share buttons last set it
   * (`set_video`); null, or another call's: what the shell opened as the call connected
   * (see `videoSending`). */
  videoSend: { callId: number; send: VideoSend } | null;
  /** Why the shell gives no pictures (it refused `next_video_picture`, and has not
   * answered it since), or null. */
  videoProblem: string | null;
}

export function noneMissing(): Record<Feature, boolean> {
  return { callbacks: false, call_outcomes: false, notes: false, camp_ons: false, webhooks: false };
}

export function emptyHistory(): HistoryView {
  return {
    page: 1,
    count: 0,
    hasNext: false,
    hasPrevious: false,
    results: [],
    loading: false,
    loaded: false,
    stale: false,
  };
}

export function initialState(): UiState {
  return {
    app: null,
    tab: 'people',
    query: '',
    filter: 'all',
    incoming: null,
    quality: null,
    levels: { input: 0, output: 0 },
    callStartedAt: null,
    holdStartedAt: null,
    consult: null,
    heldGone: null,
    outcome: null,
    endedMedia: null,
    lastEnded: null,
    history: emptyHistory(),
    devices: null,
    deviceSwitch: null,
    errors: {},
    certificate: null,
    foundHosts: null,
    pending: {},
    hostNoticeDismissed: false,
    notice: null,
    addedTeammate: null,
    accountNotice: null,
    invites: null,
    createdInvite: null,
    afterCall: null,
    outcomes: null,
    callbacks: null,
    callbackDue: null,
    notes: null,
    noteBanner: null,
    campOns: null,
    freeNow: [],
    peopleNotice: null,
    meetings: null,
    meetingsNotice: null,
    meetingEnded: null,
    meetingStarted: null,
    moving: null,
    webhooks: null,
    deliveries: {},
    missing: noneMissing(),
    about: null,
    videoRoom: null,
    pictures: NONE_SHOWN,
    videoSend: null,
    videoProblem: null,
  };
}

/** Picks the part of the state a view draws from: one value, or a small tuple or object of
 * values (`{ users: s.app?.users, query: s.query }`), never something built from the whole
 * directory, so that comparing two picks is cheap. */
export type Select<T> = (s: UiState) => T;
/** Draws a picked slice; `prev` is the slice drawn before (undefined the first time). */
export type Draw<T> = (slice: T, prev: T | undefined) => void;
/** Draw `select`'s slice now, then again whenever it changes (see `sameSlice`). */
export type Watch = <T>(select: Select<T>, draw: Draw<T>) => void;

/**
 * Whether two picks are the same slice: identical, or arrays or plain objects with the same
 * keys whose values are identical. The state is updated immutably, so an unchanged part
 * keeps its reference and this is enough; nothing is compared deeper.
 */
export function sameSlice(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isPlain(a) || !isPlain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => k in b && Object.is(a[k], b[k]));
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === Array.prototype;
}

/** What a screen watches through: its watches end together when the screen goes. */
export interface Scope {
  watch: Watch;
  end(): void;
}

/**
 * The state and who watches it. Each watcher picks its slice and redraws only when that
 * slice changes, so a level meter update (10 a second) does not redraw the directory.
 */
export class Store {
  private watchers = new Set<() => void>();
  private drawing = false;
  private changed = false;
  constructor(public state: UiState) {}

  get(): UiState {
    return this.state;
  }

  /** Replace the state with `f(state)` and let the watchers whose slice changed redraw. */
  update(f: (s: UiState) => UiState): void {
    const prev = this.state;
    const next = f(prev);
    if (next === prev) return;
    this.state = next;
    this.changed = true;
    this.drawRounds();
  }

  /**
   * Run `first` (a watcher's first draw), then let every watcher catch up, round after
   * round, until the state stops changing. An update made while drawing (a view starting a
   * command) is never drawn inside another draw: it waits for the next round.
   */
  private drawRounds(first?: () => void): void {
    if (this.drawing) {
      first?.();
      return;
    }
    this.drawing = true;
    try {
      first?.();
      while (this.changed) {
        this.changed = false;
        for (const w of this.watchers) w();
      }
    } finally {
      this.drawing = false;
    }
  }

  set(patch: Partial<UiState>): void {
    this.update((s) => ({ ...s, ...patch }));
  }

  setError(area: ErrorArea, message: string | null): void {
    this.update((s) => {
      if ((s.errors[area] ?? null) === message) return s;
      const errors = { ...s.errors };
      if (message == null) delete errors[area];
      else errors[area] = message;
      return { ...s, errors };
    });
  }

  setPending(key: string, on: boolean): void {
    this.update((s) => {
      if (!!s.pending[key] === on) return s;
      const pending = { ...s.pending };
      if (on) pending[key] = true;
      else delete pending[key];
      return { ...s, pending };
    });
  }

  /** Draw `select`'s slice now and whenever it changes; returns the way to stop. Watchers
   * run in the order they started, each reading the newest state. */
  watch<T>(select: Select<T>, draw: Draw<T>): () => void {
    let drawn = select(this.state);
    const watcher = () => {
      const slice = select(this.state);
      if (sameSlice(slice, drawn)) return;
      const prev = drawn;
      drawn = slice;
      draw(slice, prev);
    };
    this.watchers.add(watcher);
    this.drawRounds(() => draw(drawn, undefined));
    return () => {
      this.watchers.delete(watcher);
    };
  }

  /** Watches that end together, for one screen. */
  scope(): Scope {
    const stops: (() => void)[] = [];
    return {
      watch: (select, draw) => {
        stops.push(this.watch(select, draw));
      },
      end: () => stops.splice(0).forEach((stop) => stop()),
    };
  }
}

const HIDDEN = Symbol('hidden');

/**
 * A watch that draws only while `shown` holds, and draws again when it holds again (a
 * hidden section does no work, and a section first shown can start loading then).
 */
export function whileShown(watch: Watch, shown: (s: UiState) => boolean): Watch {
  return <T>(select: Select<T>, draw: Draw<T>) =>
    watch<T | typeof HIDDEN>(
      (s) => (shown(s) ? select(s) : HIDDEN),
      (slice, prev) => {
        if (slice !== HIDDEN) draw(slice, prev === HIDDEN ? undefined : prev);
      },
    );
}
