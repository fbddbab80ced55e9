// A video call's room in the browser (open_video_room), for a caller not on Switchboard (a
// CRM client, say): under the call's own pictures (native-video.test.mjs), a second way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, ME, videoRoom } from './fixtures.mjs';
import { engine, finish, invoked, openApp, respond, setup, shot } from './support.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
const inVideoCall = (id = 70, patch = {}) =>
  appState({
    active_call: call(id, BOB, ME, 'active', { call_type: 'video', started_at: new Date(Date.now() - 83_000).toISOString(), ...patch }),
    media: CONNECTED,
  });

test('video call: "Open video room" opens it in the browser; the card then says where, and opens it again', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inVideoCall() }, open_video_room: { ok: videoRoom(70), delayMs: 150 } } });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  const video = card.getByRole('group', { name: 'Video room' });
  await video.waitFor();
  assert.match(await video.innerText(), /If Bob Stone is not on Switchboard, meet in the call’s video room in your browser\./);
  assert.equal(await card.locator('.media-state').innerText(), 'Connected', 'no more "audio only"');
  await video.getByRole('button', { name: 'Open video room' }).click();
  await video.getByRole('button', { name: 'Opening…' }).waitFor();
  await video.getByRole('status').filter({ hasText: 'Video is open in your browser (meet.jit.si).' }).waitFor();
  assert.deepEqual((await invoked(page, 'open_video_room'))[0].args, { callId: 70 });
  const again = video.getByRole('button', { name: 'Open the video room again' });
  assert.equal(await again.locator('.label').innerText(), 'Open again');
  // By keyboard.
  await again.focus();
  await page.keyboard.press('Enter');
  await until(page, () => window.__test.calls('open_video_room').length === 2);
  await finish(page);
});

test('video call: a refusal is said as its sentence, and the button stays to try again', async () => {
  const refusal = 'Video rooms are unavailable: the server has no Jitsi configured.';
  const page = await openApp(env, {
    responses: { app_state: { ok: inVideoCall() }, open_video_room: [{ err: refusal }, { ok: videoRoom(70, { domain: '8x8.vc', with_token: true }) }] },
  });
  const video = page.getByRole('group', { name: 'Video room' });
  await video.getByRole('button', { name: 'Open video room' }).click();
  await video.getByRole('alert').filter({ hasText: refusal }).waitFor();
  await video.getByRole('button', { name: 'Open video room' }).click();
  await video.getByRole('status').filter({ hasText: 'Video is open in your browser (8x8.vc).' }).waitFor();
  assert.equal(await video.locator('.alert').textContent(), '', 'the refusal goes once it worked');
  await finish(page);
});

test('video call: an audio call has no video line; the next video call starts afresh', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState({ active_call: call(70, ME, BOB, 'active'), media: CONNECTED }) }, open_video_room: { ok: videoRoom(71) } },
  });
  await page.locator('.call-active').waitFor();
  assert.equal(await page.locator('.call-video').isVisible(), false);
  assert.equal(await page.locator('.media-state').innerText(), 'Connected');
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  await page.locator('.call-outcome').waitFor();

  // A video call rings in and is answered: the line shows, opened once, then the call ends.
  await engine(page, { type: 'call_updated', call: call(71, BOB, ME, 'active', { call_type: 'video' }) });
  const video = page.getByRole('group', { name: 'Video room' });
  await video.getByRole('button', { name: 'Open video room' }).click();
  await video.getByRole('status').filter({ hasText: 'Video is open in your browser' }).waitFor();
  await engine(page, { type: 'call_updated', call: call(71, BOB, ME, 'completed', { call_type: 'video' }) });
  await video.waitFor({ state: 'hidden' });
  await engine(page, { type: 'call_updated', call: call(72, BOB, ME, 'active', { call_type: 'video' }) });
  await video.waitFor();
  assert.match(await video.innerText(), /If Bob Stone is not on Switchboard, meet in the call’s video room in your browser\./);
  assert.ok(await video.getByRole('button', { name: 'Open video room' }).isVisible());
  await finish(page);
});

test('video call: the incoming modal says the video opens in the browser', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() } } });
  await page.locator('.person').first().waitFor();
  await engine(page, { type: 'incoming_call', call_id: 62, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'video', room_name: 'r' });
  const dialog = page.getByRole('alertdialog', { name: 'Bob Stone is calling' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Video call\. Press Enter to accept or Escape to decline\./);
  assert.doesNotMatch(await dialog.innerText(), /audio only/);
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`video call: screenshots (${scheme})`, async () => {
    const page = await openApp(env, {
      colorScheme: scheme,
      responses: { app_state: { ok: inVideoCall() }, open_video_room: { err: 'Video rooms are unavailable: the server has no Jitsi configured.' } },
    });
    const card = page.getByRole('region', { name: 'Call with Bob Stone' });
    await card.getByRole('group', { name: 'Video room' }).waitFor();
    await shot(page, 'video-call', { element: card });
    await card.getByRole('button', { name: 'Open video room' }).click();
    await card.getByRole('alert').filter({ hasText: 'unavailable' }).waitFor();
    await shot(page, 'video-call-error', { element: card });
    await respond(page, 'open_video_room', { ok: videoRoom(70) });
    await card.getByRole('button', { name: 'Open video room' }).click();
    await card.getByRole('status').filter({ hasText: 'meet.jit.si' }).waitFor();
    await shot(page, 'video-call-open', { element: card });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, 'video-call-open-narrow', { element: card });
    await finish(page);
  });
}
