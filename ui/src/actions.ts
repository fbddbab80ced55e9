// What the user can do: each action runs one command, puts its answer into the store,
// and shows a rejected command's sentence in the error area next to that action.
import { errorText, isHttps, looksLikeInvite, normalizeServerUrl } from './format';
import { api, onEngine } from './ipc';
import { applyCall, applyEvent, endLocally, inviteFor, withAppState } from './reduce';
import type { ErrorArea, Store, Tab } from './state';
import type { EngineEvent, Invite, NewTeammate, Presence, Settings } from './types';

type Result<T> = { ok: true; value: T } | { ok: false };

/** The forms that sign in: "Connect to a server" (first run) and "Sign in". */
export type ConnectArea = 'first_run' | 'sign_in';

export interface Credentials {
  serverUrl: string;
  username: string;
  password: string;
}

export class Actions {
  constructor(private store: Store) {}

  private async run<T>(area: ErrorArea, key: string, f: () => Promise<T>): Promise<Result<T>> {
    this.store.setError(area, null);
    this.store.setPending(key, true);
    try {
      return { ok: true, value: await f() };
    } catch (e) {
      this.store.setError(area, errorText(e));
      return { ok: false };
    } finally {
      this.store.setPending(key, false);
    }
  }

  private listening = false;

  /** Listen first (buffering), then load the state, so no event is lost in between.
   * Also the boot screen's "Try again". */
  async boot(): Promise<void> {
    if (this.listening) return this.reload();
    const buffer: EngineEvent[] = [];
    let ready = false;
    const apply = (ev: EngineEvent) => this.store.update((s) => applyEvent(s, ev, Date.now()));
    const listened = await this.run('boot', 'boot', () =>
      onEngine((ev) => (ready ? apply(ev) : buffer.push(ev))),
    );
    if (!listened.ok) return;
    this.listening = true;
    await this.reload();
    ready = true;
    buffer.splice(0).forEach(apply);
  }

  async reload(): Promise<void> {
    const r = await this.run('boot', 'boot', api.appState);
    if (r.ok) this.store.update((s) => withAppState(s, r.value, Date.now()));
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
  async openInvite(area: ConnectArea, link: string): Promise<Invite | null> {
    this.store.set({ certificate: null });
    const r = await this.run(area, 'open_invite', () => api.openInvite({ link: link.trim() }));
    if (!r.ok) return null;
    const invite = r.value;
    this.store.update((s) => (s.app ? { ...s, app: { ...s.app, invite } } : s));
    return invite;
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
      if (!invite) return;
      serverUrl = invite.server;
    }
    const invite = inviteFor(this.store.get(), serverUrl);
    if (invite) return this.signIn(area, { ...a, serverUrl }, invite.fingerprint);
    if (!isHttps(serverUrl)) return this.signIn(area, { ...a, serverUrl }, null);

    const r = await this.run(area, 'check_server', () => api.checkServer({ serverUrl }));
    if (!r.ok) return;
    const { server_url, certificate } = r.value;
    const trust = certificate?.trust.kind;
    if (!certificate || trust === 'pinned' || trust === 'authority') {
      return this.signIn(area, { ...a, serverUrl: server_url }, null);
    }
    this.store.set({ certificate: { area, serverUrl: server_url, check: certificate } });
  }

  /** "Trust and sign in": the user compared the fingerprint; it is pinned. */
  async trustCertificate(a: { username: string; password: string }): Promise<void> {
    const q = this.store.get().certificate;
    if (!q || q.check.trust.kind !== 'unknown') return;
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

  async callUser(userId: number): Promise<void> {
    const r = await this.run('people', `call:${userId}`, () => api.callUser({ userId }));
    if (r.ok) this.store.update((s) => applyCall(s, r.value, Date.now()));
  }

  async answer(callId: number): Promise<void> {
    const r = await this.run('incoming', 'answer', () => api.answerCall({ callId }));
    if (r.ok) this.store.update((s) => applyCall(s, r.value, Date.now()));
  }

  async reject(callId: number): Promise<void> {
    // The modal closes at once; a failure is still said, in the main window.
    this.store.update((s) => (s.incoming?.callId === callId ? { ...s, incoming: null } : s));
    const r = await this.run('global', 'reject', () => api.rejectCall({ callId }));
    if (r.ok) this.store.update((s) => applyCall(s, r.value, Date.now()));
  }

  async hangUp(): Promise<void> {
    const callId = this.store.get().app?.active_call?.id;
    if (callId == null) return;
    const r = await this.run('call', 'hang_up', api.hangUp);
    if (r.ok) this.store.update((s) => endLocally(s, callId, Date.now()));
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
    const r = await this.run(area, 'save_settings', () => api.saveSettings({ settings: { ...current, ...patch } }));
    if (r.ok) {
      this.store.update((s) =>
        s.app ? { ...s, app: { ...s.app, settings: r.value }, notice: 'Settings saved.' } : s,
      );
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
    this.store.set({ tab, notice: null, addedTeammate: null });
    if (tab === 'history') void this.loadHistory(1);
    if (tab === 'settings') void this.loadDevices();
  }

  dismiss(what: 'outcome' | 'global' | 'host' | 'device' | 'certificate'): void {
    if (what === 'certificate') this.store.set({ certificate: null });
    if (what === 'device') this.store.set({ deviceSwitch: null });
    if (what === 'outcome') this.store.set({ outcome: null, endedMedia: null });
    if (what === 'global') this.store.setError('global', null);
    if (what === 'host') this.store.set({ hostNoticeDismissed: true });
  }
}
