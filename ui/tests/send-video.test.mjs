// Sending video in any call: the call card's camera and share buttons (`set_video`: the
// camera, the whole screen, or nothing, one at a time), the video area a voice call shows
// once either side sends, my preview only while I send, and "… turned their video off"
// when their pictures stop. Pictures come from the fake shell (tests/support.mjs,
// `sendFrame` and `keepSending`); native-video.test.mjs tests how they are drawn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, BOB, call, ME } from './fixtures.mjs';
import { BARS, engine, finish, GREEN, invoked, keepSending, openApp, respond, runFor, sendFrame, setupPerFile, shot } from './support.mjs';

const env = setupPerFile();

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
const started = () => new Date(Date.now() - 83_000).toISOString();
const voiceCall = (id = 80, status = 'active') => call(id, BOB, ME, status, { started_at: started() });
const videoCall = (id = 70, status = 'active') => call(id, BOB, ME, status, { call_type: 'video', started_at: started() });
const inCall = (c) => appState({ active_call: c, media: CONNECTED });

/** A picture of a screen: a light page, a dark title bar, a blue block of text. */
const SCREEN = { width: 640, height: 360, fill: [238, 240, 244], topLeft: [40, 44, 52], block: 36, bottomRight: [33, 89, 196] };

const card = (page) => page.getByRole('region', { name: 'Call with Bob Stone' });
const cameraOn = (page) => card(page).getByRole('button', { name: 'Turn camera on', exact: true });
const cameraOff = (page) => card(page).getByRole('button', { name: 'Turn camera off', exact: true });
const shareOn = (page) => card(page).getByRole('button', { name: 'Share screen', exact: true });
const shareOff = (page) => card(page).getByRole('button', { name: 'Stop sharing', exact: true });
const visible = (page, selector) => page.locator(selector).isVisible();
const shown = (page, selector) => until(page, (s) => !document.querySelector(s).hidden, selector);
const hidden = (page, selector) => until(page, (s) => document.querySelector(s).hidden, selector);
/** What set_video was asked to send, in order. */
const sent = async (page) => (await invoked(page, 'set_video')).map((c) => c.args.send);
const pressed = (button) => button.getAttribute('aria-pressed');

test('send video: in a voice call the camera and share buttons send one source at a time, pressed while on', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(voiceCall()) } } });
  await cameraOn(page).waitFor();
  assert.equal(await pressed(cameraOn(page)), 'false');
  assert.equal(await pressed(shareOn(page)), 'false');
  // Next to Mute, Hold, Transfer, Add someone and End call, in this order.
  const controls = await card(page).locator('.call-controls button').allInnerTexts();
  assert.deepEqual(controls, ['Mute', 'Turn camera on', 'Share screen', 'Hold', 'Transfer', 'Add someone', 'End call']);

  await cameraOn(page).click();
  await cameraOff(page).waitFor();
  assert.deepEqual(await sent(page), ['camera']);
  assert.equal(await pressed(cameraOff(page)), 'true');
  assert.equal(await pressed(shareOn(page)), 'false');

  // Sharing takes the camera's place.
  await shareOn(page).click();
  await shareOff(page).waitFor();
  assert.deepEqual(await sent(page), ['camera', 'screen']);
  assert.equal(await pressed(shareOff(page)), 'true');
  assert.equal(await pressed(cameraOn(page)), 'false', 'the camera is off while sharing');

  // …and the camera the share's.
  await cameraOn(page).click();
  await cameraOff(page).waitFor();
  assert.equal(await pressed(shareOn(page)), 'false');
  assert.deepEqual(await sent(page), ['camera', 'screen', 'camera']);

  await cameraOff(page).click();
  await cameraOn(page).waitFor();
  assert.equal(await pressed(shareOn(page)), 'false');
  assert.deepEqual(await sent(page), ['camera', 'screen', 'camera', 'off']);
  await shareOn(page).click();
  await shareOff(page).click();
  await shareOn(page).waitFor();
  assert.deepEqual(await sent(page), ['camera', 'screen', 'camera', 'off', 'screen', 'off']);
  assert.equal(await card(page).locator(':scope > .alert').textContent(), '', 'no error');
  await finish(page);
});

