// The callbox (callbox.html): the small always-on-top window the shell opens in the
// screen's corner when a call rings while Switchboard is not in front. Loaded here at its
// size (380×168) with the same fake shell as the main window.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, ME } from './fixtures.mjs';
import { engine, finish, invoked, openCallbox, respond, setup, shot } from './support.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const DEAL = { type: 'deal', id: 'D-118', label: 'ACME renewal', url: 'https://crm.acme.test/deals/118' };
/** Bob calling me: ringing. */
const ringing = (patch = {}) => call(60, BOB, ME, 'ringing', patch);
/** The state the callbox opens to: the call in `AppState.ringing` (no command of this
 * app answered it yet, so `active_call` is empty), as the shell sends it. */
const ringingState = (patch = {}) => {
  const c = ringing(patch);
  const rings = { call_id: c.id, from_user_id: c.initiator, caller_name: 'Bob Stone', call_type: c.call_type, regarding: c.regarding ?? null };
  return { app_state: { ok: appState({ ringing: rings }) } };
};
/** The commands the callbox sent that change something, in order. */
const sent = (page) =>
  page.evaluate(() =>
    window.__test.invoked
      .map((c) => c.cmd)
      .filter((c) => ['answer_call', 'reject_call', 'decline_call', 'create_callback', 'show_main_window', 'close_callbox'].includes(c)),
  );
const closed = (page) => until(page, () => window.__test.calls('close_callbox').length > 0);
/** Past the guard against an Enter (or A) typed just as the call arrived. */
const pastGuard = (page) => page.waitForTimeout(350);

test('callbox: shows who calls, audio or video, and what about; focus on Accept', async () => {
  const page = await openCallbox(env, { responses: ringingState({ regarding: DEAL }) });
  const box = page.getByRole('alertdialog', { name: 'Audio call Bob Stone' });
  await box.waitFor();
  assert.equal(await page.locator('.callbox-name').innerText(), 'Bob Stone');
  assert.equal(await page.locator('.callbox-kind').innerText(), 'AUDIO CALL');
  assert.equal(await page.locator('.callbox-kind').textContent(), 'Audio call');
  assert.match(await page.locator('.callbox-regarding').innerText(), /About Deal: ACME renewal/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'AcceptEnter');
  assert.equal(await page.title(), 'Bob Stone is calling — Switchboard');
  // Everything fits the window: nothing cut off at the bottom or the right.
  const fits = await page.evaluate(() => {
    const r = document.querySelector('.callbox-actions').getBoundingClientRect();
    return r.bottom <= innerHeight && r.right <= innerWidth && document.documentElement.scrollWidth <= innerWidth;
  });
  assert.ok(fits, 'the buttons fit in 380×168');
  assert.deepEqual(await sent(page), []);
  await finish(page);

  const video = await openCallbox(env, { responses: ringingState({ call_type: 'video' }) });
  await video.getByRole('alertdialog', { name: 'Video call Bob Stone' }).waitFor();
  assert.ok(!(await video.locator('.callbox-regarding').isVisible()), 'no record line without a record');
  await finish(video);
});

test('callbox: Accept answers, brings the main window to the front, then closes', async () => {
  const page = await openCallbox(env, {
    responses: { ...ringingState(), answer_call: { ok: call(60, BOB, ME, 'active'), delayMs: 150 } },
  });
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('button', { name: 'Connecting…' }).waitFor();
  assert.ok(await page.getByRole('button', { name: /Reject/ }).isDisabled(), 'nothing else while answering');
  await closed(page);
  assert.deepEqual(await sent(page), ['answer_call', 'show_main_window', 'close_callbox']);
  assert.deepEqual((await invoked(page, 'answer_call'))[0].args, { callId: 60 });
  await finish(page);
});

test('callbox: an answer refused is said, and the callbox stays with the call', async () => {
  const page = await openCallbox(env, {
    responses: { ...ringingState(), answer_call: { err: 'Bob Stone hung up before you answered.' } },
  });
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('alert').filter({ hasText: 'Bob Stone hung up before you answered.' }).waitFor();
  assert.deepEqual(await sent(page), ['answer_call']);
  // Then the shell says the call is over: nothing rings, the callbox closes.
  await engine(page, { type: 'call_updated', call: call(60, BOB, ME, 'cancelled') });
  await closed(page);
  await finish(page);
});

