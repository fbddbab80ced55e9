// The only module that talks to the Tauri shell: one typed function per command of
// docs/desktop.md, and the `engine` event stream.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  AppState,
  CallSession,
  DeviceList,
  EngineEvent,
  HistoryPage,
  NewTeammate,
  Presence,
  Settings,
  UserSummary,
} from './types';

export const api = {
  appState: () => invoke<AppState>('app_state'),
  hostTeam: (a: { username: string; password: string; fullName: string; listen: string | null }) =>
    invoke<AppState>('host_team', a),
  signIn: (a: { serverUrl: string; username: string; password: string }) =>
    invoke<AppState>('sign_in', a),
  signOut: () => invoke<AppState>('sign_out'),
  setStatus: (status: Presence, message: string) => invoke<null>('set_status', { status, message }),
  callUser: (userId: number) => invoke<CallSession>('call_user', { userId }),
  answerCall: (callId: number) => invoke<CallSession>('answer_call', { callId }),
  rejectCall: (callId: number) => invoke<CallSession>('reject_call', { callId }),
  hangUp: () => invoke<null>('hang_up'),
  setMuted: (muted: boolean) => invoke<null>('set_muted', { muted }),
  callHistory: (page: number) => invoke<HistoryPage>('call_history', { page }),
  listDevices: () => invoke<DeviceList>('list_devices'),
  saveSettings: (settings: Settings) => invoke<Settings>('save_settings', { settings }),
  addTeammate: (a: NewTeammate) => invoke<UserSummary>('add_teammate', { ...a }),
};

export function onEngine(handler: (ev: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>('engine', (e) => handler(e.payload));
}
