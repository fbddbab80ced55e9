// Generated from the Rust types by crates/app/tests/bindings.rs: do not edit.
// Regenerate: SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard-app --test integration bindings::

export type PresenceStatus = "online" | "away" | "busy" | "offline" | "dnd";

export type CallStatus = "pending" | "ringing" | "active" | "completed" | "rejected" | "cancelled" | "missed" | "failed";

export type CallType = "audio" | "video";

export type UserInfo = { id: number, username: string, email: string, full_name: string, is_admin: boolean, 
/**
 * False while an administrator has disabled the account (Django's name for it).
 */
is_active: boolean, };

export type UserSummary = { id: number, username: string, email: string, full_name: string, };

export type PresenceView = { status: PresenceStatus, available_for_calls: boolean, status_message: string, last_seen: string | null, current_call: number | null, is_online: boolean, is_available: boolean, };

export type DirectoryEntry = { id: number, username: string, email: string, full_name: string, 
/**
 * False while an administrator has disabled the account: it cannot sign in.
 */
is_active: boolean, presence: PresenceView, };

export type Regarding = { 
/**
 * The kind of record, as the CRM names it: `deal`, `contact`, `ticket`.
 */
type: string, 
/**
 * The record's id in the CRM.
 */
id: string, 
/**
 * What people see: "ACME renewal".
 */
label: string, 
/**
 * The record's page, http or https only.
 */
url?: string, };

export type CallLog = { 
/**
 * Who wrote it: one of the call's participants.
 */
author: number, outcome?: string, note?: string, created_at: string, updated_at: string, };

export type CallOutcomes = { outcomes: Array<string>, };

export type NewCallLog = { outcome?: string, note?: string, };

export type CallSession = { id: number, session_id: string, room_name: string, call_type: CallType, status: CallStatus, initiator: number, recipient: number, participants: Array<number>, started_at: string | null, ended_at: string | null, duration_seconds: number | null, duration_formatted: string, is_active: boolean, participant_count: number, created_at: string, 
/**
 * Names for history and incoming-call screens, so clients need no second lookup.
 */
initiator_details: UserSummary, recipient_details: UserSummary, 
/**
 * The CRM record the call is about, when the caller gave one.
 */
regarding?: Regarding, 
/**
 * What the callee said when declining ("In a meeting; I'll call you back").
 */
decline_message?: string, 
/**
 * The participants' notes and outcomes after the call, oldest first.
 */
logs?: Array<CallLog>, 
/**
 * The call this one was transferred from (`transfer/`): its other party calls here.
 */
transferred_from?: number, 
/**
 * Who has put the active call on hold (`update_status/` with `hold`), and since when.
 */
on_hold_by?: number, on_hold_since?: string, 
/**
 * Seconds the call spent on hold in holds that are over.
 */
hold_seconds?: number, 
/**
 * The meeting this call grew into (`add_participant/`): both its parties move there.
 */
escalated_to_meeting?: number, };

export type Callback = { id: number, 
/**
 * Who calls back: the task is theirs.
 */
owner: number, 
/**
 * Who is to be called.
 */
user_id: number, user_details: UserSummary, due_at: string, 
/**
 * The record the call-back is about (from the call it came from, unless given).
 */
regarding?: Regarding, note?: string, 
/**
 * The declined or missed call it came from.
 */
call_id?: number, created_at: string, 
/**
 * When it was done: by hand, or by the call that connected (`completed_by_call`).
 */
completed_at?: string, completed_by_call?: number, };

export type NewCallback = { 
/**
 * Who to call back.
 */
user_id: number, due_at?: string, 
/**
 * From now; 600 is "in 10 minutes".
 */
due_in_seconds?: number, regarding?: Regarding, note?: string, 
/**
 * The call it comes from (declined or missed): its record is carried over.
 */
call_id?: number, };

export type Note = { id: number, from_user_id: number, from_details: UserSummary, to_user_id: number, text: string, regarding?: Regarding, created_at: string, 
/**
 * When the recipient marked it read.
 */
read_at?: string, };

export type NewNote = { 
/**
 * Who it is for.
 */
user_id: number, text: string, regarding?: Regarding, };

export type CampOn = { id: number, 
/**
 * Who is waiting for them.
 */
watcher: number, 
/**
 * Whom they wait for.
 */
user_id: number, user_details: UserSummary, created_at: string, 
/**
 * After this it is dropped, told or not.
 */
expires_at: string, };

