// Entry point: load the state from the shell, listen to the engine, and show the one
// screen that fits the phase (first run, sign in, signed in). Each screen keeps itself up
// to date through the store's watches, which end when the screen is replaced.
import { accountKey, Actions } from './actions';
import { h, setText } from './dom';
import { videoKey } from './reduce';
import { ringShown } from './ringShown';
import { initialState, MOVE_WAIT_MS, Store, type Scope, type Watch } from './state';
import { button } from './views/common';
import { firstRunView } from './views/firstRun';
import { incomingView } from './views/incoming';
import { invitationView } from './views/invitation';
import { linkCallView } from './views/linkCall';
import { mainView } from './views/mainView';
import { signInView } from './views/signIn';

type Phase = 'boot' | 'first_run' | 'sign_in' | 'signed_in';
interface Screen {
  phase: Phase;
  el: HTMLElement;
  focus(): void;
}

const store = new Store(initialState());
const actions = new Actions(store);
const root = document.getElementById('app') as HTMLElement;
const modalRoot = document.getElementById('modal-root') as HTMLElement;

function bootScreen(watch: Watch): Screen {
  const text = h('p', { class: 'lead', role: 'status', text: 'Starting Switchboard…' });
  const alert = h('div', { class: 'alert', role: 'alert' });
  const retry = button('Try again', { cls: 'primary', onclick: () => void actions.boot() });
  const el = h('main', { class: 'welcome' }, h('div', { class: 'card welcome-card' }, h('h1', { text: 'Switchboard' }), text, alert, retry));
  watch(
    (s) => s.errors.boot ?? '',
    (error) => {
      setText(alert, error);
      retry.hidden = !error;
    },
  );
  return { phase: 'boot', el, focus() {} };
}

let main: ReturnType<typeof mainView> | null = null;

function makeScreen(phase: Phase, watch: Watch): Screen {
  main = null;
  switch (phase) {
    case 'first_run':
      return { phase, ...firstRunView(actions, watch) };
    case 'sign_in':
      return { phase, ...signInView(actions, watch) };
    case 'signed_in':
      main = mainView(actions, store, watch);
      return { phase, el: main.el, focus: main.focus };
    default:
      return bootScreen(watch);
  }
}

// The dialogs: an incoming call, being added to a colleague's call, and a call link asking
// before it dials. While one is open the window behind is inert; an incoming call goes over
// a call link's question (the question waits, inert, and takes focus back when the call is
// answered or declined).
const open = { incoming: false, link: false, invitation: false };
let restoreFocus: HTMLElement | null = null;

/** One dialog opens or closes: remember where the user was when the first one opens. */
function layer(which: keyof typeof open, isOpen: boolean): void {
  if (isOpen && !open.incoming && !open.link && !open.invitation) {
    restoreFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }
  open[which] = isOpen;
  root.inert = open.incoming || open.link || open.invitation;
  linkCall.el.inert = open.incoming;
}

/** Both dialogs closed: to the call's controls after a call began or ended (answered, or
 * placed from a call link), otherwise back where the user was. */
function afterDialogs(toCall: boolean): void {
  if (toCall) main?.callPanel.focusMain();
  else if (restoreFocus?.isConnected) restoreFocus.focus();
  restoreFocus = null;
}

const incoming = incomingView(actions, (isOpen) => {
  layer('incoming', isOpen);
  if (isOpen) {
    const ringing = store.get().incoming;
    if (ringing) ringShown(ringing.callId);
    return;
  }
  if (open.link) return linkCall.focus();
  const s = store.get();
  afterDialogs(s.app?.active_call?.status === 'active' || !!s.outcome);
});
const linkCall = linkCallView(actions, (isOpen) => {
  layer('link', isOpen);
  if (isOpen || open.incoming) return;
  const s = store.get();
  afterDialogs(!!s.app?.active_call && s.app.active_call.initiator === s.app.me?.id);
});
// Added to a call: joined, the meeting card takes focus (views/meetingPanel.ts); declined,
// back where the user was.
const invitation = invitationView(actions, (isOpen) => {
  layer('invitation', isOpen);
  if (!isOpen && !open.incoming && !open.link && !store.get().app?.meeting) afterDialogs(false);
});
// The incoming call after the others, so that it paints over them.
modalRoot.append(linkCall.el, invitation.el, incoming.el);

