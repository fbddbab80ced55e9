// Tells the shell when a ringing call is on screen (after the frame that draws it), once
// per call: it logs the time since the invite arrived, the in-app part of the time to
// ring (docs/benchmarks.md).
import { api } from './ipc';

let reported: number | null = null;

export function ringShown(callId: number): void {
  if (reported === callId) return;
  reported = callId;
  // requestAnimationFrame runs before the paint; the timeout after it runs once the frame
  // is on screen.
  requestAnimationFrame(() =>
    setTimeout(() => {
      api.ringShown({ callId }).catch(() => {
        // Only a measurement: nothing for the user to do.
      });
    }, 0),
  );
}
