// The callbox page (callbox.html): the shell shows it in a small always-on-top window in
// the screen's corner when a call rings while the main window is not in front. It keeps
// the same state as the main window (the shell's AppState and its `engine` events, through
// the same store and reducer) and shows only the call ringing. Answered here, the main
// window comes to the front; once nothing rings here any more (answered, rejected,
// cancelled, missed, answered on another device) the callbox closes itself. The shell
// builds it hidden ahead of the first call and only hides it on close, so a ring has only
// to show it: after a close the page starts afresh and waits, hidden, for the next ring.
import { Actions } from './actions';
import { api } from './ipc';
import { initialState, Store, type Incoming } from './state';
import { callboxView } from './views/callbox';
import { ringShown } from './ringShown';

/** Opened with nothing ringing yet: how long the ring has to arrive before it closes. */
const WAIT_FOR_RING_MS = 2000;

const store = new Store(initialState());
// The callbox does not keep call-backs, notes or camp-ons: the main window does.
const actions = new Actions(store, false);

/** The call on screen: the one ringing, or the one last shown while it is being answered
 * or rejected, or when a problem with it is left to read. */
let shown: Incoming | null = null;
let busy: 'answer' | 'reject' | null = null;
/** The sentence of a command that failed. */
let problem = '';
/** The problem came with the end of the call (a call-back not added after declining):
 * it stays until Close. Any other goes with the call. */
let problemOutlives = false;
let closing = false;
/** Hidden (built ahead, or closed), waiting for the next ring: no timer to close again. */
let idle = document.visibilityState === 'hidden';
let waiting: ReturnType<typeof setTimeout> | null = null;

const view = callboxView({ accept, reject, decline, close });
(document.getElementById('app') as HTMLElement).replaceChildren(view.el);

function draw(): void {
  const ringing = store.get().incoming;
  view.draw({ call: ringing ?? shown, ringing: !!ringing, busy, problem });
  if (ringing) ringShown(ringing.callId);
  const name = (ringing ?? shown)?.callerName;
  document.title = name ? `${name} is calling — Switchboard` : 'Incoming call — Switchboard';
}

/** Draw, and close when nothing rings here any more. */
function settle(): void {
  const s = store.get();
  if (s.incoming) {
    idle = false;
    if (!busy && s.incoming.callId !== shown?.callId) {
      // Another call than the one a sentence was about.
      problem = '';
      problemOutlives = false;
    }
    shown = s.incoming;
    if (waiting) clearTimeout(waiting);
    waiting = null;
  } else if (shown && !busy && !problemOutlives) {
    problem = '';
  }
  draw();
  if (busy || closing || s.incoming) return;
  // Not loaded yet.
  if (!s.app && !s.errors.boot) return;
  if (problem && problemOutlives) return;
  if (shown) return close();
  if (idle) return;
  // The shell opens the callbox as the call rings: the ring is in the state, or on its way.
  waiting ??= setTimeout(() => {
    if (!store.get().incoming) close();
  }, WAIT_FOR_RING_MS);
}

function close(): void {
  if (closing) return;
  closing = true;
  if (waiting) clearTimeout(waiting);
  waiting = null;
  api.closeCallbox().then(
    () => {
      // Hidden, kept for the next call: nothing of this one stays on it (and a call that
      // rang meanwhile is drawn).
      shown = null;
      problem = '';
      problemOutlives = false;
      idle = true;
      closing = false;
      settle();
    },
    () => {
      // The shell also closes it once the call stops ringing.
      closing = false;
    },
  );
}

async function act(kind: 'answer' | 'reject', run: () => Promise<boolean>, area: 'incoming' | 'global'): Promise<void> {
  if (busy || closing) return;
  busy = kind;
  problem = '';
  problemOutlives = false;
  actions.say(area, null);
  draw();
  try {
    const ok = await run();
    // A failure, or a call-back not added after declining.
    problem = store.get().errors[area] ?? (ok ? '' : 'Something went wrong. Please try again.');
  } finally {
    busy = null;
  }
  problemOutlives = !!problem && !store.get().incoming;
  settle();
}

function accept(callId: number): void {
  void act(
    'answer',
    async () => {
      if (!(await actions.answer(callId))) return false;
      try {
        await api.showMainWindow();
      } catch {
        // Answered all the same; the tray opens the window.
      }
      return true;
    },
    'incoming',
  );
}

function reject(callId: number): void {
  void act('reject', () => actions.reject(callId, false), 'global');
}

function decline(callId: number, message: string, callBackIn?: number): void {
  void act('reject', () => actions.decline(callId, message, callBackIn, false), 'global');
}

store.watch((s) => ({ incoming: s.incoming, loaded: !!s.app || !!s.errors.boot }), settle);

// WebKit does not run a hidden page's event handlers until it is shown (the engine's
// events wait), so on being shown the page asks the shell for the state, which has the
// call ringing now.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') {
    // Hidden by the shell (the call stopped ringing here): nothing is left to close, and
    // what was on it is not for the next call.
    if (waiting) clearTimeout(waiting);
    waiting = null;
    if (!busy) {
      shown = null;
      problem = '';
      problemOutlives = false;
    }
    idle = true;
    return;
  }
  idle = false;
  void actions.reload();
  settle();
});

void actions.boot();
