// The shell ↔ UI contract (docs/desktop.md). The types are generated from the Rust ones
// (bindings.ts, by crates/app/tests/bindings.rs); this module gives the UI's names to a
// few and adds what only the UI has.
import type { AppState, CallSession, Event, MeetingView, Page, PresenceStatus } from './bindings';

export type {
  About,
  AppState,
  Callback,
  CallLog,
  CallQuality,
  CallSession,
  CallStatus,
  CampOn,
  CertificateCheck,
  CertificateTrust,
  DeliveryState,
  ConnectionState,
  DeviceList,
  DeviceSwitch,
  DirectoryEntry,
  FoundHost,
  HostInfo,
  IncomingCallDisplay,
  Invite,
  InviteCode,
  InviteCodeState,
  JoinRequest,
  MediaState,
  Meeting,
  MeetingPeer,
  MeetingPeerState,
  MeetingStatus,
  MeetingView,
  NewCallback,
  NewCallLog,
  NewMeeting,
  NewNote,
  NewWebhook,
  Note,
  PresenceView,
  Regarding,
  RingingCall,
  ServerCheck,
  Settings,
  Shortcuts,
  TeamInvite,
  UserInfo,
  UserSummary,
  VideoCallSession,
  VideoRoom,
  VideoSend,
  VoiceSettings,
  Webhook,
  WebhookDelivery,
  WebhookEvent,
} from './bindings';

export type Presence = PresenceStatus;
export type HistoryPage = Page<CallSession>;

/** `add_teammate`'s arguments (admins only; `email` may be empty). */
export interface NewTeammate {
  fullName: string;
  username: string;
  email: string;
  password: string;
}

/** What arrives on the `engine` event: the engine's events, the whole state when the
 * shell changes the phase or the user list by itself (start-up sign-in, a teammate added),
 * and the meeting this app is in whenever it changes (up to 5 times a second while in one,
 * for the levels): `null` once it has left, a view with `ended` set when it was put out of
 * it (the meeting ended, was deleted, its audio failed). */
export type EngineEvent =
  | Event
  | { type: 'app_state'; state: AppState }
  | { type: 'meeting'; meeting: MeetingView | null };
