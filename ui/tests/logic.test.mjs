// The UI's pure logic (no DOM): formatting, people, calls, the state reducer, and how a
// video picture is read from the shell's message.
// The TypeScript modules are bundled by esbuild into one ES module and imported.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { appState, BOB, call, callback, CAROL, DAN, FIRST_RUN, FP_HOST, grouped, ME, serverCheck, USERS, user } from './fixtures.mjs';
import { UI } from './support.mjs';

let m;
let dir;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-ui-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    ['format', 'people', 'calls', 'reduce', 'state', 'features', 'callbacks', 'video']
      .map((f) => `export * from ${JSON.stringify(join(UI, 'src', `${f}.ts`))};`)
      .join('\n'),
  );
  const out = join(dir, 'logic.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'warning' });
  m = await import(pathToFileURL(out).href);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('durations: m:ss, h:mm:ss, words', () => {
  assert.equal(m.formatDuration(0), '0:00');
  assert.equal(m.formatDuration(83), '1:23');
  assert.equal(m.formatDuration(3723), '1:02:03');
  assert.equal(m.formatDuration(null), '0:00');
  assert.equal(m.formatDuration(-5), '0:00');
  assert.equal(m.durationWords(83), '1 minute 23 seconds');
  assert.equal(m.durationWords(3600), '1 hour');
  assert.equal(m.durationWords(0), '0 seconds');
});

test('times: today, yesterday, older, other years', () => {
  const now = new Date(2025, 2, 5, 15, 0);
  assert.match(m.formatWhen(new Date(2025, 2, 5, 9, 5).toISOString(), now, 'en-GB'), /^Today 09:05$/);
  assert.match(m.formatWhen(new Date(2025, 2, 4, 23, 59).toISOString(), now, 'en-GB'), /^Yesterday 23:59$/);
  assert.match(m.formatWhen(new Date(2025, 2, 1, 8, 0).toISOString(), now, 'en-GB'), /^Sat 1 Mar, 08:00$/);
  assert.match(m.formatWhen(new Date(2024, 11, 31, 8, 0).toISOString(), now, 'en-GB'), /2024/);
  assert.equal(m.formatWhen(null, now), '—');
});

test('names, initials, quality words, levels', () => {
  assert.equal(m.displayName({ full_name: '  ', username: 'bob' }), 'bob');
  assert.equal(m.initials('Bob van Stone'), 'BS');
  assert.equal(m.initials('alice'), 'A');
  const q = m.qualitySummary({ rtt_ms: 42.4, jitter_ms: 3.2, loss_pct: 0.54, score: 4 });
  assert.deepEqual(q, { word: 'Good', details: '42 ms round trip · 0.5% loss · 3 ms jitter' });
  assert.match(m.qualitySummary({ rtt_ms: null, jitter_ms: 0, loss_pct: 0, score: 5 }).details, /round trip unknown/);
  assert.equal(m.levelFraction(0), 0);
  assert.equal(m.levelFraction(1), 1);
  assert.ok(Math.abs(m.levelFraction(0.001) - 0) < 1e-9);
  assert.ok(m.levelFraction(0.1) > 0.6 && m.levelFraction(0.1) < 0.7);
});

test('connection: words and a banner only when it is not fine', () => {
  assert.equal(m.describeConnection({ state: 'online', mode: 'web_socket' }).banner, null);
  assert.equal(m.describeConnection({ state: 'online', mode: 'polling' }).word, 'Connected (polling)');
  const r = m.describeConnection({ state: 'reconnecting', attempt: 1, retry_in_ms: 1000, reason: 'Timed out.' });
  assert.match(r.banner, /\(Timed out\)\. Trying again in 1 second \(attempt 1\)/);
  assert.equal(
    m.describeConnection({ state: 'offline', reason: 'Your session has expired.' }).banner,
    'The server signed you out: Your session has expired. Calls cannot reach you until you sign in again.',
  );
});

test('server address: https is added when no scheme is typed (as the shell does)', () => {
  assert.equal(m.normalizeServerUrl(' 10.0.0.5:8000 '), 'https://10.0.0.5:8000');
  assert.equal(m.normalizeServerUrl('https://crm.acme.test/'), 'https://crm.acme.test');
  assert.equal(m.normalizeServerUrl('http://10.0.0.5:8000//'), 'http://10.0.0.5:8000');
  assert.equal(m.normalizeServerUrl('HTTP://X'), 'HTTP://X');
  assert.equal(m.normalizeServerUrl(''), '');
  assert.ok(m.isHttps('10.0.0.5:8000') === false && m.isHttps(' HTTPS://x') && !m.isHttps('http://x'));
  assert.ok(m.sameServer('10.0.0.5:8000', 'https://10.0.0.5:8000/'));
  assert.ok(m.sameServer('https://Host.Example:8000', 'https://host.example:8000'));
  assert.ok(!m.sameServer('http://10.0.0.5:8000', 'https://10.0.0.5:8000'));
  assert.ok(!m.sameServer('', ''));
});

test('certificates: fingerprints in groups of four, invite links told from addresses', () => {
  assert.equal(m.groupFingerprint(FP_HOST), grouped(FP_HOST));
  assert.equal(
    m.groupFingerprint(FP_HOST),
    '4740 AE63 47B0 172C 0125 4FF5 5BAE 5AFF 5199 F444 6E7F 6D64 3D40 185B 3F47 5145',
  );
  assert.equal(m.groupFingerprint(FP_HOST).split(' ').length, 16);
  // As the shell accepts them: upper-case prefix, colons, spaces.
  assert.equal(m.groupFingerprint(' SHA256:ab:cd:ef:01:23 '), 'ABCD EF01 23');
  assert.equal(m.groupFingerprint('abcd ef01'), 'ABCD EF01');
  assert.equal(m.groupFingerprint(''), '');
  assert.ok(m.looksLikeInvite(' switchboard://join?server=https://10.0.0.5:8000&fp=sha256:00'));
  assert.ok(m.looksLikeInvite('Switchboard:join?x'));
  assert.ok(!m.looksLikeInvite('https://10.0.0.5:8000'));
  assert.ok(!m.looksLikeInvite('10.0.0.5:8000'));
});

test('reducer: an invite’s certificate is for its own server only', () => {
  const invite = { server: 'https://192.168.1.20:8000', fingerprint: FP_HOST };
  const s = m.withAppState(m.initialState(), { ...FIRST_RUN, invite }, 0);
  assert.equal(m.inviteFor(s, '192.168.1.20:8000'), invite);
  assert.equal(m.inviteFor(s, 'https://192.168.1.20:8000/'), invite);
  assert.equal(m.inviteFor(s, 'https://192.168.1.21:8000'), null);
  assert.equal(m.inviteFor(s, ''), null);
  assert.equal(m.inviteFor(m.withAppState(m.initialState(), FIRST_RUN, 0), 'https://192.168.1.20:8000'), null);
});

test('reducer: the certificate question stays through a repeat of the same screen, not past it', () => {
  const q = { area: 'first_run', serverUrl: 'https://10.0.0.5:8000', check: serverCheck({ kind: 'unknown' }).certificate };
  const asked = { ...m.withAppState(m.initialState(), FIRST_RUN, 0), certificate: q };
  assert.equal(m.withAppState(asked, { ...FIRST_RUN, invite: null }, 0).certificate, q);
  const signIn = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });
  assert.equal(m.withAppState(asked, signIn, 0).certificate, null);
});

