// Video in meetings: while the app is in a meeting the main window asks for pictures as it
// does during a call (`next_video_picture`, src/ipc.ts), and the shell sends each member's
// as kind 2 with their user id, and my preview (kind 1) while my camera is on (the 20-byte
// header: src/video.ts). The meeting card shows a tile for each member whose pictures come
// (their canvas, their name), and mine while my camera is on; the camera button next to
// Mute asks `set_meeting_camera`. Pictures come from the fake shell (tests/support.mjs,
// `sendFrame` and `keepSending`). JPEG is lossy: colours are compared within ±24 a
// channel, in the middle of a picture.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, BOB, CAROL, DAN, ME, meeting, meetingPage, meetingView, QUALITY_GOOD } from './fixtures.mjs';
import { assertColour, BARS, BLUE, bundledLogic, engine, finish, GREEN, invoked, keepSending, openApp, pictureQueue, pixel, RED, sendFrame, setupPerFile, shot } from './support.mjs';

const env = setupPerFile();
const m = bundledLogic(['reduce', 'state', 'video']);

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });

/** Bob's stand-up, under way (its call: 511), me invited with Carol and Dan. */
const STANDUP = meeting(11, 'Daily stand-up', BOB, [ME, CAROL, DAN], 'ongoing');
/** In it: Bob and Carol here, Dan not. */
const IN_STANDUP = (patch = {}) =>
  meetingView(STANDUP, {
    peers: { [BOB.id]: { state: 'connected', level: 0.2, quality: QUALITY_GOOD }, [CAROL.id]: { state: 'connected', level: 0.05, quality: QUALITY_GOOD } },
    my_level: 0.05,
    ...patch,
  });
const NO_CAMERA = 'No camera found: plug one in, or set SWITCHBOARD_CAMERA to `pattern`, `screen` or `window:ID`.';


const card = (page) => page.getByRole('region', { name: 'Meeting: Daily stand-up' });
const tile = (page, u) => page.locator(`.meeting-tile[data-user-id="${u.id}"]`);
const cameraButton = (page) => card(page).locator('.meeting-camera');
/** The captions of the tiles shown, in order. */
const captions = (page) => page.locator('.meeting-tiles .tile-name').allInnerTexts();
/** How many times the page asked for a picture. */
const asked = async (page) => (await invoked(page, 'next_video_picture')).length;

const bobCanvas = `.meeting-tile[data-user-id="${BOB.id}"] canvas`;
const carolCanvas = `.meeting-tile[data-user-id="${CAROL.id}"] canvas`;

test('meeting video logic: whose pictures are taken (a call first, else the meeting by its call), member feeds', () => {
  const s = (patch) => ({ ...m.initialState(), app: appState(patch) });
  assert.equal(m.videoKey(s()), null);
  assert.equal(m.videoKey(s({ meeting: IN_STANDUP() })), 'meeting:511');
  assert.equal(m.videoKey(s({ meeting: IN_STANDUP({ call_id: null }) })), 'meeting:-11', 'no call named yet: the meeting, negated');
  assert.equal(m.videoKey(s({ active_call: { id: 511, status: 'active' } })), 'call:511', 'a 1:1 call of the same number is another key');
  assert.equal(m.videoKey(s({ active_call: { id: 70, status: 'ringing' } })), null, 'not while it rings');
  assert.equal(m.memberFeed(BOB.id), 'member:2');
  assert.equal(m.FRAME_HEADER, 20);
});

