// What the user can do: each action runs one command, puts its answer into the store,
// and shows a rejected command's sentence in the error area next to that action.
import { isFreeNow, sortNotes, withNote } from './busyLamp';
import { logTitle, otherParty } from './calls';
import { isMissingRoute, type Feature } from './features';
import { displayName, errorText, isHttps, looksLikeInvite, normalizeServerUrl, plainText } from './format';
import { api, onEngine, pullVideo } from './ipc';
import { joining, withListedMeeting, withoutListedMeeting } from './meetings';
import {
  addedToCall,
  applyCall,
  applyEvent,
  backFromConsult,
  changedCallback,
  consulting,
  endLocally,
  inviteFor,
  joinedUp,
  joinRefused,
  joinStarts,
  meetingDidNotCome,
  transferredAway,
  videoSending,
  withAppState,
  withCallbacks,
  withMeetingView,
  withoutCallback,
} from './reduce';
import type { ErrorArea, Store, Tab, UiState } from './state';
import type {
  Callback,
  CallSession,
  CampOn,
  EngineEvent,
  Invite,
  Meeting,
  NewCallback,
  NewCallLog,
  NewMeeting,
  NewTeammate,
  NewWebhook,
  Presence,
  Settings,
  VideoSend,
  Webhook,
} from './types';
import { VideoFeeds, type VideoKey } from './video';

type Result<T> = { ok: true; value: T } | { ok: false };

/** The forms that sign in: "Connect to a server" (first run) and "Sign in". */
export type ConnectArea = 'first_run' | 'sign_in';
/** …and the one that makes an account with an invite code ("Create your account"). */
export type FormArea = ConnectArea | 'join';

export interface Credentials {
  serverUrl: string;
  username: string;
  password: string;
}

/** What "Create your account" asks for. With an invite opened from a link, `serverUrl`
 * and `code` are the invite's; typed by hand, they are what was typed. */
export interface JoinFields {
  serverUrl: string;
  code: string;
  fullName: string;
  username: string;
  email: string;
  password: string;
}

/** Where a call-back's buttons are: the Call-backs list, or the banner saying one is due. */
export type CallbackArea = 'callbacks' | 'callback_due';

/** Who is signed in where, or null: call-backs and features belong to one account. */
export function accountKey(s: UiState): string | null {
  const app = s.app;
  return app?.phase === 'signed_in' && app.me ? `${app.me.id}@${app.server_url ?? ''}` : null;
}

/** The shortest password the server takes (Django's default validators). */
export const MIN_PASSWORD = 8;

/** What is wrong with a new password and its confirmation, in a sentence; null when fine. */
export function passwordProblem(password: string, confirm: string): string | null {
  if (password.length < MIN_PASSWORD) return `The password needs at least ${MIN_PASSWORD} characters.`;
  if (password !== confirm) return 'The two passwords do not match. Type the same password in both fields.';
  return null;
}

export class Actions {
  /** `lists`: whether this page keeps my call-backs, notes and camp-ons (the main window
   * does; the callbox, which only rings a call, does not ask the server for them). */
  constructor(
    private store: Store,
    private lists = true,
  ) {}

  /** Run a command; a refusal is said in `area`, unless it says the server has no route
   * for `feature` (a seeds-style backend): the feature is then hidden, and nothing said. */
  private async run<T>(area: ErrorArea, key: string, f: () => Promise<T>, feature?: Feature): Promise<Result<T>> {
    this.store.setError(area, null);
    this.store.setPending(key, true);
    try {
      return { ok: true, value: await f() };
    } catch (e) {
      if (feature && isMissingRoute(e)) this.missing(feature);
      else this.store.setError(area, errorText(e));
      return { ok: false };
    } finally {
      this.store.setPending(key, false);
    }
  }

  /** This server has no routes for `feature`: what needs them goes from the screen. */
  private missing(feature: Feature): void {
    this.store.update((s) => {
      const away = (tab: Tab): Tab => (s.tab === tab ? 'people' : s.tab);
      const gone: Record<Feature, Partial<UiState>> = {
        callbacks: { callbacks: null, callbackDue: null, tab: away('callbacks') },
        call_outcomes: { afterCall: null, outcomes: null },
        notes: { notes: null, noteBanner: null, tab: away('notes') },
        camp_ons: { campOns: null, freeNow: [] },
        webhooks: { webhooks: null, deliveries: {} },
      };
      return { ...s, missing: { ...s.missing, [feature]: true }, ...gone[feature] };
    });
  }

  /** The call's or meeting's pictures (native video), drawn on the call card's canvases or
   * the meeting card's tiles; the store hears only when a feed's first picture is on
   * screen, when its pictures stop or come again, or when they clear. */
  readonly video = new VideoFeeds((pictures) => this.store.set({ pictures }));

  /** Native video: the call in progress or the meeting this app is in (`videoKey`), or
   * null. During one (a voice call too: either side may turn video on; a meeting, whose
   * members may each send theirs), the main window asks the shell for its pictures, one
   * after the other (ipc.ts, `pullVideo`); the callbox never does. A refusal is said on the
   * call card instead of "Waiting for …’s video" (on the meeting card, over its pictures),
   * until a later request is answered. */
  followVideo(key: VideoKey | null): void {
    this.video.follow(key);
    if (key === null) return;
    void pullVideo({
      following: () => this.video.following,
      take: (picture) => this.video.push(picture),
      answered: () => this.setVideoProblem(null),
      refused: (e) => this.setVideoProblem(errorText(e)),
    });
  }

  private setVideoProblem(videoProblem: string | null): void {
    if (this.store.get().videoProblem !== videoProblem) this.store.set({ videoProblem });
  }

  private listening = false;
  /** Events that arrive while the state is being loaded, applied after it: a state read
   * before an event must not undo it. `null`: no load under way. */
  private held: EngineEvent[] | null = [];
  /** State loads under way. */
  private reloading = 0;

  private apply(ev: EngineEvent): void {
    const account = accountKey(this.store.get());
    const meetingBefore = this.store.get().app?.meeting?.meeting_id ?? null;
    this.store.update((s) => applyEvent(s, ev, Date.now()));
    // A meeting scheduled, started, ended, deleted, joined (from the notification, say) or
    // left: the list again.
    const meetingAfter = this.store.get().app?.meeting?.meeting_id ?? null;
    const listChanged = ['meeting_scheduled', 'meeting_started', 'meeting_ended', 'meeting_deleted'].includes(ev.type);
    if (listChanged || meetingAfter !== meetingBefore) this.refreshMeetings();
    // The shell's new state, or a call-back due: the list again (a new sign-in loads it
    // through main.ts's watch).
    const same = account !== null && accountKey(this.store.get()) === account;
    if (!this.lists) return;
    if (ev.type === 'callback_due' || (ev.type === 'app_state' && same)) void this.loadCallbacks();
    // Notes and camp-ons may have come and gone while the shell was reconnecting.
    if (ev.type === 'app_state' && same) {
      void this.loadNotes();
      void this.loadCampOns();
      this.refreshMeetings();
    }
  }