test('errors: the shell’s sentence as is', () => {
  assert.equal(m.errorText('Bob is busy.'), 'Bob is busy.');
  assert.equal(m.errorText(new Error('Boom.')), 'Boom.');
  assert.equal(m.errorText({ message: 'Nope.' }), 'Nope.');
  assert.match(m.errorText(undefined), /Something went wrong/);
});

test('plain text: bidi controls from other users are removed, right-to-left letters kept', () => {
  const controls = {
    LRE: '\u202A',
    RLE: '\u202B',
    PDF: '\u202C',
    LRO: '\u202D',
    RLO: '\u202E',
    LRI: '\u2066',
    RLI: '\u2067',
    FSI: '\u2068',
    PDI: '\u2069',
    LRM: '\u200E',
    RLM: '\u200F',
    ALM: '\u061C',
  };
  for (const [name, c] of Object.entries(controls)) {
    assert.equal(m.plainText(`Ali${c}ce`), 'Alice', `${name} is removed`);
    assert.equal(m.plainText(`${c}${c}Bob${c}`), 'Bob', `${name} is removed everywhere`);
  }
  assert.equal(m.plainText('Back at \u202E00:51'), 'Back at 00:51');
  assert.equal(m.plainText('\u2067Bob\u2069 \u202Dx\u202C'), 'Bob x');
  // Arabic and Hebrew letters (and their own punctuation) stay as they are.
  for (const rtl of ['فريد حداد', 'דנה לוי', 'مرحبا، كيف الحال؟', 'שלום (בבית)']) {
    assert.equal(m.plainText(rtl), rtl);
    assert.equal(m.plainText(`\u202B${rtl}\u202C`), rtl);
  }
  // Ordinary text is unchanged, including accents, emoji, joiners and quotes.
  for (const ok of ['Alice Martin', 'Zoë Ångström', 'bob@acme.test', '“Renewals all morning”', '👩‍💻 on call', '']) {
    assert.equal(m.plainText(ok), ok);
  }
  assert.equal(m.plainText(null), '');
  assert.equal(m.plainText(undefined), '');
  // Names use it: a name that is nothing but controls falls back to the username.
  assert.equal(m.displayName({ full_name: '\u202Eecila', username: 'al\u202Eice' }), 'ecila');
  assert.equal(m.displayName({ full_name: '\u202E\u2066 ', username: 'al\u202Eice' }), 'alice');
  // Search matches the text as shown.
  const spoof = user(9, 'mal\u202Elory', 'Mal\u202Elory \u2066Hunt\u2069', 'online');
  assert.equal(m.matchesQuery(spoof, 'mallory hunt'), true);
  assert.equal(m.matchesQuery(spoof, 'mallory@acme'), true, 'the email too');
  assert.equal(m.matchesQuery(spoof, 'yrol'), false, 'not the reversed text');
  assert.equal(m.matchesQuery(spoof, 'mal\u202Elory'), true);
});

test('people: search by name, username, email, accents; filters; order; me left out', () => {
  const others = USERS.slice(1);
  const names = (list) => list.map((u) => u.full_name);
  assert.deepEqual(names(m.visibleUsers(USERS, '', 'all', ME.id)), [
    'Bob Stone',
    'Carol Diaz',
    'Dan Okafor',
    'Erin Walsh',
    'Farid Haddad',
    'Grace Lee',
  ]);
  assert.deepEqual(names(m.visibleUsers(others, 'STONE', 'all', ME.id)), ['Bob Stone']);
  assert.deepEqual(names(m.visibleUsers(others, 'farid', 'all', ME.id)), ['Farid Haddad']);
  assert.deepEqual(names(m.visibleUsers(others, 'erin@acme', 'all', ME.id)), ['Erin Walsh']);
  assert.deepEqual(names(m.visibleUsers(others, 'dan oka', 'all', ME.id)), ['Dan Okafor']);
  assert.deepEqual(names(m.visibleUsers([user(9, 'zoe', 'Zoë Ångström', 'online')], 'zoe ang', 'all', ME.id)), ['Zoë Ångström']);
  assert.deepEqual(names(m.visibleUsers(others, '', 'available', ME.id)), ['Bob Stone', 'Carol Diaz', 'Dan Okafor']);
  assert.deepEqual(names(m.visibleUsers(others, '', 'dnd', ME.id)), ['Farid Haddad']);
  // Someone whose status says online but who is not connected counts as offline.
  const ghost = user(10, 'gh', 'Ghost', 'online', { is_online: false });
  assert.deepEqual(names(m.visibleUsers([ghost], '', 'offline', ME.id)), ['Ghost']);
});

test('people: why a call button is disabled', () => {
  const [, bob, , , erin, farid, grace] = USERS;
  assert.equal(m.callBlockReason(bob, false), null);
  assert.equal(m.callBlockReason(bob, true), 'You are already in a call.');
  assert.equal(m.callBlockReason(grace, false), 'Grace Lee is offline.');
  assert.equal(m.callBlockReason(erin, false), 'Erin Walsh is in a call.');
  assert.equal(m.callBlockReason({ ...bob, presence: { ...bob.presence, status: 'busy' } }, false), 'Bob Stone is busy.');
  assert.equal(m.callBlockReason(farid, false), 'Farid Haddad does not want to be disturbed.');
  assert.equal(
    m.callBlockReason({ ...bob, presence: { ...bob.presence, available_for_calls: false } }, false),
    'Bob Stone is not taking calls.',
  );
});

