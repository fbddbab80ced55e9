// CPU per 1:1 video call, Switchboard (CLI ↔ CLI) against Chromium (page ↔ page), through
// the same Switchboard server, in one run: both ends send SIZE at 30 pictures a second
// and decode the other's, with a voice beside it (a tone for the CLIs, Chromium's fake
// microphone), and the CPU of every process of both ends is read from /proc over the same
// window. Each side's decoded frame rate is printed with it: a cheap call that shows
// fewer pictures is not cheaper.
//
// Knobs (env): ROUNDS (2; each runs both pairs, alternating), SECONDS (10, the measured
// window), SIZE (640x480; up to 1280x720), OUT (append one JSON line per call), SERVER_BIN
// and CLI_BIN (default: release).
//
//     cargo build --release -p switchboard-server -p switchboard-cli
//     (cd tests/browser && npm ci) && node tests/browser/video-cpu.mjs

import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu, cpuBetween, pidWith, tree, waitFor } from './processes.mjs';
import { addUsers, callPage, login, startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolvePath(here, '..', '..', process.env.CARGO_TARGET_DIR || 'target');
const SERVER = process.env.SERVER_BIN || join(target, 'release', 'switchboard-server');
const CLI = process.env.CLI_BIN || join(target, 'release', 'switchboard-cli');
const ROUNDS = Number(process.env.ROUNDS || 2);
const SECONDS = Number(process.env.SECONDS || 10);
const OUT = process.env.OUT;
const SIZE = process.env.SIZE || '640x480';
const [WIDTH, HEIGHT] = SIZE.split('x').map(Number);
/** Pictures flow this long before the window (keyframes, rate control settle). */
const SETTLE_MS = 3000;
const sleep = ms => new Promise(r => setTimeout(r, ms));

async function switchboardCall({ url, dir, users }, round) {
  const talk = (SETTLE_MS + SECONDS * 1000) / 1000 + 2;
  const stats = who => join(dir, `sb-${round}-${who}.json`);
  // Tones in, recordings out: no sound devices, as Chromium's fake ones.
  const cli = (who, args, tone) => spawn(CLI, ['--server', url, ...args, '--video', `pattern:${SIZE}`,
    '--tone', tone, '--record', join(dir, `sb-${round}-${who}.wav`), '--duration', String(talk),
    '--stats-json', stats(who)], {
    env: { ...process.env, SWITCHBOARD_TOKEN: users[who].token, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const callee = cli('callee', ['listen', '--auto-answer'], '1000');
  const calleeConnected = waitFor(callee, 'Connected:', 'the callee');
  calleeConnected.catch(() => {});
  await waitFor(callee, 'Listening for calls', 'the callee');
  const caller = cli('caller', ['call', 'callee'], '440');
  try {
    await Promise.all([waitFor(caller, 'Connected:', 'the caller'), calleeConnected]);
    await sleep(SETTLE_MS);
    const processes = new Map([[caller.pid, 'cli:caller'], [callee.pid, 'cli:callee']]);
    const before = cpu(processes);
    await sleep(SECONDS * 1000);
    const used = cpuBetween(before, cpu(processes), SECONDS);
    await Promise.all([caller, callee].map(c => new Promise(r => c.on('exit', r))));
    const video = who => JSON.parse(readFileSync(stats(who), 'utf8')).video;
    return {
      cpu: used, fps: { caller: video('caller').fps, callee: video('callee').fps },
      size: `${video('callee').width}x${video('callee').height}`,
    };
  } finally {
    for (const c of [caller, callee]) if (c.exitCode === null) c.kill();
  }
}

async function chromiumCall({ url, users }, round) {
  const marker = side => `--switchboard-video-cpu=${process.pid}-${round}-${side}`;
  const [caller, callee] = [await callPage(url, [marker('caller')]), await callPage(url, [marker('callee')])];
  try {
    const answered = callee.page.evaluate(a => window.answerCall(a),
      { token: users.callee.token, userId: users.callee.user.id, video: { width: WIDTH, height: HEIGHT } });
    await sleep(500);
    const called = caller.page.evaluate(a => window.startCall(a),
      { token: users.caller.token, calleeId: users.callee.user.id, video: { width: WIDTH, height: HEIGHT } });
    const states = await Promise.all([called, answered]);
    if (states.some(s => s !== 'connected')) throw new Error(`Chromium peers did not connect: ${states}`);
    await sleep(SETTLE_MS);
    const processes = new Map(['caller', 'callee'].flatMap(side =>
      [...tree(pidWith(marker(side)))].map(([p, k]) => [p, `${side}:${k}`])));
    const before = cpu(processes);
    const decoded = async () => Promise.all([caller, callee].map(s => s.page.evaluate(() => window.inboundVideo())));
    const [c0, e0] = await decoded();
    await sleep(SECONDS * 1000);
    const used = cpuBetween(before, cpu(processes), SECONDS);
    const [c1, e1] = await decoded();
    const fps = (a, b) => Math.round(((b?.framesDecoded ?? 0) - (a?.framesDecoded ?? 0)) / SECONDS * 10) / 10;
    const id = await caller.page.evaluate(() => callId);
    await fetch(`${url}/api/jitsi-calls/${id}/update_status/`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Token ${users.caller.token}` },
      body: JSON.stringify({ action: 'end' }),
    });
    return { cpu: used, fps: { caller: fps(c0, c1), callee: fps(e0, e1) }, size: `${e1?.width}x${e1?.height}` };
  } finally {
    await Promise.all([caller, callee].map(s => s.browser.close()));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'switchboard-video-cpu-'));
const data = join(dir, 'data');
addUsers(SERVER, data, ['caller', 'callee']);
const { child: server, url } = await startServer(SERVER, data, 'warn,switchboard_server=info');
const results = {};
try {
  const users = { caller: await login(url, 'caller'), callee: await login(url, 'callee') };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const pair of ['switchboard', 'chromium']) {
      const r = await (pair === 'switchboard' ? switchboardCall : chromiumCall)({ url, dir, users }, round);
      const line = { date: new Date().toISOString(), pair, round, seconds: SECONDS, sent: SIZE, ...r };
      console.log(JSON.stringify(line));
      if (OUT) appendFileSync(OUT, `${JSON.stringify(line)}\n`);
      (results[pair] ??= []).push(line);
      await sleep(1000);
    }
  }
} finally {
  server.kill();
}
console.log('\npair         CPU, both ends (% of a core)   pictures decoded a second (caller / callee)');
for (const [pair, lines] of Object.entries(results)) {
  console.log(`${pair.padEnd(12)} ${lines.map(l => l.cpu.percent_of_a_core).join(' / ').padEnd(30)} ${lines.map(l => `${l.fps.caller} / ${l.fps.callee}`).join(', ')}`);
}