test('send video: a voice call shows my preview once I send and theirs once it comes; my preview goes when I stop', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(voiceCall()) } } });
  await cameraOn(page).waitFor();
  assert.equal(await visible(page, '.call-stage'), false, 'no video area while nobody sends');

  // The camera on: the area, saying that they send nothing, then my preview in its corner.
  await cameraOn(page).click();
  const nothing = card(page).getByRole('status').filter({ hasText: 'Bob Stone is not sending video' });
  await nothing.waitFor();
  assert.equal(await visible(page, '.video-local'), false, 'no preview before its first picture');
  assert.equal(await card(page).getByText('Waiting for').count(), 0, 'a voice call does not wait for theirs');
  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  await card(page).getByRole('img', { name: 'Your video' }).waitFor();
  assert.equal(await visible(page, '.video-remote'), false);
  assert.ok(await card(page).getByRole('button', { name: 'Full window' }).isVisible());
  assert.equal(await visible(page, '.call-video'), false, 'no video room line in a voice call');

  // Their picture comes: shown, large.
  await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
  await card(page).getByRole('img', { name: 'Bob Stone’s video' }).waitFor();
  await nothing.waitFor({ state: 'hidden' });

  // The camera off: my preview goes (its last picture would stay), theirs stays.
  await cameraOff(page).click();
  await cameraOn(page).waitFor();
  await hidden(page, '.video-local');
  assert.ok(await visible(page, '.video-remote'));
  // On again: no preview until a new picture comes, not the old one.
  await cameraOn(page).click();
  await cameraOff(page).waitFor();
  assert.equal(await visible(page, '.video-local'), false, 'the last picture is not shown again');
  assert.equal((await page.locator('.video-local').evaluate((c) => Array.from(c.getContext('2d').getImageData(5, 5, 1, 1).data)))[3], 0, 'cleared');
  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  await shown(page, '.video-local');
  await finish(page);
});

test('send video: a voice call shows their picture when only they send', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(voiceCall()) } } });
  await cameraOn(page).waitFor();
  await until(page, () => window.__test.waiting() === 1);
  await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
  await card(page).getByRole('img', { name: 'Bob Stone’s video' }).waitFor();
  assert.equal(await visible(page, '.video-local'), false);
  assert.equal(await visible(page, '.video-waiting'), false);
  assert.equal(await pressed(cameraOn(page)), 'false', 'mine stays off');
  assert.equal((await invoked(page, 'set_video')).length, 0);
  await finish(page);
});

test('send video: a video call starts with the camera on; turned off, my preview goes; each call starts afresh', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(videoCall()) } } });
  await cameraOff(page).waitFor();
  assert.equal(await pressed(cameraOff(page)), 'true', 'the shell opened the camera as the call connected');
  assert.equal(await pressed(shareOn(page)), 'false');
  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  await shown(page, '.video-local');

  await cameraOff(page).click();
  await cameraOn(page).waitFor();
  assert.deepEqual(await sent(page), ['off']);
  await hidden(page, '.video-local');
  // A video call keeps its area, waiting for theirs.
  await card(page).getByRole('status').filter({ hasText: 'Waiting for Bob Stone’s video…' }).waitFor();

  // Sharing, then the call ends: the next call starts as calls do.
  await shareOn(page).click();
  await shareOff(page).waitFor();
  await engine(page, { type: 'call_updated', call: videoCall(70, 'completed') });
  await page.locator('.call-outcome').waitFor();
  await engine(page, { type: 'call_updated', call: voiceCall(81) });
  await cameraOn(page).waitFor();
  assert.equal(await pressed(shareOn(page)), 'false');
  assert.equal(await visible(page, '.call-stage'), false);
  await engine(page, { type: 'call_updated', call: voiceCall(81, 'completed') });
  await page.locator('.call-outcome').waitFor();
  await engine(page, { type: 'call_updated', call: videoCall(82) });
  await cameraOff(page).waitFor();
  assert.equal(await pressed(cameraOff(page)), 'true');
  assert.equal(await pressed(shareOn(page)), 'false');
  await finish(page);
});

