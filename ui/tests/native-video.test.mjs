// Native video: the shell decodes a video call's pictures and sends each as a JPEG; during
// the call the main window asks for them one after the other (`next_video_picture`, one
// binary message each, see src/video.ts and src/ipc.ts), decodes them, and the call card
// draws theirs large and mine in its corner. The fake shell answers from the pictures a
// test queues (`sendFrame`, JPEGs made in the page; see tests/support.mjs and
// tests/harness.ts). JPEG is lossy: colours are compared within ±24 a channel, in the
// middle of a colour, not at its edges. People has "Video call" next to Call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, CAROL, ME } from './fixtures.mjs';
import { assertColour, BARS, BLUE, engine, finish, GREEN, GREY, invoked, keepSending, makeFrames, openApp, openCallbox, pictureQueue, pixel, RED, respond, sendFrame, setup, shot } from './support.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
const videoCall = (id = 70, status = 'active') =>
  call(id, BOB, ME, status, { call_type: 'video', started_at: new Date(Date.now() - 83_000).toISOString() });
const inVideoCall = (id = 70) => appState({ active_call: videoCall(id), media: CONNECTED });


/** The size of the canvas `selector`. */
const size = async (page, selector) => (await pixel(page, selector, 0, 0)).size;
const shown = (page, selector) => until(page, (s) => !document.querySelector(s).hidden, selector);
/** How many times the page asked for a picture. */
const asked = async (page) => (await invoked(page, 'next_video_picture')).length;
/** Two animation frames: a picture taken has begun decoding by then. */
const twoFrames = (page) => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

/** Whether two boxes (from boundingBox) overlap. */
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('native video: "Waiting for …" until their picture; then theirs, drawn whole, and mine in the corner', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inVideoCall() } } });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  const waiting = card.getByRole('status').filter({ hasText: 'Waiting for Bob Stone’s video…' });
  await waiting.waitFor();
  assert.equal(await card.getByRole('img', { name: /video/ }).count(), 0, 'no picture before the first one comes');

  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREY, topLeft: RED, bottomRight: BLUE });
  const theirs = card.getByRole('img', { name: 'Bob Stone’s video' });
  await theirs.waitFor();
  await waiting.waitFor({ state: 'hidden' });
  // The 16-pixel corner blocks, in their middles, and the grey between.
  assert.deepEqual(await size(page, '.video-remote'), [64, 48]);
  await assertColour(page, '.video-remote', 8, 8, RED);
  await assertColour(page, '.video-remote', 56, 40, BLUE);
  await assertColour(page, '.video-remote', 32, 24, GREY);
  // Scaled into the 16:9 box whole: the 4:3 picture is as high as the box.
  const box = await page.locator('.call-stage').boundingBox();
  assert.ok(Math.abs(box.width / box.height - 16 / 9) < 0.02, `16:9 box, not ${box.width}×${box.height}`);
  assert.equal(await page.locator('.video-remote').evaluate((c) => getComputedStyle(c).objectFit), 'contain');
  assert.equal(await page.locator('.video-local').isVisible(), false, 'no inset before my first picture');

  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  const mine = card.getByRole('img', { name: 'Your video' });
  await mine.waitFor();
  assert.deepEqual(await size(page, '.video-local'), [32, 24]);
  await assertColour(page, '.video-local', 16, 12, GREEN);
  // In the bottom-right corner of their picture, inside it.
  const inset = await mine.boundingBox();
  assert.ok(inset.x + inset.width <= box.x + box.width && inset.y + inset.height <= box.y + box.height);
  assert.ok(inset.x > box.x + box.width / 2 && inset.y > box.y + box.height / 2, 'bottom right');
  assert.ok(inset.width < box.width / 3, 'small');
  // The controls are under the pictures, out of the inset's way.
  for (const name of ['Mute', 'End call']) {
    const b = await card.getByRole('button', { name, exact: true }).boundingBox();
    assert.ok(b.y >= box.y + box.height, `${name} under the video`);
  }
  // The video room stays, under them.
  const room = await card.getByRole('group', { name: 'Video room' }).boundingBox();
  assert.ok(room.y >= box.y + box.height);
  await finish(page);
});