test('meeting video: two members who send get a tile each, their picture drawn, their name on it; the others keep their row only; a tile goes when its pictures stop', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ meeting: IN_STANDUP() }) } } });
  await card(page).waitFor();
  // Asked for as during a call: one request out, before anyone sends.
  await until(page, () => window.__test.waiting() === 1);
  assert.equal(await page.locator('.meeting-video').isVisible(), false, 'no video area while nobody sends');
  assert.equal(await card(page).getByRole('img', { name: /video/ }).count(), 0);

  // Sent on and on, as members who send do (pictures that stop show that they stopped).
  await keepSending(
    page,
    [
      { feed: 'member', userId: CAROL.id, width: 64, height: 36, fill: BLUE },
      { feed: 'member', userId: BOB.id, width: 64, height: 48, fill: RED },
    ],
    200,
  );
  // A picture for someone the meeting does not list: drawn nowhere.
  await sendFrame(page, { feed: 'member', userId: 99, width: 64, height: 48, fill: GREEN });
  await until(page, () => document.querySelectorAll('.meeting-tiles .meeting-tile').length === 2);
  const area = card(page).getByRole('list', { name: 'Video' });
  assert.ok(await area.isVisible());
  // In the meeting's order (Bob, Carol), each with its name, as a picture named for them.
  assert.deepEqual(await captions(page), ['Bob Stone', 'Carol Diaz']);
  assert.ok(await area.getByRole('img', { name: 'Bob Stone’s video' }).isVisible());
  assert.ok(await area.getByRole('img', { name: 'Carol Diaz’s video' }).isVisible());
  assert.deepEqual((await pixel(page, bobCanvas, 0, 0)).size, [64, 48]);
  assert.deepEqual((await pixel(page, carolCanvas, 0, 0)).size, [64, 36]);
  await assertColour(page, bobCanvas, 32, 24, RED);
  await assertColour(page, carolCanvas, 32, 18, BLUE);
  // Dan sends nothing: no tile; his row as it was. Bob's and Carol's rows say they send.
  assert.equal(await tile(page, DAN).count(), 0);
  const danRow = card(page).locator(`.meeting-peer[data-user-id="${DAN.id}"]`);
  assert.equal(await danRow.locator('.peer-state').textContent(), 'Not here');
  assert.equal(await danRow.locator('.peer-video').isVisible(), false);
  for (const u of [BOB, CAROL]) {
    const row = card(page).locator(`.meeting-peer[data-user-id="${u.id}"]`);
    assert.ok(await row.locator('.peer-video').isVisible(), `${u.full_name}'s row: sending video`);
    assert.ok(await row.getByRole('meter').isVisible(), `${u.full_name}'s row keeps the level`);
  }
  assert.equal(await page.locator('.meeting-tile.is-mine').count(), 0, 'no preview: my camera is off');
  // The tiles come between the controls and the people.
  const tilesBox = await area.boundingBox();
  const controls = await card(page).locator('.meeting-controls').boundingBox();
  const people = await card(page).locator('.meeting-people').boundingBox();
  assert.ok(tilesBox.y >= controls.y + controls.height && tilesBox.y + tilesBox.height <= people.y, 'between the controls and the people');

  // Bob keeps sending; Carol stops: her tile goes once STOPPED_AFTER_MS (2 s) passed, her
  // row stays; Bob's tile stays.
  await keepSending(page, [{ feed: 'member', userId: BOB.id, width: 64, height: 48, fill: RED }], 200);
  await until(page, () => !document.querySelector('.meeting-tile[data-user-id="3"]')?.isConnected);
  assert.deepEqual(await captions(page), ['Bob Stone']);
  assert.equal(await card(page).locator(`.meeting-peer[data-user-id="${CAROL.id}"] .peer-video`).isVisible(), false);
  assert.ok(await card(page).locator(`.meeting-peer[data-user-id="${CAROL.id}"]`).isVisible());
  // Carol again: her tile again.
  await sendFrame(page, { feed: 'member', userId: CAROL.id, width: 64, height: 36, fill: GREEN });
  await until(page, () => document.querySelectorAll('.meeting-tiles .meeting-tile').length === 2);
  await assertColour(page, carolCanvas, 32, 18, GREEN);
  await keepSending(page, []);
  await finish(page);
});

