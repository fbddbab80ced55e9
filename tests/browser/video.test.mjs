// Video interop: headless Debian Chromium (its fake camera) calls a Rust peer
// (`switchboard-cli listen --video pattern`) through the real server, and answers one
// (`switchboard-cli call --video pattern`). Chromium must
// decode Switchboard's VP8 and show the test pattern (its frame numbers read back from
// the picture on a canvas, rising); Switchboard must decode Chromium's camera.
//
// Needs the debug binaries (scripts/test builds them) and /usr/bin/chromium.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUsers, callPage, login, rustPeer, startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = join(resolvePath(root, process.env.CARGO_TARGET_DIR || 'target'), 'debug');
const SERVER = join(target, 'switchboard-server');
const CLI = join(target, 'switchboard-cli');
const sleep = ms => new Promise(r => setTimeout(r, ms));

test('a browser and a Rust peer see each other\'s video', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-video-'));
  const data = join(dir, 'data');
  addUsers(SERVER, data, ['web', 'rust']);
  const { child: server, url } = await startServer(SERVER, data);
  const stats = join(dir, 'rust.json');
  let browser, listener;
  try {
    const web = await login(url, 'web');
    const rust = await login(url, 'rust');
    const rustSide = rustPeer(CLI, url, rust.token, ['listen', '--auto-answer', '--video', 'pattern', '--tone', '1000',
      '--record', join(dir, 'rust.wav'), '--duration', '8', '--stats-json', stats]);
    listener = rustSide.child;
    await sleep(1000);

    let page;
    ({ browser, page } = await callPage(url));
    const state = await page.evaluate(args => window.startCall(args), { token: web.token, calleeId: rust.user.id, video: true });
    assert.equal(state, 'connected', 'the browser connected to the Rust peer');

    let first = null;
    for (let waited = 0; !(first && first.framesDecoded > 0) && waited < 5000; waited += 100) {
      first = await page.evaluate(() => window.inboundVideo());
      await sleep(100);
    }
    assert.ok(first && first.framesDecoded > 0, `Chromium decodes Switchboard's video within 5 s: ${JSON.stringify(first)}`);
    await sleep(500);
    const shownBefore = await page.evaluate(() => window.remotePattern());
    await sleep(2000);
    const later = await page.evaluate(() => window.inboundVideo());
    const shownAfter = await page.evaluate(() => window.remotePattern());
    process.stderr.write(`chromium: ${JSON.stringify(later)}; pattern ${JSON.stringify(shownBefore)} -> ${JSON.stringify(shownAfter)}\n`);
    assert.equal(later.codec, 'video/VP8');
    assert.equal(later.width, 640);
    assert.ok(later.framesDecoded - first.framesDecoded >= 40, `pictures keep coming: ${first.framesDecoded} -> ${later.framesDecoded}`);
    assert.ok(shownBefore && shownAfter, 'the canvas shows Switchboard\'s test pattern');
    const advanced = shownAfter.number - shownBefore.number;
    assert.ok(advanced >= 40 && advanced <= 80, `the pattern's frame number rose by ${advanced} in 2 s`);
    assert.ok(shownAfter.delayMs < 500, `capture to Chromium's screen: ${shownAfter.delayMs} ms`);

    const code = await rustSide.done;
    assert.equal(code, 0, `the Rust listener finished cleanly:\n${rustSide.output()}`);
    const video = JSON.parse(readFileSync(stats, 'utf8')).video;
    process.stderr.write(`switchboard: ${JSON.stringify(video)}\n`);
    assert.ok(video.frames_decoded >= 60, `Switchboard decoded Chromium's camera: ${JSON.stringify(video)}`);
    assert.ok(video.width > 0 && video.height > 0, JSON.stringify(video));
    assert.equal(video.pattern_frames, 0, 'Chromium sends its own camera, not our pattern');
    assert.ok(video.frames_sent >= 100, JSON.stringify(video));
  } finally {
    if (browser) await browser.close();
    if (listener && listener.exitCode === null) listener.kill();
    server.kill();
  }
});

test('a Rust peer video-calls a browser, which answers with its camera', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-video-'));
  const data = join(dir, 'data');
  addUsers(SERVER, data, ['web', 'rust']);
  const { child: server, url } = await startServer(SERVER, data);
  const stats = join(dir, 'rust.json');
  let browser, caller;
  try {
    const web = await login(url, 'web');
    const rust = await login(url, 'rust');
    let page;
    ({ browser, page } = await callPage(url));
    // The browser waits for the invite; the Rust peer calls and offers video.
    const answered = page.evaluate(args => window.answerCall(args), { token: web.token, userId: web.user.id, video: true });
    await sleep(500);
    const rustSide = rustPeer(CLI, url, rust.token, ['call', 'web', '--video', 'pattern', '--tone', '1000',
      '--record', join(dir, 'rust.wav'), '--duration', '8', '--stats-json', stats]);
    caller = rustSide.child;
    assert.equal(await answered, 'connected', 'the browser answered and connected');

    let seen = null;
    for (let waited = 0; !(seen && seen.framesDecoded >= 30) && waited < 6000; waited += 100) {
      seen = await page.evaluate(() => window.inboundVideo());
      await sleep(100);
    }
    const shown = await page.evaluate(() => window.remotePattern());
    process.stderr.write(`chromium answering: ${JSON.stringify(seen)}; pattern ${JSON.stringify(shown)}\n`);
    assert.ok(seen && seen.framesDecoded >= 30, `Chromium decodes the caller's video: ${JSON.stringify(seen)}`);
    assert.equal(seen.codec, 'video/VP8');
    assert.ok(shown, 'the canvas shows Switchboard\'s test pattern');

    const code = await rustSide.done;
    assert.equal(code, 0, `the Rust caller finished cleanly:\n${rustSide.output()}`);
    const video = JSON.parse(readFileSync(stats, 'utf8')).video;
    process.stderr.write(`switchboard calling: ${JSON.stringify(video)}\n`);
    assert.ok(video.frames_decoded >= 60, `Switchboard decoded the answering browser's camera: ${JSON.stringify(video)}`);
    assert.equal(video.pattern_frames, 0, 'Chromium sends its own camera');
  } finally {
    if (browser) await browser.close();
    if (caller && caller.exitCode === null) caller.kill();
    server.kill();
  }
});
