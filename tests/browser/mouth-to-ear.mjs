// Mouth-to-ear latency and CPU per call: Switchboard (CLI ↔ CLI) against Chromium
// (page ↔ page), through the same Switchboard server, in one run.
//
// Run by tests/mouth-to-ear.sh, which starts the sound server this needs: a stereo null
// sink `probe` whose left channel is the caller's mouth and right channel the callee's
// ear. Spoken syllables (espeak-ng) are played into `mouth` (the caller's microphone,
// `mic`, is that left channel); the callee's speakers are `ear`. Recording `probe`'s
// monitor puts both on one clock, so each syllable's onset on the right minus its onset
// on the left is one mouth-to-ear latency: capture buffer, processing, the codec's frame,
// network, jitter buffer and playout buffer, everything a listener waits for.
//
// Knobs (env): ROUNDS (2, each runs every pair once, alternating), BURSTS (20 syllables a
// call), PAIRS ("switchboard chromium"; add "baseline" for a second CLI build given as
// BASELINE_CLI_BIN, to compare two builds in one run; BASELINE_ENV, "NAME=value ...", set
// for the baseline's CLIs only, compares one build two ways), OUT (append one JSON line
// per call to this file), SERVER_BIN and CLI_BIN (default: the release builds), CHECK=1 (exit 1
// unless every pair heard every syllable: the short pass the test command runs, which
// checks that the harness measures, not how fast).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { addUsers, login, startServer } from './server.mjs';
import { cpu, cpuBetween, pidWith, tree, waitFor } from './processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = resolvePath(root, process.env.CARGO_TARGET_DIR || 'target');
const SERVER = process.env.SERVER_BIN || join(target, 'release', 'switchboard-server');
const CLI = process.env.CLI_BIN || join(target, 'release', 'switchboard-cli');
const BASELINE_ENV = Object.fromEntries((process.env.BASELINE_ENV || '').split(/\s+/).filter(Boolean)
  .map(pair => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`BASELINE_ENV takes NAME=value pairs, not ${JSON.stringify(pair)}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
const BASELINE_CLI = process.env.BASELINE_CLI_BIN || (process.env.BASELINE_ENV ? CLI : undefined);
// The sound server both pairs play through (mouth-to-ear.sh gives it): its CPU is part of
// a call's, and an app can move work between itself and the server.
const SOUND_SERVER_PID = Number(process.env.SOUND_SERVER_PID) || null;
const ROUNDS = Number(process.env.ROUNDS || 2);
const BURSTS = Number(process.env.BURSTS || 20);
const PAIRS = (process.env.PAIRS || 'switchboard chromium').split(/\s+/).filter(Boolean);
const OUT = process.env.OUT;
const RATE = 48000;
/** Syllables start this far apart: more than any latency, so each is matched to its own. */
const SPACING_S = 1.0;
/** Audio flows this long before the first syllable (gain control and jitter buffers settle). */
const SETTLE_MS = 2000;
const sleep = ms => new Promise(r => setTimeout(r, ms));

// ---- sound files ------------------------------------------------------------------------

function wavBytes(samples, channels) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) => data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(RATE, 24); h.writeUInt32LE(RATE * 2 * channels, 28); h.writeUInt16LE(2 * channels, 32);
  h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** A WAV's samples (−1..1) per channel and its rate. espeak-ng streams its WAV with the
 *  sizes unset, so the data chunk runs to the end of the file. */
function readWav(path) {
  const buf = readFileSync(path);
  let offset = 12, channels = 1, rate = RATE;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(offset + 10);
      rate = buf.readUInt32LE(offset + 12);
    } else if (id === 'data') {
      const end = Math.min(buf.length, offset + 8 + size) & ~1;
      const frames = Math.floor((end - offset - 8) / 2 / channels);
      const out = Array.from({ length: channels }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < channels; c++) out[c][i] = buf.readInt16LE(offset + 8 + (i * channels + c) * 2) / 32768;
      }
      return { channels: out, rate };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

/** `BURSTS` spoken syllables, one every SPACING_S, at 48 kHz. */
function stimulus(dir) {
  const words = ['pa', 'ta', 'ka', 'ba'].map(word => {
    const path = join(dir, `${word}.wav`);
    writeFileSync(path, execFileSync('espeak-ng', ['--stdout', '-s', '160', word]));
    const { channels: [x], rate } = readWav(path);
    // Linear interpolation to 48 kHz is plenty for an onset; normalise the peak to −6 dB.
    const y = new Float32Array(Math.floor(x.length * RATE / rate));
    for (let i = 0; i < y.length; i++) {
      const t = i * rate / RATE, j = Math.floor(t), f = t - j;
      y[i] = (x[j] ?? 0) * (1 - f) + (x[j + 1] ?? 0) * f;
    }
    const peak = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
    return y.map(v => v * 0.5 / peak);
  });
  const out = new Float32Array(Math.round((BURSTS * SPACING_S + 0.5) * RATE));
  for (let b = 0; b < BURSTS; b++) out.set(words[b % words.length].slice(0, Math.round(0.8 * SPACING_S * RATE)), Math.round(b * SPACING_S * RATE));
  const path = join(dir, 'stimulus.wav');
  writeFileSync(path, wavBytes(Array.from(out), 1));
  return { path, seconds: out.length / RATE };
}

/** Onsets (s) in one channel: where its 2 ms RMS rises past a threshold after ≥ 300 ms
 *  below it. The threshold is a share of the channel's loudest moment, above its noise. */
function onsets(x) {
  const win = RATE / 500;
  const env = new Float32Array(x.length);
  let acc = 0;
  for (let i = 0; i < x.length; i++) {
    acc += x[i] * x[i] - (i >= win ? x[i - win] * x[i - win] : 0);
    env[i] = Math.sqrt(Math.max(acc, 0) / win);
  }
  const sorted = Float32Array.from(env).sort();
  const peak = sorted[sorted.length - 1], floor = sorted[Math.floor(sorted.length * 0.2)];
  const threshold = Math.max(0.1 * peak, 8 * floor);
  const found = [];
  let quietSince = 0;
  for (let i = 0; i < env.length; i++) {
    if (env[i] >= threshold) {
      if (i - quietSince >= 0.3 * RATE) found.push(i / RATE);
      quietSince = i;
    }
  }
  return { found, peak, threshold };
}

/** RMS per millisecond. */
function envelope(x) {
  const step = RATE / 1000, out = new Float32Array(Math.floor(x.length / step));
  for (let i = 0; i < out.length; i++) {
    let acc = 0;
    for (let j = i * step; j < (i + 1) * step; j++) acc += x[j] * x[j];
    out[i] = Math.sqrt(acc / step);
  }
  return out;
}

/** The lag (ms, 0..most) at which `b` best matches `a[from..from+len]`: normalised
 *  cross-correlation of the two envelopes. Envelopes, not waveforms, because the codec
 *  and the voice processing keep a syllable's loudness over time but not its phase; the
 *  whole syllable, not the first moment past a threshold, because noise suppression
 *  takes a weak plosive off the start of one syllable and not another. */
function bestLag(a, b, from, len, most) {
  const seg = a.subarray(from, from + len);
  const mean = seg.reduce((s, v) => s + v, 0) / seg.length;
  const sa = seg.map(v => v - mean);
  const na = Math.sqrt(sa.reduce((s, v) => s + v * v, 0)) || 1;
  let best = { lag: -1, score: -1 };
  for (let lag = 0; lag <= most && from + lag + len <= b.length; lag++) {
    const w = b.subarray(from + lag, from + lag + len);
    const mb = w.reduce((s, v) => s + v, 0) / w.length;
    let dot = 0, nb = 0;
    for (let i = 0; i < len; i++) { const v = w[i] - mb; dot += sa[i] * v; nb += v * v; }
    const score = dot / (na * (Math.sqrt(nb) || 1));
    if (score > best.score) best = { lag, score };
  }
  return best;
}

/** Each syllable said (an onset on the mouth channel) matched to where the ear channel
 *  carries it, in ms; a match that scores below 0.5 is a syllable not heard. */
function latencies(recording) {
  const { channels: [mouth, ear] } = readWav(recording);
  const m = onsets(mouth);
  const em = envelope(mouth), ee = envelope(ear);
  const lat = [], scores = [];
  for (const t of m.found) {
    const from = Math.max(0, Math.round(t * 1000) - 20);
    const { lag, score } = bestLag(em, ee, from, 500, Math.round(0.9 * SPACING_S * 1000) - 500);
    scores.push(Math.round(score * 100) / 100);
    if (score >= 0.5) lat.push(lag);
  }
  return { said: m.found.length, heard: lat.length, latencies_ms: lat, match_scores: scores };
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return null;
  const q = p => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const mean = s.reduce((a, v) => a + v, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, v) => a + (v - mean) ** 2, 0) / s.length);
  const r = v => Math.round(v * 10) / 10;
  return { n: s.length, median: r(q(0.5)), p95: r(q(0.95)), min: r(s[0]), max: r(s[s.length - 1]), sd: r(sd) };
}

// ---- the server and the two kinds of call ---------------------------------------------

/** Where each side's sound goes: the caller talks into `mic` and hears `caller_spk`; the
 *  callee hears into `ear` and its microphone is a silent sink's monitor. */
const CALLER_SOUND = { PULSE_SOURCE: 'mic', PULSE_SINK: 'caller_spk' };
const CALLEE_SOUND = { PULSE_SOURCE: 'quiet.monitor', PULSE_SINK: 'ear' };

function recorder(path) {
  return spawn('parecord', ['--device=probe.monitor', '--channels=2', `--rate=${RATE}`, '--format=s16le',
    '--latency-msec=5', '--file-format=wav', path], { stdio: 'ignore' });
}

function play(path) {
  return new Promise((resolve, reject) => {
    const p = spawn('paplay', ['--device=mouth', '--latency-msec=5', path], { stdio: 'ignore' });
    p.on('exit', code => (code === 0 ? resolve() : reject(new Error(`paplay exited ${code}`))));
  });
}

function stopped(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** What both sides measure while the syllables are said: the recording and the CPU. */
async function measure(dir, name, processes, stim) {
  const recording = join(dir, `${name}.wav`);
  const rec = recorder(recording);
  await sleep(500);
  if (process.env.SHOW_STREAMS) {
    process.stderr.write(execFileSync('sh', ['-c', 'pactl list sink-inputs; pactl list source-outputs']).toString()
      .split('\n').filter(l => /#|Sink:|Source:|application.name|latency|Corked|Volume: mono|Mute/i.test(l)).join('\n') + '\n');
  }
  const server = () => new Map(SOUND_SERVER_PID ? [[SOUND_SERVER_PID, 'sound server']] : []);
  const [before, serverBefore] = [cpu(processes()), cpu(server())];
  const t0 = performance.now();
  await play(stim.path);
  await sleep(1000);
  const seconds = (performance.now() - t0) / 1000;
  const used = cpuBetween(before, cpu(processes()), seconds);
  // The server's figure includes the harness's own two streams (the syllables played,
  // the probe recorded), the same for every pair.
  const sound_server = SOUND_SERVER_PID ? cpuBetween(serverBefore, cpu(server()), seconds).percent_of_a_core : null;
  await stopped(rec);
  return { ...latencies(recording), cpu: { ...used, sound_server }, recording };
}

async function switchboardCall(ctx, stim, round, bin = CLI, extraEnv = {}) {
  const { url, dir, users } = ctx;
  const talk = (SETTLE_MS + 500 + stim.seconds * 1000 + 1000) / 1000 + 3;
  const cli = (who, args, sound) => spawn(bin, ['--server', url, ...args, '--duration', String(talk),
    '--stats-json', join(dir, `sb-${round}-${who}.json`)], {
    env: { ...process.env, ...extraEnv, ...sound, SWITCHBOARD_TOKEN: users[who].token, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const callee = cli('callee', ['listen', '--auto-answer'], CALLEE_SOUND);
  const calleeConnected = waitFor(callee, 'Connected:', 'the callee');
  calleeConnected.catch(() => {});
  await waitFor(callee, 'Listening for calls', 'the callee');
  const caller = cli('caller', ['call', 'callee'], CALLER_SOUND);
  try {
    await Promise.all([waitFor(caller, 'Connected:', 'the caller'), calleeConnected]);
    await sleep(SETTLE_MS);
    const processes = () => new Map([[caller.pid, 'cli:caller'], [callee.pid, 'cli:callee']]);
    const m = await measure(dir, `switchboard-${round}`, processes, stim);
    await Promise.all([new Promise(r => caller.on('exit', r)), new Promise(r => callee.on('exit', r))]);
    const side = who => JSON.parse(readFileSync(join(dir, `sb-${round}-${who}.json`), 'utf8'));
    const [sent, heard] = [side('caller'), side('callee')];
    // Where the milliseconds go, as the two ends saw them (builds before the queue
    // figures have none).
    const path = sent.queues && heard.queues && {
      capture_device_ms: sent.queues.input.device_latency_ms,
      capture_queue_ms: sent.queues.input.queued_ms,
      playout_queue_ms: heard.queues.output.queued_ms,
      trimmed_at_start_ms: heard.queues.output.trimmed_ms,
    };
    return { ...m, receiver: { quality: heard.quality, voice: heard.voice, path } };
  } finally {
    for (const c of [caller, callee]) if (c.exitCode === null) c.kill();
  }
}

async function chromiumCall(ctx, stim, round) {
  const { url, users } = ctx;
  // Each browser carries a marker switch, so its process tree can be found for its CPU.
  const marker = side => `--switchboard-m2e=${process.pid}-${round}-${side}`;
  const launch = (sound, side) => chromium.launch({
    executablePath: '/usr/bin/chromium',
    env: { ...process.env, ...sound },
    // Playwright mutes headless browsers; the callee's must be heard.
    ignoreDefaultArgs: ['--mute-audio'],
    args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection',
      '--use-fake-ui-for-media-stream', '--disable-features=LocalNetworkAccessChecks',
      '--autoplay-policy=no-user-gesture-required', marker(side)],
  });
  const browsers = [await launch(CALLER_SOUND, 'caller'), await launch(CALLEE_SOUND, 'callee')];
  try {
    const [callerPage, calleePage] = await Promise.all(browsers.map(async b => {
      const page = await b.newPage();
      page.on('console', m => process.stderr.write(`[page] ${m.text()}\n`));
      await page.route(`${url}/call-page.html`, route =>
        route.fulfill({ contentType: 'text/html', body: readFileSync(join(here, 'call-page.html'), 'utf8') }));
      await page.goto(`${url}/call-page.html`);
      return page;
    }));
    const answered = calleePage.evaluate(a => window.answerCall(a),
      { token: users.callee.token, userId: users.callee.user.id, processing: true });
    await sleep(500);
    const called = callerPage.evaluate(a => window.startCall(a),
      { token: users.caller.token, calleeId: users.callee.user.id, processing: true });
    const states = await Promise.all([called, answered]);
    if (states.some(s => s !== 'connected')) throw new Error(`Chromium peers did not connect: ${states}`);
    await sleep(SETTLE_MS);
    const processes = () => new Map(['caller', 'callee'].flatMap(side =>
      [...tree(pidWith(marker(side)))].map(([p, k]) => [p, `${side}:${k}`])));
    const m = await measure(ctx.dir, `chromium-${round}`, processes, stim);
    const receiver = await calleePage.evaluate(() => window.receiveDelays());
    if (process.env.SHOW_STREAMS) {
      process.stderr.write(`callee inbound ${JSON.stringify(await calleePage.evaluate(() => window.inboundAudio()))}\n`);
      process.stderr.write(`caller source ${JSON.stringify(await callerPage.evaluate(async () => { const o = []; (await pc.getStats()).forEach(s => { if (s.type === 'media-source') o.push(s); }); return o; }))}\n`);
    }
    const id = await callerPage.evaluate(() => callId);
    await fetch(`${url}/api/jitsi-calls/${id}/update_status/`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Token ${users.caller.token}` },
      body: JSON.stringify({ action: 'end' }),
    });
    return { ...m, receiver };
  } finally {
    await Promise.all(browsers.map(b => b.close()));
  }
}

