// Entry point: load the state from the shell, listen to the engine, and keep the one
// screen that fits the phase (first run, sign in, signed in) up to date.
import { Actions } from './actions';
import { h, setText } from './dom';
import { initialState, Store, type UiState } from './state';
import { button } from './views/common';
import { firstRunView } from './views/firstRun';
import { incomingView } from './views/incoming';
import { mainView } from './views/mainView';
import { signInView } from './views/signIn';

type Phase = 'boot' | 'first_run' | 'sign_in' | 'signed_in';
interface Screen {
  phase: Phase;
  el: HTMLElement;
  update(s: UiState): void;
  focus(): void;
}

const store = new Store(initialState());
const actions = new Actions(store);
const root = document.getElementById('app') as HTMLElement;
const modalRoot = document.getElementById('modal-root') as HTMLElement;

function bootScreen(): Screen {
  const text = h('p', { class: 'lead', role: 'status', text: 'Starting Switchboard…' });
  const alert = h('div', { class: 'alert', role: 'alert' });
  const retry = button('Try again', { cls: 'primary', onclick: () => void actions.boot() });
  const el = h('main', { class: 'welcome' }, h('div', { class: 'card welcome-card' }, h('h1', { text: 'Switchboard' }), text, alert, retry));
  return {
    phase: 'boot',
    el,
    focus() {},
    update(s) {
      setText(alert, s.errors.boot ?? '');
      retry.hidden = !s.errors.boot;
    },
  };
}

let main: ReturnType<typeof mainView> | null = null;

function makeScreen(phase: Phase): Screen {
  main = null;
  switch (phase) {
    case 'first_run':
      return { phase, ...firstRunView(actions) };
    case 'sign_in':
      return { phase, ...signInView(actions) };
    case 'signed_in':
      main = mainView(actions, store);
      return { phase, el: main.el, update: main.update, focus: main.focus };
    default:
      return bootScreen();
  }
}

let restoreFocus: HTMLElement | null = null;
const incoming = incomingView(actions, (open) => {
  root.inert = open;
  if (open) {
    restoreFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  } else {
    // After answering, go to the call's controls; otherwise back where the user was.
    const s = store.get();
    if (s.app?.active_call?.status === 'active' || s.outcome) main?.callPanel.focusMain();
    else if (restoreFocus?.isConnected) restoreFocus.focus();
    restoreFocus = null;
  }
});
modalRoot.append(incoming.el);

let screen: Screen | null = null;
function render(s: UiState, prev: UiState | null): void {
  const phase: Phase = s.app?.phase ?? 'boot';
  if (!screen || screen.phase !== phase) {
    screen = makeScreen(phase);
    root.replaceChildren(screen.el);
    screen.update(s);
    screen.focus();
  } else {
    screen.update(s);
  }
  incoming.update(s);
  if (prev) followCallFocus(s, prev);
}

/** Keep keyboard focus on the call card when a call starts or ends under it. */
function followCallFocus(s: UiState, prev: UiState): void {
  const call = s.app?.active_call ?? null;
  const before = prev.app?.active_call ?? null;
  if (s.incoming || !main) return;
  const focusLost = document.activeElement === document.body || document.activeElement === null;
  const startedByMe = call && !before && call.initiator === s.app?.me?.id;
  const ended = !call && before;
  if (startedByMe || (ended && focusLost) || (call && focusLost)) main.callPanel.focusMain();
}

store.subscribe((s, prev) => render(s, prev));

// While History is open, new calls and new missed calls show up without a click.
store.subscribe((s, prev) => {
  if (s.app?.phase !== 'signed_in' || s.tab !== 'history' || s.history.loading) return;
  const newlyStale = s.history.stale && !prev.history.stale;
  const newlyMissed = s.app.missed_calls > (prev.app?.missed_calls ?? 0);
  if (newlyStale || newlyMissed) void actions.loadHistory(s.history.page);
});
render(store.get(), null);

// The running call timer.
setInterval(() => {
  const s = store.get();
  if (s.app?.active_call?.status === 'active') screen?.update(s);
}, 1000);

void actions.boot();