test('callbox: Reject rejects, then closes; a refusal is said and the call stays', async () => {
  let page = await openCallbox(env, { responses: { ...ringingState(), reject_call: { ok: call(60, BOB, ME, 'rejected') } } });
  await page.getByRole('button', { name: /Reject/ }).click();
  await closed(page);
  assert.deepEqual(await sent(page), ['reject_call', 'close_callbox']);
  assert.deepEqual((await invoked(page, 'reject_call'))[0].args, { callId: 60 });
  await finish(page);

  page = await openCallbox(env, {
    responses: { ...ringingState(), reject_call: [{ err: 'Cannot reach the server at https://10.0.0.5:8000: is it running?' }, { ok: call(60, BOB, ME, 'rejected') }] },
  });
  await page.getByRole('button', { name: /Reject/ }).click();
  await page.getByRole('alert').filter({ hasText: 'Cannot reach the server at https://10.0.0.5:8000: is it running?' }).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Accept' }).isEnabled(), 'the call can still be answered');
  await shot(page, 'callbox-problem');
  await page.getByRole('button', { name: /Reject/ }).click();
  await closed(page);
  assert.deepEqual(await sent(page), ['reject_call', 'reject_call', 'close_callbox']);
  await finish(page);
});

test('callbox: Reply… offers the quick replies; one declines with its message', async () => {
  const page = await openCallbox(env, {
    responses: { ...ringingState(), decline_call: { ok: call(60, BOB, ME, 'rejected', { decline_message: "Can't talk now, send me a message" }) } },
  });
  const toggle = page.getByRole('button', { name: 'Reply…' });
  // Enter is pressed below: past the guard first (it holds any Enter, as the modal's does).
  await pastGuard(page);
  await toggle.click();
  const replies = page.getByRole('group', { name: 'Decline with a message' });
  await replies.waitFor();
  // The replies take the callbox's room; Back (or Escape) brings the call back.
  assert.ok(!(await page.getByRole('button', { name: 'Accept' }).isVisible()));
  assert.deepEqual(
    await replies.locator('.quick-reply .label').allInnerTexts(),
    ["In a meeting — I'll call you back in 10 minutes", "Can't talk now, send me a message", "I'll call you back in an hour"],
  );
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /In a meeting/);
  // Escape in the replies goes back, without rejecting.
  await page.keyboard.press('Escape');
  await replies.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Reply…');
  assert.deepEqual(await sent(page), []);

  await page.keyboard.press('Enter');
  await replies.waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await closed(page);
  assert.deepEqual((await invoked(page, 'decline_call'))[0].args, { callId: 60, message: "Can't talk now, send me a message" });
  assert.deepEqual(await sent(page), ['decline_call', 'close_callbox']);
  await finish(page);
});

