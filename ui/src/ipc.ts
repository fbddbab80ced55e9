// The only module that talks to the Tauri shell: the generated command functions
// (commands.ts, one per command of src-tauri/src/commands.rs), the `engine` events, and
// the loop that asks for a call's pictures.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { commands } from './commands';
import type { EngineEvent } from './types';

export const api = commands;

export function onEngine(handler: (ev: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>('engine', (e) => handler(e.payload));
}

/** After a refused request for a picture, how long until the next one. */
export const VIDEO_RETRY_MS = 1000;

/** Whether the loop of `pullVideo` is running (there is never more than one). */
let pulling = false;

/** What the pulls cost, since the page loaded: pictures taken, and the time requests that
 * brought one took in all (ms). The end-to-end test reads it (`window.videoPullStats`) to
 * say how fast pictures cross from the shell to the page. */
export const videoPullStats = { pictures: 0, ms: 0, requests: 0 };
(globalThis as { videoPullStats?: typeof videoPullStats }).videoPullStats = videoPullStats;

/** What `pullVideo` asks for pictures for, and where it gives their answers. */
export interface VideoPull {
  /** The call or meeting whose pictures are wanted (a key that names it, video.ts's
   * VideoKey), or null: none. */
  following(): string | null;
  /** A picture (one binary message, its layout: video.ts). */
  take(picture: ArrayBuffer): void;
  /** The shell answered a request (with a picture or without). */
  answered(): void;
  /** The shell refused a request: why. */
  refused(error: unknown): void;
}

/**
 * Native video: asks the shell for the pictures of the call or meeting `following()` names
 * (a voice call's too: either side may turn a camera on or share a screen in it; a
 * meeting's, whose members may each send theirs), one request at a time, for as long as it
 * names one (it is asked again after each answer), and gives each picture to `take`. The
 * shell answers `next_video_picture` with the newest picture not taken yet as soon as
 * there is one, or with an empty one after a second without: it keeps no queue, so a page
 * that draws slowly skips pictures and never falls behind the call.
 *
 * An answer asked for in one call (or meeting) and coming in another (or after it) is
 * dropped. After a refusal the loop asks again a second later, while the call lasts. Called
 * while the loop runs, it does nothing: that loop follows whichever call `following()`
 * names next.
 */
export async function pullVideo(pull: VideoPull): Promise<void> {
  if (pulling) return;
  pulling = true;
  try {
    for (let call = pull.following(); call !== null; call = pull.following()) {
      try {
        videoPullStats.requests += 1;
        const asked = performance.now();
        const picture = asBuffer(await api.nextVideoPicture());
        if (picture.byteLength > 0) {
          videoPullStats.pictures += 1;
          videoPullStats.ms += performance.now() - asked;
        }
        pull.answered();
        if (picture.byteLength > 0 && pull.following() === call) pull.take(picture);
      } catch (e) {
        pull.refused(e);
        await new Promise((done) => setTimeout(done, VIDEO_RETRY_MS));
      }
    }
  } finally {
    pulling = false;
  }
}

/** Raw bytes from a command as an ArrayBuffer: Tauri gives one over its custom-protocol
 * IPC, but an array of numbers when it has fallen back to postMessage (it does, for the
 * rest of the page's life, after one failed request). */
function asBuffer(answer: unknown): ArrayBuffer {
  if (answer instanceof ArrayBuffer) return answer;
  if (ArrayBuffer.isView(answer)) {
    return new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength).slice().buffer;
  }
  if (Array.isArray(answer)) return new Uint8Array(answer).buffer;
  return new ArrayBuffer(0);
}
