// Holding a call: the call card's Hold and Resume (`hold_call`), what each side reads while
// the call is on hold (who holds it, for how long), the held side's Hold that cannot be
// pressed and says why, refusals, and the time a call spent on hold in History. Either
// side may hold; only the one who held may resume (the shell refuses the other).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, BOB, call, ME } from './fixtures.mjs';
import { clockNow, engine, finish, invoked, openApp, pushState, runFor, setupPerFile, shot, stopClock } from './support.mjs';

const env = setupPerFile();

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
/** `ms` before now: the real clock's, or in a test that stops it (`stopClock`), the page's. */
const ago = (ms) => new Date(clockNow() - ms).toISOString();
/** Call 70, me with Bob, 1:23 in; `hold`: who holds it (a user id) and since how long (ms). */
function active({ by = null, heldFor = 0, extra = {} } = {}) {
  const held = by == null ? {} : { on_hold_by: by, on_hold_since: ago(heldFor) };
  return call(70, ME, BOB, 'active', { started_at: ago(83_000), ...held, ...extra });
}
const inCall = (c) => appState({ active_call: c, media: CONNECTED });
const HELD_BY_ME = () => active({ by: ME.id });
const HELD_BY_BOB = () => active({ by: BOB.id });
const ONLY_HOLDER = 'Only the person who put this call on hold can resume it.';

const card = (page) => page.getByRole('region', { name: 'Call with Bob Stone' });
const holdBtn = (page) => card(page).getByRole('button', { name: 'Hold', exact: true });
const resumeBtn = (page) => card(page).getByRole('button', { name: 'Resume', exact: true });
const holdStatus = (page, words) => card(page).getByRole('status').filter({ hasText: words });
const pressed = (button) => button.getAttribute('aria-pressed');
/** What hold_call was asked, in order. */
const asked = async (page) => (await invoked(page, 'hold_call')).map((c) => c.args);
const holdTimer = (page) => page.locator('.hold-timer').textContent();
/** The call timer, in seconds. */
const callSecs = async (page) => {
  const [m, s] = (await page.locator('.call-sub .timer').textContent()).split(':').map(Number);
  return m * 60 + s;
};
const held = (page) => page.locator('.call-card').getAttribute('data-held');
const mediaText = (page) => page.locator('.call-sub .media-state').textContent();
const lineShown = (page) => page.locator('.call-hold').evaluate((e) => e.getBoundingClientRect().height > 20);

