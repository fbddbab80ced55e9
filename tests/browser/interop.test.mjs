// Browser interop (SPEC §7): headless Debian Chromium calls a Rust peer through the real
// server. Chromium's fake microphone plays a 440 Hz WAV (AGC, noise suppression and echo
// cancellation off); `switchboard-cli listen` answers with a 1000 Hz tone and records.
// The Rust side must decode the browser's tone; Chromium's getStats must show inbound
// audio from Rust with rising energy.
//
// Needs the debug binaries (scripts/test builds them) and /usr/bin/chromium.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUsers, callPage, login, rustPeer, startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Where cargo put the binaries: CARGO_TARGET_DIR (relative to the repository) when set,
// as scripts/test honours it.
const root = join(here, '..', '..');
const target = join(resolvePath(root, process.env.CARGO_TARGET_DIR || 'target'), 'debug');
const SERVER = join(target, 'switchboard-server');
const CLI = join(target, 'switchboard-cli');

/** A 48 kHz mono 16-bit WAV of a sine tone. */
function toneWav(path, hz, seconds) {
  const n = 48000 * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * hz * i / 48000) * 0.3 * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + data.length, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
  header.writeUInt32LE(48000, 24); header.writeUInt32LE(96000, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
  header.write('data', 36); header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** The 16-bit mono samples of a WAV written by the Rust recorder. */
function readWav(path) {
  const buf = readFileSync(path);
  let offset = 12;
  while (offset < buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'data') {
      const samples = new Int16Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(offset + 8 + i * 2);
      return samples;
    }
    offset += 8 + size;
  }
  throw new Error(`${path} has no data chunk`);
}

/** Share of a frame's energy at `hz` (Goertzel), as the Rust detector computes it. */
function energyShare(frame, hz) {
  const coeff = 2 * Math.cos(2 * Math.PI * hz / 48000);
  let s1 = 0, s2 = 0, total = 0;
  for (const v of frame) {
    const x = v / 32767;
    total += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1; s1 = s0;
  }
  if (total === 0) return 0;
  return Math.min(1, (2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2)) / (frame.length * total));
}
const rms = f => Math.sqrt(f.reduce((a, v) => a + (v / 32767) ** 2, 0) / f.length);
const hasTone = (f, hz) => rms(f) > 0.01 && energyShare(f, hz) > 0.5;

test('a browser peer and a Rust peer hear each other', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-browser-'));
  const data = join(dir, 'data');
  addUsers(SERVER, data, ['web', 'rust']);
  const { child: server, url } = await startServer(SERVER, data);
  const browserTone = join(dir, 'browser-440.wav');
  toneWav(browserTone, 440, 30);
  const recording = join(dir, 'rust-heard.wav');
  let browser, listener;
  try {
    const web = await login(url, 'web');
    const rust = await login(url, 'rust');
    const rustSide = rustPeer(CLI, url, rust.token, ['listen', '--auto-answer', '--tone', '1000', '--record', recording, '--duration', '9']);
    listener = rustSide.child;
    await new Promise(r => setTimeout(r, 1000));

    let page;
    ({ browser, page } = await callPage(url, [`--use-file-for-fake-audio-capture=${browserTone}`]));
    const state = await page.evaluate(args => window.startCall(args), { token: web.token, calleeId: rust.user.id });
    assert.equal(state, 'connected', 'the browser connected to the Rust peer');

    // Chromium lists an inbound-rtp entry only once the first packet has arrived, which
    // can be a moment after ICE reports connected: wait for it (up to 5 s) before measuring.
    let first = null;
    for (let waited = 0; !first && waited < 5000; waited += 100) {
      first = await page.evaluate(() => window.inboundAudio());
      if (!first) await new Promise(r => setTimeout(r, 100));
    }
    assert.ok(first, 'Chromium reports inbound audio within 5 s of connecting');
    await new Promise(r => setTimeout(r, 2000));
    const second = await page.evaluate(() => window.inboundAudio());
    assert.ok(second, 'Chromium still reports inbound audio 2 s later');
    assert.ok(second.packets > first.packets + 50, `packets from Rust keep coming: ${first.packets} -> ${second.packets}`);
    assert.ok(second.energy > first.energy && second.energy > 0, `inbound energy rises: ${first.energy} -> ${second.energy}`);

    const code = await rustSide.done;
    assert.equal(code, 0, `the Rust listener finished cleanly:\n${rustSide.output()}`);
    const samples = readWav(recording);
    const frames = [];
    for (let i = 48000; i + 960 <= samples.length; i += 960) frames.push(samples.subarray(i, i + 960));
    const heard = frames.filter(f => hasTone(f, 440)).length;
    const own = frames.filter(f => hasTone(f, 1000)).length;
    assert.ok(frames.length >= 100, `recorded ${frames.length} frames`);
    assert.ok(heard * 10 >= frames.length * 9, `Rust decoded the browser's tone in ${heard} of ${frames.length} frames`);
    assert.equal(own, 0, 'Rust never hears its own tone');
  } finally {
    if (browser) await browser.close();
    if (listener && listener.exitCode === null) listener.kill();
    server.kill();
  }
});