test('meeting video: with tiles on screen, a view that only moves levels touches only the meters, and pictures touch no element', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ meeting: IN_STANDUP({ camera_on: true }) }) } } });
  await card(page).waitFor();
  await keepSending(
    page,
    [
      { feed: 'member', userId: BOB.id, width: 64, height: 48, fill: RED },
      { feed: 'member', userId: CAROL.id, width: 64, height: 36, fill: BLUE },
      { feed: 'local', width: 32, height: 18, fill: GREEN },
    ],
    150,
  );
  await until(page, () => document.querySelectorAll('.meeting-tiles .meeting-tile').length === 3 && !document.querySelector('.meeting-tile.is-mine canvas').hidden);
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));
  await page.evaluate(() => {
    window.__mutations = [];
    window.__observer = new MutationObserver((records) => window.__mutations.push(...records));
    window.__observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  // Five views a second for two seconds, pictures coming all along.
  const LEVELS = [0.05, 0.3, 0.01, 0.5];
  for (let i = 0; i < 10; i++) {
    const level = LEVELS[i % 4];
    await engine(page, {
      type: 'meeting',
      meeting: IN_STANDUP({ camera_on: true, my_level: level / 2, participants: IN_STANDUP().participants.map((p) => (p.state === 'connected' ? { ...p, level } : p)) }),
    });
    await page.waitForTimeout(200);
  }
  const outside = await page.evaluate(() => {
    window.__mutations.push(...window.__observer.takeRecords());
    window.__observer.disconnect();
    return window.__mutations
      .map((r) => (r.target instanceof Element ? r.target : r.target.parentElement))
      .filter((el) => !el?.closest('[role="meter"]'))
      .map((el) => `${el?.tagName.toLowerCase()}.${el?.className}`);
  });
  assert.deepEqual(outside, [], 'only the meters changed');
  assert.deepEqual(await captions(page), ['Bob Stone', 'Carol Diaz', 'You']);
  await keepSending(page, []);
  await finish(page);
});

test('meeting video: the camera button, next to Mute, asks set_meeting_camera; on, my preview tile until it is off again; by keyboard too', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ meeting: IN_STANDUP() }) },
      set_meeting_camera: [{ ok: IN_STANDUP({ camera_on: true }), delayMs: 300 }, { ok: IN_STANDUP({ camera_on: false }), delayMs: 100 }],
    },
  });
  await card(page).waitFor();
  const controls = await card(page).locator('.meeting-controls button').allInnerTexts();
  assert.deepEqual(controls, ['Mute', 'Turn camera on', 'Leave', 'End for everyone']);
  const camera = cameraButton(page);
  assert.equal(await camera.getAttribute('aria-pressed'), 'false');
  assert.equal(await camera.getAttribute('aria-disabled'), null);
  assert.equal(await camera.getAttribute('title'), null);

  await camera.click();
  // Waiting for the shell: busy, not pressable, focus still on it; nothing shown yet.
  assert.equal(await camera.getAttribute('aria-busy'), 'true');
  assert.equal(await camera.getAttribute('aria-disabled'), 'true');
  assert.ok(await camera.evaluate((b) => b === document.activeElement));
  assert.equal(await page.locator('.meeting-tile.is-mine').count(), 0);
  await card(page).getByRole('button', { name: 'Turn camera off' }).waitFor();
  assert.deepEqual((await invoked(page, 'set_meeting_camera')).map((c) => c.args), [{ on: true }]);
  assert.equal(await camera.getAttribute('aria-pressed'), 'true');
  assert.equal(await camera.getAttribute('aria-busy'), null);
  // My tile, waiting for its first picture; then the picture.
  const mine = page.locator('.meeting-tile.is-mine');
  await mine.getByRole('status').filter({ hasText: 'Starting your camera…' }).waitFor();
  assert.equal(await mine.locator('.tile-name').innerText(), 'You');
  await sendFrame(page, { feed: 'local', width: 32, height: 18, fill: GREEN });
  const preview = card(page).getByRole('img', { name: 'Your video' });
  await preview.waitFor();
  await assertColour(page, '.meeting-tile.is-mine canvas', 16, 9, GREEN);
  assert.equal(await mine.getByRole('status').isVisible(), false);
  // The preview comes after the members' tiles.
  await keepSending(page, [{ feed: 'member', userId: BOB.id, width: 64, height: 48, fill: RED }], 200);
  await until(page, () => document.querySelectorAll('.meeting-tiles .meeting-tile').length === 2);
  assert.deepEqual(await captions(page), ['Bob Stone', 'You']);

  // By keyboard: Space turns it off; my tile goes, Bob's stays.
  await camera.focus();
  await page.keyboard.press('Space');
  await card(page).getByRole('button', { name: 'Turn camera on' }).waitFor();
  assert.deepEqual((await invoked(page, 'set_meeting_camera')).map((c) => c.args), [{ on: true }, { on: false }]);
  assert.ok(await camera.evaluate((b) => b === document.activeElement), 'focus stays on it');
  assert.equal(await mine.count(), 0);
  assert.deepEqual(await captions(page), ['Bob Stone']);
  await keepSending(page, []);
  await finish(page);
});