test('native video: pictures that come at once are all taken, only the newest decoded and drawn; a bad message is dropped', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inVideoCall() } } });
  await page.getByText('Waiting for Bob Stone’s video…').waitFor();
  await until(page, () => window.__test.waiting() === 1);
  await page.evaluate(() => {
    window.__draws = 0;
    window.__decodes = 0;
    const draw = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (...args) {
      if (this.canvas.classList.contains('video-remote')) window.__draws++;
      return draw.apply(this, args);
    };
    const decode = window.createImageBitmap;
    window.createImageBitmap = (...args) => {
      window.__decodes++;
      return decode.apply(window, args);
    };
  });
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
  await makeFrames(page, colours.map((fill) => ({ feed: 'remote', width: 16, height: 8, fill })));
  const before = await asked(page);
  // Three pictures in one go (a window that could not draw meanwhile): only the last.
  await page.evaluate(() => {
    const header = (feed, body) => {
      const buf = new ArrayBuffer(20 + body.length);
      const view = new DataView(buf);
      view.setUint8(0, feed);
      view.setUint32(4, 16, true);
      view.setUint32(8, 8, true);
      new Uint8Array(buf, 20).set(body);
      return buf;
    };
    for (const [i, buf] of window.__frames.entries()) {
      window.__test.picture(buf);
      if (i === 0) {
        // Not a picture: a feed that does not exist (a JPEG otherwise), a body too short
        // for a JPEG, and RGBA (what the shell sent before JPEG) instead of a JPEG.
        window.__test.picture(header(7, new Uint8Array(buf, 20)));
        window.__test.picture(header(0, [0xff, 0xd8]));
        window.__test.picture(header(0, new Uint8Array(16 * 8 * 4).fill(255)));
      }
    }
  });
  await shown(page, '.video-remote');
  await twoFrames(page);
  // All six taken, one request each (the first answered the request already waiting),
  // and the page asks for the next one.
  assert.deepEqual(await pictureQueue(page), { queued: 0, waiting: 1 }, 'all taken; one request out');
  assert.equal((await asked(page)) - before, 6);
  assert.equal(await page.evaluate(() => window.__decodes), 1, 'one decode for three pictures');
  assert.equal(await page.evaluate(() => window.__draws), 1, 'one draw for three pictures');
  assert.deepEqual(await size(page, '.video-remote'), [16, 8]);
  await assertColour(page, '.video-remote', 8, 4, [0, 0, 255]);
  await finish(page);
});