test('hold: Hold puts the call on hold, Resume takes it back; the card says so with a running timer; the buttons stay put', async () => {
  // The page's clock stands still but for `runFor`: the timers read exact times.
  const page = await openApp(env, {
    now: stopClock(),
    paused: true,
    responses: {
      app_state: { ok: inCall(active()) },
      hold_call: [{ ok: HELD_BY_ME() }, { ok: active({ extra: { hold_seconds: 65 } }) }],
    },
  });
  await holdBtn(page).waitFor();
  // Before Transfer, Add someone and End call, not pressed; nothing says "on hold".
  assert.deepEqual(await card(page).locator('.call-controls button').allInnerTexts(), ['Mute', 'Turn camera on', 'Share screen', 'Hold', 'Transfer', 'Add someone', 'End call']);
  assert.equal(await pressed(holdBtn(page)), 'false');
  assert.equal(await held(page), null);
  assert.equal(await lineShown(page), false);
  // Muted before holding: stays as set, through the hold and after it.
  await card(page).getByRole('button', { name: 'Mute', exact: true }).click();
  await until(page, () => document.querySelector('.btn.mute').getAttribute('aria-pressed') === 'true');
  const boxes = () => page.locator('.call-controls button').evaluateAll((bs) => bs.map((b) => JSON.stringify(b.getBoundingClientRect())));
  const before = await boxes();

  await holdBtn(page).click();
  await resumeBtn(page).waitFor();
  assert.deepEqual(await asked(page), [{ on: true }]);
  assert.equal(await pressed(resumeBtn(page)), 'true');
  await holdStatus(page, 'You put Bob Stone on hold').waitFor();
  assert.equal(await held(page), 'me');
  assert.ok(await lineShown(page));
  assert.match(await page.locator('.hold-hint').textContent(), /Bob Stone hears a soft beep until you resume/);
  assert.equal(await holdTimer(page), '0:00');
  assert.equal(await page.locator('.hold-timer').getAttribute('role'), 'timer');
  assert.equal(await mediaText(page), 'On hold', 'not "Connected": no sound goes either way');
  assert.equal(await pressed(card(page).getByRole('button', { name: 'Unmute', exact: true })), 'true', 'mute stays as set');
  assert.deepEqual(await boxes(), before, 'no button moved');
  // The card in the hold colour, not the call's usual one.
  const border = () => page.locator('.call-card').evaluate((e) => getComputedStyle(e).borderTopColor);
  assert.equal(await border(), 'rgb(124, 92, 214)');

  // The hold timer runs, and so does the call's.
  await runFor(page, 65_000);
  assert.equal(await holdTimer(page), '1:05');
  assert.equal(await page.locator('.hold-timer').getAttribute('aria-label'), 'On hold for 1 minute 5 seconds');
  // 83 s in, and 65 more.
  const callTime = await callSecs(page);
  assert.equal(callTime, 148, `call timer ${callTime} s`);

  await resumeBtn(page).click();
  await holdBtn(page).waitFor();
  assert.deepEqual(await asked(page), [{ on: true }, { on: false }]);
  assert.equal(await pressed(holdBtn(page)), 'false');
  await until(page, () => document.querySelector('.hold-status').textContent === '');
  assert.equal(await held(page), null);
  assert.equal(await lineShown(page), false);
  assert.notEqual(await border(), 'rgb(124, 92, 214)');
  assert.equal(await mediaText(page), 'Connected');
  assert.deepEqual(await boxes(), before, 'no button moved');
  assert.equal(await pressed(card(page).getByRole('button', { name: 'Unmute', exact: true })), 'true', 'still muted');
  assert.equal(await callSecs(page), callTime, 'the call timer, not reset');
  assert.equal((await invoked(page, 'set_muted')).length, 1, 'holding did not touch mute');
  await runFor(page, 2000);
  assert.equal(await callSecs(page), 150, 'the call timer went on');
  await finish(page);
});

test('hold: they put me on hold (an update that changes only who holds it): the card says so, Hold cannot be pressed and says why', async () => {
  const page = await openApp(env, { now: stopClock(), paused: true, responses: { app_state: { ok: inCall(active()) } } });
  await holdBtn(page).waitFor();
  assert.equal(await page.locator('.hold-status').textContent(), '');

  // The same call, still active: only on_hold_by changes.
  await engine(page, { type: 'call_updated', call: HELD_BY_BOB() });
  await holdStatus(page, 'Bob Stone put you on hold').waitFor();
  assert.equal(await held(page), 'them');
  assert.match(await page.locator('.hold-hint').textContent(), /until Bob Stone resumes/);
  assert.equal(await mediaText(page), 'On hold');
  // Hold reads "Hold", not pressed, and cannot be pressed: it says why.
  const button = holdBtn(page);
  assert.equal(await pressed(button), 'false');
  assert.equal(await button.getAttribute('aria-disabled'), 'true');
  assert.equal(await button.getAttribute('title'), 'Bob Stone put the call on hold');
  const description = await button.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent);
  assert.equal(description, 'Bob Stone put the call on hold');
  assert.ok(await button.isDisabled(), 'disabled, to Playwright too');
  // (Forced: Playwright itself waits for an aria-disabled button.)
  await button.click({ force: true });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForTimeout(100);
  assert.equal((await invoked(page, 'hold_call')).length, 0, 'not asked');

  // Its timer runs too, from when the news came.
  assert.equal(await holdTimer(page), '0:00');
  await runFor(page, 12_000);
  assert.equal(await holdTimer(page), '0:12');
  assert.ok(await lineShown(page));

  // They resume: the line goes, Hold works again.
  await engine(page, { type: 'call_updated', call: active({ extra: { hold_seconds: 12 } }) });
  await until(page, () => document.querySelector('.hold-status').textContent === '');
  assert.equal(await held(page), null);
  assert.equal(await button.getAttribute('aria-disabled'), null);
  assert.equal(await button.getAttribute('title'), null);
  assert.equal(await button.getAttribute('aria-describedby'), null);
  assert.equal(await lineShown(page), false);
  await finish(page);
});