test('people: a presence event updates one person', () => {
  const next = m.applyPresence(USERS, 7, 'online', true);
  const grace = next.find((u) => u.id === 7);
  assert.equal(grace.presence.status, 'online');
  assert.equal(grace.presence.is_online, true);
  assert.equal(grace.presence.is_available, true);
  assert.equal(next.find((u) => u.id === 2), USERS[1], 'others are untouched');
  const erin = m.applyPresence(USERS, 5, 'online', true).find((u) => u.id === 5);
  assert.equal(erin.presence.current_call, null, 'leaving busy clears the current call');
  const away = m.applyPresence(USERS, 7, 'away', true, 'Back at 3').find((u) => u.id === 7);
  assert.equal(away.presence.status_message, 'Back at 3', 'a new message is shown');
  const kept = m.applyPresence([{ ...USERS[6], presence: away.presence }], 7, 'online', true, null)[0];
  assert.equal(kept.presence.status_message, 'Back at 3', 'no message from the server keeps the old one');
  const cleared = m.applyPresence([{ ...USERS[6], presence: away.presence }], 7, 'online', true, '')[0];
  assert.equal(cleared.presence.status_message, '', 'an empty message clears it');
});

test('calls: direction, other party, missed, status words, durations', () => {
  const incoming = call(1, BOB, ME, 'missed');
  const outgoing = call(2, ME, CAROL, 'completed');
  assert.equal(m.direction(incoming, ME.id), 'incoming');
  assert.equal(m.direction(outgoing, ME.id), 'outgoing');
  assert.equal(m.otherParty(incoming, ME.id).username, 'bob');
  assert.equal(m.otherParty(outgoing, ME.id).username, 'carol');
  assert.equal(m.isMissed(incoming, ME.id), true);
  assert.equal(m.isMissed(call(3, BOB, ME, 'cancelled'), ME.id), true);
  assert.equal(m.isMissed(call(4, ME, BOB, 'missed'), ME.id), false, 'my unanswered call is not a missed call');
  assert.equal(m.isMissed(call(5, BOB, ME, 'rejected'), ME.id), false);
  assert.equal(m.statusWord(call(4, ME, BOB, 'missed'), ME.id), 'No answer');
  assert.equal(m.statusWord(incoming, ME.id), 'Missed');
  assert.equal(m.callDuration(outgoing), 83);
  assert.equal(m.callDuration(call(6, ME, BOB, 'completed', { duration_seconds: null })), 83, 'from the timestamps');
  assert.equal(m.callDuration(call(7, ME, BOB, 'rejected')), null);
});

test('calls: how a call ended, in a sentence', () => {
  const end = (c, media = null, local = null) => m.describeEnd(c, ME.id, media, local).text;
  assert.equal(end(call(1, ME, BOB, 'rejected')), 'Bob Stone declined the call.');
  assert.equal(end(call(1, ME, BOB, 'missed')), 'Bob Stone did not answer.');
  assert.equal(end(call(1, ME, BOB, 'cancelled')), 'You cancelled the call to Bob Stone.');
  assert.equal(end(call(1, BOB, ME, 'cancelled')), 'Bob Stone hung up before you answered.');
  assert.equal(end(call(1, BOB, ME, 'missed')), 'You missed a call from Bob Stone.');
  assert.equal(end(call(1, BOB, ME, 'rejected')), 'You declined the call from Bob Stone.');
  assert.equal(end(call(1, ME, BOB, 'completed')), 'Call ended — 1:23');
  assert.equal(end(call(1, ME, BOB, 'completed', { duration_seconds: null, started_at: null }), null, 7), 'Call ended — 0:07');
  assert.equal(
    end(call(1, ME, BOB, 'completed'), { state: 'ended', reason: 'remote', message: null }),
    'Call ended — 1:23. Bob Stone hung up.',
  );
  assert.equal(
    end(call(1, ME, BOB, 'failed'), { state: 'ended', reason: 'failed', message: 'No route to the TURN server' }),
    'The call with Bob Stone failed. No route to the TURN server.',
  );
});

function signedIn(patch = {}) {
  return m.withAppState(m.initialState(), appState(patch), 1_000_000);
}

test('reducer: app state drops me from the directory; an incoming ringing call opens the modal', () => {
  const s = signedIn();
  assert.equal(s.app.users.length, USERS.length - 1);
  assert.ok(!s.app.users.some((u) => u.id === ME.id));
  const ringing = signedIn({ active_call: call(9, BOB, ME, 'ringing') });
  assert.deepEqual(ringing.incoming, { callId: 9, fromUserId: 2, callerName: 'Bob Stone', callType: 'audio' });
  const active = m.withAppState(m.initialState(), appState({ active_call: call(9, BOB, ME, 'active') }), Date.parse('2025-03-03T10:01:00Z'));
  assert.equal(active.callStartedAt, Date.parse('2025-03-03T10:00:05Z'));
  const stale = m.withAppState(m.initialState(), appState({ active_call: call(9, BOB, ME, 'active') }), Date.parse('2025-04-01T00:00:00Z'));
  assert.equal(stale.callStartedAt, Date.parse('2025-04-01T00:00:00Z'), 'a start time far off is not believed');
});

test('reducer: events', () => {
  let s = signedIn();
  s = m.applyEvent(s, { type: 'directory', users: [...USERS, user(8, 'hana', 'Hana Sato', 'online')] }, 0);
  assert.equal(s.app.users.length, USERS.length);
  assert.ok(!s.app.users.some((u) => u.id === ME.id));
  s = m.applyEvent(s, { type: 'presence', user_id: ME.id, status: 'busy', available_for_calls: true }, 0);
  assert.deepEqual(s.app.my_status, { status: 'busy', message: 'In the office' });
  s = m.applyEvent(s, { type: 'connection', state: 'reconnecting', attempt: 1, retry_in_ms: 500, reason: 'x' }, 0);
  assert.deepEqual(s.app.connection, { state: 'reconnecting', attempt: 1, retry_in_ms: 500, reason: 'x' });
  s = m.applyEvent(s, { type: 'missed_calls', count: 3 }, 0);
  assert.equal(s.app.missed_calls, 3);
  s = m.applyEvent(s, { type: 'problem', message: 'Disk full.' }, 0);
  assert.equal(s.errors.global, 'Disk full.');
  s = m.applyEvent(s, { type: 'app_state', state: appState({ phase: 'sign_in', me: null }) }, 0);
  assert.equal(s.app.phase, 'sign_in');
  assert.deepEqual(s.errors, {});
});

