// Call-backs: the list (Call back, Snooze, Done, Delete), the quick replies and History's
// "Call back later" that make them, the banner when one is due, and a seeds-style backend
// without them, in headless Chromium against the fake shell.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, callback, CAROL, DAN, fixturesAt, ME, NOON } from './fixtures.mjs';
import { engine, finish, invoked, openApp, pushState, respond, setup } from './support.mjs';

// Call-backs show when they are due or were done as "Today 12:05": every time here counts
// from a fixed noon, and the pages that show them start their clocks there (`now: NOON`), so
// that minutes or hours from now stay today whatever the hour the tests run at.
const { minutesFromNow } = fixturesAt(NOON);

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const text = (loc) => loc.innerText();
const focusedText = (page) => page.evaluate(() => document.activeElement?.textContent ?? '');
const DEAL = { type: 'deal', id: 'D-118', label: 'ACME renewal', url: 'https://crm.acme.test/deals/118' };

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}
const count = async (page, cmd) => (await invoked(page, cmd)).length;
/** Wait until `cmd` has been invoked more than `n` times. */
const invokedMore = (page, cmd, n) => until(page, ([c, k]) => window.__test.calls(c).length > k, [cmd, n]);

const ringing = (id, regarding = null) => ({
  type: 'incoming_call',
  call_id: id,
  from_user_id: 2,
  caller_name: 'Bob Stone',
  call_type: 'audio',
  room_name: 'r',
  regarding,
});

/** Bob overdue by 5 minutes (about the deal, with a note), Carol due in 10 minutes, and
 * one done by a call to Dan. */
function myCallbacks() {
  return [
    callback(1, BOB, minutesFromNow(-5), { regarding: DEAL, note: 'Wants the revised\u202E quote', call_id: 60 }),
    callback(2, CAROL, minutesFromNow(10)),
    callback(3, DAN, minutesFromNow(-90), { completed_at: minutesFromNow(-30), completed_by_call: 77 }),
  ];
}

const tab = (page) => page.getByRole('button', { name: /^Call-backs/ });

test('call-backs: a tab with a count of those due; each shows who, when (relative, exact in a title), the record and the note; done ones folded', async () => {
  const list = myCallbacks();
  const page = await openApp(env, {
    now: NOON,
    responses: { app_state: { ok: appState() }, callbacks: { ok: list }, open_record_page: { ok: null } },
  });
  await until(page, () => document.querySelector('.due-badge')?.offsetParent != null);
  assert.match(await tab(page).textContent(), /Call-backs\s*1 due/, 'the badge is read as "1 due": Carol is not due yet');
  await tab(page).click();
  assert.equal(await tab(page).getAttribute('aria-current'), 'page');
  const open = page.getByRole('list', { name: 'Open call-backs' }).getByRole('listitem');
  await open.first().waitFor();
  assert.equal(await open.count(), 2, 'the open ones, in due order');
  assert.match(await text(page.locator('.callbacks-panel .summary')), /^2 open call-backs, 1 due now$/);

  const bob = page.locator('li[data-callback-id="1"]');
  assert.equal(await bob.getAttribute('data-due'), 'true');
  assert.match(await text(bob.locator('.callback-name')), /^Bob Stone$/);
  const due = bob.locator('time.callback-due');
  assert.equal(await text(due), 'Overdue by 5 min');
  assert.match(await due.getAttribute('title'), /^Due Today /);
  assert.equal(await due.getAttribute('datetime'), list[0].due_at);
  assert.match(await text(bob), /About Deal: ACME renewal/);
  assert.equal(await text(bob.locator('.callback-note')), 'Wants the revised quote', 'no bidi control from the note');
  const link = bob.getByRole('link', { name: /ACME renewal/ });
  await link.click();
  assert.deepEqual(await lastArgs(page, 'open_record_page'), { url: DEAL.url });

  const carol = page.locator('li[data-callback-id="2"]');
  assert.equal(await text(carol.locator('time.callback-due')), 'Due in 10 min');
  assert.equal(await carol.getAttribute('data-due'), null);
  assert.equal(await carol.locator('.callback-regarding').count(), 0);

  // Done ones: under "Done", closed until opened.
  const done = page.locator('details.callbacks-done');
  assert.equal(await text(done.locator('summary')), 'Done (1)');
  assert.ok(!(await done.getByRole('list', { name: 'Done call-backs' }).isVisible()));
  await done.locator('summary').focus();
  await page.keyboard.press('Enter');
  const dan = done.locator('li[data-callback-id="3"]');
  await dan.waitFor();
  assert.match(await text(dan), /Dan Okafor\s+Called back Today/);
  assert.equal(await dan.getByRole('button').count(), 0);
  await finish(page);
});