test('native video: one decode at a time a feed, then the newest that came meanwhile; a late decode from the last call is not drawn in the next; a failed one is forgotten', async () => {
  // A request waits 200 ms for a picture here, then is answered empty.
  const page = await openApp(env, { responses: { app_state: { ok: inVideoCall(70) }, next_video_picture: { pictures: 200 } } });
  await page.getByText('Waiting for Bob Stone’s video…').waitFor();
  // Decoding takes as long as the test says: each decode waits for `__release[i]()`. The
  // bitmaps it gives count their close().
  await page.evaluate(() => {
    window.__release = [];
    window.__closed = 0;
    const decode = window.createImageBitmap;
    window.createImageBitmap = (...args) => {
      let release;
      const gate = new Promise((done) => (release = done));
      window.__release.push(release);
      return decode.apply(window, args).then(
        (bitmap) =>
          gate.then(() => {
            const close = bitmap.close;
            bitmap.close = function () {
              window.__closed++;
              return close.call(this);
            };
            return bitmap;
          }),
        (error) => gate.then(() => Promise.reject(error)),
      );
    };
  });
  const decodes = () => page.evaluate(() => window.__release.length);
  const release = (i) => page.evaluate((i) => window.__release[i](), i);
  const closed = () => page.evaluate(() => window.__closed);
  const taken = () => until(page, () => window.__test.queued() === 0 && window.__test.waiting() === 1);

  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: RED });
  await until(page, () => window.__release.length === 1);
  // Two more while the first decodes: they wait, and only the newer is decoded next.
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREEN });
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: BLUE });
  await taken();
  await twoFrames(page);
  assert.equal(await decodes(), 1, 'no second decode of a feed while one is under way');
  assert.equal(await page.locator('.video-remote').isVisible(), false, 'nothing shown before a decode ends');
  await release(0);
  await shown(page, '.video-remote');
  await assertColour(page, '.video-remote', 32, 24, RED);
  await until(page, () => window.__release.length === 2);
  await release(1);
  await until(page, () => window.__closed === 2);
  await assertColour(page, '.video-remote', 32, 24, BLUE);
  await twoFrames(page);
  assert.equal(await decodes(), 2, 'the green one, overtaken while waiting, is never decoded');

  // A picture that passes for a JPEG but does not decode: forgotten, the next is drawn.
  await page.evaluate(() => {
    const buf = new ArrayBuffer(20 + 64);
    const view = new DataView(buf);
    view.setUint32(4, 64, true);
    view.setUint32(8, 48, true);
    new Uint8Array(buf, 20).set([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    window.__test.picture(buf);
  });
  await until(page, () => window.__release.length === 3);
  await release(2);
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREY });
  await until(page, () => window.__release.length === 4);
  await release(3);
  await until(page, () => window.__closed === 3);
  await assertColour(page, '.video-remote', 32, 24, GREY);

  // A decode under way when the call ends, ending when the next call has begun: not drawn
  // there (its bitmap closed), and that call still waits for its own first picture.
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREEN });
  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  await until(page, () => window.__release.length === 6);
  await engine(page, { type: 'call_updated', call: videoCall(70, 'completed') });
  await page.locator('.call-outcome').waitFor();
  const lastAsked = await asked(page);
  await engine(page, { type: 'call_updated', call: videoCall(71) });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  const waiting = card.getByRole('status').filter({ hasText: 'Waiting for Bob Stone’s video…' });
  await waiting.waitFor();
  await release(4);
  await release(5);
  await until(page, () => window.__closed === 5);
  await twoFrames(page);
  assert.equal((await pixel(page, '.video-remote', 32, 24)).rgba[3], 0, 'their late picture is not drawn');
  assert.equal((await pixel(page, '.video-local', 16, 12)).rgba[3], 0, 'nor mine');
  assert.equal(await page.locator('.video-remote').isVisible(), false);
  assert.equal(await page.locator('.video-local').isVisible(), false);
  assert.ok(await waiting.isVisible(), 'still waiting for this call’s picture');

  // This call's own picture (to a request asked in it) is drawn.
  await until(page, (n) => window.__test.calls('next_video_picture').length > n && window.__test.waiting() === 1, lastAsked);
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: BLUE });
  await until(page, () => window.__release.length === 7);
  await release(6);
  await shown(page, '.video-remote');
  await assertColour(page, '.video-remote', 32, 24, BLUE);
  await finish(page);
});

