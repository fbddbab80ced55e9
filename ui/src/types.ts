// The shell ↔ UI contract (docs/desktop.md), as TypeScript types.

export type Presence = 'online' | 'away' | 'busy' | 'offline' | 'dnd';
export type CallStatus =
  | 'pending'
  | 'ringing'
  | 'active'
  | 'completed'
  | 'rejected'
  | 'cancelled'
  | 'missed'
  | 'failed';

export interface UserInfo {
  id: number;
  username: string;
  email: string;
  full_name: string;
  is_admin: boolean;
}
export interface UserSummary {
  id: number;
  username: string;
  email: string;
  full_name: string;
}
export interface PresenceView {
  status: Presence;
  available_for_calls: boolean;
  status_message: string;
  last_seen: string | null;
  current_call: number | null;
  is_online: boolean;
  is_available: boolean;
}
export interface DirectoryEntry {
  id: number;
  username: string;
  email: string;
  full_name: string;
  presence: PresenceView;
}
export interface CallSession {
  id: number;
  session_id: string;
  room_name: string;
  call_type: 'audio' | 'video';
  status: CallStatus;
  initiator: number;
  recipient: number;
  participants: number[];
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  duration_formatted: string;
  is_active: boolean;
  participant_count: number;
  created_at: string;
  initiator_details: UserSummary;
  recipient_details: UserSummary;
}
export interface CallQuality {
  rtt_ms: number | null;
  jitter_ms: number;
  loss_pct: number;
  send_kbps: number;
  recv_kbps: number;
  packets_received: number;
  packets_lost: number;
  mos: number;
  score: 1 | 2 | 3 | 4 | 5;
}
export type ConnectionState =
  | { state: 'connecting' }
  | { state: 'online'; mode: 'web_socket' | 'polling' }
  | { state: 'reconnecting'; attempt: number; retry_in_ms: number; reason: string }
  | { state: 'offline'; reason: string };

export interface Settings {
  input_device: string | null;
  output_device: string | null;
  ring_device: string | null;
  autostart: boolean;
  available_for_calls: boolean;
}
export interface HostInfo {
  url: string;
  lan_urls: string[];
  admin_username: string;
  data_dir: string;
}
export type MediaState =
  | { state: 'connecting' }
  | { state: 'connected'; setup_ms: number }
  | { state: 'ended'; reason: 'local' | 'remote' | 'lost' | 'failed'; message: string | null };

export interface AppState {
  phase: 'first_run' | 'sign_in' | 'signed_in';
  server_url: string | null;
  hosting: HostInfo | null;
  me: UserInfo | null;
  my_status: { status: Presence; message: string } | null;
  connection: ConnectionState | null;
  users: DirectoryEntry[];
  active_call: CallSession | null;
  media: MediaState | null;
  muted: boolean;
  missed_calls: number;
  settings: Settings;
}

/** `add_teammate`'s arguments (admins only; `email` may be empty). */
export interface NewTeammate {
  fullName: string;
  username: string;
  email: string;
  password: string;
}

export interface HistoryPage {
  count: number;
  next: string | null;
  previous: string | null;
  results: CallSession[];
}
export interface DeviceList {
  inputs: string[];
  outputs: string[];
}

export type EngineEvent =
  | ({ type: 'connection' } & ConnectionState)
  | {
      type: 'incoming_call';
      call_id: number;
      from_user_id: number;
      caller_name: string;
      call_type: 'audio' | 'video';
      room_name: string;
    }
  | { type: 'call_updated'; call: CallSession }
  | { type: 'presence'; user_id: number; status: Presence; available_for_calls: boolean; status_message: string | null }
  | { type: 'directory'; users: DirectoryEntry[] }
  | { type: 'audio_level'; call_id: number; input: number; output: number }
  | { type: 'quality'; call_id: number; quality: CallQuality }
  | { type: 'media'; call_id: number; media: MediaState }
  | { type: 'muted'; call_id: number; muted: boolean }
  | { type: 'missed_calls'; count: number }
  | { type: 'problem'; message: string }
  // The whole state, when the shell changes the phase or the user list by itself
  // (start-up auto sign-in finishing, a teammate added).
  | { type: 'app_state'; state: AppState };