test('call-backs: Call back, Snooze (by keyboard), Done and Delete invoke their commands; the list is loaded again after each', async () => {
  const list = myCallbacks();
  const [bob, carol] = list;
  const snoozed = { ...carol, due_at: minutesFromNow(60) };
  const doneBob = { ...bob, completed_at: minutesFromNow(0) };
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      callbacks: { ok: list },
      snooze_callback: { ok: snoozed },
      complete_callback: { ok: doneBob },
      delete_callback: { ok: null },
      call_back: { ok: call(80, ME, BOB, 'ringing', { regarding: DEAL }) },
    },
  });
  await tab(page).click();
  const row = (id) => page.locator(`li[data-callback-id="${id}"]`);
  await row(2).waitFor();

  // Snooze by keyboard: the button opens the times, Escape closes them, Enter picks one.
  const toggle = row(2).getByRole('button', { name: 'Snooze' });
  await toggle.focus();
  await page.keyboard.press('Enter');
  const times = row(2).getByRole('group', { name: 'Snooze the call-back to Carol Diaz for' });
  await times.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.match(await focusedText(page), /^10 minutes$/);
  await page.keyboard.press('Escape');
  await times.waitFor({ state: 'hidden' });
  assert.match(await focusedText(page), /^Snooze$/);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.match(await focusedText(page), /^1 hour$/);
  let before = await count(page, 'callbacks');
  await respond(page, 'callbacks', { ok: [bob, snoozed, list[2]] });
  await page.keyboard.press('Enter');
  await invokedMore(page, 'callbacks', before);
  assert.deepEqual(await lastArgs(page, 'snooze_callback'), { id: 2, seconds: 3600 });
  await until(page, () => document.querySelector('li[data-callback-id="2"] time')?.textContent === 'Due in 1 h');
  assert.ok(await page.evaluate(() => document.querySelector('li[data-callback-id="2"]').contains(document.activeElement)), 'focus stays on the row');

  // Done: the row goes to "Done"; focus goes to the row now in its place.
  before = await count(page, 'callbacks');
  await respond(page, 'callbacks', { ok: [snoozed, doneBob, list[2]] });
  await row(1).getByRole('button', { name: 'Done' }).click();
  await invokedMore(page, 'callbacks', before);
  assert.deepEqual(await lastArgs(page, 'complete_callback'), { id: 1 });
  await page.locator('.callbacks-done summary', { hasText: 'Done (2)' }).waitFor();
  assert.equal(await page.getByRole('list', { name: 'Open call-backs' }).getByRole('listitem').count(), 1);
  await until(page, () => document.activeElement?.closest('li')?.dataset.callbackId === '2');
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Call back Carol Diaz$/);

  // Delete: no question; the list is empty, and says how call-backs are made.
  before = await count(page, 'callbacks');
  await respond(page, 'callbacks', { ok: [doneBob, list[2]] });
  await row(2).getByRole('button', { name: 'Delete' }).click();
  await invokedMore(page, 'callbacks', before);
  assert.deepEqual(await lastArgs(page, 'delete_callback'), { id: 2 });
  await page.locator('.callbacks-panel .empty').waitFor();
  assert.match(await text(page.locator('.callbacks-panel .empty')), /Call back later/);

  // Call back: the call about the call-back's record is placed; a refusal is said here.
  await respond(page, 'callbacks', { ok: list });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await row(1).waitFor();
  await respond(page, 'call_back', [{ err: 'Bob Stone is in another call.' }, { ok: call(80, ME, BOB, 'ringing', { regarding: DEAL }) }]);
  await row(1).getByRole('button', { name: 'Call back Bob Stone' }).click();
  await page.locator('.callbacks-panel').getByRole('alert').filter({ hasText: 'Bob Stone is in another call.' }).waitFor();
  await row(1).getByRole('button', { name: 'Call back Bob Stone' }).click();
  await page.getByText('Calling Bob Stone…').waitFor();
  assert.deepEqual(await lastArgs(page, 'call_back'), { id: 1 });
  assert.match(await text(page.locator('.call-ringing .call-regarding')), /^About Deal: ACME renewal/);
  assert.equal(await page.locator('.callbacks-panel .alert').textContent(), '', 'the refusal went');
  // In a call, Call back is off (with the reason); the rest still works.
  assert.ok(await row(2).getByRole('button', { name: 'Call back Carol Diaz' }).isDisabled());
  assert.equal(await row(2).getByRole('button', { name: 'Call back Carol Diaz' }).getAttribute('title'), 'You are in a call.');
  assert.ok(await row(2).getByRole('button', { name: 'Done' }).isEnabled());
  await finish(page);
});

