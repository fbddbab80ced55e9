// Generated from the Rust types by crates/app/tests/bindings.rs: do not edit.
// Regenerate: SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard-app --test bindings
import { invoke } from '@tauri-apps/api/core';
import type { AppState, CallOutcomes, CallSession, DeviceList, Invite, InviteCode, JoinRequest, NewCallLog, Page, PresenceStatus, ServerCheck, Settings, TeamInvite, UserInfo } from './bindings';

export const commands = {
  appState: () => invoke<AppState>('app_state'),
  addTeammate: (args: { fullName: string; username: string; email: string; password: string }) => invoke<UserInfo>('add_teammate', args),
  hostTeam: (args: { username: string; password: string; fullName: string; listen: string | null }) => invoke<AppState>('host_team', args),
  signIn: (args: { serverUrl: string; username: string; password: string; fingerprint: string | null }) => invoke<AppState>('sign_in', args),
  checkServer: (args: { serverUrl: string }) => invoke<ServerCheck>('check_server', args),
  openInvite: (args: { link: string }) => invoke<Invite>('open_invite', args),
  signOut: () => invoke<AppState>('sign_out'),
  signOutEverywhere: () => invoke<AppState>('sign_out_everywhere'),
  changePassword: (args: { currentPassword: string; newPassword: string }) => invoke<AppState>('change_password', args),
  joinTeam: (args: { join: JoinRequest }) => invoke<AppState>('join_team', args),
  createInvite: (args: { hours: number | null }) => invoke<TeamInvite>('create_invite', args),
  listInvites: () => invoke<InviteCode[]>('list_invites'),
  revokeInvite: (args: { id: number }) => invoke<InviteCode>('revoke_invite', args),
  setAccountActive: (args: { userId: number; active: boolean }) => invoke<UserInfo>('set_account_active', args),
  deleteAccount: (args: { userId: number }) => invoke<null>('delete_account', args),
  setStatus: (args: { status: PresenceStatus; message: string }) => invoke<null>('set_status', args),
  callUser: (args: { userId: number }) => invoke<CallSession>('call_user', args),
  confirmLinkCall: (args: { call: boolean; always: boolean }) => invoke<CallSession | null>('confirm_link_call', args),
  answerCall: (args: { callId: number }) => invoke<CallSession>('answer_call', args),
  rejectCall: (args: { callId: number }) => invoke<CallSession>('reject_call', args),
  declineCall: (args: { callId: number; message: string }) => invoke<CallSession>('decline_call', args),
  logCall: (args: { callId: number; log: NewCallLog }) => invoke<CallSession>('log_call', args),
  callOutcomes: () => invoke<CallOutcomes>('call_outcomes'),
  openRecordPage: (args: { url: string }) => invoke<null>('open_record_page', args),
  hangUp: () => invoke<null>('hang_up'),
  setMuted: (args: { muted: boolean }) => invoke<null>('set_muted', args),
  callHistory: (args: { page: number }) => invoke<Page<CallSession>>('call_history', args),
  listDevices: () => invoke<DeviceList>('list_devices'),
  saveSettings: (args: { settings: Settings }) => invoke<Settings>('save_settings', args),
};