test('reducer: an audio level is a new `levels` and nothing else (views watch by reference)', () => {
  const s = signedIn({ active_call: call(70, ME, BOB, 'active') });
  const next = m.applyEvent(s, { type: 'audio_level', call_id: 70, input: 0.2, output: 0.05 }, 0);
  assert.deepEqual(next.levels, { input: 0.2, output: 0.05 });
  assert.notEqual(next.levels, s.levels);
  for (const key of Object.keys(s).filter((k) => k !== 'levels')) {
    assert.equal(next[key], s[key], `${key} keeps its reference`);
  }
  // A level for some other call changes nothing at all.
  assert.equal(m.applyEvent(next, { type: 'audio_level', call_id: 71, input: 0.9, output: 0.9 }, 0), next);
});

test('store: a watch draws its slice at once, then only when the slice changes', () => {
  const store = new m.Store(signedIn());
  const drawn = [];
  store.watch((s) => ({ users: s.app.users, query: s.query }), (slice, prev) => drawn.push([slice.query, prev?.query]));
  assert.deepEqual(drawn, [['', undefined]]);
  store.set({ levels: { input: 0.5, output: 0.5 } });
  store.set({ tab: 'history' });
  assert.equal(drawn.length, 1, 'other slices changing draws nothing');
  store.set({ query: 'bo' });
  assert.deepEqual(drawn[1], ['bo', '']);
  store.update((s) => ({ ...s, app: { ...s.app, users: [...s.app.users] } }));
  assert.equal(drawn.length, 3, 'a new directory array is a change');

  // Entries are compared by identity, one level deep; arrays and plain objects alike.
  const shared = {};
  assert.ok(m.sameSlice([1, 'a', null], [1, 'a', null]));
  assert.ok(m.sameSlice({ a: 1, b: shared }, { a: 1, b: shared }));
  assert.ok(!m.sameSlice({ a: {} }, { a: {} }));
  assert.ok(!m.sameSlice({ a: 1 }, { b: 1 }));
  assert.ok(!m.sameSlice([1], { 0: 1 }));
  assert.ok(!m.sameSlice([1, 2], [1]));
});

test('store: an update made while drawing runs after the round; a scope ends its watches', () => {
  const store = new m.Store(m.initialState());
  const seen = [];
  const scope = store.scope();
  // The first watcher starts a command when the query changes (as a view would).
  scope.watch(
    (s) => s.query,
    (q) => {
      if (q !== 'go') return;
      seen.push('search starts');
      store.setPending('search', true);
      seen.push('search started');
    },
  );
  scope.watch((s) => [s.query, !!s.pending.search], ([q, busy]) => seen.push(`${q}:${busy}`));
  store.set({ query: 'go' });
  assert.deepEqual(
    seen,
    [':false', 'search starts', 'search started', 'go:true'],
    'no draw inside another; the second watcher drew the newest state, once',
  );

  // Nor inside a watcher's first draw.
  const first = [];
  store.watch(
    (s) => s.pending.devices ?? false,
    (loading) => {
      first.push(`draw ${loading}`);
      if (!loading) store.setPending('devices', true);
      first.push(`drawn ${loading}`);
    },
  );
  assert.deepEqual(first, ['draw false', 'drawn false', 'draw true', 'drawn true']);

  const shown = [];
  m.whileShown(scope.watch, (s) => s.tab === 'history')((s) => s.query, (q) => shown.push(q));
  store.set({ query: 'x' });
  assert.deepEqual(shown, [], 'nothing is drawn while hidden');
  store.set({ tab: 'history' });
  assert.deepEqual(shown, ['x'], 'drawn when shown');
  store.set({ query: 'y' });
  assert.deepEqual(shown, ['x', 'y']);

  const drawnBefore = seen.length;
  scope.end();
  store.set({ query: 'z', pending: {} });
  assert.deepEqual(shown, ['x', 'y']);
  assert.equal(seen.length, drawnBefore, 'an ended scope draws no more');
});

test('reducer: the app_state event', () => {
  // Before any state (a failed boot), it still applies.
  const fresh = m.applyEvent(m.initialState(), { type: 'app_state', state: appState() }, 0);
  assert.equal(fresh.app.phase, 'signed_in');
  assert.equal(fresh.app.users.length, USERS.length - 1, 'me dropped here too');

  // Signed in → signed in (a teammate added): the user list changes, the UI's own state stays.
  let s = { ...signedIn(), tab: 'settings', query: 'bo', notice: 'Settings saved.', addedTeammate: { id: 8, username: 'hana', email: '', full_name: 'Hana Sato' } };
  s = { ...s, pending: { add_teammate: true } };
  s = m.applyEvent(s, { type: 'app_state', state: appState({ users: [...USERS, user(8, 'hana', 'Hana Sato', 'online')] }) }, 0);
  assert.equal(s.app.users.length, USERS.length);
  assert.equal(s.tab, 'settings');
  assert.equal(s.query, 'bo');
  assert.equal(s.addedTeammate.username, 'hana');
  assert.deepEqual(s.pending, { add_teammate: true });

  // Sign in → signed in (the start-up sign-in finished).
  const signIn = m.withAppState(m.initialState(), appState({ phase: 'sign_in', me: null, users: [] }), 0);
  const after = m.applyEvent(signIn, { type: 'app_state', state: appState() }, 0);
  assert.equal(after.app.phase, 'signed_in');
  assert.equal(after.app.me.id, ME.id);

  // The same signed-out screen again: its error and a command in flight are kept;
  // another phase starts afresh (but a command in flight still ends by itself).
  let first = m.withAppState(m.initialState(), appState({ phase: 'first_run', me: null, users: [] }), 0);
  first = { ...first, errors: { first_run: 'Passwords need at least 8 characters.' }, pending: { host_team: true } };
  const again = m.applyEvent(first, { type: 'app_state', state: appState({ phase: 'first_run', me: null, users: [] }) }, 0);
  assert.equal(again.errors.first_run, 'Passwords need at least 8 characters.');
  assert.deepEqual(again.pending, { host_team: true });
  const other = m.applyEvent(first, { type: 'app_state', state: appState({ phase: 'sign_in', me: null, users: [] }) }, 0);
  assert.deepEqual(other.errors, {});
  assert.deepEqual(other.pending, { host_team: true });
});

