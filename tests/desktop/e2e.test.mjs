// The real app, end to end: tauri-driver drives the built `switchboard` binary in
// WebKitGTK. Alice hosts the team's backend in the app (--embedded), adds Bob, Bob signs
// in with switchboard-cli and calls her; she gets the OS notification (dbusmock logs it)
// and the full-screen modal, accepts, talks, mutes, ends, and finds the call in her
// history. Then she starts a meeting with Bob and Carol (two CLIs) from the app, and each
// of the three hears the other two. She calls Bob, holds and resumes the call and puts him
// through to Carol; then calls him again and adds Carol, and the call becomes a meeting;
// then Bob adds her to his call with Carol. Then the app restarts and signs her in again
// from the keyring.
// Run by run.sh, which sets up the desktop session; screenshots land in SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test as nodeTest } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiLogin, apiRequest, freePort, hostTeam, launch } from './flows.mjs';
import { CELL_LUMAS, readPattern } from './pattern.mjs';

const APP = process.env.SWITCHBOARD_APP;
const CLI = process.env.SWITCHBOARD_CLI;
const NOTIFY_LOG = process.env.NOTIFY_LOG;
const SHOTS = process.env.SCREENSHOT_DIR;
const DRIVER = `http://127.0.0.1:${process.env.WEBDRIVER_PORT ?? 4444}`;
assert.ok(APP && CLI && NOTIFY_LOG && SHOTS, 'run this through tests/desktop/run.sh');

const ALICE = { name: 'Alice Martin', username: 'alice', password: 'alice-e2e-password' };
const BOB = { name: 'Bob Stone', username: 'bob', password: 'bob-e2e-password' };
const CAROL = { name: 'Carol Diaz', username: 'carol', password: 'carol-e2e-password' };

let work, port, server, fingerprint, app;
const children = [];
/** Each switchboard-cli run: who, what, and what it said (shown when a test fails). */
const runs = [];

/** switchboard-cli as Bob (or `as`), against the app's embedded backend. */
function cli(args, { as = BOB, ...opts } = {}) {
  assert.ok(fingerprint, "Bob has the host's fingerprint from the invite link");
  const child = spawn(CLI, ['--server', server, '--server-fingerprint', fingerprint, '--profile', `e2e-${as.username}`, ...args], {
    env: { ...process.env, SWITCHBOARD_PASSWORD: as.password },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const done = once(child, 'exit').then(([code]) => ({ code, out }));
  runs.push({ who: as.username, args, output: () => out });
  return { child, done, output: () => out };
}

async function shot(name) {
  await writeFile(join(SHOTS, `${name}.png`), await app.screenshot());
}

/** A test that, when it fails, saves what the window showed (FAILED-<n>.png). */
let failures = 0;
function test(name, body) {
  nodeTest(name, async () => {
    const firstRun = runs.length;
    try {
      await body();
    } catch (e) {
      const page = await app?.textOf('body').catch(() => null);
      await shot(`FAILED-${++failures}`).catch(() => {});
      if (page) e.message += `\n--- the window showed:\n${page}`;
      for (const run of runs.slice(firstRun)) e.message += `\n--- ${run.who}'s switchboard-cli ${run.args.join(' ')} said:\n${run.output()}`;
      throw e;
    }
  });
}

/**
 * Waits until no copy of the app on this data directory runs. The app is single-instance:
 * a copy started while the last one is still closing hands its arguments to it and exits,
 * and the driver then waits for a window that never comes.
 */
async function appGone() {
  const dataDir = join(work, 'app');
  for (let i = 0; i < 150; i++) {
    const found = spawnSync('pgrep', ['-f', '--', `--data-dir ${dataDir}`]);
    if (found.status === 1) return;
    await sleep(200);
  }
  assert.fail(`the app on ${dataDir} is still running 30 s after its session ended`);
}

function launchApp() {
  return launch(DRIVER, APP, ['--embedded', '--listen', `127.0.0.1:${port}`, '--data-dir', join(work, 'app')]);
}

/** Mono 16-bit RMS per 100 ms window of a WAV file (what the CLI recorded). */
function rmsWindows(wav) {
  let off = 12, fmt, data;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4), size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: wav.readUInt16LE(off + 10), rate: wav.readUInt32LE(off + 12), bits: wav.readUInt16LE(off + 22) };
    if (id === 'data') data = wav.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size % 2);
  }
  assert.ok(fmt && data && fmt.bits === 16, 'a 16-bit WAV recording');
  const frame = fmt.channels * 2, perWindow = Math.round(fmt.rate / 10);
  const out = [];
  for (let start = 0; start + perWindow * frame <= data.length; start += perWindow * frame) {
    let sum = 0;
    for (let i = 0; i < perWindow; i++) {
      const v = data.readInt16LE(start + i * frame) / 32768;
      sum += v * v;
    }
    out.push(Math.sqrt(sum / perWindow));
  }
  return out;
}

/** Mono 16-bit samples (as numbers in -1..1) of a WAV file, and its rate. */
function wavSamples(wav) {
  let off = 12, fmt, data;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4), size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: wav.readUInt16LE(off + 10), rate: wav.readUInt32LE(off + 12), bits: wav.readUInt16LE(off + 22) };
    if (id === 'data') data = wav.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size % 2);
  }
  assert.ok(fmt && data && fmt.bits === 16, 'a 16-bit WAV recording');
  return { rate: fmt.rate, samples: pcm16(data, fmt.channels) };
}