  /** Listen first (buffering), then load the state, so no event is lost in between.
   * Also the boot screen's "Try again". */
  async boot(): Promise<void> {
    if (this.listening) return this.reload();
    const listened = await this.run('boot', 'boot', () =>
      onEngine((ev) => (this.held ? this.held.push(ev) : this.apply(ev))),
    );
    if (!listened.ok) return;
    this.listening = true;
    await this.reload();
  }

  /** The shell's state again; events that arrive meanwhile are applied after it. */
  async reload(): Promise<void> {
    this.held ??= [];
    this.reloading++;
    try {
      const r = await this.run('boot', 'boot', api.appState);
      if (r.ok) this.store.update((s) => withAppState(s, r.value, Date.now()));
    } finally {
      this.reloading--;
      if (this.reloading === 0) {
        const held = this.held ?? [];
        this.held = null;
        held.forEach((ev) => this.apply(ev));
      }
    }
  }

  async hostTeam(a: { fullName: string; username: string; password: string; listen: string }): Promise<void> {
    const r = await this.run('first_run', 'host_team', () =>
      api.hostTeam({ ...a, listen: a.listen.trim() || null }),
    );
    if (r.ok) this.store.update((s) => ({ ...withAppState(s, r.value, Date.now()), hostNoticeDismissed: false }));
  }

  /** An invite link typed or pasted into the server address: the shell reads it (and sets
   * `AppState.invite`, as an invite opened from outside does); the form fills itself from
   * it. Null, with the shell's sentence in the form, when it is not one. */
  async openInvite(area: FormArea, link: string): Promise<Invite | null> {
    this.store.set({ certificate: null });
    const r = await this.run(area, 'open_invite', () => api.openInvite({ link: link.trim() }));
    if (!r.ok) return null;
    const invite = r.value;
    this.store.update((s) => (s.app ? { ...s, app: { ...s.app, invite } } : s));
    return invite;
  }

  /**
   * The Connect screen's "Hosts on this network": the shell listens for team hosts'
   * announcements (mDNS) for about two seconds. One search at a time; a refusal (the
   * network cannot be searched) is said in the section, and the list goes with it.
   * Nothing is trusted from an answer: anyone on the network can announce a host, so a
   * host chosen fills the address only, and its certificate is checked as a typed one's.
   */
  async findHosts(): Promise<void> {
    if (this.store.get().pending.find_hosts) return;
    const r = await this.run('find_hosts', 'find_hosts', api.findHosts);
    this.store.set({ foundHosts: r.ok ? r.value : null });
  }

  /**
   * The sign-in form's submit. With an invite for that server, its certificate is pinned.
   * Otherwise an https server's certificate is checked first: one this computer trusts
   * (pinned before, or an authority's) signs in; one nobody vouches for is shown to the
   * user to compare (`certificate`, answered by `trustCertificate` or dismissed); one
   * other than the certificate trusted before is refused. Plain http signs in as it is.
   */
  async connect(area: ConnectArea, a: Credentials): Promise<void> {
    this.store.set({ certificate: null });
    let serverUrl = normalizeServerUrl(a.serverUrl);
    if (looksLikeInvite(a.serverUrl)) {
      const invite = await this.openInvite(area, a.serverUrl);
      // With a code, the link is for making an account: "Create your account" takes over.
      if (!invite || invite.code) return;
      serverUrl = invite.server;
    }
    return this.withCertificate(area, serverUrl, (url, fingerprint) => this.signIn(area, { ...a, serverUrl: url }, fingerprint));
  }

  /**
   * Go on to `then` with the certificate to pin for `serverUrl`: an invite's for that
   * server; none (null) for plain http, or for a certificate this computer already trusts.
   * One nobody vouches for is asked about first (`certificate`, in the form of `area`),
   * and one other than the certificate trusted before is refused there.
   */
  private async withCertificate(
    area: FormArea,
    serverUrl: string,
    then: (serverUrl: string, fingerprint: string | null) => Promise<void>,
  ): Promise<void> {
    const invite = inviteFor(this.store.get(), serverUrl);
    if (invite) return then(serverUrl, invite.fingerprint);
    if (!isHttps(serverUrl)) return then(serverUrl, null);

    const r = await this.run(area, 'check_server', () => api.checkServer({ serverUrl }));
    if (!r.ok) return;
    const { server_url, certificate } = r.value;
    const trust = certificate?.trust.kind;
    if (!certificate || trust === 'pinned' || trust === 'authority') return then(server_url, null);
    this.store.set({ certificate: { area, serverUrl: server_url, check: certificate } });
  }

  /** "Trust and sign in": the user compared the fingerprint; it is pinned. */
  async trustCertificate(a: { username: string; password: string }): Promise<void> {
    const q = this.store.get().certificate;
    if (!q || q.area === 'join' || q.check.trust.kind !== 'unknown') return;
    await this.signIn(q.area, { ...a, serverUrl: q.serverUrl }, q.check.fingerprint);
  }

  /** `fingerprint`: the certificate to pin; null: the one pinned before, or an authority's. */
  async signIn(area: ConnectArea, a: Credentials, fingerprint: string | null): Promise<void> {
    const r = await this.run(area, 'sign_in', () =>
      api.signIn({ ...a, serverUrl: normalizeServerUrl(a.serverUrl), fingerprint }),
    );
    this.store.set({ certificate: null });
    if (r.ok) this.store.update((s) => withAppState(s, r.value, Date.now()));
  }

  /**
   * "Create your account" with an invite code. From an invite link (`AppState.invite` with
   * its code) the server and its certificate are the link's. Typed by hand, the server's
   * certificate is checked as for signing in; an invite link pasted into the address is
   * read first (and brings its code when none was typed).
   */
  async join(a: JoinFields): Promise<void> {
    this.store.set({ certificate: null });
    let serverUrl = normalizeServerUrl(a.serverUrl);
    let code = a.code.trim();
    if (looksLikeInvite(a.serverUrl)) {
      const invite = await this.openInvite('join', a.serverUrl);
      if (!invite) return;
      serverUrl = invite.server;
      code = code || (invite.code ?? '');
    }
    return this.withCertificate('join', serverUrl, (url, fingerprint) => this.joinTeam({ ...a, serverUrl: url, code }, fingerprint));
  }