test('hold: while hold_call runs Hold waits and keeps focus; a refusal is said on the call card and nothing changes', async () => {
  // The page's clock stands still: each answer comes when the test runs it on.
  const page = await openApp(env, {
    now: stopClock(),
    paused: true,
    responses: {
      app_state: { ok: inCall(HELD_BY_ME()) },
      hold_call: [{ err: ONLY_HOLDER, delayMs: 1200 }, { ok: active(), delayMs: 200 }],
    },
  });
  await holdStatus(page, 'You put Bob Stone on hold').waitFor();
  await resumeBtn(page).click();
  await until(page, () => document.querySelector('.btn.hold').getAttribute('aria-busy') === 'true');
  assert.equal(await resumeBtn(page).getAttribute('aria-disabled'), 'true');
  assert.ok(await resumeBtn(page).evaluate((b) => b === document.activeElement), 'focus stays on the button');
  await resumeBtn(page).click({ force: true });
  assert.equal((await invoked(page, 'hold_call')).length, 1, 'not asked again while waiting');

  // Refused: the sentence where the call card says its errors; still on hold, still mine.
  await runFor(page, 1200);
  const alert = card(page).getByRole('alert').filter({ hasText: ONLY_HOLDER });
  await alert.waitFor();
  assert.equal(await pressed(resumeBtn(page)), 'true');
  assert.equal(await resumeBtn(page).getAttribute('aria-busy'), null);
  assert.equal(await resumeBtn(page).getAttribute('aria-disabled'), null);
  assert.ok(await holdStatus(page, 'You put Bob Stone on hold').isVisible());
  assert.equal(await held(page), 'me');

  // Tried again, it works: the sentence goes.
  await resumeBtn(page).click();
  await until(page, () => document.querySelector('.btn.hold').getAttribute('aria-busy') === 'true');
  await runFor(page, 200);
  await holdBtn(page).waitFor();
  assert.equal(await alert.count(), 0);
  assert.deepEqual(await asked(page), [{ on: false }, { on: false }]);
  await finish(page);
});

test('hold: by keyboard, Tab to Hold, Enter and Space hold and resume, focus stays and shows', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(active()) }, hold_call: [{ ok: HELD_BY_ME() }, { ok: active() }] } });
  await card(page).getByRole('button', { name: 'Share screen', exact: true }).focus();
  await page.keyboard.press('Tab');
  const focused = () => page.evaluate(() => document.activeElement?.textContent);
  assert.equal(await focused(), 'Hold');
  assert.ok(await holdBtn(page).evaluate((b) => b.matches(':focus-visible')));
  assert.notEqual(await holdBtn(page).evaluate((b) => getComputedStyle(b).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  await resumeBtn(page).waitFor();
  assert.equal(await focused(), 'Resume');
  assert.ok(await resumeBtn(page).evaluate((b) => b.matches(':focus-visible')));
  await page.keyboard.press('Space');
  await holdBtn(page).waitFor();
  assert.equal(await focused(), 'Hold');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Transfer');
  assert.deepEqual(await asked(page), [{ on: true }, { on: false }]);

  // Put on hold by them while it has focus: it keeps focus, and cannot be pressed.
  await page.keyboard.press('Shift+Tab');
  await engine(page, { type: 'call_updated', call: HELD_BY_BOB() });
  await holdStatus(page, 'Bob Stone put you on hold').waitFor();
  assert.equal(await focused(), 'Hold');
  await page.keyboard.press('Space');
  await page.waitForTimeout(100);
  assert.equal((await invoked(page, 'hold_call')).length, 2);
  await finish(page);
});