/** The first channel of interleaved 16-bit little-endian PCM, in -1..1. */
function pcm16(bytes, channels = 1) {
  const frame = channels * 2;
  const out = new Float64Array(Math.floor(bytes.length / frame));
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * frame) / 32768;
  return out;
}

/**
 * In how many 100 ms windows the tone `hz` is heard: its amplitude (a Hann-windowed DFT
 * bin) at least 0.01 (-40 dBFS), whatever else plays. The test voices are at 0.3 and 0.37,
 * the hold beep at 0.05; three tones 110 Hz or more apart do not leak into each other's
 * bins through a Hann window. A voice's share of the mix would not do: a quieter voice in
 * a meeting is still plainly heard.
 */
function windowsWithTone({ rate, samples }, hz) {
  const n = Math.round(rate / 10);
  const k = (2 * Math.PI * hz) / rate;
  const hann = Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  const gain = hann.reduce((a, b) => a + b, 0) / 2;
  let hits = 0;
  for (let start = 0; start + n <= samples.length; start += n) {
    let re = 0, im = 0;
    for (let i = 0; i < n; i++) {
      const x = samples[start + i] * hann[i];
      re += x * Math.cos(k * i);
      im -= x * Math.sin(k * i);
    }
    if (Math.hypot(re, im) / gain >= 0.01) hits++;
  }
  return hits;
}

before(async () => {
  work = await mkdtemp(join(process.env.E2E_WORK ?? '/tmp', 'e2e-'));
  port = await freePort();
  server = `https://127.0.0.1:${port}`;
  app = await launchApp();
});