test('reducer: a call from ringing to active to completed', () => {
  let s = signedIn();
  s = m.applyCall(s, call(20, ME, BOB, 'ringing'), 1000);
  assert.equal(s.app.active_call.id, 20);
  assert.equal(s.incoming, null, 'my own call does not ring me');
  s = m.applyEvent(s, { type: 'quality', call_id: 20, quality: { score: 5 } }, 1000);
  assert.equal(s.quality.score, 5);
  s = m.applyEvent(s, { type: 'quality', call_id: 99, quality: { score: 1 } }, 1000);
  assert.equal(s.quality.score, 5, 'other calls are ignored');
  s = m.applyCall(s, call(20, ME, BOB, 'active'), 5000);
  assert.equal(s.callStartedAt, 5000);
  s = m.applyEvent(s, { type: 'media', call_id: 20, media: { state: 'connected', setup_ms: 300 } }, 5000);
  s = m.applyEvent(s, { type: 'muted', call_id: 20, muted: true }, 5000);
  assert.equal(s.app.muted, true);
  s = m.applyCall(s, call(20, ME, BOB, 'completed'), 90_000);
  assert.equal(s.app.active_call, null);
  assert.equal(s.app.muted, false);
  assert.equal(s.quality, null);
  assert.equal(s.outcome.text, 'Call ended — 1:23');
  // A stray update for a call I was never on changes nothing.
  assert.equal(m.applyCall(s, call(21, DAN, CAROL, 'active'), 0), s);
});

test('reducer: the reply that placed a call, coming after its answer, does not take it back to ringing', () => {
  let s = signedIn();
  // Bob answered at once: the server's push came before call_user's reply.
  s = m.applyCall(s, call(22, ME, BOB, 'active', { call_type: 'video' }), 1000);
  const late = m.applyCall(s, call(22, ME, BOB, 'ringing', { call_type: 'video' }), 1100);
  assert.equal(late, s);
  assert.equal(late.app.active_call.status, 'active');
  // The reply itself says `pending` (placed, not yet delivered): older still.
  assert.equal(m.applyCall(s, call(22, ME, BOB, 'pending', { call_type: 'video' }), 1100), s);
  // And a delivery ringing does not go back to pending.
  const ringing = m.applyCall(signedIn(), call(23, ME, BOB, 'ringing'), 1000);
  assert.equal(m.applyCall(ringing, call(23, ME, BOB, 'pending'), 1050), ringing);
});

test('reducer: holding and resuming an active call (only who holds it changes) replace it; the hold timer starts then, and stops', () => {
  let s = signedIn();
  s = m.applyCall(s, call(22, ME, BOB, 'active'), 1000);
  assert.equal(s.holdStartedAt, null);
  assert.equal(m.holdSide(s.app.active_call, ME.id), 'none');
  // Bob holds it: the same call, still active; the server's clock is not this one.
  const held = call(22, ME, BOB, 'active', { on_hold_by: BOB.id, on_hold_since: '2025-03-03T10:00:30Z' });
  s = m.applyCall(s, held, 30_000);
  assert.equal(s.app.active_call.on_hold_by, BOB.id);
  assert.equal(m.holdSide(s.app.active_call, ME.id), 'them');
  assert.equal(s.holdStartedAt, 30_000, 'heard of as it happens: counted from then, on this clock');
  // The same hold again (a command's answer, then the update): the hold timer goes on.
  s = m.applyCall(s, { ...held }, 31_000);
  assert.equal(s.holdStartedAt, 30_000);
  // An older, ringing picture does not undo it.
  assert.equal(m.applyCall(s, call(22, ME, BOB, 'ringing'), 32_000), s);
  // Resumed.
  s = m.applyCall(s, call(22, ME, BOB, 'active', { hold_seconds: 12 }), 42_000);
  assert.equal(s.app.active_call.on_hold_by, undefined);
  assert.equal(s.app.active_call.hold_seconds, 12);
  assert.equal(s.holdStartedAt, null);
  assert.equal(s.callStartedAt, 1000, 'the call timer goes on');
  // Held by me (a null holder counts as nobody).
  assert.equal(m.holdSide(call(22, ME, BOB, 'active', { on_hold_by: null }), ME.id), 'none');
  s = m.applyCall(s, call(22, ME, BOB, 'active', { on_hold_by: ME.id, on_hold_since: '2025-03-03T10:00:50Z' }), 50_000);
  assert.equal(m.holdSide(s.app.active_call, ME.id), 'me');
  assert.equal(s.holdStartedAt, 50_000);
  // A call that ends on hold leaves no hold behind.
  s = m.applyCall(s, call(22, ME, BOB, 'completed', { hold_seconds: 22 }), 60_000);
  assert.equal(s.holdStartedAt, null);
  assert.equal(m.holdSide(s.app.active_call, ME.id), 'none');
});

test('reducer: a state from the shell during a hold counts it from the server’s time, unless clocks disagree', () => {
  const since = '2025-03-03T10:00:35Z';
  const now = Date.parse('2025-03-03T10:01:00Z');
  const heldCall = (patch = {}) => call(9, BOB, ME, 'active', { on_hold_by: ME.id, on_hold_since: since, ...patch });
  let s = m.withAppState(m.initialState(), appState({ active_call: heldCall() }), now);
  assert.equal(s.holdStartedAt, Date.parse(since));
  // The same hold in a later state: kept.
  s = m.withAppState(s, appState({ active_call: heldCall() }), now + 5000);
  assert.equal(s.holdStartedAt, Date.parse(since));
  // Resumed, then held again with a time from the future (this clock is behind): now.
  s = m.withAppState(s, appState({ active_call: call(9, BOB, ME, 'active') }), now + 6000);
  assert.equal(s.holdStartedAt, null);
  s = m.withAppState(s, appState({ active_call: heldCall({ on_hold_since: '2025-03-03T10:05:00Z' }) }), now + 7000);
  assert.equal(s.holdStartedAt, now + 7000);
  const farOff = m.withAppState(m.initialState(), appState({ active_call: heldCall() }), Date.parse('2025-04-01T00:00:00Z'));
  assert.equal(farOff.holdStartedAt, Date.parse('2025-04-01T00:00:00Z'), 'a time far off is not believed');
  const ended = m.withAppState(s, appState(), now + 8000);
  assert.equal(ended.holdStartedAt, null);
});