export type WebhookEvent = "call.completed" | "call.missed" | "call.rejected" | "call.logged" | "callback.created" | "callback.completed";

export type NewWebhook = { 
/**
 * An http:// or https:// address that takes POSTs.
 */
url: string, 
/**
 * The key deliveries are signed with; never shown again.
 */
secret: string, 
/**
 * At least one.
 */
events: Array<WebhookEvent>, };

export type Webhook = { id: number, url: string, events: Array<WebhookEvent>, created_by: number, created_at: string, 
/**
 * Deliveries waiting for their first or next attempt.
 */
pending: number, 
/**
 * Deliveries given up on after retrying for a day.
 */
failed: number, };

export type DeliveryState = "pending" | "delivered" | "failed";

export type WebhookDelivery = { id: number, webhook_id: number, event: WebhookEvent, 
/**
 * The same on every attempt: what receivers drop repeats by.
 */
event_id: string, state: DeliveryState, 
/**
 * Attempts made so far.
 */
attempts: number, created_at: string, 
/**
 * When it is tried next (pending only).
 */
next_attempt_at?: string, delivered_at?: string, 
/**
 * The HTTP status of the last attempt, when the endpoint answered.
 */
last_status?: number, 
/**
 * Why the last attempt did not deliver.
 */
last_error?: string, };

export type Page<T> = { count: number, next: string | null, previous: string | null, results: Array<T>, };

export type MeetingStatus = "scheduled" | "ongoing" | "completed";

export type Meeting = { id: number, title: string, host: UserSummary, participants: Array<UserSummary>, participant_ids: Array<number>, status: MeetingStatus, scheduled_at: string | null, created_at: string, 
/**
 * The call in progress (seed 002's video call session), while the meeting is
 * `ongoing`: what joining it joins and ending it ends. Servers that predate it do
 * not send it.
 */
active_call_id?: number, };

export type NewMeeting = { title: string, participant_ids: Array<number>, scheduled_at?: string, };

export type Caller = { id: number, email: string, full_name: string, };

export type VideoCallStatus = "active" | "ended";

export type VideoCallSession = { id: number, meeting: number, caller: Caller, status: VideoCallStatus, started_at: string, ended_at: string | null, 
/**
 * Seconds, once ended.
 */
duration: number | null, };

export type AddedToCall = { call_id: number, 
/**
 * The call's other party (the one who added is the meeting call's `caller`).
 */
with: UserSummary, };

export type CallQuality = { 
/**
 * Round-trip time; `None` until the first RTCP report or ICE check answer.
 */
rtt_ms: number | null, jitter_ms: number, 
/**
 * Packets from the other side that never came, as a percentage.
 */
loss_pct: number, send_kbps: number, recv_kbps: number, packets_received: number, packets_lost: number, 
/**
 * Mean opinion score, 1.0–4.5.
 */
mos: number, 
/**
 * 1 (bad) to 5 (excellent).
 */
score: number, };

export type RealtimeMode = "web_socket" | "polling";

export type ConnectionState = { "state": "connecting" } | { "state": "online", mode: RealtimeMode, } | { "state": "reconnecting", attempt: number, retry_in_ms: number, reason: string, } | { "state": "offline", reason: string, };

export type EndReason = "local" | "remote" | "lost" | "failed";

export type MediaState = { "state": "connecting" } | { "state": "connected", setup_ms: number, } | { "state": "ended", reason: EndReason, 
/**
 * What went wrong, for failures and lost links.
 */
message: string | null, };

export type SwitchReason = "gone" | "back";

export type DeviceSwitch = { 
/**
 * `input` (the microphone) or `output` (speakers, ringtone).
 */
direction: string, from: string, to: string, reason: SwitchReason, };