test('hold: a window opened during a hold counts from the server’s time; a call that ends on hold ends as usual, and a late answer does not bring it back', async () => {
  // The page's clock stands still: the answer comes when the test runs it on.
  const page = await openApp(env, {
    now: stopClock(),
    paused: true,
    responses: { app_state: { ok: inCall(active({ by: BOB.id, heldFor: 90_000 })) }, hold_call: { ok: HELD_BY_ME(), delayMs: 600 } },
  });
  await holdStatus(page, 'Bob Stone put you on hold').waitFor();
  // 90 s held before the window opened: not 0:00.
  assert.equal(await holdTimer(page), '1:30');
  await runFor(page, 1000);
  assert.equal(await holdTimer(page), '1:31');

  // They resume; I hold, and they hang up before the answer comes.
  await engine(page, { type: 'call_updated', call: active() });
  await holdBtn(page).click();
  await until(page, () => document.querySelector('.btn.hold').getAttribute('aria-busy') === 'true');
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  await page.locator('.call-outcome', { hasText: 'Call ended' }).waitFor();
  await until(page, () => window.__test.calls('hold_call').length === 1);
  // Now the answer comes.
  await runFor(page, 600);
  assert.equal(await page.locator('.call-active').isVisible(), false, 'the answer did not bring the call back');
  assert.equal(await held(page), null);
  assert.equal(await page.locator('.hold-status').textContent(), '');

  // A call ending while on hold: the outcome card is not in the hold colour.
  await pushState(page, inCall(active({ by: ME.id, heldFor: 5000 })));
  await holdStatus(page, 'You put Bob Stone on hold').waitFor();
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed', { hold_seconds: 5 }) });
  await page.locator('.call-outcome', { hasText: 'Call ended' }).waitFor();
  assert.equal(await held(page), null);
  await finish(page);
});

const HISTORY = {
  count: 2,
  next: null,
  previous: null,
  results: [call(91, ME, BOB, 'completed', { duration_seconds: 312, hold_seconds: 40 }), call(92, BOB, ME, 'completed')],
};

test('hold: History shows how long an answered call was on hold', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() }, call_history: { ok: HISTORY } } });
  await page.getByRole('button', { name: /History/ }).click();
  const row = page.locator('tr[data-call-id="91"]');
  await row.waitFor();
  assert.match(await row.locator('td.duration').innerText(), /^5:12\s+On hold 0:40$/);
  assert.equal(await row.locator('.row-hold').getAttribute('aria-label'), 'On hold 40 seconds');
  assert.equal(await page.locator('tr[data-call-id="92"] td.duration').innerText(), '1:23', 'none when never held');
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`hold: screenshots (${scheme})`, async () => {
    // Mine: I put Bob on hold 42 seconds ago, muted before.
    const mine = await openApp(env, {
      colorScheme: scheme,
      now: Date.now(),
      responses: { app_state: { ok: appState({ ...inCall(active({ by: ME.id, heldFor: 42_000 })), muted: true }) } },
    });
    await holdStatus(mine, 'You put Bob Stone on hold').waitFor();
    await shot(mine, 'hold-mine', { element: card(mine) });
    await resumeBtn(mine).focus();
    await mine.keyboard.press('Shift+Tab');
    await mine.keyboard.press('Tab');
    await shot(mine, 'hold-mine-focus', { element: card(mine).locator('.call-top') });
    await shot(mine, 'hold-mine-window');
    await mine.setViewportSize({ width: 440, height: 900 });
    await shot(mine, 'hold-mine-narrow', { element: card(mine) });
    await finish(mine);

    // Theirs: Bob put me on hold; a video call, in full window.
    const theirs = await openApp(env, {
      colorScheme: scheme,
      now: Date.now(),
      responses: { app_state: { ok: inCall(active({ by: BOB.id, heldFor: 75_000 })) } },
    });
    await holdStatus(theirs, 'Bob Stone put you on hold').waitFor();
    await holdBtn(theirs).hover();
    await shot(theirs, 'hold-theirs', { element: card(theirs) });
    await theirs.setViewportSize({ width: 440, height: 900 });
    await shot(theirs, 'hold-theirs-narrow', { element: card(theirs) });
    await finish(theirs);

    const video = await openApp(env, {
      colorScheme: scheme,
      now: Date.now(),
      responses: { app_state: { ok: inCall(active({ by: BOB.id, heldFor: 8_000, extra: { call_type: 'video' } })) } },
    });
    await holdStatus(video, 'Bob Stone put you on hold').waitFor();
    await card(video).getByRole('button', { name: 'Full window' }).click();
    await shot(video, 'hold-theirs-full');
    await finish(video);

    // History: the time on hold under an answered call's duration.
    const history = await openApp(env, { colorScheme: scheme, responses: { app_state: { ok: appState() }, call_history: { ok: HISTORY } } });
    await history.getByRole('button', { name: /History/ }).click();
    await history.locator('.row-hold').waitFor();
    await shot(history, 'hold-history', { element: history.locator('.table-wrap') });
    await finish(history);
  });
}