test('native video: Full window with the button and with Escape; mute and end stay on screen, the rest is inert', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inVideoCall() } } });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
  await sendFrame(page, { feed: 'local', width: 32, height: 18, fill: GREEN });
  await shown(page, '.video-local');
  const fullWindow = card.getByRole('button', { name: 'Full window' });
  assert.equal(await fullWindow.getAttribute('aria-pressed'), 'false');

  await fullWindow.click();
  assert.equal(await fullWindow.getAttribute('aria-pressed'), 'true');
  const viewport = page.viewportSize();
  const stage = await page.locator('.call-stage').boundingBox();
  assert.equal(stage.x, 0);
  assert.equal(stage.y, 0);
  assert.equal(stage.width, viewport.width);
  // The picture fills the window down to the call bar, which is at the bottom: who, and
  // the buttons on their own row (the seven of them do not fit beside the name at this
  // width, but in one row below it).
  const bar = await card.locator('.call-top').boundingBox();
  assert.ok(Math.abs(stage.y + stage.height - bar.y) <= 1 && Math.abs(bar.y + bar.height - viewport.height) <= 1, 'the picture fills the window but the call bar');
  assert.ok(bar.height < 150, `the call bar is ${bar.height} px high`);
  const inset = await page.locator('.video-local').boundingBox();
  for (const name of ['Mute', 'End call']) {
    const b = card.getByRole('button', { name, exact: true });
    assert.ok(await b.isVisible(), `${name} on screen`);
    const r = await b.boundingBox();
    assert.ok(r.y + r.height <= viewport.height && r.x + r.width <= viewport.width, `${name} inside the window`);
    assert.ok(!overlap(r, inset), `${name} not under the inset`);
    // Nothing lies over it: a click there lands on it.
    assert.ok(await page.evaluate(([x, y, n]) => document.elementFromPoint(x, y)?.closest('button')?.textContent?.includes(n), [r.x + r.width / 2, r.y + r.height / 2, name]));
  }
  // What is behind cannot be reached by Tab or click.
  assert.ok(await page.locator('.people').evaluate((el) => !!el.closest('[inert]')));
  assert.ok(await page.locator('.tabs').evaluate((el) => !!el.closest('[inert]')));
  assert.equal(await card.getByRole('group', { name: 'Video room' }).isVisible(), false);
  // Mute works from there.
  await respond(page, 'set_muted', { ok: null });
  await card.getByRole('button', { name: 'Mute', exact: true }).click();
  assert.deepEqual((await invoked(page, 'set_muted'))[0].args, { muted: true });

  // Escape leaves it; the page behind comes back.
  await page.keyboard.press('Escape');
  assert.equal(await fullWindow.getAttribute('aria-pressed'), 'false');
  assert.equal(await page.locator('.people').evaluate((el) => !!el.closest('[inert]')), false);
  assert.ok((await page.locator('.call-stage').boundingBox()).width < viewport.width);

  // By keyboard: Enter in, Space out.
  await fullWindow.focus();
  await page.keyboard.press('Enter');
  assert.equal(await fullWindow.getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('Space');
  assert.equal(await fullWindow.getAttribute('aria-pressed'), 'false');

  // The call ends in full window: the card leaves it.
  await fullWindow.click();
  await engine(page, { type: 'call_updated', call: videoCall(70, 'completed') });
  await page.locator('.call-outcome').waitFor();
  assert.equal(await page.locator('.call-card').getAttribute('data-full-window'), null);
  assert.equal(await page.locator('.people').evaluate((el) => !!el.closest('[inert]')), false);
  await finish(page);
});

/** My video call to Bob, `status`. */
const myVideoCall = (id, status) => call(id, ME, BOB, status, { call_type: 'video', started_at: new Date().toISOString() });
/** The app in a short window (420 px: the page scrolls) while my video call `id` rings out. */
async function ringingOutInAShortWindow(id) {
  const page = await openApp(env, {
    viewport: { width: 900, height: 420 },
    responses: { app_state: { ok: appState({ active_call: myVideoCall(id, 'ringing'), media: CONNECTED }) } },
  });
  await page.locator('.call-card').waitFor();
  return page;
}

test('native video: the picture area comes into view as it appears when the page is scrolled past the card', async () => {
  // Scrolled to the bottom of the people list while my call rings out.
  const page = await ringingOutInAShortWindow(72);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(scrolled > 0, 'the page scrolls in this window');
  assert.ok((await page.locator('.call-card').boundingBox()).y < 0, 'the card starts above the window');

  await engine(page, { type: 'call_updated', call: myVideoCall(72, 'active') });
  const stage = page.locator('.call-stage');
  await stage.waitFor();
  await until(page, () => document.querySelector('.call-stage').getBoundingClientRect().top >= 0);
  assert.ok((await stage.boundingBox()).y < 420, 'its top is in the window');
  // Only as it appears: scrolled away again, it stays where the user put it.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREY });
  await shown(page, '.video-remote');
  assert.equal(await page.evaluate(() => window.scrollY), await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight));
  await finish(page);
});