export type Event = { "type": "connection" } & ConnectionState | { "type": "incoming_call", call_id: number, from_user_id: number, caller_name: string, call_type: CallType, room_name: string, 
/**
 * The CRM record the call is about, to show with the caller's name.
 */
regarding: Regarding | null, } | { "type": "call_updated", call: CallSession, } | { "type": "presence", user_id: number, status: PresenceStatus, available_for_calls: boolean, 
/**
 * `None` when the server does not send messages: keep the one already shown.
 */
status_message: string | null, } | { "type": "directory", users: Array<DirectoryEntry>, } | { "type": "audio_level", call_id: number, input: number, output: number, } | { "type": "quality", call_id: number, quality: CallQuality, } | { "type": "media", call_id: number, media: MediaState, } | { "type": "muted", call_id: number, muted: boolean, } | { "type": "missed_calls", count: number, } | { "type": "problem", message: string, } | { "type": "callback_due", callback: Callback, } | { "type": "note_received", note: Note, } | { "type": "colleague_available", camp_on: CampOn, } | { "type": "meeting_started", meeting: Meeting, call: VideoCallSession, 
/**
 * When this user was just added to the 1:1 call it grew from: the app says "Ann
 * Lee is adding you to a call with Bob Stone".
 */
added_to_call: AddedToCall | null, } | { "type": "meeting_ended", meeting_id: number, call: VideoCallSession, } | { "type": "meeting_scheduled", meeting: Meeting, } | { "type": "meeting_deleted", meeting_id: number, } | { "type": "sound_device", switch: DeviceSwitch, };

export type DeviceList = { inputs: Array<string>, outputs: Array<string>, default_input: string | null, default_output: string | null, cameras: Array<string>, };

export type VoiceSettings = { 
/**
 * Removes what the speakers play from what the microphone hears.
 */
echo_cancel: boolean, 
/**
 * Removes steady background noise (fans, hum, traffic).
 */
noise_suppression: boolean, 
/**
 * Brings a quiet or loud voice to a steady level.
 */
auto_gain: boolean, };

export type IncomingCallDisplay = "auto" | "callbox" | "window";

export type Shortcuts = { toggle_mute: string, answer: string, hang_up: string, 
/**
 * Held: the microphone is open; released: muted again.
 */
push_to_talk: string, };

export type ShortcutAction = "toggle_mute" | "answer" | "hang_up" | "push_to_talk";

export type VideoSend = "off" | "camera" | "screen";

export type FoundHost = { 
/**
 * What its user called it ("Alice's Switchboard").
 */
name: string, 
/**
 * Where to connect: `https://ADDR:PORT`.
 */
url: string, 
/**
 * Its certificate's fingerprint (`sha256:…`), to pin, if it said one.
 */
fingerprint: string | null, };

export type Settings = { 
/**
 * Microphone by name; `None` is the system default.
 */
input_device: string | null, output_device: string | null, 
/**
 * Where the ringtone plays; `None` is the output device.
 */
ring_device: string | null, 
/**
 * The camera a video call sends, by the name its driver gives (stable when it is
 * plugged into another port); `None` is the first camera found.
 */
camera: string | null, autostart: boolean, 
/**
 * Off: incoming calls do not ring (the server still sees this user as available
 * unless the status says otherwise).
 */
available_for_calls: boolean, 
/**
 * Echo cancellation, noise suppression and auto gain on the microphone.
 */
voice: VoiceSettings, 
/**
 * Call at once when a `switchboard://call/…` link is opened, instead of asking
 * first. Off by default: any web page or message can hold such a link.
 */
call_links_without_asking: boolean, 
/**
 * How an incoming call shows itself.
 */
incoming_call_display: IncomingCallDisplay, 
/**
 * Keys that work from any application (empty: none).
 */
shortcuts: Shortcuts, 
/**
 * Status "away" after this long without keyboard or mouse input; 0: never.
 */
auto_away_after_seconds: number, 
/**
 * Started with the session (autostart): stay in the tray, no window.
 */
start_minimised: boolean, };

export type VideoRoom = { 
/**
 * The address to open: `https://…/ROOM`, with `?jwt=` for 8x8 JaaS.
 */
url: string, domain: string, room_name: string, 
/**
 * Whether the room is joined with a JaaS token (8x8) or is an open room.
 */
with_token: boolean, };

export type About = { version: string, 
/**
 * Where the app writes its logs (for support).
 */
log_dir: string, settings_file: string, 
/**
 * The embedded backend's data (database, certificate), when this app hosts.
 */
data_dir: string, };

export type HostInfo = { 
/**
 * For this app itself (loopback).
 */
url: string, 
/**
 * For teammates: one per LAN address of this machine.
 */
lan_urls: Array<string>, 
/**
 * The SHA-256 of the server's certificate (`sha256:…`), which teammates' apps pin.
 */
fingerprint: string, 
/**
 * The same in groups of four, for comparing by eye or reading aloud.
 */
fingerprint_grouped: string, 
/**
 * One per LAN address: `switchboard://join?server=…&fp=…`, to send to teammates.
 */
invite_links: Array<string>, admin_username: string, data_dir: string, };