test('reducer: what this side sends: the camera in a video call, nothing in a voice call, until the buttons change it; each call afresh', () => {
  let s = signedIn();
  assert.equal(m.videoSending(s), 'off', 'out of a call');
  s = m.applyCall(s, call(40, ME, BOB, 'ringing', { call_type: 'video' }), 0);
  assert.equal(m.videoSending(s), 'off', 'not while it rings');
  s = m.applyCall(s, call(40, ME, BOB, 'active', { call_type: 'video' }), 0);
  assert.equal(m.videoSending(s), 'camera', 'the shell opens the camera as a video call connects');
  s = { ...s, videoSend: { callId: 40, send: 'screen' } };
  assert.equal(m.videoSending(s), 'screen');
  s = m.applyCall(s, call(40, ME, BOB, 'completed', { call_type: 'video' }), 0);
  assert.equal(s.videoSend, null, 'forgotten when the call ends');
  s = m.applyCall(s, call(41, BOB, ME, 'active'), 0);
  assert.equal(m.videoSending(s), 'off', 'a voice call sends nothing at first');
  s = { ...s, videoSend: { callId: 41, send: 'camera' } };
  assert.equal(m.videoSending(s), 'camera');
  // A choice made in another call (a state from the shell with another call in it) is not this one's.
  s = m.withAppState(s, appState({ active_call: call(42, BOB, ME, 'active', { call_type: 'video' }) }), 0);
  assert.equal(m.videoSending(s), 'camera');
  s = { ...s, videoSend: { callId: 41, send: 'off' } };
  assert.equal(m.videoSending(s), 'camera');
});

test('reducer: hanging up ends the call on screen, the final update refines the outcome', () => {
  let s = signedIn();
  s = m.applyCall(s, call(30, BOB, ME, 'active'), 10_000);
  s = m.endLocally(s, 30, 22_000);
  assert.equal(s.app.active_call, null);
  assert.equal(s.outcome.text, 'Call ended — 0:12', 'timed locally until the shell says');
  s = m.applyCall(s, call(30, BOB, ME, 'completed', { duration_seconds: 14 }), 23_000);
  assert.equal(s.outcome.text, 'Call ended — 0:14');
  // Cancelling my ringing call.
  s = m.applyCall(s, call(31, ME, CAROL, 'ringing'), 0);
  s = m.endLocally(s, 31, 0);
  assert.equal(s.outcome.text, 'You cancelled the call to Carol Diaz.');
});

test('transfer: my call ends saying to whom, whatever order the answer, the call’s end and its media’s come in', () => {
  const media = { state: 'ended', reason: 'local', message: 'Transferred to Carol Diaz.' };
  const placed = call(31, BOB, CAROL, 'pending', { transferred_from: 30 });
  assert.equal(m.describeEnd(call(30, ME, BOB, 'completed'), ME.id, media).text, 'Call ended — 1:23. Transferred to Carol Diaz.');
  assert.equal(m.describeEnd(call(30, ME, BOB, 'completed'), ME.id, { ...media, message: null }).text, 'Call ended — 1:23', 'a hang-up says nothing more');
  assert.equal(m.endedAnd('Call ended.', 'Bob Stone hung up'), 'Call ended. Bob Stone hung up.');
  const talking = m.applyCall(signedIn(), call(30, ME, BOB, 'active'), 10_000);

  // The answer first: ended at once; the shell's end refines the time, its media adds nothing.
  let s = m.transferredAway(talking, 30, placed, 22_000);
  assert.equal(s.app.active_call, null);
  assert.equal(s.outcome.text, 'Call ended — 0:12. Transferred to Carol Diaz.');
  assert.equal(s.afterCall.withName, 'Bob Stone', 'the call I talked on can be logged');
  s = m.applyCall(s, call(30, ME, BOB, 'completed'), 23_000);
  s = m.applyCall(s, placed, 23_000);
  s = m.applyEvent(s, { type: 'media', call_id: 30, media }, 23_000);
  assert.equal(s.outcome.text, 'Call ended — 1:23. Transferred to Carol Diaz.');
  assert.equal(s.app.active_call, null, 'their new call is not mine');

  // The shell's end first, then its media, then the answer.
  s = m.applyCall(talking, call(30, ME, BOB, 'completed'), 23_000);
  assert.equal(s.outcome.text, 'Call ended — 1:23');
  s = m.applyEvent(s, { type: 'media', call_id: 30, media }, 23_000);
  assert.equal(s.outcome.text, 'Call ended — 1:23. Transferred to Carol Diaz.');
  s = m.transferredAway(s, 30, placed, 24_000);
  assert.equal(s.outcome.text, 'Call ended — 1:23. Transferred to Carol Diaz.', 'said once');
  // A media end that says nothing, or for another call, changes nothing.
  const quiet = m.applyCall(talking, call(30, ME, BOB, 'completed'), 23_000);
  assert.equal(m.applyEvent(quiet, { type: 'media', call_id: 30, media: { ...media, message: null } }, 0), quiet);
  assert.equal(m.applyEvent(quiet, { type: 'media', call_id: 29, media }, 0), quiet);
});

test('put through: the call I was put through to replaces my call, whichever comes first; who put me through is known from it', () => {
  const talking = m.applyCall(signedIn(), call(30, BOB, ME, 'active'), 10_000);
  const mine = call(31, ME, CAROL, 'pending', { transferred_from: 30 });
  // The old call's end first, then the new call.
  let s = m.applyCall(m.applyCall(talking, call(30, BOB, ME, 'completed'), 20_000), mine, 20_000);
  assert.equal(s.app.active_call.id, 31);
  assert.equal(s.outcome, null);
  assert.equal(m.putThroughBy(s, s.app.active_call), 'Bob Stone');
  // The new call first: the old one ends here with it.
  s = m.applyCall(talking, mine, 20_000);
  assert.equal(s.app.active_call.id, 31);
  assert.equal(s.afterCall.callId, 30);
  assert.equal(m.putThroughBy(s, s.app.active_call), 'Bob Stone');
  s = m.applyCall(s, call(30, BOB, ME, 'completed'), 21_000);
  assert.equal(s.app.active_call.id, 31, 'the old call’s end, after, changes nothing');
  assert.equal(s.callStartedAt, null, 'ringing, not timed');
  // Someone else's call from mine (they put Bob through to Carol, not me): not mine.
  s = m.applyCall(talking, call(32, BOB, CAROL, 'pending', { transferred_from: 30 }), 20_000);
  assert.equal(s, talking);
  // Not known here (a window opened since): null, the card says it without a name.
  assert.equal(m.putThroughBy(signedIn(), mine), null);
  assert.equal(m.putThroughWords(null, 'Carol Diaz'), 'You were put through to Carol Diaz');
  assert.equal(m.putThroughWords('Bob Stone', 'Carol Diaz'), 'Bob Stone put you through to Carol Diaz');
});