  /** "Trust and create account": the user compared the fingerprint; it is pinned. */
  async trustCertificateToJoin(a: JoinFields): Promise<void> {
    const q = this.store.get().certificate;
    if (!q || q.area !== 'join' || q.check.trust.kind !== 'unknown') return;
    await this.joinTeam({ ...a, serverUrl: q.serverUrl, code: a.code.trim() }, q.check.fingerprint);
  }

  private async joinTeam(a: JoinFields, fingerprint: string | null): Promise<void> {
    const r = await this.run('join', 'join_team', () =>
      api.joinTeam({
        join: {
          server_url: normalizeServerUrl(a.serverUrl),
          fingerprint,
          code: a.code.trim(),
          username: a.username.trim(),
          full_name: a.fullName.trim(),
          email: a.email.trim(),
          password: a.password,
        },
      }),
    );
    this.store.set({ certificate: null });
    if (r.ok) this.store.update((s) => withAppState(s, r.value, Date.now()));
  }

  /** A form's own check failed (passwords that differ): said where the shell's errors are. */
  say(area: ErrorArea, message: string | null): void {
    this.store.setError(area, message);
  }

  /** Settings → Account. True when the password changed (the form then clears). */
  async changePassword(currentPassword: string, newPassword: string): Promise<boolean> {
    this.store.set({ accountNotice: null });
    const r = await this.run('account', 'change_password', () => api.changePassword({ currentPassword, newPassword }));
    if (r.ok) {
      this.store.update((s) => ({
        ...withAppState(s, r.value, Date.now()),
        accountNotice: 'Password changed. Your other devices were signed out.',
      }));
    }
    return r.ok;
  }

  /** Every session of this account ends, this one too: back to signing in. */
  async signOutEverywhere(): Promise<void> {
    const r = await this.run('everywhere', 'sign_out_everywhere', api.signOutEverywhere);
    if (r.ok) this.store.update((s) => withAppState(s, r.value, Date.now()));
  }

  /** Admins: a one-time invite code valid for `hours`; its code is shown until "Done". */
  async createInvite(hours: number): Promise<boolean> {
    this.store.set({ createdInvite: null });
    const r = await this.run('invites', 'create_invite', () => api.createInvite({ hours }));
    if (r.ok) {
      const created = r.value;
      this.store.update((s) => ({
        ...s,
        createdInvite: created,
        invites: [created.invite, ...(s.invites ?? []).filter((i) => i.id !== created.invite.id)],
      }));
    }
    return r.ok;
  }

  forgetCreatedInvite(): void {
    this.store.set({ createdInvite: null });
  }

  async loadInvites(): Promise<void> {
    const r = await this.run('invite_list', 'list_invites', api.listInvites);
    if (r.ok) this.store.set({ invites: r.value });
  }

  /** "Withdraw": the code no longer works. */
  async revokeInvite(id: number): Promise<boolean> {
    const r = await this.run('invite_list', `revoke_invite:${id}`, () => api.revokeInvite({ id }));
    if (r.ok) {
      const revoked = r.value;
      this.store.update((s) => ({
        ...s,
        invites: (s.invites ?? []).map((i) => (i.id === revoked.id ? revoked : i)),
        createdInvite: s.createdInvite?.invite.id === revoked.id ? null : s.createdInvite,
      }));
    }
    return r.ok;
  }

  /** Admins: disable (or enable again) a teammate's account. The shell also pushes the new
   * state; the directory shows the change at once. */
  async setAccountActive(userId: number, active: boolean): Promise<boolean> {
    const r = await this.run('team', `account:${userId}`, () => api.setAccountActive({ userId, active }));
    if (r.ok) {
      const isActive = r.value.is_active;
      this.store.update((s) =>
        s.app ? { ...s, app: { ...s.app, users: s.app.users.map((u) => (u.id === userId ? { ...u, is_active: isActive } : u)) } } : s,
      );
    }
    return r.ok;
  }

  /** Admins: delete a teammate's account (their calls stay in the history). */
  async deleteAccount(userId: number): Promise<boolean> {
    const r = await this.run('team', `account:${userId}`, () => api.deleteAccount({ userId }));
    if (r.ok) {
      this.store.update((s) => (s.app ? { ...s, app: { ...s.app, users: s.app.users.filter((u) => u.id !== userId) } } : s));
    }
    return r.ok;
  }

  async signOut(): Promise<void> {
    const r = await this.run('settings', 'sign_out', api.signOut);
    if (r.ok) this.store.update((s) => withAppState(s, r.value, Date.now()));
  }

  async setStatus(status: Presence, message: string): Promise<void> {
    const r = await this.run('status', 'set_status', () => api.setStatus({ status, message }));
    if (r.ok) {
      this.store.update((s) => (s.app ? { ...s, app: { ...s.app, my_status: { status, message } } } : s));
    }
  }

  /** Call someone: from People, a note's "Call back", or the banner saying they are free.
   * `video`: a video call (People's "Video call"), with pictures both ways. */
  async callUser(userId: number, area: ErrorArea = 'people', video = false): Promise<boolean> {
    const r = await this.run(area, `call:${userId}`, () => api.callUser({ userId, video }));
    if (r.ok) this.store.update((s) => applyCall(s, r.value, Date.now()));
    return r.ok;
  }

  /**
   * The answer to a call link (`AppState.link_call`): Call (with `always`, call links call
   * at once from now on) or Cancel. The shell takes the question whatever happens next;
   * its state is then taken again (the call placed, the setting saved). A failure is said
   * in the dialog while it is still open, else in the main window.
   */
  async confirmLinkCall(call: boolean, always: boolean): Promise<void> {
    const r = await this.run('link_call', 'confirm_link_call', () => api.confirmLinkCall({ call, always: call && always }));
    const withoutQuestion = (s: UiState): UiState => (s.app?.link_call ? { ...s, app: { ...s.app, link_call: null } } : s);
    if (r.ok) {
      const placed = r.value;
      this.store.update((s) => (placed ? applyCall(withoutQuestion(s), placed, Date.now()) : withoutQuestion(s)));
    }
    try {
      const app = await api.appState();
      this.store.update((s) => withAppState(s, app, Date.now()));
    } catch {
      // The shell's next state brings the rest; until then, what it surely did.
      this.store.update((s) => {
        const next = withoutQuestion(s);
        if (!r.ok || !call || !always || !next.app) return next;
        return { ...next, app: { ...next.app, settings: { ...next.app.settings, call_links_without_asking: true } } };
      });
    }
    const error = this.store.get().errors.link_call;
    if (error && !this.store.get().app?.link_call) {
      this.store.setError('link_call', null);
      this.store.setError('global', error);
    }
  }

  /** True when answered. */
  async answer(callId: number): Promise<boolean> {
    const r = await this.run('incoming', 'answer', () => api.answerCall({ callId }));
    if (r.ok) this.store.update((s) => applyCall(s, r.value, Date.now()));
    return r.ok;
  }

