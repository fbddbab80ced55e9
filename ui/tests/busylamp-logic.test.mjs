// The pure logic behind the busy lamp and the administrators' settings (no DOM): who can
// take a call and why not, notes and camp-ons in the state, outcome lists and webhooks as
// the server takes them. The TypeScript modules are bundled by esbuild and imported.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { appState, BOB, call, campOn, CAROL, DAN, ERIN, FARID, GRACE, ME, minutesFromNow, note, USERS, user } from './fixtures.mjs';
import { UI } from './support.mjs';

let m;
let dir;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-ui-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    ['busyLamp', 'admin', 'reduce', 'state', 'calls']
      .map((f) => `export * from ${JSON.stringify(join(UI, 'src', `${f}.ts`))};`)
      .join('\n'),
  );
  const out = join(dir, 'logic.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'warning' });
  m = await import(pathToFileURL(out).href);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const signedIn = () => m.withAppState(m.initialState(), appState(), 0);

test('busy lamp: a call rings when they are online, not in a call or busy, not on Do not disturb, and available; away still rings', () => {
  const [, bob, carol, dan, erin, farid, grace] = USERS;
  assert.equal(m.unreachable(bob), null);
  assert.equal(m.unreachable(carol), null);
  assert.equal(m.unreachable(dan), null, 'away rings');
  assert.equal(m.unreachable(erin), 'in_call');
  assert.equal(m.unreachable(user(9, 'ivan', 'Ivan', 'busy')), 'busy');
  assert.equal(m.unreachable(farid), 'dnd');
  assert.equal(m.unreachable(grace), 'offline');
  assert.equal(m.unreachable(user(9, 'ivan', 'Ivan', 'online', { available_for_calls: false })), 'not_taking_calls');
  assert.equal(m.unreachable(user(9, 'ivan', 'Ivan', 'online', { is_online: false })), 'offline', 'not seen lately');
  assert.ok(m.offersFor(erin) && m.offersFor(farid) && m.offersFor(grace));
  assert.ok(!m.offersFor(bob) && !m.offersFor(dan));
  assert.ok(!m.offersFor({ ...grace, is_active: false }), 'a disabled account: nothing to offer');
});

test('busy lamp: camp-ons per person (not run out), the 409 told from other refusals, a note’s first line, unread notes, newest first', () => {
  const now = Date.now();
  const list = [campOn(1, GRACE), campOn(2, ERIN, { expires_at: minutesFromNow(-1) })];
  assert.equal(m.campOnFor(list, GRACE.id, now).id, 1);
  assert.equal(m.campOnFor(list, ERIN.id, now), null, 'run out');
  assert.equal(m.campOnFor(null, GRACE.id, now), null);
  assert.equal(m.campOnWords(list[0]), 'You’ll be told when Grace Lee is free');
  assert.ok(m.isFreeNow('Tom Lee can take calls now: call them.'));
  assert.ok(!m.isFreeNow('There is no user with id 6.'));

  assert.equal(m.firstLine('\n\n  Quick one: the \u202Efile?\nSecond'), 'Quick one: the file?');
  assert.equal(m.firstLine('x'.repeat(200), 10), `${'x'.repeat(9)}…`);
  assert.equal(m.firstLine(''), '');
  const notes = [note(1, BOB, 'a', 60, { read_at: minutesFromNow(-30) }), note(3, CAROL, 'c', 1), note(2, DAN, 'b', 30)];
  assert.equal(m.unreadCount(notes), 2);
  assert.equal(m.unreadCount(null), 0);
  assert.deepEqual(m.sortNotes(notes).map((n) => n.id), [3, 2, 1]);
  assert.deepEqual(m.withNote(notes, { ...notes[0], read_at: null, created_at: minutesFromNow(0) }).map((n) => n.id), [1, 3, 2], 'replaced, in order');
});

test('reducer: note_received fills the inbox and the banner; colleague_available moves the camp-on to a banner (once); another account or server forgets them', () => {
  let s = { ...signedIn(), notes: [note(1, BOB, 'a', 60)], campOns: [campOn(7, GRACE), campOn(8, FARID)], errors: { note_banner: 'old' } };
  const n = note(2, CAROL, 'Hello', 0);
  s = m.applyEvent(s, { type: 'note_received', note: n }, Date.now());
  assert.equal(s.noteBanner, n);
  assert.deepEqual(s.notes.map((x) => x.id), [2, 1]);
  assert.deepEqual(s.errors, {});
  const unloaded = m.applyEvent({ ...signedIn(), notes: null }, { type: 'note_received', note: n }, 0);
  assert.equal(unloaded.notes, null, 'not loaded: the load brings it');
  assert.equal(unloaded.noteBanner, n);

  s = m.applyEvent(s, { type: 'colleague_available', camp_on: campOn(7, GRACE) }, 0);
  assert.deepEqual(s.campOns.map((c) => c.id), [8]);
  assert.deepEqual(s.freeNow.map((c) => c.id), [7]);
  s = m.applyEvent(s, { type: 'colleague_available', camp_on: campOn(7, GRACE) }, 0);
  assert.deepEqual(s.freeNow.map((c) => c.id), [7], 'told once');

  const same = m.withAppState(s, appState(), 0);
  assert.equal(same.notes, s.notes);
  assert.equal(same.freeNow, s.freeNow);
  for (const other of [appState({ me: { ...ME, id: 9 } }), appState({ server_url: 'https://10.0.0.6:8000' })]) {
    const next = m.withAppState(s, other, 0);
    assert.equal(next.notes, null);
    assert.equal(next.noteBanner, null);
    assert.equal(next.campOns, null);
    assert.deepEqual(next.freeNow, []);
    assert.equal(next.webhooks, null);
  }
  // Not signed in, or a server without them: nothing.
  assert.equal(m.applyEvent(m.initialState(), { type: 'note_received', note: n }, 0).noteBanner, null);
  const seeds = { ...signedIn(), missing: { ...m.noneMissing(), notes: true, camp_ons: true } };
  assert.equal(m.applyEvent(seeds, { type: 'note_received', note: n }, 0), seeds);
  assert.equal(m.applyEvent(seeds, { type: 'colleague_available', camp_on: campOn(7, GRACE) }, 0), seeds);
});

test('history: the heading for logging a call that did not connect', () => {
  assert.equal(m.logTitle(call(1, BOB, ME, 'missed'), ME.id), 'Log the missed call from Bob Stone');
  assert.equal(m.logTitle(call(1, BOB, ME, 'cancelled'), ME.id), 'Log the missed call from Bob Stone');
  assert.equal(m.logTitle(call(1, ME, BOB, 'missed'), ME.id), 'Log the call Bob Stone did not answer');
  assert.equal(m.logTitle(call(1, ME, CAROL, 'rejected'), ME.id), 'Log the call Carol Diaz declined');
  assert.equal(m.logTitle(call(1, CAROL, ME, 'rejected'), ME.id), 'Log the call you declined from Carol Diaz');
});

test('admins: an outcome list as the server takes it (1 to 20 names, up to 60 characters, none twice ignoring case)', () => {
  assert.equal(m.outcomesProblem(['Resolved', ' Sold ']), null);
  assert.deepEqual(m.outcomesProblem([]), { message: 'Keep at least one outcome.', index: null });
  assert.deepEqual(m.outcomesProblem(['Resolved', '  ']), { message: 'Outcome 2 has no name: type one, or remove it.', index: 1 });
  assert.deepEqual(m.outcomesProblem(['Resolved', 'resolved ']), { message: '“resolved” is in the list twice.', index: 1 });
  assert.equal(m.outcomesProblem(['x'.repeat(61)]).index, 0);
  assert.equal(m.outcomesProblem(['é'.repeat(60)]), null, 'characters, not bytes');
  assert.equal(m.outcomesProblem(Array.from({ length: 20 }, (_, i) => `O${i}`)), null);
  assert.match(m.outcomesProblem(Array.from({ length: 22 }, (_, i) => `O${i}`)).message, /at most 20 outcomes: remove 2/);
});

test('admins: a webhook as the server takes it, and a generated secret (32 hex characters, random)', () => {
  const secret = m.randomSecret();
  assert.match(secret, /^[0-9a-f]{32}$/);
  assert.notEqual(m.randomSecret(), secret);
  assert.equal(m.webhookProblem('https://crm.acme.test/hooks', secret, ['call.completed']), null);
  assert.equal(m.webhookProblem(' http://10.0.0.9:8080/sb ', secret, ['call.logged']), null);
  for (const url of ['', 'crm.acme.test/hooks', 'ftp://crm.acme.test/', 'https://']) {
    assert.match(m.webhookProblem(url, secret, ['call.completed']), /https:\/\/ or http:\/\//, url);
  }
  assert.match(m.webhookProblem('https://crm.acme.test', 'short', ['call.completed']), /16 to 200 characters/);
  assert.match(m.webhookProblem('https://crm.acme.test', 'x'.repeat(201), ['call.completed']), /16 to 200 characters/);
  assert.match(m.webhookProblem('https://crm.acme.test', `${secret}\n`, ['call.completed']), /control characters/);
  assert.equal(m.webhookProblem('https://crm.acme.test', secret, []), 'Choose at least one event to send.');
  assert.deepEqual(
    m.WEBHOOK_EVENTS.map((e) => e.event),
    ['call.completed', 'call.missed', 'call.rejected', 'call.logged', 'callback.created', 'callback.completed'],
  );
});