test('reducer: an incoming call cancelled by the caller closes the modal and says so', () => {
  let s = signedIn();
  s = m.applyEvent(s, { type: 'incoming_call', call_id: 40, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'audio', room_name: 'r' }, 0);
  assert.equal(s.incoming.callId, 40);
  s = m.applyCall(s, call(40, BOB, ME, 'cancelled'), 0);
  assert.equal(s.incoming, null);
  assert.equal(s.outcome.text, 'Bob Stone hung up before you answered.');
  // Answered (from the notification): the modal closes and the call is on.
  s = m.applyEvent(s, { type: 'incoming_call', call_id: 41, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'audio', room_name: 'r' }, 0);
  s = m.applyCall(s, call(41, BOB, ME, 'active'), 0);
  assert.equal(s.incoming, null);
  assert.equal(s.app.active_call.id, 41);
  assert.equal(s.outcome, null);
});

test('disabled accounts: cannot be called (said why), listed after everyone; an entry without the field is active', () => {
  const names = (list) => list.map((u) => u.full_name);
  const carol = { ...CAROL, is_active: false };
  const users = USERS.map((u) => (u.id === carol.id ? carol : u));
  assert.equal(m.isDisabled(carol), true);
  assert.equal(m.isDisabled(BOB), false);
  const { is_active: _gone, ...older } = BOB;
  assert.equal(m.isDisabled(older), false, 'an older shell sends no is_active');
  assert.equal(m.callBlockReason(carol, false), 'Carol Diaz’s account is disabled by an administrator, so they cannot take calls.');
  assert.equal(m.callBlockReason(carol, true), m.callBlockReason(carol, false), 'the account, not my call, is the reason');
  assert.equal(m.isCallable(carol), false);
  assert.equal(names(m.visibleUsers(users, '', 'all', ME.id)).at(-1), 'Carol Diaz');
  assert.deepEqual(names(m.visibleUsers(users, '', 'available', ME.id)), ['Bob Stone', 'Dan Okafor']);
});

test('formatWhen: an invite that expires tomorrow says so', () => {
  const now = new Date(2025, 2, 5, 12, 0);
  assert.match(m.formatWhen(new Date(2025, 2, 6, 9, 30).toISOString(), now, 'en-GB'), /^Tomorrow 09:30$/);
  assert.match(m.formatWhen(new Date(2025, 2, 8, 9, 30).toISOString(), now, 'en-GB'), /^Sat 8 Mar, 09:30$/);
});

test('a new account signed in (join_team) starts with no invites or notices of the one before', () => {
  let s = m.withAppState(m.initialState(), appState(), 0);
  s = { ...s, invites: [{ id: 1 }], createdInvite: { code: 'X' }, accountNotice: 'Password changed.' };
  const same = m.withAppState(s, appState(), 0);
  assert.deepEqual(same.invites, [{ id: 1 }], 'the same account keeps them');
  const other = m.withAppState(s, appState({ me: { ...ME, id: 9, username: 'hana' } }), 0);
  assert.equal(other.invites, null);
  assert.equal(other.createdInvite, null);
  assert.equal(other.accountNotice, null);
  const signedOut = m.withAppState(s, { ...FIRST_RUN, phase: 'sign_in' }, 0);
  assert.equal(signedOut.createdInvite, null, 'signing out forgets the code');
});

test('features: a route the server does not have (Switchboard, Django REST framework, a 404 page) is told from other refusals', () => {
  for (const missing of [
    "There is no API route GET /api/callbacks/; see the README's API section.",
    'There is no API route POST /api/callbacks/.',
    'Not found.',
    'not found',
    'The server refused the request (404 Not Found).',
    new Error('Not found.'),
  ]) {
    assert.ok(m.isMissingRoute(missing), String(missing));
  }
  for (const other of [
    'There is no call-back with id 4.',
    'There is no user with id 2.',
    'Not signed in: sign in first.',
    'The server is unreachable at https://10.0.0.5:8000: connection refused. Check the address and that the server is running.',
    'The server refused the request (500 Internal Server Error).',
    'bob is busy.',
    'Your session has ended (Not found); sign in again.',
    null,
  ]) {
    assert.ok(!m.isMissingRoute(other), String(other));
  }
});

test('call-backs: due in words (rounded up before, down after), what is due, their order', () => {
  const now = Date.parse('2025-03-03T10:00:00Z');
  const at = (secs) => new Date(now + secs * 1000).toISOString();
  assert.equal(m.dueWords(at(600), now), 'due in 10 min');
  assert.equal(m.dueWords(at(599), now), 'due in 10 min');
  assert.equal(m.dueWords(at(10), now), 'due in 1 min');
  assert.equal(m.dueWords(at(3900), now), 'due in 1 h 5 min');
  assert.equal(m.dueWords(at(7200), now), 'due in 2 h');
  assert.equal(m.dueWords(at(2 * 86400), now), 'due in 2 days');
  assert.equal(m.dueWords(at(0), now), 'due now');
  assert.equal(m.dueWords(at(-59), now), 'due now');
  assert.equal(m.dueWords(at(-300), now), 'overdue by 5 min');
  assert.equal(m.dueWords(at(-330), now), 'overdue by 5 min');
  assert.equal(m.dueWords('soon', now), 'due');

  const overdue = callback(1, BOB, at(-300));
  const later = callback(2, CAROL, at(600));
  const done = callback(3, DAN, at(-900), { completed_at: at(-60) });
  const doneBefore = callback(4, DAN, at(-900), { completed_at: at(-600) });
  assert.equal(m.dueCount([overdue, later, done], now), 1, 'open and due only');
  assert.equal(m.dueCount(null, now), 0);
  assert.ok(m.isDue(overdue, now) && !m.isDue(later, now) && !m.isDue(done, now));
  assert.deepEqual(m.sortCallbacks([doneBefore, later, done, overdue]).map((c) => c.id), [1, 2, 3, 4]);
  assert.deepEqual(m.withCallback([overdue, later], { ...overdue, due_at: at(1200) }).map((c) => c.id), [2, 1], 'a snoozed one moves');
  assert.equal(m.callbackForCall([{ ...done, call_id: 9 }, { ...later, call_id: 9 }], 9).id, 2, 'the open one');
  assert.equal(m.callbackForCall([{ ...done, call_id: 9 }], 9), null);
});