  /** True when rejected. The ring goes from the screen at once (`atOnce`, the modal), or
   * once the shell has rejected it (the callbox, which closes with it). A failure is said
   * in 'global'. */
  async reject(callId: number, atOnce = true): Promise<boolean> {
    if (atOnce) this.store.update((s) => (s.incoming?.callId === callId ? { ...s, incoming: null } : s));
    const r = await this.run('global', 'reject', () => api.rejectCall({ callId }));
    if (r.ok) this.store.update((s) => applyCall(s, r.value, Date.now()));
    return r.ok;
  }

  /** Decline with a message the caller sees ("In a meeting — I'll call you back…"); with
   * `callBackIn` (seconds), a call-back to the caller is then added for me, from this call.
   * True when declined (a call-back that could not be added is said in 'global');
   * `atOnce` as for `reject`. */
  async decline(callId: number, message: string, callBackIn?: number, atOnce = true): Promise<boolean> {
    const inc = this.store.get().incoming;
    const callerId = inc?.callId === callId ? inc.fromUserId : null;
    if (atOnce) this.store.update((s) => (s.incoming?.callId === callId ? { ...s, incoming: null } : s));
    const r = await this.run('global', 'reject', () => api.declineCall({ callId, message }));
    if (!r.ok) return false;
    this.store.update((s) => applyCall(s, r.value, Date.now()));
    if (callBackIn && callerId != null) {
      const made = await this.createCallback({ user_id: callerId, due_in_seconds: callBackIn, call_id: callId }, 'global');
      const error = this.store.get().errors.global;
      if (!made && error) this.store.setError('global', `The call was declined, but the call-back was not added: ${error}`);
    }
    return true;
  }

  /** A video call's room, opened in the browser; the call card then says where. */
  async openVideoRoom(callId: number): Promise<void> {
    const r = await this.run('video', `video_room:${callId}`, () => api.openVideoRoom({ callId }));
    if (r.ok) this.store.set({ videoRoom: { callId, room: r.value } });
  }

  /** Settings → About Switchboard: the version and folders, once. */
  async loadAbout(): Promise<void> {
    const s = this.store.get();
    if (s.about || s.pending.about) return;
    const r = await this.run('about', 'about', api.about);
    if (r.ok) this.store.set({ about: r.value });
  }

  /** The log folder in the file manager (for support). */
  async openLogFolder(): Promise<void> {
    await this.run('about', 'open_log_folder', api.openLogFolder);
  }

  /** The team's outcome list for the after-call panel, once per sign-in (a server without
   * outcomes hides the panel). */
  async loadOutcomes(area: ErrorArea = 'after_call'): Promise<void> {
    const s = this.store.get();
    if (s.outcomes || s.pending.call_outcomes || s.missing.call_outcomes) return;
    const r = await this.run(area, 'call_outcomes', api.callOutcomes, 'call_outcomes');
    if (r.ok) this.store.set({ outcomes: r.value.outcomes });
  }

  /** Admins: the team's outcome list, in this order. True when saved. */
  async saveOutcomes(outcomes: string[]): Promise<boolean> {
    const r = await this.run('outcomes_admin', 'set_call_outcomes', () => api.setCallOutcomes({ outcomes: { outcomes } }));
    if (r.ok) this.store.set({ outcomes: r.value.outcomes });
    return r.ok;
  }

  /** Admins: the webhook endpoints, each time Settings opens. */
  async loadWebhooks(): Promise<void> {
    const s = this.store.get();
    if (s.missing.webhooks || s.pending.webhooks) return;
    const r = await this.run('webhooks', 'webhooks', api.webhooks, 'webhooks');
    if (r.ok) this.store.set({ webhooks: r.value });
  }

  /** Admins: a new endpoint; null when refused (the refusal is said in the form). */
  async createWebhook(nw: NewWebhook): Promise<Webhook | null> {
    const r = await this.run('webhook_form', 'create_webhook', () => api.createWebhook({ new: nw }));
    if (!r.ok) return null;
    const made = r.value;
    this.store.update((s) => ({ ...s, webhooks: [...(s.webhooks ?? []).filter((w) => w.id !== made.id), made] }));
    return made;
  }

  /** Admins: the endpoint goes, with its log; nothing pending is sent. */
  async deleteWebhook(id: number): Promise<boolean> {
    const r = await this.run('webhooks', `webhook:${id}`, () => api.deleteWebhook({ id }));
    if (r.ok) {
      this.store.update((s) => {
        const deliveries = { ...s.deliveries };
        delete deliveries[id];
        return { ...s, webhooks: s.webhooks && s.webhooks.filter((w) => w.id !== id), deliveries };
      });
    }
    return r.ok;
  }

  /** Admins: what was sent to an endpoint, and how it went. */
  async loadDeliveries(id: number): Promise<void> {
    const r = await this.run('webhooks', `deliveries:${id}`, () => api.webhookDeliveries({ id }));
    if (r.ok) {
      const list = r.value;
      this.store.update((s) => ({ ...s, deliveries: { ...s.deliveries, [id]: list } }));
    }
  }

  /** Notes left for me. A note that arrives while they load is kept. */
  async loadNotes(): Promise<void> {
    if (!this.lists) return;
    const s = this.store.get();
    const account = accountKey(s);
    if (!account || s.missing.notes || s.pending.notes) return;
    const before = new Set((s.notes ?? []).map((n) => n.id));
    const r = await this.run('notes', 'notes', api.notes, 'notes');
    if (!r.ok || accountKey(this.store.get()) !== account) return;
    const loaded = sortNotes(r.value);
    this.store.update((st) => {
      const arrived = (st.notes ?? []).filter((n) => !before.has(n.id) && !loaded.some((x) => x.id === n.id));
      return { ...st, notes: arrived.reduce((list, n) => withNote(list, n), loaded) };
    });
  }

  /** A note for a colleague who cannot take a call now. True when sent (the row says so). */
  async leaveNote(userId: number, name: string, text: string): Promise<boolean> {
    this.store.set({ peopleNotice: null });
    const r = await this.run('leave_note', 'leave_note', () => api.leaveNote({ note: { user_id: userId, text } }));
    if (r.ok) this.store.set({ peopleNotice: { userId, text: `Note sent to ${name}.` } });
    return r.ok;
  }

  async markNoteRead(id: number): Promise<boolean> {
    const r = await this.run('notes', `note:${id}`, () => api.markNoteRead({ id }));
    if (r.ok) {
      const read = r.value;
      this.store.update((s) => ({ ...s, notes: s.notes && withNote(s.notes, read) }));
    }
    return r.ok;
  }