test('native video: the picture area does not pull the page away from a field being typed in', async () => {
  const page = await ringingOutInAShortWindow(73);
  const search = page.getByLabel('Search people');
  await search.focus();
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  assert.ok((await page.locator('.call-card').boundingBox()).y < 0, 'the card starts above the window');

  await engine(page, { type: 'call_updated', call: myVideoCall(73, 'active') });
  await page.locator('.call-stage').waitFor();
  await twoFrames(page);
  assert.ok((await page.locator('.call-stage').boundingBox()).y < 0, 'the picture area was not scrolled to');
  assert.ok(await search.evaluate((e) => e === document.activeElement), 'the search field keeps the keyboard');
  await finish(page);
});

test('native video: when the call ends the pictures go; the next video call starts from "Waiting…"', async () => {
  // A request waits 10 s for a picture here: the one out when the call ends is still out
  // when the next call begins.
  const page = await openApp(env, { responses: { app_state: { ok: inVideoCall(70) }, next_video_picture: { pictures: 10_000 } } });
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: RED });
  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  await shown(page, '.video-local');
  await shown(page, '.video-remote');
  await until(page, () => window.__test.waiting() === 1);
  await engine(page, { type: 'call_updated', call: videoCall(70, 'completed') });
  await page.locator('.call-outcome').waitFor();
  assert.equal((await pixel(page, '.video-remote', 5, 5)).rgba[3], 0, 'their picture cleared');
  assert.equal((await pixel(page, '.video-local', 5, 5)).rgba[3], 0, 'mine cleared');

  await engine(page, { type: 'call_updated', call: videoCall(71) });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  await card.getByRole('status').filter({ hasText: 'Waiting for Bob Stone’s video…' }).waitFor();
  assert.deepEqual(await pictureQueue(page), { queued: 0, waiting: 1 }, 'one request out: the one asked in the last call');
  // A picture on its way when the call ended (the answer to that request) is not kept
  // for the next call; the page asks again for this one's.
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: BLUE });
  await until(page, () => window.__test.waiting() === 1);
  await twoFrames(page);
  assert.equal(await page.locator('.video-remote').isVisible(), false);
  assert.equal(await page.locator('.video-local').isVisible(), false);
  assert.equal((await pixel(page, '.video-remote', 5, 5)).rgba[3], 0);
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREY });
  await shown(page, '.video-remote');
  await assertColour(page, '.video-remote', 32, 24, GREY);
  await finish(page);
});

test('native video: a voice call has no video area while neither side sends, but its pictures are asked for', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ active_call: call(80, ME, BOB, 'active'), media: CONNECTED }) } } });
  await page.locator('.call-active').waitFor();
  // Either side may turn video on in it (voice-video.test.mjs): the page asks all along.
  await until(page, () => window.__test.waiting() === 1);
  await page.waitForTimeout(300);
  assert.equal(await page.locator('.call-stage').isVisible(), false);
  assert.equal(await page.locator('.call-video').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Full window' }).count(), 0);
  assert.equal(await page.getByText('Waiting for').count(), 0);
  assert.equal(await page.getByText('not sending video').count(), 0);
  assert.equal(await page.getByRole('img', { name: /video/ }).count(), 0);
  await finish(page);
});