test('reducer: callback_due shows the banner until the call-back is done, deleted or put off; another account starts afresh', () => {
  const now = Date.parse('2025-03-03T10:00:00Z');
  const due = callback(1, BOB, new Date(now - 1000).toISOString());
  let s = m.withCallbacks(signedIn(), [callback(2, CAROL, new Date(now + 600_000).toISOString())], now);
  s = { ...s, errors: { callback_due: 'That call-back is done already.' } };
  s = m.applyEvent(s, { type: 'callback_due', callback: due }, now);
  assert.equal(s.callbackDue, due);
  assert.deepEqual(s.callbacks.map((c) => c.id), [1, 2], 'in the list at once, in order');
  assert.deepEqual(s.errors, {}, 'a new notice, no old error');
  assert.equal(m.withCallbacks(s, [due], now).callbackDue.id, 1, 'still open');
  assert.equal(m.withCallbacks(s, [{ ...due, completed_at: new Date(now).toISOString() }], now).callbackDue, null, 'done elsewhere');
  assert.equal(m.withCallbacks(s, [], now).callbackDue, null, 'deleted elsewhere');
  assert.equal(m.withCallbacks(s, [{ ...due, due_at: new Date(now + 600_000).toISOString() }], now).callbackDue, null, 'snoozed elsewhere');
  assert.equal(m.changedCallback(s, { ...due, due_at: new Date(now + 600_000).toISOString() }).callbackDue, null);
  assert.deepEqual(m.withoutCallback(s, 1, true).callbacks.map((c) => c.id), [2]);
  assert.equal(m.withoutCallback(s, 1, false).callbacks.length, 2);

  s = { ...s, missing: { callbacks: false, call_outcomes: true } };
  const same = m.withAppState(s, appState(), now);
  assert.equal(same.callbacks, s.callbacks);
  assert.equal(same.missing.call_outcomes, true, 'the same server: what it lacks is known');
  for (const other of [appState({ me: { ...ME, id: 9 } }), appState({ server_url: 'https://10.0.0.6:8000' })]) {
    const next = m.withAppState(s, other, now);
    assert.equal(next.callbacks, null);
    assert.equal(next.callbackDue, null);
    assert.deepEqual(next.missing, { callbacks: false, call_outcomes: false, notes: false, camp_ons: false, webhooks: false });
  }
  assert.equal(m.applyEvent(m.initialState(), { type: 'callback_due', callback: due }, now).callbackDue, null, 'not signed in');
});

test('video: a picture from the shell (feed, size, member, JPEG) is read; anything else is not a picture', () => {
  // The start of a JPEG file (SOI, then APP0), and more bytes of it.
  const JPEG = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00];
  // The 20-byte header: kind, three zeros, width and height (u32 LE), user id (i64 LE).
  const frame = (feed, width, height, body = JPEG, userId = 0n) => {
    const buf = new ArrayBuffer(20 + body.length);
    const view = new DataView(buf);
    view.setUint8(0, feed);
    view.setUint32(4, width, true);
    view.setUint32(8, height, true);
    view.setBigInt64(12, userId, true);
    new Uint8Array(buf, 20).set(body);
    return buf;
  };
  assert.equal(m.FRAME_HEADER, 20);
  const remote = m.readFrame(frame(0, 640, 360));
  assert.equal(remote.feed, 'remote');
  assert.deepEqual([remote.width, remote.height, remote.jpeg.length, remote.jpeg.byteOffset], [640, 360, JPEG.length, 20]);
  assert.ok(remote.jpeg instanceof Uint8Array);
  assert.deepEqual(Array.from(remote.jpeg), JPEG, 'the JPEG: all the bytes after the header');
  assert.equal(m.readFrame(frame(1, 300, 200)).feed, 'local');
  // A meeting member's, by their user id (bytes 12–19), the id's high bytes too.
  const member = m.readFrame(frame(2, 320, 180, JPEG, 7n));
  assert.deepEqual([member.feed, member.width, member.height, member.jpeg.byteOffset], ['member:7', 320, 180, 20]);
  assert.equal(m.readFrame(frame(2, 4, 2, JPEG, 2n ** 40n + 3n)).feed, `member:${2 ** 40 + 3}`);
  assert.equal(m.readFrame(frame(2, 4, 2, JPEG, 0n)), null, 'a member picture names its member');
  assert.equal(m.readFrame(frame(2, 4, 2, JPEG, -5n)), null, 'no negative user ids');
  assert.equal(m.memberFeed(7), 'member:7');
  // The decoder says whether the rest is a picture: four bytes that start as a JPEG pass.
  assert.equal(m.readFrame(frame(0, 2, 2, [0xff, 0xd8, 0xff, 0xd9])).jpeg.length, 4);
  assert.equal(m.readFrame(frame(3, 4, 2)), null, 'no such feed');
  assert.equal(m.readFrame(frame(7, 4, 2)), null, 'no such feed');
  assert.equal(m.readFrame(frame(0, 4, 2, [0xff, 0xd8, 0xff])), null, 'shorter than a JPEG');
  assert.equal(m.readFrame(frame(0, 4, 2, [])), null, 'no body');
  assert.equal(m.readFrame(frame(0, 4, 2, new Array(32).fill(7))), null, 'RGBA, not a JPEG');
  assert.equal(m.readFrame(frame(0, 4, 2, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])), null, 'a PNG, not a JPEG');
  assert.equal(m.readFrame(frame(0, 4, 2, [0xd8, 0xff, 0xff, 0xe0])), null, 'FF D8 must be first');
  assert.equal(m.readFrame(frame(0, 0, 2)), null, 'empty');
  assert.equal(m.readFrame(frame(0, 4, 0)), null, 'empty');
  assert.equal(m.readFrame(frame(0, 9000, 1)), null, 'too wide');
  assert.equal(m.readFrame(frame(0, 1, 9000)), null, 'too high');
  assert.equal(m.readFrame(new ArrayBuffer(19)), null, 'no header');
  // The old 12-byte header: its JPEG starts where the user id is now; not a picture.
  const old = new ArrayBuffer(12 + JPEG.length);
  new DataView(old).setUint32(4, 4, true);
  new DataView(old).setUint32(8, 2, true);
  new Uint8Array(old, 12).set(JPEG);
  assert.equal(m.readFrame(old), null, 'the old 12-byte header');
  assert.deepEqual(m.initialState().pictures, { remote: 'none', local: 'none' });
  assert.equal(m.feedState(m.initialState().pictures, 'member:7'), 'none');
  assert.equal(m.feedState({ remote: 'none', local: 'none', 'member:7': 'live' }, 'member:7'), 'live');
});