test('send video: while set_video runs both buttons wait; a refusal is said on the call card and nothing changes', async () => {
  const noCamera = 'No camera found: plug one in, or set SWITCHBOARD_CAMERA to `pattern`, `screen` or `window:ID`.';
  // The page's clock stands still: each answer comes when the test runs it on.
  const page = await openApp(env, {
    now: Date.now(),
    paused: true,
    responses: {
      app_state: { ok: inCall(voiceCall()) },
      set_video: [{ err: noCamera, delayMs: 1500 }, { ok: null, delayMs: 200 }],
    },
  });
  await cameraOn(page).click();
  // Under way: both wait (one change at a time), the camera's busy; focus stays on it.
  await until(page, () => document.querySelector('.video-send[data-source="camera"]').getAttribute('aria-busy') === 'true');
  assert.equal(await cameraOn(page).getAttribute('aria-disabled'), 'true');
  assert.equal(await shareOn(page).getAttribute('aria-disabled'), 'true');
  assert.equal(await shareOn(page).getAttribute('aria-busy'), null);
  assert.ok(await cameraOn(page).evaluate((b) => b === document.activeElement), 'focus stays on the button');
  // (Forced: Playwright itself waits for an aria-disabled button.)
  await shareOn(page).click({ force: true });
  await cameraOn(page).click({ force: true });
  assert.equal((await invoked(page, 'set_video')).length, 1, 'not pressed again while waiting');
  assert.ok(await cameraOn(page).isDisabled(), 'disabled, to Playwright too');

  // Refused: the sentence, where the call card says its errors; the camera still off.
  await runFor(page, 1500);
  const alert = card(page).getByRole('alert').filter({ hasText: noCamera });
  await alert.waitFor();
  assert.equal(await pressed(cameraOn(page)), 'false');
  assert.equal(await pressed(shareOn(page)), 'false');
  assert.equal(await cameraOn(page).getAttribute('aria-disabled'), null);
  assert.equal(await cameraOn(page).getAttribute('aria-busy'), null);
  assert.equal(await visible(page, '.call-stage'), false, 'no video area for a camera that did not start');

  // The share works: the error goes.
  await shareOn(page).click();
  await until(page, () => document.querySelector('.video-send[data-source="screen"]').getAttribute('aria-busy') === 'true');
  await runFor(page, 200);
  await shareOff(page).waitFor();
  assert.equal(await alert.count(), 0);
  assert.deepEqual(await sent(page), ['camera', 'screen']);
  await finish(page);
});

test('send video: by keyboard, Tab to the buttons, Enter and Space press them, focus stays and shows', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(voiceCall()) } } });
  const mute = card(page).getByRole('button', { name: 'Mute', exact: true });
  await mute.focus();
  await page.keyboard.press('Tab');
  const focused = () => page.evaluate(() => document.activeElement?.textContent);
  assert.equal(await focused(), 'Turn camera on');
  assert.ok(await cameraOn(page).evaluate((b) => b.matches(':focus-visible')));
  // The ring shows (an outline), not only a colour change.
  assert.notEqual(await cameraOn(page).evaluate((b) => getComputedStyle(b).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  await cameraOff(page).waitFor();
  assert.equal(await focused(), 'Turn camera off');
  await page.keyboard.press('Space');
  await cameraOn(page).waitFor();
  assert.equal(await focused(), 'Turn camera on');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Share screen');
  await page.keyboard.press('Space');
  await shareOff(page).waitFor();
  assert.equal(await focused(), 'Stop sharing');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Hold');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Transfer');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Add someone');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'End call');
  assert.deepEqual(await sent(page), ['camera', 'off', 'screen']);
  await finish(page);
});