after(async () => {
  await app?.end();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

test('first run with --embedded: host for my team, and the admin is signed in', async () => {
  await hostTeam(app, ALICE, () => shot('01-first-run-host'));
  assert.equal((await app.textOf('.me-name'))?.trim(), ALICE.name);
  const banner = await app.textOf('.banner-host');
  assert.match(banner ?? '', new RegExp(`https://127\\.0\\.0\\.1:${port}`), 'the hosting banner shows the address teammates use');
  // Alice sends Bob the invite link the banner shows: it carries the certificate's
  // fingerprint, which Bob's client pins (HTTPS to the app's own certificate).
  const invite = /switchboard:\/\/join\?server=(\S+?)&fp=(sha256:[0-9a-f]{64})/.exec(banner ?? '');
  assert.ok(invite, `the hosting banner shows an invite link: ${banner}`);
  assert.equal(invite[1], server);
  fingerprint = invite[2];
  await shot('02-signed-in-host');
});

test('the admin adds Bob in Settings, and Bob signs in with the CLI and appears online', async () => {
  await (await app.button('Settings')).click();
  const section = 'form[aria-label="Add a teammate"]';
  await app.visible(section);
  await (await app.field('Full name', section)).type(BOB.name);
  await (await app.field('Username', section)).type(BOB.username);
  await (await app.field('Password', section)).type(BOB.password);
  await (await app.button('Add teammate')).click();
  await app.until('the teammate-added status', async () => /Bob Stone can now sign in as bob/.test((await app.textOf('.panel.settings')) ?? ''));
  await shot('03-settings-teammate-added');

  const login = cli(['login', '--username', BOB.username]);
  const { code, out } = await login.done;
  assert.equal(code, 0, `switchboard-cli login: ${out}`);
  await (await app.button('People')).click();
  const row = await app.until('Bob online in the people list', () =>
    app.js(`return [...document.querySelectorAll('.person')].find((p) => p.innerText.includes('Bob Stone') && /Online/.test(p.querySelector('.presence')?.innerText ?? '')) ?? null`),
  );
  assert.ok(row);
  await shot('04-people-bob-online');
});

test('Bob calls about a deal: notification, full-screen modal, accept, talk, mute, end, after-call log, history', async () => {
  const recording = join(work, 'bob-heard.wav');
  const stats = join(work, 'bob-call.json');
  // Bob only listens: while a tone plays on Alice's speakers, her echo canceller (on by
  // default) would rightly hold down the steady tone in her microphone. The call is about
  // a CRM record.
  const call = cli(['call', 'alice', '--about', 'deal:4711', '--label', 'ACME renewal', '--record', recording, '--stats-json', stats]);

  // The full-screen incoming-call modal, with the caller's name and the record.
  const modal = await app.visible('[aria-labelledby="incoming-title"]', 30_000);
  assert.match(await modal.text(), /Bob Stone/);
  assert.match(await modal.text(), /Deal: ACME renewal/, 'the modal says what the call is about');
  await shot('05-incoming-call');

  // The OS notification went to the session's notification server.
  const notified = await app.until('the incoming-call notification', async () => {
    const log = await readFile(NOTIFY_LOG, 'utf8').catch(() => '');
    return log.split('\n').find((l) => /\bNotify\b/.test(l) && /Bob Stone/.test(l));
  }, 10_000);
  assert.match(notified, /accept/i, 'the notification offers Accept (the daemon supports actions)');

  await (await app.button('Accept')).click();
  await app.until('the call to connect', async () => /Connected|connected/.test((await app.textOf('.call-card')) ?? ''), 30_000);
  assert.match((await app.textOf('.call-card')) ?? '', /Bob Stone/);
  await sleep(2500); // talk: Alice's microphone carries a 550 Hz tone (session.sh)
  await shot('06-in-call');

  const mute = await app.visible('button.mute');
  await mute.click();
  await app.until('mute to show as on', async () => (await mute.attribute('aria-pressed')) === 'true');
  await sleep(2500); // muted: Bob must hear silence now
  await shot('07-in-call-muted');

  await (await app.button('End call')).click();
  const { code, out } = await call.done;
  assert.equal(code, 0, `switchboard-cli call: ${out}`);
  const result = JSON.parse(await readFile(stats, 'utf8'));
  assert.equal(result.ended_by, 'remote', 'Alice ended the call');
  assert.equal(result.status, 'completed');
  assert.ok(result.talk_ms >= 4000, `talked ${result.talk_ms} ms`);

  // What Bob heard: Alice's tone while unmuted, silence once she muted.
  const rms = rmsWindows(await readFile(recording));
  const loud = rms.filter((r) => r > 0.02).length;
  assert.ok(loud >= 10, `Bob heard Alice for ${loud} × 100 ms (RMS ${rms.map((r) => r.toFixed(3)).join(' ')})`);
  const tail = rms.slice(-10, -3);
  assert.ok(tail.every((r) => r < 0.005), `Bob heard silence after mute (last windows ${tail.map((r) => r.toFixed(4)).join(' ')})`);

  // The after-call panel: an outcome from the team's list and a note, saved.
  const panel = await app.visible('section.after-call', 15_000);
  assert.match(await panel.text(), /ACME renewal/, 'the panel names the record');
  const outcome = await app.field('Outcome', 'section.after-call');
  await app.until('the outcomes to load', () => app.js('return arguments[0].options.length > 1', outcome));
  await app.js(
    `const select = arguments[0];
     select.value = [...select.options].find((o) => o.text === 'Resolved').value;
     select.dispatchEvent(new Event('change', { bubbles: true }));`,
    outcome,
  );
  await (await app.field('Note', 'section.after-call')).type('Renewal agreed at 12 months');
  await shot('08-after-call');
  await (await app.button('Save')).click();
  await app.until('the log to be saved', async () => /Saved\./.test((await app.textOf('section.after-call')) ?? ''), 15_000);

  // Once in an early run the screenshot after this click still showed People; whether
  // the click was lost or undone was not seen again. The tab must say it is open, and a
  // second click is logged if the first did not take.
  await (await app.button('History')).click();
  const historyOpen = () => app.js('return document.querySelector("[data-tab=history]")?.getAttribute("aria-current") === "page"');
  try {
    await app.until('the History tab to open', historyOpen, 5_000);
  } catch {
    console.error('the History tab did not open on the first click; clicking again');
    await (await app.button('History')).click();
    await app.until('the History tab to open', historyOpen, 5_000);
  }
  await app.visible('table.history', 10_000);
  const row = await app.until('the call in history', () =>
    app.js(`return [...document.querySelectorAll('table.history tbody tr')].find((r) => r.innerText.includes('Bob Stone')) ?? null`),
  );
  assert.equal(await row.attribute('data-status'), 'completed');
  assert.match(await row.text(), /\d+:\d\d/, 'the history row shows a duration');
  await app.until('the history to show the record and the log', async () => {
    const text = (await app.textOf('table.history')) ?? '';
    return /ACME renewal/.test(text) && /Resolved/.test(text) && /Renewal agreed/.test(text);
  }, 10_000);
  assert.ok(await historyOpen(), 'History is still the tab on screen');
  await shot('09-history');
  // In the call the server showed Alice as busy; the call's end gives her status back.
  await app.until('my status back to Online after the call', async () =>
    (await app.js('return document.querySelector(".status-select")?.value')) === 'online', 10_000);
});

// Runs by default since 2026-12-06: it was opt-in while its looks read the canvas 48
// times each (a WebDriver session died in about one run in four early on; later one run
// in twelve saw only 4 different pictures in its 2 s of looks and failed). Read once a
// look, six runs in a row saw 10-14 different pictures in 2 s (5 are asked for), capture
// to canvas 275-487 ms (median). A failure ends Bob's call, so the tests after it start
// from no call.
test('Alice video-calls Bob from the people list: each sees the other\'s picture, drawn from Rust on her call card', async () => {
  // The app's camera is the test pattern (SWITCHBOARD_CAMERA=pattern, run.sh); Bob's CLI
  // sends its own and counts what it decodes of hers.
  const stats = join(work, 'bob-video.json');
  // Longer than the looks below take on a busy machine: Alice ends the call, not Bob's
  // timer (with 8 s the call sometimes ended before her End call was pressed).
  const bob = cli(['listen', '--auto-answer', '--video', 'pattern', '--duration', '40', '--stats-json', stats]);
  await app.until('Bob listening', async () => /Listening for calls/.test(bob.output()), 20_000);
  try {
    await (await app.button('People')).click();
    await (await app.button('Video call Bob Stone')).click();
    const pattern = (css) => app.js(CELL_LUMAS, css).then(readPattern);
    const first = await app.until("Bob's picture on Alice's call card", () => pattern('.video-remote'), 30_000).catch(async (e) => {
      const canvas = await app.js('const c = document.querySelector(".video-remote"); return c && { width: c.width, height: c.height, hidden: c.hidden }').catch(() => null);
      const stats = await app.js('return { pulls: window.videoPullStats, pictures: window.videoPictureStats, hidden: document.hidden, visibility: document.visibilityState }').catch(() => null);
      e.message += `\n--- the remote canvas: ${JSON.stringify(canvas)}\n--- the page's video figures: ${JSON.stringify(stats)}\n--- Bob's CLI said:\n${bob.output()}`;
      throw e;
    });
    assert.deepEqual([first.width, first.height], [640, 480]);
    await sleep(1000);
    const later = await app.until("Bob's next pictures", () => pattern('.video-remote'), 5_000);
    assert.ok(later.number > first.number + 10, `the picture moves on: ${first.number} then ${later.number}`);
    // Sender's capture to this window's canvas, both on this machine's clock; and how many
    // different pictures the canvas showed in two seconds of looking.
    const numbers = new Set();
    const delays = [];
    const pulls = () => app.js('return { ...window.videoPullStats }');
    // First two seconds without looking (a look takes the page's main thread for ~0.1 s).
    const quietBefore = await pulls();
    await sleep(2000);
    const quietAfter = await pulls();
    const quiet = quietAfter.pictures - quietBefore.pictures;
    const quietMs = (quietAfter.ms - quietBefore.ms) / Math.max(quiet, 1);
    console.log(`video on Alice's canvas, not looked at: ${quiet / 2} pictures/s pulled (${quietMs.toFixed(1)} ms a request)`);
    // 32 a second here (both feeds; JPEG); RGBA managed 16 (docs/video.md).
    assert.ok(quiet / 2 >= 12, `pictures reach the page: ${quiet / 2} a second`);
    const pulledBefore = await pulls();
    let probes = 0;
    for (const end = Date.now() + 2000; Date.now() < end; probes++) {
      const seen = await pattern('.video-remote').catch(() => null);
      if (seen) (numbers.add(seen.number), delays.push(seen.delayMs));
    }
    delays.sort((a, b) => a - b);
    const median = delays[Math.floor(delays.length / 2)];
    const pulledAfter = await pulls();
    const pulled = pulledAfter.pictures - pulledBefore.pictures;
    const pullMs = (pulledAfter.ms - pulledBefore.ms) / Math.max(pulled, 1);
    console.log(`video on Alice's canvas: ${pulled / 2} pictures/s pulled (${pullMs.toFixed(1)} ms a request), ${numbers.size} different seen in ${probes} looks, capture to canvas median ${median} ms, most ${delays.at(-1)} ms`);
    // While looked at, 7-9 pictures a second cross to the page, 0.5-0.6 s behind (the look
    // holds the page for 0.1 s); pushed instead of pulled, the canvas fell 4.5 s behind and
    // kept falling. docs/video.md has the figures.
    assert.ok(median < 1500, `Bob's picture on screen ${median} ms after he made it (median)`);
    assert.ok(numbers.size >= 5, `the canvas keeps up: ${numbers.size} different pictures in 2 s`);
    const own = await app.until("Alice's own picture in the corner", () => pattern('.video-local'), 5_000);
    assert.deepEqual([own.width, own.height], [640, 480]);
    await shot('10-video-call');
    await (await app.button('Full window')).click();
    await sleep(300);
    await shot('11-video-call-full-window');
    await (await app.button('End call')).click();
    const { code, out } = await bob.done;
    assert.equal(code, 0, out);
    const video = JSON.parse(await readFile(stats, 'utf8')).video;
    assert.ok(video.pattern_frames >= 30, `Bob decoded Alice's pictures: ${JSON.stringify(video)}`);
    assert.equal(video.out_of_order, 0, JSON.stringify(video));
    assert.deepEqual([video.width, video.height], [640, 480]);
  } finally {
    // A failed look must not leave the call up: the meeting test after this one then found
    // Alice still in it, and her Join did nothing. Bob's Ctrl+C hangs up on both sides.
    if (bob.child.exitCode === null) bob.child.kill('SIGINT');
  }
});

test('a meeting: Bob starts it, Alice joins from the app\'s notice, Carol joins too, each hears the other two, and their cameras are seen', async () => {
  // Carol gets an account; Alice (an administrator) schedules the meeting over the API.
  const ca = await readFile(join(work, 'app', 'server', 'tls-cert.pem'));
  const token = await apiLogin(server, ca, ALICE.username, ALICE.password);
  const made = await apiRequest(server, ca, '/api/users/', {
    method: 'POST',
    token,
    body: { username: CAROL.username, password: CAROL.password, full_name: CAROL.name },
  });
  assert.equal(made.status, 201, made.text);
  const login = await cli(['login', '--username', CAROL.username], { as: CAROL }).done;
  assert.equal(login.code, 0, login.out);
  const users = JSON.parse((await apiRequest(server, ca, '/api/users/', { token })).text);
  const idOf = (name) => (users.results ?? users).find((u) => u.username === name).id;
  const created = await apiRequest(server, ca, '/api/meetings/', {
    method: 'POST',
    token,
    body: { title: 'Pipeline review', participant_ids: [idOf('bob'), idOf('carol')] },
  });
  assert.equal(created.status, 201, created.text);
  const meetingId = JSON.parse(created.text).id;

  // Bob starts it (over the API, as his CRM would): Alice's app tells her with an OS
  // notification offering Join, and a banner in the window, whose Join she clicks.
  const bobToken = await apiLogin(server, ca, BOB.username, BOB.password);
  const started = await apiRequest(server, ca, '/api/health/call/start', { method: 'POST', token: bobToken, body: { meeting_id: meetingId } });
  assert.equal(started.status, 201, started.text);
  const notified = await app.until('the meeting notification', async () => {
    const log = await readFile(NOTIFY_LOG, 'utf8').catch(() => '');
    return log.split('\n').find((l) => /\bNotify\b/.test(l) && /Pipeline review/.test(l));
  }, 10_000);
  assert.match(notified, /Bob Stone/, 'the notification says who started it');
  assert.match(notified, /join/i, 'the notification offers Join');
  await app.until('the banner offering to join', async () => /Pipeline review/.test((await app.textOf('body')) ?? ''), 10_000);
  await shot('12-meeting-started-banner');
  await (await app.button('Join')).click();
  const panel = '[aria-label="Meeting: Pipeline review"]';
  await app.visible(panel, 30_000);
  const myStatus = () => app.js('return document.querySelector(".status-select")?.value');
  await app.until('my status to say busy during the meeting', async () => (await myStatus()) === 'busy', 10_000);

  // Alice's ears: the speakers' monitor, recorded from now on.
  const ears = spawn('parec', ['--device=spk.monitor', '--format=s16le', '--rate=48000', '--channels=1', '--latency-msec=50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(ears);
  const heardByAlice = [];
  ears.stdout.on('data', (d) => heardByAlice.push(d));

  // Bob and Carol each send a tone of their own and record what they hear; Alice's
  // microphone carries 550 Hz (session.sh). Both send the test pattern as their camera,
  // small (320×240), and count what they decode of everyone's.
  const joinWithCli = (who, hz) => {
    const recording = join(work, `${who.username}-meeting.wav`);
    const stats = join(work, `${who.username}-meeting.json`);
    const run = cli(['join-meeting', String(meetingId), '--tone', String(hz), '--record', recording, '--duration', '10',
      '--video', 'pattern:320x240', '--stats-json', stats], { as: who });
    return { run, recording, stats };
  };
  const bob = joinWithCli(BOB, 440);
  const carol = joinWithCli(CAROL, 880);
  for (const [name, who] of [['Bob', bob], ['Carol', carol]]) {
    await app.until(`${name} talking with the other two`, async () => {
      const said = who.run.output();
      return ['alice', 'bob', 'carol'].filter((u) => new RegExp(`Talking with ${u}\\b`).test(said)).length === 2;
    }, 30_000);
  }
  await app.until('the panel to show Bob and Carol connected', async () => {
    const text = (await app.textOf(panel)) ?? '';
    return /Bob Stone/.test(text) && /Carol Diaz/.test(text) && !/Connecting|Not here/.test(text);
  }, 20_000);
  // Their cameras: a tile each on Alice's card, drawn from what her app decoded. Then she
  // turns hers on (the test pattern, run.sh), and her own tile shows it.
  const tiles = () => app.js(`return [...document.querySelectorAll('.meeting-tiles .meeting-tile[data-user-id]')]
    .filter((t) => t.offsetParent !== null).length`);
  await app.until("Bob's and Carol's pictures on Alice's card", async () => (await tiles()) === 2, 15_000);
  await (await app.button('Turn camera on')).click();
  await app.until('her camera on', async () =>
    (await app.js('return document.querySelector(".meeting-camera")?.getAttribute("aria-pressed")')) === 'true', 10_000);
  await sleep(2000);
  await shot('13-meeting');
  for (const [name, who] of [['Bob', bob], ['Carol', carol]]) {
    const { code, out } = await who.run.done;
    assert.equal(code, 0, `${name}'s switchboard-cli join-meeting: ${out}`);
  }
  // What each CLI decoded of the others' cameras (Alice's from when she turned it on).
  for (const [name, who, other] of [['Bob', bob, 'carol'], ['Carol', carol, 'bob']]) {
    const video = JSON.parse(await readFile(who.stats, 'utf8')).video ?? {};
    console.log(`meeting: ${name} decoded`, JSON.stringify(Object.fromEntries(
      Object.entries(video).map(([from, v]) => [from, `${v.frames_decoded} at ${v.width}x${v.height}`]))));
    assert.ok(video.alice?.pattern_frames >= 20, `${name} sees Alice's camera: ${JSON.stringify(video.alice)}`);
    assert.deepEqual([video.alice.width, video.alice.height], [640, 480]);
    assert.ok(video[other]?.pattern_frames >= 60, `${name} sees ${other}'s: ${JSON.stringify(video[other])}`);
  }
  ears.kill('SIGINT');
  await once(ears, 'exit');

  const alice = { rate: 48000, samples: pcm16(Buffer.concat(heardByAlice)) };
  const heard = {
    Alice: alice,
    Bob: wavSamples(await readFile(bob.recording)),
    Carol: wavSamples(await readFile(carol.recording)),
  };
  const tones = { Alice: 550, Bob: 440, Carol: 880 };
  const table = {};
  for (const [listener, sound] of Object.entries(heard)) {
    for (const [speaker, hz] of Object.entries(tones)) {
      table[`${listener} hears ${speaker}`] = windowsWithTone(sound, hz);
    }
  }
  console.log('meeting: 100 ms windows with each voice', JSON.stringify(table));
  for (const listener of Object.keys(heard)) {
    for (const speaker of Object.keys(tones)) {
      if (speaker === listener) continue;
      assert.ok(table[`${listener} hears ${speaker}`] >= 10, `${listener} hears ${speaker}: ${JSON.stringify(table)}`);
    }
  }

  // The two CLIs left: the panel says so; then Alice leaves and the panel goes.
  await app.until('Bob and Carol shown as gone', async () => /Not here[\s\S]*Not here/.test((await app.textOf(panel)) ?? ''), 15_000);
  await (await app.button('Leave')).click();
  await app.until('the meeting panel to go', async () => (await app.js('return document.querySelector(arguments[0])', panel)) === null, 10_000);
  await app.until('my status back to Online after the meeting', async () => (await myStatus()) === 'online', 10_000);
});

/** Alice's ears: her speakers' monitor, recorded from now until `stop()`; `at(ms)` gives the
 * 100 ms windows' samples from that wall-clock time on. */
function recordAlice() {
  const ears = spawn('parec', ['--device=spk.monitor', '--format=s16le', '--rate=48000', '--channels=1', '--latency-msec=50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(ears);
  const chunks = [];
  let startedAt = null;
  ears.stdout.on('data', (d) => {
    // The first chunk's first sample was captured about its own length ago.
    startedAt ??= Date.now() - (d.length / 2 / 48);
    chunks.push(d);
  });
  return {
    async stop() {
      ears.kill('SIGINT');
      await once(ears, 'exit');
      return { rate: 48000, samples: pcm16(Buffer.concat(chunks)), startedAt };
    },
  };
}

/** The part of `sound` (from `recordAlice`) between two wall-clock times. */
function between(sound, fromMs, toMs) {
  const at = (t) => Math.max(0, Math.round(((t - sound.startedAt) * sound.rate) / 1000));
  return { rate: sound.rate, samples: sound.samples.subarray(at(fromMs), at(toMs)) };
}

/**
 * Alice (her speakers, recorded), Bob and Carol (their CLIs' recordings) in a meeting:
 * each hears the other two. Alice's microphone goes through her app's voice processing,
 * whose echo canceller holds her tone back while the others' tones play, until it has
 * found that her microphone does not hear her speakers: about 2 s after her media starts
 * (the HMM detector, processing.rs; 4–7 s, and again now and then, with the default one).
 */
async function eachHearsTheOtherTwo(what, alice, bobRecording, carolRecording) {
  const heard = {
    Alice: alice,
    Bob: wavSamples(await readFile(bobRecording)),
    Carol: wavSamples(await readFile(carolRecording)),
  };
  const tones = { Alice: 550, Bob: 440, Carol: 880 };
  const table = {};
  for (const [listener, sound] of Object.entries(heard)) {
    for (const [speaker, hz] of Object.entries(tones)) {
      if (speaker !== listener) table[`${listener} hears ${speaker}`] = windowsWithTone(sound, hz);
    }
  }
  console.log(`${what}: 100 ms windows with each voice`, JSON.stringify(table));
  for (const [pair, windows] of Object.entries(table)) {
    assert.ok(windows >= 10, `${pair}: ${JSON.stringify(table)}`);
  }
}

test('Alice holds her call with Bob, resumes, then puts him through to Carol: the hold stops the sound both ways, and Bob and Carol talk', async () => {
  // Bob (440 Hz) and Carol (880 Hz) answer with the CLI; Bob's follows the transfer, as
  // the app does: the server starts his call to Carol, and he talks in it.
  const bobHeard = join(work, 'bob-hold-transfer.wav');
  const carolHeard = join(work, 'carol-transferred.wav');
  const bob = cli(['listen', '--auto-answer', '--tone', '440', '--record', bobHeard, '--duration', '40']);
  const carol = cli(['listen', '--auto-answer', '--tone', '880', '--record', carolHeard, '--duration', '6'], { as: CAROL });
  await app.until('Bob and Carol listening', async () => /Listening for calls/.test(bob.output()) && /Listening for calls/.test(carol.output()), 20_000);
  const ears = recordAlice();
  await (await app.button('People')).click();
  await (await app.button('Call Bob Stone')).click();
  await app.until('the call to connect', async () => /Connected|connected/.test((await app.textOf('.call-card')) ?? ''), 30_000);
  await sleep(3000);

  const holdAt = Date.now();
  await (await app.button('Hold')).click();
  await app.until('Bob told he is on hold', async () => /On hold: Alice Martin holds the call/.test(bob.output()), 10_000);
  await app.until('the card to say the call is on hold', async () => /on hold/i.test((await app.textOf('.call-card')) ?? ''), 5_000);
  await shot('14-call-on-hold');
  await sleep(4000);
  const resumeAt = Date.now();
  await (await app.button('Resume')).click();
  await app.until('Bob off hold', async () => /Off hold/.test(bob.output()), 10_000);
  await sleep(3000);

  const transferAt = Date.now();
  await (await app.button('Transfer')).click();
  await app.until('the transfer dialog to list Carol', async () => /Carol Diaz/.test((await app.textOf('body')) ?? ''), 10_000);
  await shot('15-transfer-dialog');
  // "Transfer now" is the dialog's first choice: choosing Carol puts Bob through at once.
  await (await app.button('Carol Diaz, Online')).click();
  await app.until('Bob put through to Carol', async () => /Transferred: calling Carol Diaz/.test(bob.output()), 10_000);
  await app.until("Alice's card to say whom she put him through to", async () => /Transferred to Carol Diaz/.test((await app.textOf('body')) ?? ''), 10_000);
  await shot('16-transferred');
  for (const [name, who] of [['Carol', carol], ['Bob', bob]]) {
    const { code, out } = await who.done;
    assert.equal(code, 0, `${name}'s switchboard-cli listen: ${out}`);
  }
  assert.match(bob.output(), /Carol Diaz answered/);
  const alice = await ears.stop();

  // Alice (the holder) plays nothing while the call is held, and Bob again once resumed.
  const talking = windowsWithTone(between(alice, holdAt - 2500, holdAt), 440);
  const held = windowsWithTone(between(alice, holdAt + 800, resumeAt), 440);
  const resumed = windowsWithTone(between(alice, resumeAt + 1500, transferAt), 440);
  // Bob, held, hears his app's soft beep (660 Hz) and not Alice (550 Hz); then Carol.
  const bobSound = wavSamples(await readFile(bobHeard));
  const carolSound = wavSamples(await readFile(carolHeard));
  const table = {
    'Alice hears Bob before the hold': talking,
    'Alice hears Bob while she holds': held,
    'Alice hears Bob after resuming': resumed,
    'Bob hears the hold beep': windowsWithTone(bobSound, 660),
    'Bob hears Alice': windowsWithTone(bobSound, 550),
    'Bob hears Carol': windowsWithTone(bobSound, 880),
    'Carol hears Bob': windowsWithTone(carolSound, 440),
    'Carol hears Alice': windowsWithTone(carolSound, 550),
  };
  console.log('hold and transfer: 100 ms windows with each voice', JSON.stringify(table));
  assert.ok(talking >= 15, `Alice heard Bob before the hold: ${JSON.stringify(table)}`);
  assert.equal(held, 0, `Alice heard nothing of Bob while holding: ${JSON.stringify(table)}`);
  assert.ok(resumed >= 8, `Alice heard Bob again after resuming: ${JSON.stringify(table)}`);
  assert.ok(table['Bob hears the hold beep'] >= 2, `Bob heard the hold beep: ${JSON.stringify(table)}`);
  assert.ok(table['Bob hears Alice'] >= 5, `Bob heard Alice: ${JSON.stringify(table)}`);
  assert.ok(table['Bob hears Carol'] >= 30, `Bob heard Carol after the transfer: ${JSON.stringify(table)}`);
  assert.ok(table['Carol hears Bob'] >= 30, `Carol heard Bob: ${JSON.stringify(table)}`);
  assert.equal(table['Carol hears Alice'], 0, `Carol never heard Alice: ${JSON.stringify(table)}`);
});

test('Alice adds Carol to her call with Bob: the call becomes a meeting of the three, and each hears the other two', async () => {
  // Carol's CLI joins the meetings she is in as they start; Bob's follows his call into
  // the meeting, as the app does.
  const bobHeard = join(work, 'bob-added.wav');
  const carolHeard = join(work, 'carol-added.wav');
  const bob = cli(['listen', '--auto-answer', '--tone', '440', '--record', bobHeard, '--duration', '18']);
  const carol = cli(['listen', '--join-meetings', '--auto-answer', '--tone', '880', '--record', carolHeard, '--duration', '9'], { as: CAROL });
  await app.until('Bob and Carol listening', async () => /Listening for calls/.test(bob.output()) && /Listening for calls/.test(carol.output()), 20_000);
  await (await app.button('People')).click();
  await (await app.button('Call Bob Stone')).click();
  await app.until('the call to connect', async () => /Connected|connected/.test((await app.textOf('.call-card')) ?? ''), 30_000);
  await sleep(2000);
  await (await app.button('Add someone')).click();
  await app.until('the dialog to list Carol', async () => /Carol Diaz/.test((await app.textOf('body')) ?? ''), 10_000);
  await (await app.button('Carol Diaz, Online')).click();
  const addedAt = Date.now();
  const ears = recordAlice();
  await app.until('Bob to follow the call into the meeting', async () => /The call became a meeting; joining it/.test(bob.output()), 10_000);
  await app.until('Carol to join it', async () => /Meeting .* joining it/.test(carol.output()), 10_000);
  for (const [name, who, others] of [['Bob', bob, ['alice', 'carol']], ['Carol', carol, ['alice', 'bob']]]) {
    await app.until(`${name} talking with the other two`, async () => others.every((u) => new RegExp(`Talking with ${u}\\b`).test(who.output())), 30_000);
  }
  const panel = '[aria-label^="Meeting: "]';
  await app.until('the meeting card to show Bob and Carol connected', async () => {
    const text = (await app.textOf(panel)) ?? '';
    return /Bob Stone/.test(text) && /Carol Diaz/.test(text) && !/Connecting|Not here/.test(text);
  }, 20_000);
  await sleep(2000);
  await shot('17-call-became-meeting');
  for (const [name, who] of [['Carol', carol], ['Bob', bob]]) {
    const { code, out } = await who.done;
    assert.equal(code, 0, `${name}'s switchboard-cli listen: ${out}`);
  }
  const alice = await ears.stop();
  await eachHearsTheOtherTwo('a call grown into a meeting', between(alice, addedAt + 2000, Date.now()), bobHeard, carolHeard);
  await (await app.button('Leave')).click();
  await app.until('the meeting card to go', async () => (await app.js('return document.querySelector(arguments[0])', panel)) === null, 10_000);
});

test('Bob adds Alice to his call with Carol: her app asks as for an incoming call, saying who is on it; she joins, and the three hear each other', async () => {
  const ca = await readFile(join(work, 'app', 'server', 'tls-cert.pem'));
  const bobHeard = join(work, 'bob-adds-alice.wav');
  const carolHeard = join(work, 'carol-adds-alice.wav');
  const carol = cli(['listen', '--auto-answer', '--tone', '880', '--record', carolHeard, '--duration', '16'], { as: CAROL });
  await app.until('Carol listening', async () => /Listening for calls/.test(carol.output()), 20_000);
  const bob = cli(['call', 'carol', '--tone', '440', '--record', bobHeard, '--duration', '18']);
  await app.until('Bob and Carol talking', async () => /Connected/.test(bob.output()), 30_000);

  // Bob adds Alice over the API, as his app's "Add someone" does.
  const token = await apiLogin(server, ca, BOB.username, BOB.password);
  const calls = JSON.parse((await apiRequest(server, ca, '/api/jitsi-calls/', { token })).text);
  const live = (calls.results ?? calls).find((c) => c.status === 'active');
  assert.ok(live, `Bob's call is listed: ${JSON.stringify(calls)}`);
  const users = JSON.parse((await apiRequest(server, ca, '/api/users/', { token })).text);
  const aliceId = (users.results ?? users).find((u) => u.username === ALICE.username).id;
  const ears = recordAlice();
  await sleep(300);
  const addedAt = Date.now();
  const added = await apiRequest(server, ca, `/api/jitsi-calls/${live.id}/add_participant/`, { method: 'POST', token, body: { user_id: aliceId } });
  assert.equal(added.status, 200, added.text);

  const notified = await app.until('the notification', async () => {
    const log = await readFile(NOTIFY_LOG, 'utf8').catch(() => '');
    return log.split('\n').find((l) => /\bNotify\b/.test(l) && /adding you to a call/.test(l));
  }, 10_000);
  assert.match(notified, /Incoming call/);
  assert.match(notified, /Bob Stone is adding you to a call with Carol Diaz/);
  assert.match(notified, /join/i, 'the notification offers Join');
  // The full-screen dialog of an incoming call, saying who adds her and who else is on it
  // (and the banner behind it, to join later should she decline).
  const dialog = await app.visible('[aria-labelledby="invitation-title"]', 10_000);
  assert.match(await dialog.text(), /Bob Stone is adding you to a call/);
  assert.match(await dialog.text(), /With Carol Diaz/);
  assert.match((await app.textOf('[aria-label="Added to a call"]')) ?? '', /Bob Stone is adding you to a call with Carol Diaz/);
  await shot('18-added-to-a-call');
  // It rang once: the ringtone's 440 + 480 Hz chord on her speakers (480 is nobody's voice).
  await sleep(Math.max(0, addedAt + 3200 - Date.now()));
  await (await app.button('Join')).click();
  const joinedAt = Date.now();
  const panel = '[aria-label^="Meeting: "]';
  await app.until('the meeting card with Bob and Carol connected', async () => {
    const text = (await app.textOf(panel)) ?? '';
    return /Bob Stone/.test(text) && /Carol Diaz/.test(text) && !/Connecting|Not here/.test(text);
  }, 30_000);
  for (const [name, who] of [['Bob', bob], ['Carol', carol]]) {
    assert.match(who.output(), /The call became a meeting; joining it/, `${name} followed the call`);
  }
  await sleep(4000);
  const alice = await ears.stop();
  for (const [name, who] of [['Carol', carol], ['Bob', bob]]) {
    const { code, out } = await who.done;
    assert.equal(code, 0, `${name}'s switchboard-cli: ${out}`);
  }
  const rang = windowsWithTone(between(alice, addedAt, joinedAt), 480);
  console.log(`added to a call: the ring heard in ${rang} windows before she joined`);
  assert.ok(rang >= 5, `her app rang: ${rang} windows with the ringtone`);
  await eachHearsTheOtherTwo('added to a call', between(alice, joinedAt + 2000, Date.now()), bobHeard, carolHeard);
  await (await app.button('Leave')).click();
  await app.until('the meeting card to go', async () => (await app.js('return document.querySelector(arguments[0])', panel)) === null, 10_000);
});

test('after a restart the app signs in again from the keyring', async () => {
  await app.end();
  await appGone();
  app = await launchApp();
  await app.visible('.people', 30_000);
  assert.equal((await app.textOf('.me-name'))?.trim(), ALICE.name);
  assert.equal(await app.find('.welcome-card'), null, 'no sign-in screen');
});