  async deleteNote(id: number): Promise<boolean> {
    const r = await this.run('notes', `note:${id}`, () => api.deleteNote({ id }));
    if (r.ok) {
      this.store.update((s) => ({
        ...s,
        notes: s.notes && s.notes.filter((n) => n.id !== id),
        noteBanner: s.noteBanner?.id === id ? null : s.noteBanner,
      }));
    }
    return r.ok;
  }

  /** The banner's "Open": the Notes tab, the banner gone. */
  openNote(): void {
    this.selectTab('notes');
    this.dismiss('note_banner');
  }

  /** Whom I wait for. One that ended while they load stays ended. */
  async loadCampOns(): Promise<void> {
    if (!this.lists) return;
    const s = this.store.get();
    const account = accountKey(s);
    if (!account || s.missing.camp_ons || s.pending.camp_ons) return;
    const r = await this.run('people', 'camp_ons', api.campOns, 'camp_ons');
    if (!r.ok || accountKey(this.store.get()) !== account) return;
    const list = r.value;
    this.store.update((st) => ({ ...st, campOns: list.filter((c) => !st.freeNow.some((f) => f.id === c.id)) }));
  }

  /**
   * "Tell me when free": told once (`colleague_available`) when they can take calls. The
   * server refuses when they can take calls already: the row says so (call them), as news,
   * not as an error. True when waiting.
   */
  async campOn(userId: number): Promise<boolean> {
    if (this.store.get().missing.camp_ons) return false;
    const key = `camp_on:${userId}`;
    this.store.update((s) => ({ ...s, peopleNotice: null, errors: withoutError(s.errors, 'people') }));
    this.store.setPending(key, true);
    try {
      const made = await api.campOn({ userId });
      this.store.update((s) => ({
        ...s,
        campOns: [...(s.campOns ?? []).filter((c) => c.id !== made.id && c.user_id !== userId), made],
        freeNow: s.freeNow.filter((c) => c.user_id !== userId),
      }));
      return true;
    } catch (e) {
      const text = errorText(e);
      if (isMissingRoute(e)) this.missing('camp_ons');
      else if (isFreeNow(text)) this.store.set({ peopleNotice: { userId, text } });
      else this.store.setError('people', text);
      return false;
    } finally {
      this.store.setPending(key, false);
    }
  }

  /** Stop waiting. One the server no longer has (told meanwhile, run out) goes too. */
  async cancelCampOn(c: CampOn): Promise<boolean> {
    this.store.set({ peopleNotice: null });
    const r = await this.run('people', `camp_on:${c.user_id}`, () => api.cancelCampOn({ id: c.id }));
    if (r.ok) this.store.update((s) => ({ ...s, campOns: s.campOns && s.campOns.filter((x) => x.id !== c.id) }));
    else void this.loadCampOns();
    return r.ok;
  }

  /** The banner's Call: the colleague who became free. The banner goes once it rings. */
  async callFree(c: CampOn): Promise<boolean> {
    const ok = await this.callUser(c.user_id, 'free_now');
    if (ok) this.dismissFree(c.id);
    return ok;
  }

  dismissFree(id: number): void {
    this.store.update((s) => ({
      ...s,
      freeNow: s.freeNow.filter((c) => c.id !== id),
      errors: s.freeNow.length <= 1 ? withoutError(s.errors, 'free_now') : s.errors,
    }));
  }

  /** History's "Log…": the after-call panel, for a missed or declined call. */
  openLog(call: CallSession): void {
    const s = this.store.get();
    if (s.missing.call_outcomes) return;
    const meId = s.app?.me?.id ?? null;
    const mine = [...(call.logs ?? [])].reverse().find((l) => l.author === meId) ?? null;
    this.store.update((st) => ({
      ...st,
      afterCall: {
        callId: call.id,
        withName: displayName(otherParty(call, meId)),
        regarding: call.regarding ?? null,
        saved: mine,
        title: logTitle(call, meId),
        fromHistory: true,
      },
      errors: withoutError(st.errors, 'after_call'),
    }));
    void this.loadOutcomes();
  }

  private callbacksAgain = false;

  /** My call-backs. A load asked for while one runs runs once more after it. */
  async loadCallbacks(): Promise<void> {
    if (!this.lists) return;
    const s = this.store.get();
    const account = accountKey(s);
    if (!account || s.missing.callbacks) return;
    if (s.pending.callbacks) {
      this.callbacksAgain = true;
      return;
    }
    const r = await this.run('callbacks', 'callbacks', api.callbacks, 'callbacks');
    if (r.ok && accountKey(this.store.get()) === account) {
      const list = r.value;
      this.store.update((st) => withCallbacks(st, list, Date.now()));
    }
    if (this.callbacksAgain) {
      this.callbacksAgain = false;
      return this.loadCallbacks();
    }
  }

  /** A call-back for me (from a declined or missed call, or by hand). True when added. */
  async createCallback(nc: NewCallback, area: ErrorArea): Promise<boolean> {
    if (this.store.get().missing.callbacks) return false;
    const key = `create_callback:${nc.call_id ?? `user${nc.user_id}`}`;
    const r = await this.run(area, key, () => api.createCallback({ new: nc }), 'callbacks');
    if (!r.ok) return false;
    const made = r.value;
    this.store.update((s) => changedCallback(s, made));
    void this.loadCallbacks();
    return true;
  }

  /** Call the person back, about the call-back's record; the server marks it done when
   * they answer. The due banner goes. */
  async callBack(id: number, area: CallbackArea): Promise<void> {
    const r = await this.run(area, `callback:${id}`, () => api.callBack({ id }));
    if (r.ok) {
      const placed = r.value;
      this.store.update((s) => withoutCallback(applyCall(s, placed, Date.now()), id, false));
    }
  }

  /** Due again in `seconds`. */
  async snoozeCallback(id: number, seconds: number, area: CallbackArea): Promise<boolean> {
    const r = await this.run(area, `callback:${id}`, () => api.snoozeCallback({ id, seconds }));
    return this.callbackChanged(r);
  }

  /** Done by hand. */
  async completeCallback(id: number, area: CallbackArea): Promise<boolean> {
    const r = await this.run(area, `callback:${id}`, () => api.completeCallback({ id }));
    return this.callbackChanged(r);
  }

  async deleteCallback(id: number, area: CallbackArea): Promise<boolean> {
    const r = await this.run(area, `callback:${id}`, () => api.deleteCallback({ id }));
    if (r.ok) {
      this.store.update((s) => withoutCallback(s, id, true));
      void this.loadCallbacks();
    }
    return r.ok;
  }

  private callbackChanged(r: Result<Callback>): boolean {
    if (r.ok) {
      const changed = r.value;
      this.store.update((s) => changedCallback(s, changed));
      void this.loadCallbacks();
    }
    return r.ok;
  }