test('send video: their pictures stop: "… turned their video off" instead of a frozen picture, until they come again', async () => {
  // The page's clock stands still but for `runFor`: however long the machine takes, the
  // waits below are the page's. A picture is drawn at the next animation frame, or after
  // 100 ms at the latest (src/video.ts): `draw` runs the clock that far and waits for the
  // picture, drawn within those 100 ms.
  const page = await openApp(env, { now: Date.now(), paused: true, responses: { app_state: { ok: inCall(videoCall()) } } });
  const draw = async (count) => {
    await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
    await runFor(page, 100);
    await until(page, (n) => window.videoPictureStats.drawn >= n, count);
  };
  await card(page).getByText('Waiting for Bob Stone’s video…').waitFor();
  await draw(1);
  await shown(page, '.video-remote');
  const off = card(page).getByRole('status').filter({ hasText: 'Bob Stone turned their video off' });
  // A second and a half without one: still theirs (a slow picture is not "off").
  await runFor(page, 1500);
  assert.ok(await visible(page, '.video-remote'));
  assert.equal(await off.count(), 0);
  // Another picture starts the wait again: over 3 s after the first, 1.6 s at most after
  // this one.
  await draw(2);
  await runFor(page, 1500);
  assert.ok(await visible(page, '.video-remote'), 'counted from the newest picture');
  assert.equal(await off.count(), 0);
  // Two seconds without one: they turned it off.
  await runFor(page, 500);
  await off.waitFor();
  assert.equal(await visible(page, '.video-remote'), false, 'no frozen picture');
  assert.equal(await card(page).getByText('Waiting for').count(), 0);
  // They come again.
  await draw(3);
  await shown(page, '.video-remote');
  await off.waitFor({ state: 'hidden' });
  await finish(page);
});

test('send video: in a voice call too, their stopped pictures say so, while the call lasts', async () => {
  const page = await openApp(env, { now: Date.now(), responses: { app_state: { ok: inCall(voiceCall()) } } });
  await cameraOn(page).waitFor();
  await until(page, () => window.__test.waiting() === 1);
  await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
  await shown(page, '.video-remote');
  await page.clock.fastForward(2100);
  await card(page).getByRole('status').filter({ hasText: 'Bob Stone turned their video off' }).waitFor();
  assert.ok(await visible(page, '.call-stage'));
  assert.equal(await visible(page, '.video-remote'), false);
  await engine(page, { type: 'call_updated', call: voiceCall(80, 'completed') });
  await page.locator('.call-outcome').waitFor();
  await engine(page, { type: 'call_updated', call: voiceCall(81) });
  await cameraOn(page).waitFor();
  assert.equal(await visible(page, '.call-stage'), false, 'the next call starts without');
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`send video: screenshots (${scheme})`, async () => {
    const page = await openApp(env, { colorScheme: scheme, now: Date.now(), responses: { app_state: { ok: inCall(videoCall()) } } });
    // A video call, the camera on: theirs large, mine in the corner.
    await keepSending(page, [
      { feed: 'remote', width: 640, height: 360, bars: BARS, block: 40 },
      { feed: 'local', width: 320, height: 180, fill: [70, 110, 160], topLeft: GREEN, block: 30 },
    ]);
    await shown(page, '.video-remote');
    await shown(page, '.video-local');
    await shot(page, 'send-video-camera', { element: card(page) });

    // Sharing: my preview is the screen.
    await shareOn(page).click();
    await shareOff(page).waitFor();
    await keepSending(page, [
      { feed: 'remote', width: 640, height: 360, bars: BARS, block: 40 },
      { feed: 'local', ...SCREEN },
    ]);
    await shown(page, '.video-local');
    await shot(page, 'send-video-sharing', { element: card(page) });
    // Focus on the pressed button.
    await shareOff(page).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await shot(page, 'send-video-sharing-focus', { element: card(page).locator('.call-top') });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, 'send-video-sharing-narrow', { element: card(page) });
    await page.setViewportSize({ width: 1100, height: 760 });
    await card(page).getByRole('button', { name: 'Full window' }).click();
    await shot(page, 'send-video-sharing-full');
    await page.keyboard.press('Escape');

    // Their pictures stop.
    await keepSending(page, [{ feed: 'local', ...SCREEN }]);
    await page.clock.fastForward(2100);
    await card(page).getByRole('status').filter({ hasText: 'Bob Stone turned their video off' }).waitFor();
    await shown(page, '.video-local');
    await shot(page, 'send-video-stopped', { element: card(page) });
    await keepSending(page, []);
    await finish(page);

    // A voice call with the camera on: my preview, and that they send none; a refusal.
    const voice = await openApp(env, {
      colorScheme: scheme,
      responses: { app_state: { ok: inCall(voiceCall()) }, set_video: [{ ok: null }, { err: 'Your screen cannot be shared: no X11 display (DISPLAY unset).' }] },
    });
    await cameraOn(voice).waitFor();
    await shot(voice, 'send-video-voice', { element: card(voice) });
    await cameraOn(voice).click();
    await keepSending(voice, [{ feed: 'local', width: 320, height: 180, fill: [70, 110, 160], topLeft: GREEN, block: 30 }]);
    await shown(voice, '.video-local');
    await shot(voice, 'send-video-voice-camera', { element: card(voice) });
    await shareOn(voice).click();
    await card(voice).getByRole('alert').filter({ hasText: 'cannot be shared' }).waitFor();
    await shot(voice, 'send-video-voice-error', { element: card(voice) });
    await keepSending(voice, []);
    await finish(voice);
  });
}

