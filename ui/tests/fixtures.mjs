// Shapes of docs/desktop.md, filled with a small team.

export const ME = { id: 1, username: 'alice', email: 'alice@acme.test', full_name: 'Alice Martin', is_admin: true, is_active: true };

function presence(status, extra = {}) {
  return {
    status,
    available_for_calls: true,
    status_message: '',
    last_seen: '2025-03-03T09:00:00Z',
    current_call: null,
    is_online: status !== 'offline',
    is_available: status === 'online' || status === 'away',
    ...extra,
  };
}

export function user(id, username, full_name, status, extra = {}) {
  const { is_active = true, ...rest } = extra;
  return { id, username, email: `${username}@acme.test`, full_name, is_active, presence: presence(status, rest) };
}

export const USERS = [
  { ...ME, presence: presence('online') }, // the directory may include me: the UI drops it
  user(2, 'bob', 'Bob Stone', 'online', { status_message: 'Renewals all morning' }),
  user(3, 'carol', 'Carol Diaz', 'online'),
  user(4, 'dan', 'Dan Okafor', 'away', { status_message: 'Back at 2' }),
  user(5, 'erin', 'Erin Walsh', 'busy', { current_call: 40 }),
  user(6, 'farid', 'Farid Haddad', 'dnd'),
  user(7, 'grace', 'Grace Lee', 'offline'),
];

export const SETTINGS = {
  input_device: null,
  output_device: null,
  ring_device: null,
  camera: null,
  autostart: true,
  available_for_calls: true,
  voice: { echo_cancel: true, noise_suppression: true, auto_gain: true },
  call_links_without_asking: false,
  incoming_call_display: 'auto',
  shortcuts: { toggle_mute: 'Ctrl+Alt+M', answer: 'Ctrl+Alt+A', hang_up: 'Ctrl+Alt+H', push_to_talk: '' },
  auto_away_after_seconds: 600,
  start_minimised: true,
};

/** `about`'s answer. */
export const ABOUT = {
  version: '0.1.0',
  log_dir: '/home/alice/.local/state/switchboard/logs',
  settings_file: '/home/alice/.config/switchboard/settings.json',
  data_dir: '/home/alice/.local/share/switchboard',
};

/** `open_video_room`'s answer for call `id`. */
export function videoRoom(id, patch = {}) {
  const room_name = `crm-20250303100000-${String(id).padStart(8, '0')}`;
  return { url: `https://meet.jit.si/${room_name}`, domain: 'meet.jit.si', room_name, with_token: false, ...patch };
}

export function appState(patch = {}) {
  return {
    phase: 'signed_in',
    server_url: 'https://10.0.0.5:8000',
    hosting: null,
    me: ME,
    my_status: { status: 'online', message: 'In the office' },
    connection: { state: 'online', mode: 'web_socket' },
    users: USERS,
    active_call: null,
    media: null,
    muted: false,
    missed_calls: 0,
    settings: SETTINGS,
    invite: null,
    link_call: null,
    ringing: null,
    meeting: null,
    camera_set_up: true,
    ...patch,
  };
}

export const FIRST_RUN = {
  ...appState(),
  phase: 'first_run',
  server_url: null,
  me: null,
  my_status: null,
  connection: null,
  users: [],
};

/** "sha256:ab12…" as the shell groups it: "AB12 …" (written out here, not with the UI's helper). */
export function grouped(fingerprint) {
  return fingerprint.slice('sha256:'.length).toUpperCase().match(/.{4}/g).join(' ');
}

/** Certificates: the host's own, another one, and one trusted before. */
export const FP_HOST = 'sha256:4740ae6347b0172c01254ff55bae5aff5199f4446e7f6d643d40185b3f475145';
export const FP_OTHER = 'sha256:d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa';

export const inviteLink = (server, fp = FP_HOST) => `switchboard://join?server=${server}&fp=${fp}`;

export function hosting(lanUrls = ['https://192.168.1.20:8000']) {
  return {
    url: 'https://127.0.0.1:8000',
    lan_urls: lanUrls,
    fingerprint: FP_HOST,
    fingerprint_grouped: grouped(FP_HOST),
    invite_links: lanUrls.map((u) => inviteLink(u)),
    admin_username: 'alice',
    data_dir: '/home/alice/.local/share/switchboard',
  };
}

export const HOSTING = hosting();

/** `check_server`'s answers for https://10.0.0.5:8000. */
export function serverCheck(trust, fp = FP_OTHER, server_url = 'https://10.0.0.5:8000') {
  return { server_url, certificate: { fingerprint: fp, fingerprint_grouped: grouped(fp), trust } };
}