test('call-backs: loaded again on app_state, on callback_due, and when a call becomes active or ends', async () => {
  const page = await openApp(env, { now: NOON, responses: { app_state: { ok: appState() }, callbacks: { ok: myCallbacks() } } });
  await page.locator('.person').first().waitFor();
  await until(page, () => window.__test.calls('callbacks').length === 1);
  await pushState(page, appState());
  await invokedMore(page, 'callbacks', 1);
  await engine(page, { type: 'callback_due', callback: myCallbacks()[0] });
  await invokedMore(page, 'callbacks', 2);
  await engine(page, { type: 'call_updated', call: call(81, ME, CAROL, 'ringing') });
  await page.getByText('Calling Carol Diaz…').waitFor();
  assert.equal(await count(page, 'callbacks'), 3, 'not for a call that only rings');
  await engine(page, { type: 'call_updated', call: call(81, ME, CAROL, 'active') });
  await invokedMore(page, 'callbacks', 3);
  await engine(page, { type: 'call_updated', call: call(81, ME, CAROL, 'completed') });
  await invokedMore(page, 'callbacks', 4);
  await finish(page);
});

test('incoming call: “I’ll call you back in 10 minutes” declines, then adds a call-back to the caller from that call; the hour one too', async () => {
  const made = callback(9, BOB, minutesFromNow(10), { call_id: 63, regarding: DEAL });
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      decline_call: { ok: call(63, BOB, ME, 'rejected') },
      create_callback: [{ ok: made }, { ok: { ...made, id: 10, call_id: 64 } }, { err: 'There is no user with id 2.' }],
    },
  });
  await page.locator('.person').first().waitFor();
  await engine(page, ringing(63, DEAL));
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('button', { name: 'Reply…' }).click();
  const replies = dialog.getByRole('group', { name: 'Decline with a message' });
  assert.match(await text(replies), /“Call you back” replies also add a call-back for you\./);
  const ten = replies.getByRole('button', { name: "In a meeting — I'll call you back in 10 minutes" });
  assert.equal(await ten.getAttribute('aria-describedby'), 'incoming-callback-hint');
  await respond(page, 'callbacks', { ok: [made] });
  await ten.click();
  await dialog.waitFor({ state: 'hidden' });
  await invokedMore(page, 'create_callback', 0);
  assert.deepEqual(await lastArgs(page, 'decline_call'), { callId: 63, message: "In a meeting — I'll call you back in 10 minutes" });
  assert.deepEqual(await lastArgs(page, 'create_callback'), { new: { user_id: 2, due_in_seconds: 600, call_id: 63 } });
  const order = (await page.evaluate(() => window.__test.invoked.map((c) => c.cmd))).filter((c) => c === 'decline_call' || c === 'create_callback');
  assert.deepEqual(order, ['decline_call', 'create_callback'], 'declined first');
  // It is in the list at once.
  await tab(page).click();
  await page.locator('li[data-callback-id="9"]').waitFor();

  await engine(page, ringing(64));
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Reply…' }).click();
  await replies.getByRole('button', { name: "I'll call you back in an hour" }).click();
  await invokedMore(page, 'create_callback', 1);
  assert.deepEqual(await lastArgs(page, 'create_callback'), { new: { user_id: 2, due_in_seconds: 3600, call_id: 64 } });

  // A reply that promises nothing adds nothing; a call-back the server refuses is said.
  await engine(page, ringing(65));
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Reply…' }).click();
  await replies.getByRole('button', { name: "Can't talk now, send me a message" }).click();
  await dialog.waitFor({ state: 'hidden' });
  await until(page, () => window.__test.calls('decline_call').length === 3);
  assert.equal(await count(page, 'create_callback'), 2);
  await engine(page, ringing(66));
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Reply…' }).click();
  await replies.getByRole('button', { name: /call you back in 10 minutes/ }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: 'The call was declined, but the call-back was not added: There is no user with id 2.' })
    .waitFor();
  await finish(page);
});