  private meetingsAgain = false;

  /**
   * My meetings, again: as many pages as are shown ("More" added them), from the first. A
   * load asked for while one runs runs once more after it.
   */
  async loadMeetings(): Promise<void> {
    if (!this.lists) return;
    const s = this.store.get();
    const account = accountKey(s);
    if (!account) return;
    if (s.pending.meetings) {
      this.meetingsAgain = true;
      return;
    }
    const pages = Math.max(1, s.meetings?.page ?? 1);
    const r = await this.run('meetings', 'meetings', async () => {
      const results: Meeting[] = [];
      let last = null;
      for (let page = 1; page <= pages; page++) {
        last = await api.meetings({ page });
        results.push(...last.results.filter((m) => !results.some((x) => x.id === m.id)));
        if (last.next == null) return { results, page, hasNext: false, count: last.count };
      }
      return { results, page: pages, hasNext: last?.next != null, count: last?.count ?? results.length };
    });
    if (r.ok && accountKey(this.store.get()) === account) this.store.set({ meetings: r.value });
    if (this.meetingsAgain) {
      this.meetingsAgain = false;
      return this.loadMeetings();
    }
  }

  /** The list again if it is on screen (the tab loads it whenever it is chosen). */
  private refreshMeetings(): void {
    const s = this.store.get();
    if (this.lists && s.tab === 'meetings' && s.app?.phase === 'signed_in') void this.loadMeetings();
  }

  /** "More": the next page of meetings, after those shown. */
  async moreMeetings(): Promise<void> {
    const s = this.store.get();
    const list = s.meetings;
    if (!list?.hasNext || s.pending.meetings || s.pending.more_meetings) return;
    const account = accountKey(s);
    const page = list.page + 1;
    const r = await this.run('meetings', 'more_meetings', () => api.meetings({ page }));
    if (!r.ok || accountKey(this.store.get()) !== account) return;
    const p = r.value;
    this.store.update((st) => {
      const cur = st.meetings;
      // Loaded again meanwhile from the start, to another length: that one stands.
      if (!cur || cur.page !== page - 1) return st;
      const shown = new Set(cur.results.map((m) => m.id));
      const results = [...cur.results, ...p.results.filter((m) => !shown.has(m.id))];
      return { ...st, meetings: { results, page, hasNext: p.next != null, count: p.count } };
    });
  }

  /** The New meeting dialog's Create: the meeting, and (`startNow`) joined at once. Null
   * when refused (said in the dialog). */
  async createMeeting(nm: NewMeeting, startNow: boolean): Promise<Meeting | null> {
    this.store.set({ meetingsNotice: null });
    const r = await this.run('meeting_form', 'create_meeting', () => api.createMeeting({ new: nm }));
    if (!r.ok) return null;
    const made = r.value;
    this.store.update((s) => ({
      ...s,
      meetings: s.meetings && withListedMeeting(s.meetings, made),
      meetingsNotice: `Meeting “${plainText(made.title)}” created.`,
    }));
    if (startNow) await this.joinMeeting(made.id, 'meetings');
    else this.refreshMeetings();
    return made;
  }

  /** The host's Delete (confirmed): it goes for everyone invited. */
  async deleteMeeting(m: Meeting): Promise<boolean> {
    this.store.set({ meetingsNotice: null });
    const r = await this.run('meetings', `meeting:${m.id}`, () => api.deleteMeeting({ meetingId: m.id }));
    if (r.ok) {
      this.store.update((s) => ({
        ...s,
        meetings: s.meetings && withoutListedMeeting(s.meetings, m.id),
        meetingsNotice: `Meeting “${plainText(m.title)}” deleted.`,
        meetingStarted: s.meetingStarted?.meeting.id === m.id ? null : s.meetingStarted,
      }));
      this.refreshMeetings();
    }
    return r.ok;
  }

  /**
   * Join, Start or Start again (the list, the banner): into the meeting's audio, its call
   * started if nobody has. One at a time; a refusal (during a call, another meeting) is
   * said in `area`. True when in it.
   */
  async joinMeeting(meetingId: number, area: ErrorArea = 'meetings'): Promise<boolean> {
    if (joining(this.store.get()) !== null) return false;
    // The sentence about the meeting left last goes.
    this.store.update((s) => (s.meetingEnded ? { ...s, meetingEnded: null } : s));
    const r = await this.run(area, `join_meeting:${meetingId}`, () => api.joinMeeting({ meetingId }));
    if (!r.ok) return false;
    const view = r.value;
    // The shell's views may have come first (newer ones), or said it is over already.
    this.store.update((s) =>
      s.app?.meeting?.meeting_id === meetingId || s.meetingEnded?.meetingId === meetingId ? s : withMeetingView(s, view),
    );
    this.refreshMeetings();
    return true;
  }

  /** Leave: the others carry on. */
  async leaveMeeting(): Promise<void> {
    const r = await this.run('meeting', 'leave_meeting', api.leaveMeeting);
    if (r.ok) this.store.update((s) => withMeetingView(s, null));
    this.refreshMeetings();
  }

  /** End for everyone (confirmed): the meeting's call ends, and this app leaves it. */
  async endMeeting(): Promise<void> {
    const r = await this.run('meeting', 'end_meeting', api.endMeeting);
    if (r.ok) this.store.update((s) => withMeetingView(s, null));
    this.refreshMeetings();
  }

  /** Mute and Unmute in a meeting: shown at once, back as it was if refused. */
  async setMeetingMuted(muted: boolean): Promise<void> {
    const s = this.store.get();
    const meeting = s.app?.meeting;
    if (!meeting || s.pending.set_meeting_muted) return;
    const setMuted = (to: boolean) =>
      this.store.update((st) => {
        const m = st.app?.meeting;
        return st.app && m?.meeting_id === meeting.meeting_id && m.muted !== to ? { ...st, app: { ...st.app, meeting: { ...m, muted: to } } } : st;
      });
    setMuted(muted);
    const r = await this.run('meeting', 'set_meeting_muted', () => api.setMeetingMuted({ muted }));
    if (!r.ok) return setMuted(!muted);
    const view = r.value;
    this.store.update((st) => (st.app?.meeting?.meeting_id === view.meeting_id ? withMeetingView(st, view) : st));
  }