const summary = (u) => ({ id: u.id, username: u.username, email: u.email, full_name: u.full_name });

/** A CallSession between `from` and `to` (user objects). */
export function call(id, from, to, status, patch = {}) {
  const ended = ['completed', 'rejected', 'cancelled', 'missed', 'failed'].includes(status);
  return {
    id,
    session_id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    room_name: `crm-20250303100000-${String(id).padStart(8, '0')}`,
    call_type: 'audio',
    status,
    initiator: from.id,
    recipient: to.id,
    participants: [from.id, to.id],
    started_at: status === 'active' || status === 'completed' ? '2025-03-03T10:00:05Z' : null,
    ended_at: ended ? '2025-03-03T10:01:28Z' : null,
    duration_seconds: status === 'completed' ? 83 : null,
    duration_formatted: status === 'completed' ? '01:23' : '00:00',
    is_active: status === 'active',
    participant_count: 2,
    created_at: '2025-03-03T10:00:00Z',
    initiator_details: summary(from),
    recipient_details: summary(to),
    ...patch,
  };
}

export const BOB = USERS[1];
export const CAROL = USERS[2];
export const DAN = USERS[3];

export const QUALITY_GOOD = {
  rtt_ms: 42,
  jitter_ms: 3.2,
  loss_pct: 0.5,
  send_kbps: 32,
  recv_kbps: 31,
  packets_received: 5000,
  packets_lost: 25,
  mos: 4.2,
  score: 4,
};

/** A hand-made sign-in screen state (signed out, server known). */
export const SIGN_IN = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });

/** An invite link with a one-time code, and what the shell makes of it. */
export const INVITE_CODE = 'K7QM-4XPA-93TD';
export const joinLink = (server = 'https://192.168.1.20:8000', fp = FP_HOST, code = INVITE_CODE) =>
  `switchboard://join?server=${server}&fp=${fp}&code=${code}`;
export const CODE_INVITE = { server: 'https://192.168.1.20:8000', fingerprint: FP_HOST, code: INVITE_CODE };

/** `AppState.link_call`: a `switchboard://call/<username>` link opened, waiting for Call or
 * Cancel (the shell's display name: the full name, else the username). */
export function linkCall(u, regarding = null) {
  return { user_id: u.id, username: u.username, display_name: u.full_name || u.username, regarding };
}

/** A Callback of mine (`callbacks`): to call `who` back at `dueAt` (an ISO time). */
export function callback(id, who, dueAt, patch = {}) {
  return {
    id,
    owner: ME.id,
    user_id: who.id,
    user_details: summary(who),
    due_at: dueAt,
    created_at: new Date(Date.parse(dueAt) - 600_000).toISOString(),
    ...patch,
  };
}

export const ERIN = USERS[4];
export const FARID = USERS[5];
export const GRACE = USERS[6];

/**
 * The fixtures that carry times, counting from `now()` (ms since the epoch): exported just
 * below counting from the real clock, and from a fixed instant by `fixturesAt`.
 */
