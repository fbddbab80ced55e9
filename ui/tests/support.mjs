// Test support: serve dist/ on 127.0.0.1, build the fake-shell harness, launch Debian's
// Chromium headless, and open the app with a scripted shell.
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { after, afterEach, before } from 'node:test';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const UI = join(here, '..');
const DIST = join(UI, 'dist');
export const SHOTS = join(here, 'screenshots');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export async function startServer() {
  for (const f of ['index.html', 'app.js', 'app.css', 'callbox.html', 'callbox.js']) {
    if (!existsSync(join(DIST, f))) throw new Error(`dist/${f} is missing: run "npm run build" first.`);
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(DIST, path === '/' ? 'index.html' : path));
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

export async function buildHarness() {
  const out = await build({
    entryPoints: [join(here, 'harness.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: ['es2020'],
    logLevel: 'warning',
  });
  return out.outputFiles[0].text;
}

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A fresh page with the fake shell answering `responses` (see tests/harness.ts), the
 * app loaded and its first screen drawn; `permissions` such as 'clipboard-read' (to check
 * what Copy copied). Page errors and console errors fail the test. `page`: another page
 * of dist/ than the main window's (see `openCallbox`). `now`: the instant (ms since the
 * epoch) the page's clock starts at, for a test that shows dates as "Today" or
 * "Yesterday" (see NOON and fixturesAt in fixtures.mjs); without it, the real clock.
 * `paused` (with `now`): the page's clock stands still at `now` and moves only when the
 * test runs it on (`runFor`), for a test that reads a timer's text or a state before a
 * delayed answer (see `stopClock`).
 */
export async function openApp(
  env,
  { responses, colorScheme = 'light', viewport = { width: 1100, height: 760 }, permissions = [], page: file = '', now, paused = false },
) {
  if (paused && now === undefined) throw new Error('openApp: `paused` needs `now`, the instant the clock stands at.');
  const context = await env.browser.newContext({ colorScheme, viewport, reducedMotion: 'reduce', permissions });
  if (now !== undefined) {
    // Before the page's scripts run, so that they never see the real date. Unless
    // `paused`, the clock then runs on from `now` in real time, and timers (the app's 1 s
    // tick, the 300 ms Enter guard, the harness's delayed replies) fire as they would.
    // Paused: at `now` exactly from the page's first script on (Date.now(),
    // performance.now(), timers and animation frames all stand still until `runFor`). Set
    // on the context before it has a page: in a page already open (about:blank) the
    // installed clock would run on meanwhile, and pausing it at `now` would be going back.
    await context.clock.install({ time: now });
    if (paused) await context.clock.pauseAt(now);
  }
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.addInitScript((r) => {
    window.__testInit = { responses: r };
  }, responses);
  await page.addInitScript({ content: env.harness });
  await page.goto(env.server.url + file);
  // The callbox draws nothing until a call rings.
  await page.locator('#app > *').first().waitFor(file ? { state: 'attached' } : undefined);
  await page.waitForFunction(() => window.__test.calls('app_state').length > 0);
  page.problems = problems;
  return page;
}

/** The callbox window's page (callbox.html), at its size in the shell: 380×168. */
export function openCallbox(env, options) {
  return openApp(env, { viewport: { width: 380, height: 168 }, ...options, page: 'callbox.html' });
}

/**
 * A stopped clock, for a test that must not race the real one: a timer's "m:ss" text, or a
 * busy state before the fake shell's delayed answer (`delayMs`, a page timer), must not
 * depend on how long the machine took meanwhile. `stopClock()` stops the clock the
 * fixtures count from (`clockNow`) at the real clock's now and returns that instant, for
 * `openApp(env, { now, paused: true, … })`: the page's clock and the fixtures' then agree
 * to the millisecond, and both move only by `runFor`. Until the end of the test that calls
 * it: the next test's fixtures are on the real clock again (`setupPerFile`).
 */
let stoppedAt = null;
export function stopClock() {
  stoppedAt = Date.now();
  return stoppedAt;
}

/** Now (ms since the epoch) for the fixtures' times: the real clock's, or the stopped
 * clock's (`stopClock`) in a test that stopped it. */
export const clockNow = () => stoppedAt ?? Date.now();

/**
 * Run a paused page's clock (`openApp`'s `paused`) on by `ms`: every timer due meanwhile
 * fires in order, and the page runs between them (the app's 1 s tick, a delayed answer
 * from the fake shell, animation frames); the stopped clock moves on with it.
 */
export async function runFor(page, ms) {
  await page.clock.runFor(ms);
  if (stoppedAt !== null) stoppedAt += ms;
}

/** Close the page's context; fail if the page logged an error or threw. */
export async function finish(page) {
  const problems = page.problems;
  await page.context().close();
  if (problems.length) throw new Error(problems.join('\n'));
}

/** Push one engine event, as the shell would. */
export function engine(page, payload) {
  return page.evaluate((p) => window.__test.emit(p), payload);
}

/** The shell pushes a whole new AppState (as when a call link is opened). */
export function pushState(page, state) {
  return engine(page, { type: 'app_state', state });
}

/** The shell's feed kinds (the header's byte 0, see src/video.ts). */
export const FEED_KINDS = { remote: 0, local: 1, member: 2 };
/** Bytes before the JPEG in a picture message (src/video.ts, FRAME_HEADER). */
export const FRAME_HEADER = 20;

/**
 * Make pictures in the shell's layout (see src/video.ts), in the page: a 20-byte header
 * (the feed's kind, three zeros, the width and the height as u32 LE, a meeting member's
 * user id as i64 LE), then a JPEG that the page's canvas encodes (`convertToBlob`, quality
 * 0.95). One per `spec`: `feed` 'remote' (theirs in a call), 'local' (mine) or 'member' (a
 * meeting member's, with their `userId`), `width`×`height`, filled with `fill`
 * ([r, g, b]), or with vertical `bars` of those colours, and with a `block`-pixel square of
 * `topLeft` and of `bottomRight` in those corners when given. JPEG is lossy: compare
 * colours with a tolerance (`near` in native-video.test.mjs), away from edges. They are
 * left in the page as `window.__frames` (ArrayBuffers, in order); returns their sizes
 * (bytes).
 */
export function makeFrames(page, specs) {
  return page.evaluate(async ({ specs, kinds, headerBytes }) => {
    window.__frames = [];
    for (const spec of specs) {
      const { feed = 'remote', userId = 0, width, height, fill = [40, 40, 40], bars = null, topLeft = null, bottomRight = null, block = 16 } = spec;
      const canvas = new OffscreenCanvas(width, height);
      const g = canvas.getContext('2d');
      const paint = (rgb, x, y, w, h) => {
        g.fillStyle = `rgb(${rgb.join(',')})`;
        g.fillRect(x, y, w, h);
      };
      paint(fill, 0, 0, width, height);
      if (bars) {
        // Bar i: the columns x with floor(x × bars / width) = i.
        const edge = (i) => Math.ceil((i * width) / bars.length);
        bars.forEach((rgb, i) => paint(rgb, edge(i), 0, edge(i + 1) - edge(i), height));
      }
      if (topLeft) paint(topLeft, 0, 0, block, block);
      if (bottomRight) paint(bottomRight, width - block, height - block, block, block);
      const jpeg = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer());
      const buf = new ArrayBuffer(headerBytes + jpeg.length);
      const view = new DataView(buf);
      view.setUint8(0, kinds[feed]);
      view.setUint32(4, width, true);
      view.setUint32(8, height, true);
      view.setBigInt64(12, BigInt(feed === 'member' ? userId : 0), true);
      new Uint8Array(buf, headerBytes).set(jpeg);
      window.__frames.push(buf);
    }
    return window.__frames.map((b) => b.byteLength);
  }, { specs, kinds: FEED_KINDS, headerBytes: FRAME_HEADER });
}

/**
 * Give the fake shell one picture for `next_video_picture` (made as `makeFrames` says): a
 * request waiting for one is answered with it at once, else the next request is (see
 * tests/harness.ts).
 */
export async function sendFrame(page, spec) {
  await makeFrames(page, [spec]);
  await page.evaluate(() => window.__test.picture(window.__frames[0]));
}

/**
 * Keep giving the fake shell pictures, as a side that sends video does: the pictures of
 * `specs` (made as `makeFrames` says) now and then every `everyMs` milliseconds, until
 * `keepSending` is called again (with other pictures, or none: `[]`) or the page closes.
 * A feed whose pictures stop shows that they stopped (src/video.ts, STOPPED_AFTER_MS):
 * what a screenshot of a picture needs.
 */
export async function keepSending(page, specs, everyMs = 300) {
  if (specs.length) await makeFrames(page, specs);
  await page.evaluate(
    ({ count, everyMs }) => {
      clearInterval(window.__sending);
      const frames = count ? window.__frames.slice(0, count) : [];
      const send = () => frames.forEach((f) => window.__test.picture(f));
      send();
      window.__sending = count ? setInterval(send, everyMs) : undefined;
    },
    { count: specs.length, everyMs },
  );
}

/** The fake shell's pictures: how many are queued and not taken, and how many
 * `next_video_picture` requests wait for one. */
export function pictureQueue(page) {
  return page.evaluate(() => ({ queued: window.__test.queued(), waiting: window.__test.waiting() }));
}

export function invoked(page, cmd) {
  return page.evaluate((c) => window.__test.calls(c), cmd);
}

export function respond(page, cmd, reply) {
  return page.evaluate(([c, r]) => window.__test.respond(c, r), [cmd, reply]);
}

/** The page (or, with `element`, one locator's box) into tests/screenshots/. */
export async function shot(page, name, { fullPage = false, element = null } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const scheme = await page.evaluate(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  const path = join(SHOTS, `${name}-${scheme}.png`);
  if (element) await element.screenshot({ path, animations: 'disabled' });
  else await page.screenshot({ path, animations: 'disabled', fullPage });
}

/** One browser, one server and the harness for a whole test file. */
/** The browser, page server and harness for a whole test file: set up before its first
 * test, closed after its last (`openApp(env, …)` in each test). */
export function setupPerFile() {
  const env = {};
  before(async () => {
    Object.assign(env, await setup());
  });
  after(async () => {
    await env.close?.();
  });
  // A clock stopped by one test (`stopClock`) is not the next one's.
  afterEach(() => {
    stoppedAt = null;
  });
  return env;
}

export async function setup() {
  const [browser, server, harness] = await Promise.all([launch(), startServer(), buildHarness()]);
  return {
    browser,
    server,
    harness,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * The UI's pure modules `files` (names under src/, without .ts), bundled by esbuild for a
 * test file: an object that holds their exports once the file's `before` has run.
 */
export function bundledLogic(files) {
  const logic = {};
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-logic-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, files.map((f) => `export * from ${JSON.stringify(join(UI, 'src', `${f}.ts`))};`).join('\n'));
    const out = join(dir, 'logic.mjs');
    await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'warning' });
    Object.assign(logic, await import(pathToFileURL(out).href));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return logic;
}

// Colours of the pictures the video tests send, and reading them back off a canvas.
export const RED = [220, 30, 40];
export const BLUE = [30, 70, 230];
export const GREY = [60, 60, 60];
export const GREEN = [20, 180, 90];
/** Test-pattern colours, for pictures that look like pictures in the screenshots. */
export const BARS = [
  [192, 192, 192],
  [192, 192, 0],
  [0, 192, 192],
  [0, 192, 0],
  [192, 0, 192],
  [192, 0, 0],
  [0, 0, 192],
];

/** The pixel at (x, y) of the canvas `selector`, as [r, g, b, a], and the canvas's size. */
export const pixel = (page, selector, x, y) =>
  page.evaluate(
    ({ selector, x, y }) => {
      const canvas = document.querySelector(selector);
      return { rgba: Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data), size: [canvas.width, canvas.height] };
    },
    { selector, x, y },
  );
/** JPEG changes a colour a little: up to this much a channel in these pictures. */
export const TOLERANCE = 24;
/** The pixel at (x, y) of the canvas `selector` is `rgb` (within TOLERANCE) and opaque. */
export async function assertColour(page, selector, x, y, rgb) {
  const { rgba } = await pixel(page, selector, x, y);
  assert.ok(
    rgba[3] === 255 && rgb.every((c, i) => Math.abs(rgba[i] - c) <= TOLERANCE),
    `${selector} at (${x}, ${y}): [${rgba}], not [${rgb}, 255] ± ${TOLERANCE}`,
  );
}
