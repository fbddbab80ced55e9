// The only module that talks to the Tauri shell: the generated command functions
// (commands.ts, one per command of src-tauri/src/commands.rs) and the `engine` events.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { commands } from './commands';
import type { EngineEvent } from './types';

export const api = commands;

export function onEngine(handler: (ev: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>('engine', (e) => handler(e.payload));
}