test('native video: pictures are asked for during a call only (a voice call too), one request at a time, and no more once it ends', async () => {
  // A request waits 200 ms for a picture here (the real shell: 1 s), then is answered empty.
  const page = await openApp(env, { responses: { app_state: { ok: appState() }, next_video_picture: { pictures: 200 } } });
  await page.getByRole('button', { name: 'Video call Bob Stone' }).waitFor();
  await page.waitForTimeout(400);
  assert.equal(await asked(page), 0, 'not out of a call');
  // Not while a video call rings.
  await engine(page, { type: 'call_updated', call: call(80, ME, BOB, 'ringing', { call_type: 'video' }) });
  await page.getByText('Calling Bob Stone…').waitFor();
  await page.waitForTimeout(400);
  assert.equal(await asked(page), 0, 'not while it rings');
  await engine(page, { type: 'call_updated', call: call(80, ME, BOB, 'cancelled', { call_type: 'video' }) });
  // A voice call: asked, one request at a time, and no more once it ends.
  await engine(page, { type: 'call_updated', call: call(81, ME, BOB, 'active') });
  await page.locator('.call-active').waitFor();
  await until(page, () => window.__test.calls('next_video_picture').length >= 2);
  assert.ok((await pictureQueue(page)).waiting <= 1, 'one request at a time');
  await engine(page, { type: 'call_updated', call: call(81, ME, BOB, 'completed') });
  await page.locator('.call-outcome').waitFor();
  await until(page, () => window.__test.waiting() === 0);
  const voice = await asked(page);
  await page.waitForTimeout(400);
  assert.equal(await asked(page), voice, 'no request after the voice call');

  // A video call: asked at once, and again after each answer, empty ones too.
  await engine(page, { type: 'call_updated', call: videoCall(82) });
  await until(page, (n) => window.__test.calls('next_video_picture').length >= n + 3, voice);
  for (let i = 0; i < 5; i++) {
    assert.ok((await pictureQueue(page)).waiting <= 1, 'one request at a time');
    await page.waitForTimeout(60);
  }
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: RED });
  await shown(page, '.video-remote');

  // Ended: the request out is answered (empty, 200 ms on), and no other one is made.
  await engine(page, { type: 'call_updated', call: videoCall(82, 'completed') });
  await page.locator('.call-outcome').waitFor();
  await until(page, () => window.__test.waiting() === 0);
  const ended = await asked(page);
  await page.waitForTimeout(700);
  assert.equal(await asked(page), ended, 'no request after the call');
  await finish(page);
});

test('native video: a refused request says why instead of "Waiting…", is asked again, and video comes back when one is answered', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: inVideoCall() }, next_video_picture: { err: 'The video decoder stopped.' } },
  });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  const problem = card.getByRole('status').filter({ hasText: 'Video cannot be shown here: The video decoder stopped.' });
  await problem.waitFor();
  assert.ok(await page.getByRole('button', { name: 'Open video room' }).isVisible(), 'the video room is the way left');
  // Asked again about once a second, not in a tight loop.
  const first = await asked(page);
  await page.waitForTimeout(1500);
  const retries = (await asked(page)) - first;
  assert.ok(retries >= 1 && retries <= 2, `${retries} retries in 1.5 s`);
  assert.ok(await problem.isVisible(), 'still said while refused');

  // The shell answers again (empty: no picture yet): back to waiting.
  await respond(page, 'next_video_picture', { pictures: 300 });
  await card.getByRole('status').filter({ hasText: 'Waiting for Bob Stone’s video…' }).waitFor();
  assert.equal(await problem.count(), 0);
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: GREY, topLeft: RED });
  await shown(page, '.video-remote');
  assert.deepEqual(await size(page, '.video-remote'), [64, 48]);
  await assertColour(page, '.video-remote', 8, 8, RED);
  await finish(page);
});

test('native video: the callbox does not ask for pictures, not even during a video call', async () => {
  const rings = { call_id: 90, from_user_id: BOB.id, caller_name: 'Bob Stone', call_type: 'video', regarding: null };
  const page = await openCallbox(env, { responses: { app_state: { ok: appState({ ringing: rings }) } } });
  await page.getByRole('alertdialog', { name: 'Video call Bob Stone' }).waitFor();
  await engine(page, { type: 'call_updated', call: call(90, BOB, ME, 'active', { call_type: 'video' }) });
  await sendFrame(page, { feed: 'remote', width: 64, height: 48, fill: RED });
  await page.waitForTimeout(1200);
  assert.equal(await asked(page), 0);
  assert.deepEqual(await pictureQueue(page), { queued: 1, waiting: 0 });
  await finish(page);
});