test('callback_due: a banner (not a dialog) says who and what about; Call back, Snooze 10 min and Done work; Dismiss', async () => {
  const due = myCallbacks()[0];
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      callbacks: { ok: myCallbacks() },
      snooze_callback: [{ err: 'That call-back is done already.' }, { ok: { ...due, due_at: minutesFromNow(10) } }],
      complete_callback: { ok: { ...due, completed_at: minutesFromNow(0) } },
      call_back: { ok: call(82, ME, BOB, 'ringing', { regarding: DEAL }) },
    },
  });
  await page.locator('.person').first().waitFor();
  const banner = page.getByRole('region', { name: 'Call-back due' });
  assert.ok(!(await banner.isVisible()));
  const show = async () => {
    await engine(page, { type: 'callback_due', callback: due });
    await banner.waitFor();
  };
  await show();
  assert.match(await text(banner.getByRole('alert')), /^Call-back due: Bob Stone — about Deal: ACME renewal/);
  assert.equal(await banner.getByRole('link', { name: /ACME renewal/ }).getAttribute('href'), DEAL.url);
  assert.match(await text(banner), /“Wants the revised quote”/);
  assert.equal(await page.getByRole('dialog').count() + (await page.getByRole('alertdialog').count()), 0);
  assert.ok(!(await page.evaluate(() => document.getElementById('app').inert)), 'nothing is blocked');

  // Snooze 10 min, by keyboard: refused first (said in the banner), then done; focus goes to the section.
  await banner.getByRole('button', { name: 'Snooze 10 min' }).focus();
  await page.keyboard.press('Enter');
  await banner.getByRole('alert').filter({ hasText: 'That call-back is done already.' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'snooze_callback'), { id: 1, seconds: 600 });
  await banner.getByRole('button', { name: 'Snooze 10 min' }).focus();
  await page.keyboard.press('Enter');
  await banner.waitFor({ state: 'hidden' });
  assert.equal(await count(page, 'snooze_callback'), 2);
  await until(page, () => document.activeElement?.id === 'people-title');

  await show();
  assert.equal(await banner.locator('.alert').textContent(), '', 'a new notice starts without the old error');
  await banner.getByRole('button', { name: 'Done' }).click();
  await banner.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'complete_callback'), { id: 1 });

  await show();
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await banner.waitFor({ state: 'hidden' });
  assert.equal(await count(page, 'complete_callback'), 1);

  await show();
  await banner.getByRole('button', { name: 'Call back' }).click();
  await page.getByText('Calling Bob Stone…').waitFor();
  assert.deepEqual(await lastArgs(page, 'call_back'), { id: 1 });
  await banner.waitFor({ state: 'hidden' });

  // During a call, a call-back due can only be snoozed or done from here.
  await show();
  assert.ok(await banner.getByRole('button', { name: 'Call back' }).isDisabled());
  await finish(page);
});