test('meeting video: with no camera set up the button cannot be pressed and says why; a refusal is said on the card as its sentence', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState({ meeting: IN_STANDUP(), camera_set_up: false }) }, set_meeting_camera: { ok: IN_STANDUP({ camera_on: true }) } },
  });
  await card(page).waitFor();
  const camera = cameraButton(page);
  assert.equal(await camera.getAttribute('aria-disabled'), 'true');
  const why = 'No camera is set up on this computer: the others can hear you, not see you.';
  assert.equal(await camera.getAttribute('title'), why);
  // Its description says why (to a screen reader too), and a keyboard reaches it.
  const described = await camera.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent);
  assert.equal(described, why);
  await camera.focus();
  assert.ok(await camera.evaluate((b) => b === document.activeElement));
  await page.keyboard.press('Enter');
  await camera.click({ force: true });
  await page.waitForTimeout(200);
  assert.equal((await invoked(page, 'set_meeting_camera')).length, 0, 'not asked');
  assert.equal(await camera.getAttribute('aria-pressed'), 'false');
  await finish(page);

  // The shell refuses (its camera went away): the sentence on the card, nothing on.
  const refused = await openApp(env, {
    responses: { app_state: { ok: appState({ meeting: IN_STANDUP() }) }, set_meeting_camera: { err: NO_CAMERA } },
  });
  await card(refused).waitFor();
  await cameraButton(refused).click();
  await card(refused).getByRole('alert').filter({ hasText: NO_CAMERA }).waitFor();
  assert.equal(await cameraButton(refused).getAttribute('aria-pressed'), 'false');
  assert.equal(await cameraButton(refused).getAttribute('aria-busy'), null);
  assert.equal(await refused.locator('.meeting-tile.is-mine').count(), 0);
  assert.equal(await refused.locator('.meeting-video').isVisible(), false);
  await finish(refused);
});