// ---- the run --------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'switchboard-m2e-'));
const data = join(dir, 'data');
addUsers(SERVER, data, ['caller', 'callee']);
const { child: server, url } = await startServer(SERVER, data, 'warn,switchboard_server=info');
const stim = stimulus(dir);
const results = {};
try {
  const users = { caller: await login(url, 'caller'), callee: await login(url, 'callee') };
  const ctx = { url, dir, users };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const pair of PAIRS) {
      const run = {
        switchboard: () => switchboardCall(ctx, stim, `${round}`),
        baseline: () => switchboardCall(ctx, stim, `${round}-baseline`, BASELINE_CLI, BASELINE_ENV),
        chromium: () => chromiumCall(ctx, stim, round),
      }[pair];
      if (!run || (pair === 'baseline' && !BASELINE_CLI)) throw new Error(`unknown pair ${pair} (or no BASELINE_CLI_BIN)`);
      const r = await run();
      const line = { date: new Date().toISOString(), pair, round, bursts: BURSTS, ...r, latency: summary(r.latencies_ms) };
      delete line.recording;
      console.log(JSON.stringify(line));
      if (OUT) appendFileSync(OUT, `${JSON.stringify(line)}\n`);
      (results[pair] ??= []).push(line);
      await sleep(1000);
    }
  }
} finally {
  server.kill();
}
console.log('\npair         latency median / p95 / sd (ms)   heard   CPU (% of a core, both sides; + sound server)');
for (const [pair, lines] of Object.entries(results)) {
  const s = summary(lines.flatMap(l => l.latencies_ms));
  const heard = lines.reduce((a, l) => a + l.heard, 0), said = lines.reduce((a, l) => a + l.said, 0);
  const cpuPct = lines.map(l => l.cpu.percent_of_a_core + (l.cpu.sound_server === null ? '' : ` + ${l.cpu.sound_server}`)).join(' / ');
  console.log(`${pair.padEnd(12)} ${s ? `${s.median} / ${s.p95} / ${s.sd}`.padEnd(32) : 'nothing heard'.padEnd(32)} ${heard}/${said}`.padEnd(60) + cpuPct);
}
if (process.env.CHECK) {
  const short = Object.entries(results).flatMap(([pair, lines]) =>
    lines.filter(l => l.heard < BURSTS || l.said < BURSTS).map(l => `${pair} round ${l.round}: said ${l.said}, heard ${l.heard} of ${BURSTS}`));
  if (short.length) {
    console.error(`mouth to ear: syllables went unheard:\n${short.join('\n')}`);
    process.exit(1);
  }
}