test('send video: on hold, no picture either way: both pictures give way to "No video while the call is on hold", and come back on resuming', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(videoCall()) } } });
  await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
  await sendFrame(page, { feed: 'local', width: 32, height: 24, fill: GREEN });
  await card(page).getByRole('img', { name: 'Bob Stone’s video' }).waitFor();
  await card(page).getByRole('img', { name: 'Your video' }).waitFor();

  // Bob holds the call (only on_hold_by changes): the shell sends no pictures, so neither
  // stands frozen; the area says why, with the camera crossed out.
  const onHold = card(page).getByRole('status').filter({ hasText: 'No video while the call is on hold' });
  for (const by of [BOB.id, ME.id]) {
    await engine(page, { type: 'call_updated', call: { ...videoCall(), on_hold_by: by, on_hold_since: new Date().toISOString() } });
    await onHold.waitFor();
    assert.equal(await visible(page, '.video-remote'), false, 'their last picture is not left standing');
    assert.equal(await visible(page, '.video-local'), false, 'nor mine');
    assert.equal(await page.locator('.video-waiting').getAttribute('data-off'), '', 'the camera crossed out');
    assert.equal(await card(page).getByText('turned their video off').count(), 0);
    await shot(page, `send-video-on-hold-by-${by === ME.id ? 'me' : 'them'}`, { element: card(page) });
  }

  // Resumed: the pictures are shown again as they come.
  await engine(page, { type: 'call_updated', call: videoCall() });
  await onHold.waitFor({ state: 'hidden' });
  await sendFrame(page, { feed: 'remote', width: 64, height: 36, bars: BARS });
  await shown(page, '.video-remote');
  await shown(page, '.video-local');
  await finish(page);
});

test('send video: with no camera set up, a video call starts with the camera off, waiting for theirs; pressing it says why', async () => {
  const noCamera = 'No camera found: plug one in, or set SWITCHBOARD_CAMERA to `pattern`, `screen` or `window:ID`.';
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ active_call: videoCall(), media: CONNECTED, camera_set_up: false }) },
      set_video: { err: noCamera },
    },
  });
  await cameraOn(page).waitFor();
  assert.equal(await pressed(cameraOn(page)), 'false', 'nothing is sent, so the button does not say it is');
  await card(page).getByRole('status').filter({ hasText: 'Waiting for Bob Stone’s video…' }).waitFor();
  assert.equal(await visible(page, '.video-local'), false);
  // Pressed, the shell refuses (as it does with no camera): said on the card, still off.
  await cameraOn(page).click();
  await card(page).getByText('No camera found').waitFor();
  assert.equal(await pressed(cameraOn(page)), 'false');
  await shot(page, 'send-video-no-camera', { element: card(page) });
  await finish(page);
});