function timed(now) {
  const at = (ms) => new Date(now() + ms).toISOString();
  /** An ISO time `minutes` from now (negative: ago). */
  const minutesFromNow = (minutes) => at(minutes * 60_000);
  const hoursFromNow = (hours) => at(hours * 3600_000);
  return {
    minutesFromNow,

    /** Invite codes as `list_invites` gives them, newest first. */
    invites() {
      return [
        { id: 14, state: 'open', created_by: 1, created_at: hoursFromNow(-1), expires_at: hoursFromNow(71), used_by: null },
        { id: 13, state: 'used', created_by: 1, created_at: hoursFromNow(-30), expires_at: hoursFromNow(42), used_by: 3 },
        { id: 12, state: 'expired', created_by: 1, created_at: hoursFromNow(-200), expires_at: hoursFromNow(-32), used_by: null },
        { id: 11, state: 'revoked', created_by: 1, created_at: hoursFromNow(-220), expires_at: hoursFromNow(-52), used_by: null },
      ];
    },

    /** `create_invite`'s answer: the code, shown once, and one link per address (or none). */
    teamInvite({ id = 15, hours = 72, links = [joinLink(), joinLink('https://10.8.0.3:8000')] } = {}) {
      return {
        code: INVITE_CODE,
        links,
        server_url: 'https://192.168.1.20:8000',
        invite: { id, state: 'open', created_by: 1, created_at: hoursFromNow(0), expires_at: hoursFromNow(hours), used_by: null },
      };
    },

    /** A Note left for me (`notes`) by `from`, `minutesAgo` ago; unread unless `read_at`. */
    note(id, from, text, minutesAgo = 5, patch = {}) {
      return {
        id,
        from_user_id: from.id,
        from_details: summary(from),
        to_user_id: ME.id,
        text,
        created_at: minutesFromNow(-minutesAgo),
        ...patch,
      };
    },

    /** A CampOn of mine (`camp_ons`): told when `who` can take calls. */
    campOn(id, who, patch = {}) {
      return {
        id,
        watcher: ME.id,
        user_id: who.id,
        user_details: summary(who),
        created_at: minutesFromNow(-2),
        expires_at: minutesFromNow(600),
        ...patch,
      };
    },

    /** A Webhook endpoint (`webhooks`). */
    webhook(id, url, patch = {}) {
      return {
        id,
        url,
        events: ['call.completed', 'call.missed', 'call.rejected', 'call.logged'],
        created_by: ME.id,
        created_at: minutesFromNow(-3000),
        pending: 0,
        failed: 0,
        ...patch,
      };
    },

    /** A WebhookDelivery (`webhook_deliveries`). */
    delivery(id, webhookId, event, state, patch = {}) {
      return {
        id,
        webhook_id: webhookId,
        event,
        event_id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
        state,
        attempts: 1,
        created_at: minutesFromNow(-id),
        ...patch,
      };
    },
  };
}

export const { minutesFromNow, invites, teamInvite, note, campOn, webhook, delivery } = timed(() => Date.now());

/**
 * Today at 12:00 on this machine (ms since the epoch), for tests that show dates as "Today"
 * or "Yesterday": counted from the real clock, 10 minutes from now is tomorrow when the
 * tests run at 23:55, so such a test builds its times with `fixturesAt(NOON)` and opens the
 * page with `openApp(env, { now: NOON, … })`, which sets the page's clock to the same
 * instant. Midday keeps offsets of up to ±12 h on their day. The page runs in this machine's time zone (the test browser's
 * context sets none), so its noon is this one.
 */
export const NOON = new Date().setHours(12, 0, 0, 0);

/** The fixtures that carry times (`minutesFromNow`, `note`, `delivery`, …) counting from
 * the fixed instant `now` (ms since the epoch, e.g. NOON) instead of the real clock. */
export const fixturesAt = (now) => timed(() => now);

/** A Meeting (`meetings`): `host` and `guests` are user objects; an ongoing one has a call. */
export function meeting(id, title, host, guests, status = 'scheduled', patch = {}) {
  return {
    id,
    title,
    host: summary(host),
    participants: guests.map(summary),
    participant_ids: guests.map((u) => u.id),
    status,
    scheduled_at: null,
    created_at: '2025-03-03T09:00:00Z',
    ...(status === 'ongoing' ? { active_call_id: 500 + id } : {}),
    ...patch,
  };
}

/** `meetings`' answer: one page. */
export function meetingPage(results, patch = {}) {
  return { count: results.length, next: null, previous: null, results, ...patch };
}

/** One other member of the meeting I am in (`MeetingPeer`). */
export function peer(u, state = 'away', patch = {}) {
  return { user_id: u.id, name: u.full_name, state, level: 0, quality: null, ...patch };
}

/** The meeting I am in (`MeetingView`), as the shell sends it: everyone invited but me,
 * the host first, not here yet unless `peers` says otherwise (by user id). */
export function meetingView(m, { peers = {}, ...patch } = {}) {
  const people = [m.host, ...m.participants].filter((u, i, all) => u.id !== ME.id && all.findIndex((x) => x.id === u.id) === i);
  return {
    meeting_id: m.id,
    title: m.title,
    host_id: m.host.id,
    call_id: m.active_call_id ?? 900 + m.id,
    muted: false,
    camera_on: false,
    my_level: 0,
    participants: people.map((u) => ({ ...peer(u), ...(peers[u.id] ?? {}) })),
    ended: null,
    ...patch,
  };
}

/** The meeting's call (`VideoCallSession`), started by `caller`. */
export function meetingCall(id, meetingId, caller, status = 'active') {
  return {
    id,
    meeting: meetingId,
    caller: { id: caller.id, email: caller.email, full_name: caller.full_name },
    status,
    started_at: '2025-03-03T10:00:00Z',
    ended_at: status === 'ended' ? '2025-03-03T10:30:00Z' : null,
    duration: status === 'ended' ? 1800 : null,
  };
}