export type Invite = { 
/**
 * `https://ADDR:PORT`.
 */
server: string, 
/**
 * `sha256:…`, to pin.
 */
fingerprint: string, 
/**
 * A one-time invite code: the teammate makes their own account with it.
 */
code: string | null, };

export type InviteCodeState = "open" | "used" | "expired" | "revoked";

export type InviteCode = { id: number, state: InviteCodeState, created_by: number, created_at: string, expires_at: string, 
/**
 * The account made with it.
 */
used_by: number | null, };

export type TeamInvite = { code: string, 
/**
 * `switchboard://join?server=…&fp=…&code=…`, one per address teammates can reach
 * the server at; empty when this app has no certificate to pin for the server (it
 * has an authority's): teammates then enter `server_url` and the code.
 */
links: Array<string>, server_url: string, invite: InviteCode, };

export type JoinRequest = { server_url: string, 
/**
 * `sha256:…` from the invite link; absent when typed by hand.
 */
fingerprint: string | null, code: string, username: string, full_name: string, email: string, password: string, };

export type CertificateTrust = { "kind": "pinned" } | { "kind": "authority" } | { "kind": "unknown" } | { "kind": "changed", pinned: string, };

export type CertificateCheck = { 
/**
 * `sha256:…`
 */
fingerprint: string, 
/**
 * In groups of four, to compare with the host's screen.
 */
fingerprint_grouped: string, trust: CertificateTrust, };

export type ServerCheck = { 
/**
 * The address as it will be used (`https://` added when none was typed).
 */
server_url: string, 
/**
 * `None`: plain http, nothing to check (only on a network the user trusts).
 */
certificate: CertificateCheck | null, };

export type Phase = "first_run" | "sign_in" | "signed_in";

export type MyStatus = { status: PresenceStatus, message: string, };

export type LinkCall = { user_id: number, username: string, 
/**
 * The full name, or the username when there is none.
 */
display_name: string, 
/**
 * The CRM record the link says the call is about.
 */
regarding: Regarding | null, };

export type RingingCall = { call_id: number, from_user_id: number, caller_name: string, call_type: CallType, regarding: Regarding | null, };

export type MeetingPeerState = "away" | "connecting" | "connected";

export type MeetingPeer = { user_id: number, name: string, state: MeetingPeerState, 
/**
 * Their voice's level (0–1) in the last frame.
 */
level: number, 
/**
 * Over the last second, once connected.
 */
quality: CallQuality | null, };

export type MeetingView = { meeting_id: number, title: string, host_id: number, 
/**
 * The meeting's call, which "End for everyone" ends.
 */
call_id: number | null, muted: boolean, 
/**
 * My camera is on: everyone in the meeting sees my pictures.
 */
camera_on: boolean, 
/**
 * My microphone's level (0–1), after mute.
 */
my_level: number, 
/**
 * Everyone else invited, in the meeting's order, whether here or not.
 */
participants: Array<MeetingPeer>, 
/**
 * Set once this app is out of the meeting for a reason other than leaving (it
 * ended, was deleted, the audio failed), in words.
 */
ended: string | null, };

export type AppState = { phase: Phase, server_url: string | null, hosting: HostInfo | null, me: UserInfo | null, my_status: MyStatus | null, connection: ConnectionState | null, users: Array<DirectoryEntry>, active_call: CallSession | null, 
/**
 * A call this app holds while the user consults someone (an attended transfer).
 */
held_call: CallSession | null, media: MediaState | null, muted: boolean, missed_calls: number, settings: Settings, 
/**
 * An invite link opened (`switchboard://join?…`) and not used yet.
 */
invite: Invite | null, 
/**
 * A call link opened and waiting for the user to say Call or Cancel.
 */
link_call: LinkCall | null, 
/**
 * A call ringing here now (not yet in `active_call`, which holds only calls this
 * app placed or answered), so a window opened while it rings (the callbox, a
 * reloaded page) shows it.
 */
ringing: RingingCall | null, 
/**
 * The meeting this app is in.
 */
meeting: MeetingView | null, 
/**
 * Whether a camera is set up (one is plugged in, or [`crate::video::CAMERA_ENV`]
 * names a source): a video call starts by sending it, and the UI shows the camera
 * on only then.
 */
camera_set_up: boolean, };