test('history: “Call back later” for a missed or declined call adds a call-back from that call (10 minutes or 1 hour)', async () => {
  const later = callback(11, BOB, minutesFromNow(10), { call_id: 101 });
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      call_history: {
        ok: {
          count: 4,
          next: null,
          previous: null,
          results: [
            call(101, BOB, ME, 'missed'),
            call(102, ME, CAROL, 'rejected'),
            call(103, DAN, ME, 'completed'),
            call(104, DAN, ME, 'cancelled'),
          ],
        },
      },
      create_callback: [{ ok: later }, { ok: callback(12, CAROL, minutesFromNow(60), { call_id: 102 }) }],
    },
  });
  await page.getByRole('button', { name: /History/ }).click();
  const row = (id) => page.locator(`tr[data-call-id="${id}"]`);
  await row(101).waitFor();
  assert.equal(await row(103).getByRole('button', { name: 'Call back later' }).count(), 0, 'not for an answered call');
  assert.ok(await row(104).getByRole('button', { name: 'Call back later' }).isVisible(), 'a call the caller gave up on is missed too');

  // By keyboard: the button opens the times.
  const offer = row(101).getByRole('button', { name: 'Call back later' });
  await offer.focus();
  await page.keyboard.press('Enter');
  const times = row(101).getByRole('group', { name: 'Call back Bob Stone' });
  await times.waitFor();
  assert.deepEqual(await times.getByRole('button').allInnerTexts(), ['In 10 minutes', 'In 1 hour']);
  assert.match(await focusedText(page), /^In 10 minutes$/);
  await respond(page, 'callbacks', { ok: [later] });
  await page.keyboard.press('Enter');
  await row(101).locator('.callback-made', { hasText: /^Call-back due Today / }).waitFor();
  assert.deepEqual(await lastArgs(page, 'create_callback'), { new: { user_id: 2, due_in_seconds: 600, call_id: 101 } });
  assert.ok(!(await offer.isVisible()), 'one call-back per call');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'callback-made', 'focus on what was done');

  // An outgoing call they declined: call them (Carol) back in an hour.
  await row(102).getByRole('button', { name: 'Call back later' }).click();
  await row(102).getByRole('button', { name: 'In 1 hour' }).click();
  await invokedMore(page, 'create_callback', 1);
  assert.deepEqual(await lastArgs(page, 'create_callback'), { new: { user_id: 3, due_in_seconds: 3600, call_id: 102 } });
  await finish(page);
});

test('a seeds-style backend (no /api/callbacks/, no /api/call-outcomes/): no call-backs, no after-call panel, and no error', async () => {
  for (const [callbacksError, outcomesError] of [
    ['Not found.', 'The server refused the request (404 Not Found).'],
    ['There is no API route GET /api/callbacks/; see the README\'s API section.', 'There is no API route GET /api/call-outcomes/.'],
  ]) {
    const page = await openApp(env, {
      responses: {
        app_state: { ok: appState({ active_call: call(70, ME, BOB, 'active'), media: { state: 'connected', setup_ms: 300 } }) },
        callbacks: { err: callbacksError },
        call_outcomes: { err: outcomesError },
        create_callback: { err: 'Not found.' },
        decline_call: { ok: call(63, BOB, ME, 'rejected') },
        call_history: { ok: { count: 2, next: null, previous: null, results: [call(101, BOB, ME, 'missed'), call(102, ME, CAROL, 'rejected')] } },
      },
    });
    await page.getByRole('region', { name: 'Call with Bob Stone' }).waitFor();
    await until(page, () => window.__test.calls('callbacks').length === 1 && window.__test.calls('call_outcomes').length === 1);
    await until(page, () => document.querySelector('button[data-tab="callbacks"]')?.offsetParent === null);

    // The call ends: no after-call panel.
    await page.getByRole('button', { name: 'End call' }).click();
    await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
    await page.locator('.call-outcome', { hasText: 'Call ended' }).waitFor();
    assert.equal(await page.locator('.after-call:not([hidden])').count(), 0);

    // A quick reply still declines with its message; no call-back is asked for, none promised.
    await engine(page, ringing(63));
    const dialog = page.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Reply…' }).click();
    assert.ok(!(await dialog.locator('#incoming-callback-hint').isVisible()));
    await dialog.getByRole('button', { name: /call you back in 10 minutes/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    await until(page, () => window.__test.calls('decline_call').length === 1);

    // History: no "Call back later".
    await page.getByRole('button', { name: /History/ }).click();
    await page.locator('tr[data-call-id="101"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Call back later' }).count(), 0);

    // Nothing was said to be wrong, and nothing is asked again (not even on a new state).
    await pushState(page, appState());
    await page.waitForTimeout(200);
    const shownErrors = await page.evaluate(() =>
      [...document.querySelectorAll('.alert, [role="alert"]')].filter((e) => e.offsetParent !== null && e.textContent.trim()).map((e) => e.textContent),
    );
    assert.deepEqual(shownErrors, []);
    assert.equal(await count(page, 'callbacks'), 1);
    assert.equal(await count(page, 'call_outcomes'), 1);
    assert.equal(await count(page, 'create_callback'), 0);
    await finish(page);
  }
});