let screen: Scope | null = null;
store.watch(
  (s): Phase => s.app?.phase ?? 'boot',
  (phase) => {
    screen?.end();
    screen = store.scope();
    const shown = makeScreen(phase, screen.watch);
    root.replaceChildren(shown.el);
    shown.focus();
    // Watched after the screen's own views, so that they see what the screen has drawn.
    linkCall.attach(screen.watch);
    invitation.attach(screen.watch);
    incoming.attach(screen.watch);
    followCallFocus(screen.watch);
  },
);

/** Keep keyboard focus on the call card when a call starts or ends under it, or when the
 * button that had it went away in a call ("Cancel" once answered, "End call" while busy). */
function followCallFocus(watch: Watch): void {
  watch(
    (s) => ({
      call: s.app?.active_call ?? null,
      held: s.app?.held_call ?? null,
      meId: s.app?.me?.id ?? null,
      incoming: s.incoming,
      pending: s.pending,
    }),
    ({ call, held, meId, incoming: ringing }, prev) => {
      // A dialog open over the window hands focus back itself when it closes.
      if (!prev || ringing || open.link || !main) return;
      const before = prev.call;
      // Lost: on nothing, or on a call card button that went away with what it did (Cancel
      // once answered, "Transfer to …" once done; the page has not moved focus off it yet).
      const at = document.activeElement;
      const gone = at instanceof HTMLElement && !!at.closest('.call-card') && at.offsetParent === null;
      const focusLost = at === document.body || at === null || gone;
      const startedByMe = call && !before && call.initiator === meId;
      // (Or the call I held while consulting someone, once nothing else was left.)
      const ended = !call && (before || (prev.held && !held));
      if (startedByMe || (ended && focusLost) || (call && focusLost)) main.callPanel.focusMain();
    },
  );
}

// While History is open, new calls and new missed calls show up without a click.
store.watch(
  (s) => ({
    open: s.app?.phase === 'signed_in' && s.tab === 'history' && !s.history.loading,
    stale: s.history.stale,
    missed: s.app?.missed_calls ?? 0,
  }),
  ({ open, stale, missed }, prev) => {
    if (!open || !prev) return;
    if ((stale && !prev.stale) || missed > prev.missed) void actions.loadHistory(store.get().history.page);
  },
);

// Signed in (or as someone else, or to another server): my call-backs, notes and
// camp-ons, and the team's outcomes, which also tell whether this server has these
// features at all. Call-backs again when a call becomes active or ends: a call that
// connects completes the call-back it returns.
store.watch(
  (s) => ({ account: accountKey(s), talking: s.app?.active_call?.status === 'active' }),
  ({ account, talking }, prev) => {
    if (!account || !prev) return;
    if (account !== prev.account) {
      void actions.loadCallbacks();
      void actions.loadOutcomes();
      void actions.loadNotes();
      void actions.loadCampOns();
    } else if (talking !== prev.talking) void actions.loadCallbacks();
  },
);

// A call that grew into a meeting waits for the meeting's view, from when it ended (or,
// while it is still on, from add_to_call's answer); without one, it ends on screen as any
// call does, saying where it went.
let moveTimer: ReturnType<typeof setTimeout> | undefined;
store.watch(
  (s) => (s.moving ? `${s.moving.callId}:${s.moving.endedAt ?? 'on'}` : null),
  (key) => {
    clearTimeout(moveTimer);
    const callId = store.get().moving?.callId;
    if (key !== null && callId != null) moveTimer = setTimeout(() => actions.meetingDidNotCome(callId), MOVE_WAIT_MS);
  },
);

// The running call timer, and how long until call-backs are due: only their text changes.
setInterval(() => {
  main?.callPanel.tick();
  main?.tick();
}, 1000);

// Native video: pictures are asked for during the call in progress, a voice call too (either
// side may turn a camera on or share a screen in it; a request the shell answers after a
// second without a picture costs next to nothing), and while in a meeting (its members'
// and my preview); when it ends (or another begins, or the meeting is left), the canvases
// clear and wait for the next one's first pictures. Only here: the callbox shows no video.
store.watch(videoKey, (key) => actions.followVideo(key));

void actions.boot();