  /**
   * The meeting card's camera button: my camera on (`on`) or off in the meeting, for
   * everyone in it. Not shown before the shell's answer (the view it gives back); one change
   * at a time. A refusal (no camera set up) is said on the meeting card, and nothing
   * changes. My preview then waits for its first new picture: the last one drawn is not
   * what is sent now.
   */
  async setMeetingCamera(on: boolean): Promise<void> {
    const s = this.store.get();
    const meeting = s.app?.meeting;
    if (!meeting || s.pending.set_meeting_camera || meeting.camera_on === on) return;
    const r = await this.run('meeting', 'set_meeting_camera', () => api.setMeetingCamera({ on }));
    if (!r.ok) return;
    const view = r.value;
    if (this.store.get().app?.meeting?.meeting_id !== view.meeting_id) return;
    this.video.forget('local');
    this.store.update((st) => (st.app?.meeting?.meeting_id === view.meeting_id ? withMeetingView(st, view) : st));
  }

  /** Save my outcome and note for an ended call; the panel then shows what was saved. */
  async logCall(callId: number, log: NewCallLog): Promise<boolean> {
    const r = await this.run('after_call', 'log_call', () => api.logCall({ callId, log }));
    if (!r.ok) return false;
    const call = r.value;
    this.store.update((s) => {
      const meId = s.app?.me?.id ?? null;
      const logs = call.logs ?? [];
      const mine = [...logs].reverse().find((l) => l.author === meId) ?? null;
      const saved = mine ?? { author: meId ?? 0, ...log, created_at: '', updated_at: '' };
      return {
        ...s,
        afterCall: s.afterCall?.callId === callId ? { ...s.afterCall, saved } : s.afterCall,
        history: withCall(s.history, call),
      };
    });
    return true;
  }

  /** Skip (or Close, once saved): the after-call panel goes. */
  closeAfterCall(): void {
    this.store.update((s) => ({ ...s, afterCall: null, errors: withoutError(s.errors, 'after_call') }));
  }

  async hangUp(): Promise<void> {
    const callId = this.store.get().app?.active_call?.id;
    if (callId == null) return;
    const r = await this.run('call', 'hang_up', api.hangUp);
    if (r.ok) this.store.update((s) => endLocally(s, callId, Date.now()));
  }

  /**
   * The call card's camera and share buttons (`from`: which one): what this side sends in
   * the call from now on, the camera, the screen or nothing, one at a time (a voice call
   * becomes a video call). One change at a time; a refusal (no camera set up, a screen that
   * cannot be shared) is said on the call card, and what is sent stays as it was.
   */
  async setVideo(send: VideoSend, from: VideoSource): Promise<void> {
    const s = this.store.get();
    const callId = s.app?.active_call?.id;
    if (callId == null || videoSending(s) === send || isChangingVideo(s)) return;
    const r = await this.run('call', `set_video:${from}`, () => api.setVideo({ send }));
    if (!r.ok || this.store.get().app?.active_call?.id !== callId) return;
    // My preview waits for the new source's first picture: the old one's last is not it.
    this.video.forget('local');
    this.store.set({ videoSend: { callId, send } });
  }

  /**
   * The call card's Hold (`on`) and Resume. Either side may hold the call; only the one who
   * held it may take it back (the shell refuses the other with a sentence, said on the call
   * card). Nothing changes on screen before the shell's answer: the call it gives back is
   * the one both sides now see (the other hears of it as a call update).
   */
  async holdCall(on: boolean): Promise<void> {
    const s = this.store.get();
    const callId = s.app?.active_call?.status === 'active' ? s.app.active_call.id : null;
    // (Not the consultation's: one call on hold at a time.)
    if (callId == null || s.pending.hold_call || s.app?.held_call) return;
    const r = await this.run('call', 'hold_call', () => api.holdCall({ on }));
    if (!r.ok) return;
    const held = r.value;
    // Only into the same call, still under way: an answer coming after the call ended (they
    // hung up meanwhile) would bring it back.
    this.store.update((st) =>
      st.app?.active_call?.id === callId && st.app.active_call.status === 'active' && held.id === callId
        ? applyCall(st, held, Date.now())
        : st,
    );
  }

  /**
   * The transfer dialog's choice: put the other party of my call through to `userId` (a
   * blind transfer: their call to them rings at once). True when it went: my call ends on
   * screen, saying to whom. A refusal (they are busy, offline, not taking calls) is said in
   * the dialog, and the call goes on untouched. One at a time.
   */
  async transferCall(userId: number): Promise<boolean> {
    const s = this.store.get();
    const callId = s.app?.active_call?.status === 'active' ? s.app.active_call.id : null;
    if (callId == null || s.pending.transfer_call || s.pending.consult_call || s.app?.held_call) return false;
    const r = await this.run('transfer', 'transfer_call', () => api.transferCall({ userId }));
    if (!r.ok) return false;
    const placed = r.value;
    this.store.update((st) => transferredAway(st, callId, placed, Date.now()));
    return true;
  }

  /**
   * The transfer dialog's other choice: talk to `userId` first (an attended transfer). The
   * shell holds my call and calls them about it: true when it went, and the call card then
   * shows that call (the consultation) under the held one's strip. A refusal (they are
   * busy, offline) is said in the dialog; my call stays as the shell left it (on hold: its
   * update says so). One at a time.
   */
  async consultCall(userId: number): Promise<boolean> {
    const s = this.store.get();
    const callId = s.app?.active_call?.status === 'active' ? s.app.active_call.id : null;
    if (callId == null || s.pending.consult_call || s.pending.transfer_call || s.app?.held_call) return false;
    const r = await this.run('transfer', 'consult_call', () => api.consultCall({ userId }));
    if (!r.ok) return false;
    const consultation = r.value;
    this.store.update((st) => consulting(st, callId, consultation, Date.now()));
    return true;
  }

  /**
   * The held-call strip's "Transfer to …": join the held party and the colleague consulted
   * (once they answered). Both my calls end, saying who talk now. A refusal ("They have
   * not answered yet: …") is said on the strip, and both calls go on.
   */
  async completeTransfer(): Promise<void> {
    const s = this.store.get();
    const app = s.app;
    if (!app?.held_call || app.active_call?.status !== 'active' || s.consult?.joining || s.pending.back_to_held) return;
    this.store.update(joinStarts);
    const r = await this.run('consult', 'complete_transfer', api.completeTransfer);
    this.store.update((st) => (r.ok ? joinedUp(st, r.value, Date.now()) : joinRefused(st, Date.now())));
  }

  /**
   * The held-call strip's "Back to …" (and "Resume …" once the consultation ended): the
   * consultation ends (or stops ringing), and the held call is the current one again, off
   * hold. A refusal is said on the strip.
   */
  async backToHeld(): Promise<void> {
    const s = this.store.get();
    if (!s.app?.held_call || s.consult?.joining || s.pending.back_to_held) return;
    const r = await this.run('consult', 'back_to_held', api.backToHeld);
    if (r.ok) this.store.update((st) => backFromConsult(st, r.value, Date.now()));
  }