test('People: "Video call" next to Call sends call_user with video; Call without; same rules, by keyboard too', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      call_user: [{ ok: call(50, ME, BOB, 'ringing', { call_type: 'video' }) }, { ok: call(51, ME, CAROL, 'ringing') }],
    },
  });
  const video = page.getByRole('button', { name: 'Video call Bob Stone' });
  await video.waitFor();
  assert.equal(await video.getAttribute('title'), 'Video call');
  // Disabled exactly where Call is (offline, in a call, not taking calls…), with the reason.
  const rows = await page.locator('.person').evaluateAll((lis) =>
    lis.map((li) => {
      const [v, c] = li.querySelectorAll('.person-calls button');
      return { id: li.dataset.userId, video: v.disabled, call: c.disabled, described: v.getAttribute('aria-describedby') === c.getAttribute('aria-describedby') };
    }),
  );
  assert.ok(rows.some((r) => r.call), 'someone cannot be called');
  for (const r of rows) {
    assert.equal(r.video, r.call, `row ${r.id}`);
    assert.ok(r.described, `row ${r.id}: the same reason`);
  }
  // Tab goes from Video call to Call.
  await video.focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Call Bob Stone');

  await video.focus();
  await page.keyboard.press('Enter');
  await page.getByText('Calling Bob Stone…').waitFor();
  assert.deepEqual((await invoked(page, 'call_user'))[0].args, { userId: 2, video: true });
  assert.ok(await page.getByRole('button', { name: 'Video call Carol Diaz' }).isDisabled(), 'not during a call');
  await engine(page, { type: 'call_updated', call: call(50, ME, BOB, 'cancelled', { call_type: 'video' }) });
  await page.locator('.call-outcome').waitFor();

  await page.getByRole('button', { name: 'Call Carol Diaz', exact: true }).click();
  await page.getByText('Calling Carol Diaz…').waitFor();
  assert.deepEqual((await invoked(page, 'call_user'))[1].args, { userId: 3, video: false });
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`native video: screenshots (${scheme})`, async () => {
    // People, out of a call: Video call and Call on each row that can take one.
    const people = await openApp(env, { colorScheme: scheme, responses: { app_state: { ok: appState() } } });
    await people.getByRole('button', { name: 'Video call Bob Stone' }).waitFor();
    await shot(people, 'native-video-people', { element: people.locator('.people-list') });
    await people.getByRole('button', { name: 'Video call Bob Stone' }).focus();
    await people.keyboard.press('Tab');
    await people.keyboard.press('Shift+Tab');
    await shot(people, 'native-video-people-focus', { element: people.locator('.person').first() });
    await finish(people);

    const page = await openApp(env, { colorScheme: scheme, responses: { app_state: { ok: inVideoCall() } } });
    const card = page.getByRole('region', { name: 'Call with Bob Stone' });
    await card.getByText('Waiting for Bob Stone’s video…').waitFor();
    await shot(page, 'native-video-waiting', { element: card });

    // Sent on and on, as in a call: pictures that stop would show that they stopped.
    await keepSending(page, [
      { feed: 'remote', width: 640, height: 360, bars: BARS, topLeft: RED, bottomRight: BLUE, block: 40 },
      { feed: 'local', width: 320, height: 180, fill: [70, 110, 160], topLeft: GREEN, block: 30 },
    ]);
    await shown(page, '.video-local');
    await shown(page, '.video-remote');
    await shot(page, 'native-video', { element: card });
    // The window as it opens: the pictures and the controls under them, without scrolling.
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'native-video-window');

    await card.getByRole('button', { name: 'Full window' }).click();
    await shot(page, 'native-video-full');
    // Muted, in full window: the badge and Unmute in the bar.
    await engine(page, { type: 'muted', call_id: 70, muted: true });
    await card.getByRole('button', { name: 'Unmute' }).waitFor();
    await shot(page, 'native-video-full-muted');

    await page.setViewportSize({ width: 440, height: 800 });
    await shot(page, 'native-video-full-narrow');
    await page.keyboard.press('Escape');
    await shot(page, 'native-video-narrow', { element: card });
    await finish(page);
  });
}
