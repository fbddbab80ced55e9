// The UI's state: the shell's AppState plus what only the UI keeps (tab, search, errors,
// the incoming call, call quality, …), and a tiny store that tells views when it changes.
import type { Outcome } from './calls';
import type { PresenceFilter } from './people';
import type { AppState, CallQuality, CallSession, DeviceList, MediaState, UserSummary } from './types';

export type Tab = 'people' | 'history' | 'settings';

/** Where an error is shown: next to the action that failed. */
export type ErrorArea =
  | 'boot'
  | 'first_run'
  | 'sign_in'
  | 'status'
  | 'people'
  | 'call'
  | 'incoming'
  | 'history'
  | 'settings'
  | 'teammates'
  | 'global';

export interface Incoming {
  callId: number;
  fromUserId: number;
  callerName: string;
  callType: 'audio' | 'video';
}

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
  outcome: Outcome | null;
  /** The media state the last call ended with (for the outcome sentence). */
  endedMedia: MediaState | null;
  history: HistoryView;
  devices: DeviceList | null;
  errors: Partial<Record<ErrorArea, string>>;
  /** Commands in flight, by a key such as 'sign_in' or 'call_user:5'. */
  pending: Record<string, boolean>;
  /** The "teammates connect to" card after hosting was dismissed. */
  hostNoticeDismissed: boolean;
  /** A short confirmation, e.g. "Settings saved." */
  notice: string | null;
  /** The teammate this admin just added (Settings → Teammates says how they sign in). */
  addedTeammate: UserSummary | null;
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
    outcome: null,
    endedMedia: null,
    history: emptyHistory(),
    devices: null,
    errors: {},
    pending: {},
    hostNoticeDismissed: false,
    notice: null,
    addedTeammate: null,
  };
}

type Listener = (s: UiState, prev: UiState) => void;

export class Store {
  private listeners: Listener[] = [];
  constructor(public state: UiState) {}

  get(): UiState {
    return this.state;
  }

  /** Replace the state with `f(state)` and tell every listener. */
  update(f: (s: UiState) => UiState): void {
    const prev = this.state;
    const next = f(prev);
    if (next === prev) return;
    this.state = next;
    for (const l of this.listeners) l(next, prev);
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

  subscribe(l: Listener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
}