  /**
   * The add dialog's choice: add `userId` to my call. The call grows into a meeting of the
   * three (hosted by me), which both our apps join by themselves: true when it went, and
   * the call card then says so until the meeting's view comes (a refusal, such as "Carol
   * Diaz is busy.", is said in the dialog, and the call goes on). One at a time.
   */
  async addToCall(userId: number): Promise<boolean> {
    const s = this.store.get();
    const callId = s.app?.active_call?.status === 'active' ? s.app.active_call.id : null;
    if (callId == null || s.pending.add_to_call || s.app?.held_call) return false;
    const who = s.app?.users.find((u) => u.id === userId);
    const name = who ? displayName(who) : 'them';
    const r = await this.run('add_to_call', 'add_to_call', () => api.addToCall({ userId }));
    if (!r.ok) return false;
    const made = r.value;
    this.store.update((st) => addedToCall(st, callId, made, name));
    return true;
  }

  /** My call `callId` grew into a meeting whose view did not come in time (main.ts): it
   * ends on screen as any call does, saying where it went. */
  meetingDidNotCome(callId: number): void {
    this.store.update((s) => meetingDidNotCome(s, callId));
  }

  async setMuted(muted: boolean): Promise<void> {
    const was = this.store.get().app?.muted ?? false;
    this.store.update((s) => (s.app ? { ...s, app: { ...s.app, muted } } : s));
    const r = await this.run('call', 'set_muted', () => api.setMuted({ muted }));
    if (!r.ok) this.store.update((s) => (s.app ? { ...s, app: { ...s.app, muted: was } } : s));
  }

  async loadHistory(page: number): Promise<void> {
    this.store.update((s) => ({ ...s, history: { ...s.history, loading: true } }));
    const r = await this.run('history', 'history', () => api.callHistory({ page }));
    this.store.update((s) => {
      if (!r.ok) return { ...s, history: { ...s.history, loading: false, stale: false } };
      const p = r.value;
      return {
        ...s,
        app: s.app ? { ...s.app, missed_calls: 0 } : s.app,
        history: {
          page,
          count: p.count,
          hasNext: p.next != null,
          hasPrevious: p.previous != null,
          results: p.results,
          loading: false,
          loaded: true,
          stale: false,
        },
      };
    });
  }

  async loadDevices(area: ErrorArea = 'settings'): Promise<void> {
    const r = await this.run(area, 'devices', api.listDevices);
    if (r.ok) this.store.set({ devices: r.value });
  }

  async saveSettings(patch: Partial<Settings>, area: ErrorArea = 'settings'): Promise<void> {
    const current = this.store.get().app?.settings;
    if (!current) return;
    this.store.set({ notice: null });
    const r = await this.run(area, 'save_settings', async () => {
      try {
        return await api.saveSettings({ settings: { ...current, ...patch } });
      } catch (e) {
        // Refused, or saved but not all applied ("Settings saved, but Ctrl+Alt+M is
        // taken…"): the screen shows what the shell keeps now.
        await this.reloadSettings();
        throw e;
      }
    });
    if (r.ok) {
      this.store.update((s) =>
        s.app ? { ...s, app: { ...s.app, settings: r.value }, notice: 'Settings saved.' } : s,
      );
    }
  }

  private async reloadSettings(): Promise<void> {
    try {
      const { settings } = await api.appState();
      this.store.update((s) => (s.app ? { ...s, app: { ...s.app, settings } } : s));
    } catch {
      // The settings shown stay those saved last.
    }
  }

  /** Admins only. The shell also sends the refreshed user list as an `app_state` event.
   * True when the account was created (the form then clears). */
  async addTeammate(a: NewTeammate): Promise<boolean> {
    this.store.set({ addedTeammate: null });
    const r = await this.run('teammates', 'add_teammate', () =>
      api.addTeammate({
        fullName: a.fullName.trim(),
        username: a.username.trim(),
        email: a.email.trim(),
        password: a.password,
      }),
    );
    if (r.ok) this.store.set({ addedTeammate: r.value });
    return r.ok;
  }

  selectTab(tab: Tab): void {
    this.store.set({ tab, notice: null, addedTeammate: null, accountNotice: null, peopleNotice: null, meetingsNotice: null });
    if (tab === 'history') void this.loadHistory(1);
    if (tab === 'callbacks') void this.loadCallbacks();
    if (tab === 'notes') void this.loadNotes();
    if (tab === 'meetings') void this.loadMeetings();
    if (tab === 'settings') {
      void this.loadDevices();
      void this.loadAbout();
    }
  }

  /** The "adding you to a call" dialog's Decline: it closes; the banner still offers Join. */
  declineAddition(): void {
    this.store.update((s) => (s.meetingStarted?.asking ? { ...s, meetingStarted: { ...s.meetingStarted, asking: false } } : s));
  }

  dismiss(
    what: 'outcome' | 'global' | 'host' | 'device' | 'certificate' | 'callback_due' | 'note_banner' | 'meeting_started' | 'meeting_ended',
  ): void {
    if (what === 'meeting_started') this.store.update((s) => ({ ...s, meetingStarted: null, errors: withoutError(s.errors, 'meeting_banner') }));
    if (what === 'meeting_ended') this.store.set({ meetingEnded: null });
    if (what === 'callback_due') this.store.update((s) => ({ ...s, callbackDue: null, errors: withoutError(s.errors, 'callback_due') }));
    if (what === 'note_banner') this.store.update((s) => ({ ...s, noteBanner: null, errors: withoutError(s.errors, 'note_banner') }));
    if (what === 'certificate') this.store.set({ certificate: null });
    if (what === 'device') this.store.set({ deviceSwitch: null });
    if (what === 'outcome') this.store.set({ outcome: null, endedMedia: null });
    if (what === 'global') this.store.setError('global', null);
    if (what === 'host') this.store.set({ hostNoticeDismissed: true });
  }
}

/** The call card's buttons that send video: each turns its source on and off. */
export type VideoSource = Exclude<VideoSend, 'off'>;

/** Whether a camera or share button's `set_video` is in flight (either: one at a time). */
export function isChangingVideo(s: UiState, from?: VideoSource): boolean {
  return from ? !!s.pending[`set_video:${from}`] : !!(s.pending['set_video:camera'] || s.pending['set_video:screen']);
}

/** The history page with `call`'s row replaced by the newer copy, when it is on it. */
function withCall(h: UiState['history'], call: CallSession): UiState['history'] {
  if (!h.results.some((c) => c.id === call.id)) return h;
  return { ...h, results: h.results.map((c) => (c.id === call.id ? call : c)) };
}

function withoutError(errors: UiState['errors'], area: ErrorArea): UiState['errors'] {
  if (!(area in errors)) return errors;
  const copy = { ...errors };
  delete copy[area];
  return copy;
}