test('callbox: a “call you back” reply adds the call-back before closing; one not added is said until Close', async () => {
  const cb = { id: 5, owner: ME.id, user_id: BOB.id, due_at: new Date(Date.now() + 600_000).toISOString(), created_at: new Date().toISOString(), call_id: 60 };
  let page = await openCallbox(env, {
    responses: {
      ...ringingState(),
      decline_call: { ok: call(60, BOB, ME, 'rejected') },
      create_callback: { ok: cb, delayMs: 100 },
    },
  });
  await page.getByRole('button', { name: 'Reply…' }).click();
  await page.getByRole('button', { name: /I'll call you back in an hour/ }).click();
  await closed(page);
  assert.deepEqual(await sent(page), ['decline_call', 'create_callback', 'close_callbox']);
  assert.deepEqual((await invoked(page, 'create_callback'))[0].args, { new: { user_id: BOB.id, due_in_seconds: 3600, call_id: 60 } });
  assert.equal((await invoked(page, 'callbacks')).length, 0, 'the callbox keeps no call-back list');
  await finish(page);

  page = await openCallbox(env, {
    responses: {
      ...ringingState(),
      decline_call: { ok: call(60, BOB, ME, 'rejected') },
      create_callback: { err: 'The server refused the call-back.' },
    },
  });
  await page.getByRole('button', { name: 'Reply…' }).click();
  await page.getByRole('button', { name: /In a meeting/ }).click();
  await page.getByRole('alert').filter({ hasText: 'The call was declined, but the call-back was not added: The server refused the call-back.' }).waitFor();
  const close = page.getByRole('button', { name: 'Close' });
  await close.waitFor();
  assert.ok(!(await page.getByRole('button', { name: 'Accept' }).isVisible()), 'nothing to answer any more');
  assert.equal((await invoked(page, 'close_callbox')).length, 0);
  await until(page, () => document.activeElement?.textContent === 'Close');
  await page.keyboard.press('Enter');
  await closed(page);
  await finish(page);

  // Escape closes it too.
  page = await openCallbox(env, {
    responses: { ...ringingState(), decline_call: { ok: call(60, BOB, ME, 'rejected') }, create_callback: { err: 'The server refused the call-back.' } },
  });
  await page.getByRole('button', { name: 'Reply…' }).click();
  await page.getByRole('button', { name: /In a meeting/ }).click();
  await page.getByRole('button', { name: 'Close' }).waitFor();
  await page.keyboard.press('Escape');
  await closed(page);
  assert.equal((await invoked(page, 'reject_call')).length, 0);
  await finish(page);
});

test('callbox: closes itself when the call stops ringing here: cancelled, missed, answered elsewhere', async () => {
  for (const status of ['cancelled', 'missed', 'active']) {
    const page = await openCallbox(env, { responses: ringingState() });
    await page.getByRole('alertdialog').waitFor();
    await page.waitForTimeout(50);
    assert.equal((await invoked(page, 'close_callbox')).length, 0, 'open while it rings');
    // 'active': answered in the main window, or on another of my devices.
    await engine(page, { type: 'call_updated', call: call(60, BOB, ME, status) });
    await closed(page);
    assert.deepEqual(await sent(page), ['close_callbox'], status);
    await finish(page);
  }
});

test('callbox: a ring that arrives as an event after the page loaded shows; nothing ringing closes it', async () => {
  let page = await openCallbox(env, { responses: { app_state: { ok: appState() } } });
  await engine(page, { type: 'incoming_call', call_id: 61, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'video', room_name: 'r', regarding: DEAL });
  await page.getByRole('alertdialog', { name: 'Video call Bob Stone' }).waitFor();
  await page.waitForTimeout(2300);
  assert.equal((await invoked(page, 'close_callbox')).length, 0, 'open while it rings');
  await engine(page, { type: 'call_updated', call: call(61, BOB, ME, 'missed', { call_type: 'video' }) });
  await closed(page);
  await finish(page);

  // Opened for a ring already over by the time the page loaded: it goes by itself.
  page = await openCallbox(env, { responses: { app_state: { ok: appState() } } });
  await page.waitForTimeout(500);
  assert.equal((await invoked(page, 'close_callbox')).length, 0, 'it waits a moment for the ring');
  await closed(page);
  assert.ok(!(await page.locator('.callbox').isVisible()));
  await finish(page);
});

test('callbox: kept hidden between calls — built before any ring, it closes once and the next calls show on the same page', async () => {
  // The shell builds the callbox hidden at start: nothing rings, so it says so once.
  const page = await openCallbox(env, {
    responses: { app_state: { ok: appState() }, reject_call: { ok: call(61, BOB, ME, 'rejected') } },
  });
  await closed(page);
  await page.waitForTimeout(2500);
  assert.equal((await invoked(page, 'close_callbox')).length, 1, 'hidden, it waits for the next ring without closing again');
  // A ring: drawn at once, on the page as it is.
  await engine(page, { type: 'incoming_call', call_id: 61, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'audio', room_name: 'r' });
  await page.getByRole('alertdialog', { name: 'Audio call Bob Stone' }).waitFor();
  await page.getByRole('button', { name: /Reject/ }).click();
  await until(page, () => window.__test.calls('close_callbox').length === 2);
  assert.ok(!(await page.locator('.callbox').isVisible()), 'nothing of the last call stays on it');
  // The next call, after the last one closed: the same page again, Accept focused.
  await engine(page, { type: 'incoming_call', call_id: 62, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'video', room_name: 'r2' });
  await page.getByRole('alertdialog', { name: 'Video call Bob Stone' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'AcceptEnter');
  await engine(page, { type: 'call_updated', call: call(62, BOB, ME, 'cancelled', { call_type: 'video' }) });
  await until(page, () => window.__test.calls('close_callbox').length === 3);
  assert.deepEqual(await sent(page), ['close_callbox', 'reject_call', 'close_callbox', 'close_callbox']);
  await finish(page);
});

/** What the shell's hide and show do to the page: WebKit's visibility, as it reports it. */
const setVisible = (page, visible) =>
  page.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { value: v ? 'visible' : 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);

test('callbox: hidden by the shell and shown again — the state is read again and nothing of the last call stays', async () => {
  const page = await openCallbox(env, {
    responses: { ...ringingState(), answer_call: { err: 'Bob Stone hung up before you answered.' } },
  });
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('alert').filter({ hasText: 'Bob Stone hung up before you answered.' }).waitFor();
  // The shell hides it as the call stops ringing; the page hears of the end later.
  await setVisible(page, false);
  await engine(page, { type: 'call_updated', call: call(60, BOB, ME, 'cancelled') });
  // The next call: shown by the shell, drawn from the state the page asks for.
  const next = call(61, BOB, ME, 'ringing', { call_type: 'video' });
  const rings = { call_id: next.id, from_user_id: next.initiator, caller_name: 'Bob Stone', call_type: 'video', regarding: null };
  await respond(page, 'app_state', { ok: appState({ ringing: rings }) });
  const loads = (await invoked(page, 'app_state')).length;
  await setVisible(page, true);
  await page.getByRole('alertdialog', { name: 'Video call Bob Stone' }).waitFor();
  assert.equal((await invoked(page, 'app_state')).length, loads + 1, 'the state read again on being shown');
  assert.equal(await page.locator('.callbox-problem').innerText(), '', 'the last call’s sentence is gone');
  assert.ok(await page.getByRole('button', { name: 'Accept' }).isEnabled());
  await finish(page);
});

test('callbox: keyboard — Enter or A accepts (not in the first moment), Escape or R rejects', async () => {
  // An Enter pressed just as the call shows does nothing.
  let page = await openCallbox(env, { responses: { app_state: { ok: appState() }, answer_call: { ok: call(60, BOB, ME, 'active') } } });
  await page.evaluate(async () => {
    await window.__test.emit({ type: 'incoming_call', call_id: 60, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'audio', room_name: 'r' });
    for (const key of ['Enter', 'a']) document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  });
  await page.getByRole('alertdialog').waitFor();
  await page.waitForTimeout(50);
  assert.deepEqual(await sent(page), []);
  await pastGuard(page);
  await page.keyboard.press('Enter');
  await closed(page);
  assert.deepEqual(await sent(page), ['answer_call', 'show_main_window', 'close_callbox']);
  await finish(page);

  page = await openCallbox(env, { responses: { ...ringingState(), answer_call: { ok: call(60, BOB, ME, 'active') } } });
  await page.getByRole('alertdialog').waitFor();
  await pastGuard(page);
  await page.keyboard.press('a');
  await closed(page);
  assert.deepEqual(await sent(page), ['answer_call', 'show_main_window', 'close_callbox']);
  await finish(page);

  for (const key of ['Escape', 'r', 'R']) {
    page = await openCallbox(env, { responses: { ...ringingState(), reject_call: { ok: call(60, BOB, ME, 'rejected') } } });
    await page.getByRole('alertdialog').waitFor();
    await page.keyboard.press(key);
    await closed(page);
    assert.deepEqual(await sent(page), ['reject_call', 'close_callbox'], key);
    await finish(page);
  }

  // Enter on the record's link opens the record, and answers nothing.
  page = await openCallbox(env, { responses: { ...ringingState({ regarding: DEAL }), open_record_page: { ok: null } } });
  await page.getByRole('alertdialog').waitFor();
  await pastGuard(page);
  await page.getByRole('link', { name: /ACME renewal/ }).focus();
  await page.keyboard.press('Enter');
  await until(page, () => window.__test.calls('open_record_page').length === 1);
  assert.deepEqual((await invoked(page, 'open_record_page'))[0].args, { url: DEAL.url });
  assert.deepEqual(await sent(page), []);
  await finish(page);

  // Enter on Reject rejects (Reply…, Reject, Accept in Tab order).
  page = await openCallbox(env, { responses: { ...ringingState(), reject_call: { ok: call(60, BOB, ME, 'rejected') } } });
  await page.getByRole('alertdialog').waitFor();
  await pastGuard(page);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'RejectEsc');
  await page.keyboard.press('Enter');
  await closed(page);
  assert.deepEqual(await sent(page), ['reject_call', 'close_callbox']);
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`callbox: screenshots (${scheme})`, async () => {
    let page = await openCallbox(env, { colorScheme: scheme, responses: ringingState({ regarding: DEAL }) });
    await page.getByRole('alertdialog').waitFor();
    await shot(page, 'callbox');
    await page.getByRole('button', { name: 'Reply…' }).click();
    await page.getByRole('group', { name: 'Decline with a message' }).waitFor();
    await shot(page, 'callbox-replies');
    await finish(page);

    page = await openCallbox(env, {
      colorScheme: scheme,
      responses: ringingState({
        call_type: 'video',
        initiator_details: { id: 2, username: 'bob', email: 'bob@acme.test', full_name: 'Bartholomew Stone-Fitzgerald of Accounts Receivable' },
      }),
    });
    await page.getByRole('alertdialog').waitFor();
    await respond(page, 'answer_call', { err: 'Bob Stone is already in another call on this server, so this one cannot be answered now.' });
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('alert').filter({ hasText: 'already in another call' }).waitFor();
    await shot(page, 'callbox-video-problem');
    await finish(page);

    // Declined, but the call-back could not be added: said until Close.
    page = await openCallbox(env, {
      colorScheme: scheme,
      responses: { ...ringingState(), decline_call: { ok: call(60, BOB, ME, 'rejected') }, create_callback: { err: 'Call-backs are at most 30 days ahead.' } },
    });
    await page.getByRole('button', { name: 'Reply…' }).click();
    await page.getByRole('button', { name: /In a meeting/ }).click();
    await page.getByRole('button', { name: 'Close' }).waitFor();
    await shot(page, 'callbox-declined-problem');
    await finish(page);
  });
}