test('meeting video: pictures are asked for only while in a meeting; leaving stops the pulling and clears the tiles; the next meeting starts afresh', async () => {
  // A request waits 200 ms for a picture here (the real shell: 1 s), then is answered empty.
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      meetings: { ok: meetingPage([STANDUP]) },
      join_meeting: { ok: IN_STANDUP({ camera_on: false }) },
      leave_meeting: { ok: null },
      next_video_picture: { pictures: 200 },
    },
  });
  await page.getByRole('button', { name: 'Meetings', exact: true }).click();
  const join = page.locator(`.meeting-row[data-meeting-id="${STANDUP.id}"]`).getByRole('button', { name: 'Join' });
  await join.waitFor();
  await page.waitForTimeout(400);
  assert.equal(await asked(page), 0, 'not out of a meeting');

  await join.click();
  await card(page).waitFor();
  await until(page, () => window.__test.calls('next_video_picture').length >= 2);
  assert.ok((await pictureQueue(page)).waiting <= 1, 'one request at a time');
  await keepSending(page, [{ feed: 'member', userId: BOB.id, width: 64, height: 48, fill: RED }], 150);
  await tile(page, BOB).waitFor();
  await assertColour(page, bobCanvas, 32, 24, RED);

  // Leave: the card goes, the request out is answered, and no other one is made; Bob's
  // canvas is cleared and his tile gone.
  await keepSending(page, []);
  await page.evaluate((s) => (window.__bobCanvas = document.querySelector(s)), bobCanvas);
  await card(page).getByRole('button', { name: 'Leave' }).click();
  await card(page).waitFor({ state: 'hidden' });
  await until(page, () => window.__test.waiting() === 0);
  const left = await asked(page);
  await page.waitForTimeout(700);
  assert.equal(await asked(page), left, 'no request after leaving');
  assert.equal(await page.locator('.meeting-tiles .meeting-tile').count(), 0, 'no tile');
  const cleared = await page.evaluate(() => window.__bobCanvas.getContext('2d').getImageData(32, 24, 1, 1).data[3]);
  assert.equal(cleared, 0, 'Bob’s picture cleared');
  // A picture sent now is not taken: nobody asks.
  const queued = (await pictureQueue(page)).queued;
  await sendFrame(page, { feed: 'member', userId: BOB.id, width: 64, height: 48, fill: BLUE });
  await page.waitForTimeout(300);
  assert.deepEqual(await pictureQueue(page), { queued: queued + 1, waiting: 0 });

  // In again (the shell's view, as when joined from the notification; its call not named
  // yet): asked again at once (the picture left queued is taken), and Bob's tile is back
  // with this meeting's pictures.
  await engine(page, { type: 'meeting', meeting: IN_STANDUP({ call_id: null }) });
  await card(page).waitFor();
  await until(page, (n) => window.__test.calls('next_video_picture').length > n + 1, left);
  await keepSending(page, [{ feed: 'member', userId: BOB.id, width: 64, height: 48, fill: GREEN }], 150);
  await tile(page, BOB).waitFor();
  await until(
    page,
    (s) => {
      const d = document.querySelector(s).getContext('2d').getImageData(32, 24, 1, 1).data;
      return d[3] === 255 && d[1] > 150 && d[0] < 60;
    },
    bobCanvas,
  );
  await assertColour(page, bobCanvas, 32, 24, GREEN);
  await keepSending(page, []);
  // Put out of it (`meeting: null`): the same.
  await engine(page, { type: 'meeting', meeting: null });
  await card(page).waitFor({ state: 'hidden' });
  await until(page, () => window.__test.waiting() === 0);
  const out = await asked(page);
  await page.waitForTimeout(500);
  assert.equal(await asked(page), out, 'no request once out of it');
  assert.equal(await page.locator('.meeting-tiles .meeting-tile').count(), 0);
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`meeting video: screenshots (${scheme})`, async () => {
    const page = await openApp(env, {
      colorScheme: scheme,
      responses: { app_state: { ok: appState({ meeting: IN_STANDUP({ camera_on: true }) }) } },
    });
    await card(page).waitFor();
    // Sent on and on, as in a meeting: pictures that stop would show that they stopped.
    await keepSending(page, [
      { feed: 'member', userId: BOB.id, width: 640, height: 360, bars: BARS, topLeft: RED, bottomRight: BLUE, block: 40 },
      { feed: 'member', userId: CAROL.id, width: 480, height: 360, fill: [70, 110, 160], topLeft: GREEN, block: 40 },
      { feed: 'local', width: 320, height: 180, fill: [90, 90, 96], bottomRight: GREEN, block: 30 },
    ]);
    await until(page, () => document.querySelectorAll('.meeting-tiles .meeting-tile').length === 3 && !document.querySelector('.meeting-tile.is-mine canvas').hidden);
    await page.mouse.move(1, 1);
    await shot(page, 'meeting-video', { element: card(page) });
    await shot(page, 'meeting-video-window');
    // Focus on the camera button (pressed).
    await cameraButton(page).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await shot(page, 'meeting-video-focus', { element: card(page).locator('.meeting-top') });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, 'meeting-video-narrow', { element: card(page) });
    await keepSending(page, []);
    await finish(page);

    // No camera set up: the button off, my camera's tile absent; Bob's tile only.
    const none = await openApp(env, {
      colorScheme: scheme,
      responses: { app_state: { ok: appState({ meeting: IN_STANDUP(), camera_set_up: false }) } },
    });
    await card(none).waitFor();
    await keepSending(none, [{ feed: 'member', userId: BOB.id, width: 640, height: 360, bars: BARS, block: 40 }]);
    await tile(none, BOB).waitFor();
    await none.mouse.move(1, 1);
    await shot(none, 'meeting-video-no-camera', { element: card(none) });
    await keepSending(none, []);
    await finish(none);
  });
}
