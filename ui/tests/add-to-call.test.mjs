// Add someone: the call card's button and its dialog (`add_to_call`): the colleagues other
// than me and the other party with their presence, those who cannot take a call shown but
// not choosable (with why), the keyboard, the pending state, a refusal said in the dialog,
// success saying on the card that the call moves to a meeting. Then the call that grew into
// a meeting (`escalated_to_meeting`), on either side: no end shown, no after-call panel, the
// meeting card in its place once the meeting's view comes, whatever order the news comes
// in; without the view for 5 s, the end as for any call, saying where it went. The banner
// is never shown for the meeting the app is in (or moving into), and History says which
// calls became meetings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, BOB, call, CAROL, DAN, ME, meeting, meetingCall, meetingView, user, USERS } from './fixtures.mjs';
import { bundledLogic, clockNow, engine, finish, invoked, openApp, runFor, setupPerFile, shot, stopClock } from './support.mjs';

const env = setupPerFile();

// The pure rules (the reducer), bundled by esbuild as logic.test.mjs does.
const m = bundledLogic(['reduce', 'state', 'calls']);

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
/** `ms` before now: the real clock's, or in a test that stops it (`stopClock`), the page's. */
const ago = (ms) => new Date(clockNow() - ms).toISOString();
/** Online, but not taking calls. */
const HANA = user(8, 'hana', 'Hana Sato', 'online', { available_for_calls: false });
const TEAM = [...USERS, HANA];
/** Call 70: me with Bob, 1:23 in. */
const active = (extra = {}) => call(70, ME, BOB, 'active', { started_at: ago(83_000), ...extra });
const inCall = (c = active()) => appState({ active_call: c, media: CONNECTED, users: TEAM });
/** The meeting call 70 grows into (add_to_call's answer), hosted by me. */
const GREW = meeting(90, 'Alice Martin, Bob Stone and Carol Diaz', ME, [ME, BOB, CAROL], 'ongoing');
/** The view of it the shell sends once in it. */
const IN_GREW = () => meetingView(GREW, { peers: { [BOB.id]: { state: 'connected', level: 0.2 }, [CAROL.id]: { state: 'connecting' } } });
/** Call 70 as the server ends it: it became meeting 90. */
const ESCALATED = call(70, ME, BOB, 'completed', { escalated_to_meeting: 90 });
const MOVED_MEDIA = { state: 'ended', reason: 'remote', message: 'The call moved to a meeting.' };
const BUSY = 'Carol Diaz is busy.';

const card = (page) => page.locator('.call-card');
const callRegion = (page) => page.getByRole('region', { name: 'Call with Bob Stone' });
const addBtn = (page) => callRegion(page).getByRole('button', { name: 'Add someone', exact: true });
const addBtnAny = (page) => page.locator('.call-card .add-btn');
const dialog = (page) => page.getByRole('dialog', { name: 'Add someone to this call' });
const search = (page) => dialog(page).getByRole('searchbox', { name: 'Search colleagues' });
const row = (page, id) => page.locator(`.add-person[data-user-id="${id}"]`);
const shownIds = (page) => page.locator('.add-person').evaluateAll((bs) => bs.map((b) => Number(b.dataset.userId)));
const focusedRow = () => document.activeElement?.closest('.add-person')?.dataset.userId ?? document.activeElement?.textContent;
const asked = async (page) => (await invoked(page, 'add_to_call')).map((c) => c.args);
const isOpen = (page) => page.locator('.add-backdrop').evaluate((e) => !e.hidden);
const meetingCard = (page) => page.getByRole('region', { name: `Meeting: ${GREW.title}` });
const afterCall = (page) => page.locator('.after-call');
const mode = (page) => card(page).getAttribute('data-mode');
/** The call card's live regions' words, as said. */
const said = (page) => page.locator('.call-card > [role="status"].sr-only').evaluateAll((ps) => ps.map((p) => p.textContent).filter(Boolean));

async function openDialog(page) {
  await addBtn(page).click();
  await dialog(page).waitFor();
}

test('add to call logic: the call that grew into a meeting ends into it in any order; the banner stays away; 5 s without it, the usual end', () => {
  const now = 1_000_000;
  const start = (patch = {}) => {
    let s = m.withAppState(m.initialState(), appState({ active_call: active(), media: CONNECTED, users: TEAM, ...patch }), now);
    return { ...s, callStartedAt: now - 83_000 };
  };

  // I added Carol: the answer first, then the call's end, its media's, and the meeting.
  let s = m.addedToCall(start(), 70, GREW, 'Carol Diaz');
  assert.deepEqual(s.moving, { callId: 70, meetingId: 90, added: 'Carol Diaz', withName: 'Bob Stone', endedAt: null, fallback: null });
  s = m.applyEvent(s, { type: 'call_updated', call: ESCALATED }, now + 100);
  assert.equal(s.app.active_call, null);
  assert.equal(s.outcome, null, 'no "Call ended"');
  assert.equal(s.afterCall, null, 'no after-call panel');
  assert.equal(s.moving.added, 'Carol Diaz');
  assert.equal(s.moving.endedAt, now + 100);
  assert.equal(s.moving.fallback.outcome.text, 'Call ended — 1:23');
  assert.equal(s.moving.fallback.outcome.movedTo, 90);
  assert.equal(s.moving.fallback.afterCall.withName, 'Bob Stone');
  s = m.applyEvent(s, { type: 'media', call_id: 70, media: MOVED_MEDIA }, now + 120);
  assert.equal(s.outcome, null);
  const view = IN_GREW();
  s = m.applyEvent(s, { type: 'meeting', meeting: view }, now + 400);
  assert.equal(s.moving, null);
  assert.equal(s.app.meeting, view);
  assert.equal(s.outcome, null);
  assert.equal(s.afterCall, null);
  // Too late for the fallback: nothing happens.
  assert.equal(m.meetingDidNotCome(s, 70), s);

  // The other side (Bob added someone): the media first, then the call, then the meeting.
  s = start();
  s = m.applyEvent(s, { type: 'media', call_id: 70, media: MOVED_MEDIA }, now);
  s = m.applyEvent(s, { type: 'call_updated', call: ESCALATED }, now + 50);
  assert.equal(s.moving.added, null);
  assert.equal(s.moving.meetingId, 90);
  assert.equal(s.moving.fallback.outcome.text, 'Call ended — 1:23', 'not "Bob Stone hung up."');
  s = m.applyEvent(s, { type: 'meeting', meeting: view }, now + 300);
  assert.equal(s.moving, null);
  assert.equal(s.outcome, null);

  // The meeting's view first (the call still on), then the call's end: nothing to say.
  s = start();
  s = m.applyEvent(s, { type: 'meeting', meeting: view }, now);
  s = m.applyEvent(s, { type: 'call_updated', call: ESCALATED }, now + 50);
  assert.equal(s.moving, null);
  assert.equal(s.outcome, null);
  assert.equal(s.afterCall, null);
  assert.equal(s.app.meeting, view);
  // add_to_call's answer after all that: the meeting listed, nothing more.
  assert.equal(m.addedToCall(s, 70, GREW, 'Carol Diaz').moving, null);

  // The call's end before add_to_call's answer: the answer names whom I added.
  s = m.applyEvent(start(), { type: 'call_updated', call: ESCALATED }, now);
  s = m.addedToCall(s, 70, GREW, 'Carol Diaz');
  assert.equal(s.moving.added, 'Carol Diaz');
  assert.equal(s.moving.endedAt, now);

  // No view within the wait: the end as for any call, and where it went.
  s = m.meetingDidNotCome(s, 70);
  assert.equal(s.moving, null);
  assert.deepEqual(s.outcome, { callId: 70, kind: 'ended', text: 'Call ended — 1:23', movedTo: 90 });
  assert.equal(s.afterCall.callId, 70);
  // The view, late: the sentence goes (the meeting card says it all); the panel stays.
  s = m.applyEvent(s, { type: 'meeting', meeting: view }, now + 9000);
  assert.equal(s.outcome, null);
  assert.equal(s.afterCall.callId, 70);
  // A call end copy without the field, after add_to_call's answer, still moves it.
  s = m.addedToCall(start(), 70, GREW, 'Carol Diaz');
  s = m.applyEvent(s, { type: 'call_updated', call: call(70, ME, BOB, 'completed') }, now);
  assert.equal(s.moving.meetingId, 90);
  assert.equal(s.outcome, null);
  // The answer while the call stays on, and no news after it: only the line goes.
  s = m.meetingDidNotCome(m.addedToCall(start(), 70, GREW, 'Carol Diaz'), 70);
  assert.equal(s.moving, null);
  assert.equal(s.app.active_call.id, 70);

  // The banner: not for the meeting I am in, nor the one my call is moving into; a banner
  // shown goes when the app gets into it.
  const started = (mt) => ({ type: 'meeting_started', meeting: mt, call: meetingCall(600, mt.id, BOB) });
  s = m.applyEvent(start({ meeting: null }), { type: 'call_updated', call: ESCALATED }, now);
  s = m.applyEvent(s, started(GREW), now);
  assert.equal(s.meetingStarted, null, 'moving into it');
  s = m.applyEvent(s, { type: 'meeting', meeting: view }, now);
  s = m.applyEvent(s, started(GREW), now);
  assert.equal(s.meetingStarted, null, 'in it');
  const OTHER = meeting(91, 'Retro', BOB, [ME, DAN], 'ongoing');
  s = m.applyEvent(m.withAppState(m.initialState(), appState(), now), started(OTHER), now);
  assert.equal(s.meetingStarted.meeting.id, 91);
  s = m.applyEvent(s, { type: 'meeting', meeting: meetingView(OTHER) }, now);
  assert.equal(s.meetingStarted, null);
});

test('add to call: the button is in the call’s controls after Transfer, before End call, for a call in progress only', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ active_call: call(70, ME, BOB, 'ringing'), users: TEAM }) } } });
  await page.getByRole('region', { name: 'Calling Bob Stone' }).waitFor();
  assert.equal(await addBtnAny(page).isVisible(), false, 'not while it rings');

  await engine(page, { type: 'call_updated', call: active() });
  await addBtn(page).waitFor();
  const labels = await card(page).locator('.call-controls > .btn .label').allInnerTexts();
  assert.deepEqual(labels, ['Mute', 'Turn camera on', 'Share screen', 'Hold', 'Transfer', 'Add someone', 'End call']);
  assert.equal(await addBtn(page).getAttribute('aria-haspopup'), 'dialog');
  assert.equal(await addBtn(page).locator('svg.icon').count(), 1);

  // Ended: gone with the rest of the controls.
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  await page.locator('.call-outcome', { hasText: 'Call ended' }).waitFor();
  assert.equal(await addBtnAny(page).isVisible(), false);
  await finish(page);
});

test('add to call: the dialog offers the colleagues but me and them; who cannot take a call is shown, not choosable, with why', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall() } } });
  await openDialog(page);
  assert.ok(await search(page).evaluate((e) => e === document.activeElement), 'the search box has focus');
  assert.match(await dialog(page).locator('.modal-text').textContent(), /Your call with Bob Stone becomes a meeting of the three of you\./);
  // Not me (1), not Bob (2); who can join first.
  assert.deepEqual(await shownIds(page), [3, 4, 8, 5, 6, 7]);
  assert.equal(await dialog(page).getByRole('status').first().textContent(), '6 colleagues, 2 can join now');
  await dialog(page).getByRole('button', { name: 'Carol Diaz, Online', exact: true }).waitFor();
  assert.equal(await row(page, 3).getAttribute('aria-disabled'), null);
  assert.equal(await row(page, 4).getAttribute('aria-disabled'), null);
  const why = { 8: 'Hana Sato is not taking calls.', 5: 'Erin Walsh is in a call.', 6: 'Farid Haddad does not want to be disturbed.', 7: 'Grace Lee is offline.' };
  for (const [id, sentence] of Object.entries(why)) {
    const r = row(page, id);
    assert.equal(await r.getAttribute('aria-disabled'), 'true', `row ${id}`);
    assert.equal(await r.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent), sentence);
    assert.equal(await r.getAttribute('title'), sentence);
  }
  await row(page, 5).click({ force: true });
  await row(page, 7).click({ force: true });
  await page.waitForTimeout(100);
  assert.deepEqual(await asked(page), [], 'not asked');
  assert.ok(await isOpen(page));
  assert.ok(await page.locator('.people .search').evaluate((e) => !!e.closest('[inert]')), 'the window behind is inert');
  // The transfer dialog is another one, untouched.
  assert.equal(await page.locator('.transfer-backdrop').evaluate((e) => e.hidden), true);
  await search(page).fill('bob');
  assert.deepEqual(await shownIds(page), [], 'the other party is never there');
  await finish(page);
});

test('add to call: by keyboard only; Escape closes it, back on Add someone; Tab stays inside', async () => {
  // The page's clock stands still: add_to_call's answer comes when the test runs it on.
  const page = await openApp(env, { now: stopClock(), paused: true, responses: { app_state: { ok: inCall() }, add_to_call: { ok: GREW, delayMs: 400 } } });
  await addBtn(page).focus();
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await page.keyboard.press('Escape');
  assert.equal(await isOpen(page), false);
  assert.ok(await addBtn(page).evaluate((b) => b === document.activeElement), 'back on Add someone');

  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(focusedRow), '3');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(focusedRow), 'CancelEsc');
  await page.keyboard.press('Tab');
  assert.ok(await search(page).evaluate((e) => e === document.activeElement), 'round to the search box');
  await page.keyboard.type('dan');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(focusedRow), '4');
  await page.keyboard.press('Enter');
  await until(page, () => document.querySelector('.add-person[data-user-id="4"]')?.getAttribute('aria-busy') === 'true');
  assert.equal(await row(page, 4).locator('.add-why').textContent(), 'Adding…');
  await dialog(page).getByRole('status').filter({ hasText: 'Adding Dan Okafor…' }).waitFor();
  await page.keyboard.press('Escape');
  assert.ok(await isOpen(page), 'Escape waits while the shell works');
  // It went: closed, back on Add someone (off now: the call is moving).
  await runFor(page, 400);
  await until(page, () => document.querySelector('.add-backdrop').hidden);
  assert.deepEqual(await asked(page), [{ userId: 4 }]);
  await until(page, () => document.activeElement?.classList.contains('add-btn'));
  assert.equal(await addBtn(page).getAttribute('aria-disabled'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(100);
  assert.equal(await isOpen(page), false, 'not again while the call moves');
  await finish(page);
});

test('add to call: a refusal is said in the dialog, which stays open; the call goes on; tried again, it goes', async () => {
  // The page's clock stands still: each answer comes when the test runs it on.
  const page = await openApp(env, {
    now: stopClock(),
    paused: true,
    responses: { app_state: { ok: inCall() }, add_to_call: [{ err: BUSY, delayMs: 300 }, { ok: GREW, delayMs: 300 }] },
  });
  await openDialog(page);
  await row(page, 3).click();
  // Working: the button says so (behind the dialog), the row too.
  await until(page, () => document.querySelector('.call-card .add-btn .label')?.textContent === 'Adding…');
  assert.equal(await addBtnAny(page).getAttribute('aria-busy'), 'true');
  assert.ok(await dialog(page).getByRole('button', { name: 'Cancel' }).isDisabled());
  await runFor(page, 300);
  const alert = dialog(page).getByRole('alert').filter({ hasText: BUSY });
  await alert.waitFor();
  assert.ok(await isOpen(page), 'still open');
  assert.equal(await page.evaluate(focusedRow), '3', 'focus stays on the row');
  assert.equal(await row(page, 3).getAttribute('aria-disabled'), null, 'choosable again');
  assert.equal(await addBtnAny(page).locator('.label').textContent(), 'Add someone');
  assert.equal(await mode(page), 'active', 'the call goes on');
  assert.equal(await page.locator('.call-adding').isVisible(), false);

  await page.keyboard.press('Enter');
  await until(page, () => document.querySelector('.call-card .add-btn .label')?.textContent === 'Adding…');
  await runFor(page, 300);
  await until(page, () => document.querySelector('.add-backdrop').hidden);
  assert.deepEqual(await asked(page), [{ userId: 3 }, { userId: 3 }]);
  await page.locator('.call-adding', { hasText: 'Adding Carol Diaz: moving to a meeting…' }).waitFor();
  await finish(page);
});

test('add to call: success: the card says it moves; the call’s end, its media and the meeting: no after-call panel, the meeting card', async () => {
  const page = await openApp(env, { now: Date.now(), responses: { app_state: { ok: inCall() }, add_to_call: { ok: GREW } } });
  await openDialog(page);
  await row(page, 3).click();
  await until(page, () => document.querySelector('.add-backdrop').hidden);
  const line = page.locator('.call-adding');
  await line.waitFor();
  assert.equal(await line.textContent(), 'Adding Carol Diaz: moving to a meeting…');
  assert.equal(await mode(page), 'active');
  assert.deepEqual(await said(page), ['Adding Carol Diaz: moving to a meeting…']);

  // The server ended the call into the meeting; then its media; the card says it moves.
  await engine(page, { type: 'call_updated', call: ESCALATED });
  await until(page, () => document.querySelector('.call-card').dataset.mode === 'moving');
  await engine(page, { type: 'media', call_id: 70, media: MOVED_MEDIA });
  const moving = page.locator('.call-moving');
  assert.ok(await moving.isVisible());
  assert.equal(await moving.locator('.call-title').textContent(), 'Moving to a meeting…');
  assert.equal(await moving.locator('.call-sub').textContent(), 'You added Carol Diaz to your call with Bob Stone.');
  assert.deepEqual(await said(page), ['Adding Carol Diaz: moving to a meeting…'], 'said once, as it was');
  assert.equal(await page.locator('.call-outcome').isVisible(), false, 'no "Call ended"');
  assert.equal(await afterCall(page).isVisible(), false, 'no after-call panel');

  // The meeting: its card, the call card gone, still no panel, focus on its Mute.
  await engine(page, { type: 'meeting', meeting: IN_GREW() });
  await meetingCard(page).waitFor();
  await until(page, () => document.querySelector('.call-card').hidden);
  await until(page, () => document.activeElement?.matches('.meeting-card .meeting-mute'));
  assert.equal(await meetingCard(page).locator('.meeting-host-note').textContent(), 'You host it');
  // Long after: the wait for the meeting does not end it on screen.
  await page.clock.fastForward(6000);
  await page.waitForTimeout(100);
  assert.equal(await afterCall(page).isVisible(), false);
  assert.equal(await page.locator('.call-card').isVisible(), false);
  assert.ok(await meetingCard(page).isVisible());
  await finish(page);
});

test('add to call: the other side (Bob added someone): the media’s end first, then the call’s, then the meeting; no banner for it', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ active_call: call(70, BOB, ME, 'active', { started_at: ago(83_000) }), media: CONNECTED, users: TEAM }) } } });
  await callRegion(page).getByRole('button', { name: 'Mute', exact: true }).focus();
  await engine(page, { type: 'media', call_id: 70, media: MOVED_MEDIA });
  await until(page, () => document.querySelector('.call-sub .media-state')?.textContent === 'The call moved to a meeting');
  const bobs = meeting(90, 'Bob Stone, Alice Martin and Carol Diaz', BOB, [BOB, ME, CAROL], 'ongoing');
  await engine(page, { type: 'call_updated', call: call(70, BOB, ME, 'completed', { escalated_to_meeting: 90 }) });
  await until(page, () => document.querySelector('.call-card').dataset.mode === 'moving');
  assert.equal(await page.locator('.call-moving .call-sub').textContent(), 'Your call with Bob Stone became a meeting.');
  assert.equal(await page.locator('.call-moving .call-title').textContent(), 'Moving to a meeting…');
  // Calling anyone waits for the meeting (the shell is joining it).
  assert.ok(await page.getByRole('button', { name: 'Call Carol Diaz', exact: true }).isDisabled());
  assert.deepEqual(await said(page), ['Your call with Bob Stone is moving to a meeting…']);
  // Were the server to tell me it started, no banner: the app joins it by itself.
  await engine(page, { type: 'meeting_started', meeting: bobs, call: meetingCall(600, 90, BOB) });
  await engine(page, { type: 'meeting', meeting: meetingView(bobs) });
  await page.getByRole('region', { name: `Meeting: ${bobs.title}` }).waitFor();
  await engine(page, { type: 'meeting_started', meeting: bobs, call: meetingCall(600, 90, BOB) });
  await page.waitForTimeout(100);
  assert.equal(await page.locator('.banner-meeting').isVisible(), false);
  assert.equal(await afterCall(page).isVisible(), false);
  assert.equal(await page.locator('.call-card').isVisible(), false);
  await until(page, () => document.activeElement?.matches('.meeting-card .meeting-mute'));
  await finish(page);
});

test('add to call: no meeting within 5 s: the after-call panel and the end as for any call, saying the call moved to a meeting', async () => {
  // The page's clock stands still: the 5 s wait runs only as the test runs the clock on.
  const page = await openApp(env, {
    now: stopClock(),
    paused: true,
    responses: { app_state: { ok: inCall() }, add_to_call: { ok: GREW }, meetings: { ok: { count: 1, next: null, previous: null, results: [GREW] } } },
  });
  await openDialog(page);
  await row(page, 3).click();
  await page.locator('.call-adding').waitFor();
  await engine(page, { type: 'call_updated', call: ESCALATED });
  await engine(page, { type: 'media', call_id: 70, media: MOVED_MEDIA });
  await until(page, () => document.querySelector('.call-card').dataset.mode === 'moving');
  await runFor(page, 4999);
  assert.equal(await mode(page), 'moving', 'still waiting at 4.999 s');
  assert.equal(await afterCall(page).isVisible(), false);

  await runFor(page, 1);
  await until(page, () => document.querySelector('.call-card').dataset.mode === 'outcome');
  const outcome = page.locator('.call-outcome');
  assert.equal(await outcome.locator('.outcome-text').textContent(), 'Call ended — 1:23');
  assert.equal(await outcome.locator('.outcome-moved p').textContent(), 'The call moved to a meeting; open Meetings to join it.');
  assert.deepEqual(await said(page), [`${await outcome.locator('.outcome-text').textContent()}. The call moved to a meeting; open Meetings to join it.`]);
  await afterCall(page).getByRole('heading', { name: 'How did the call with Bob Stone go?' }).waitFor();
  await until(page, () => document.activeElement?.textContent === 'Open Meetings');
  // Open Meetings: the tab, where it can be joined.
  await page.keyboard.press('Enter');
  await page.locator('.meeting-row[data-meeting-id="90"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'meetings-title');

  // The meeting came after all: its card; the sentence goes, the panel stays (it may be in use).
  await engine(page, { type: 'meeting', meeting: IN_GREW() });
  await meetingCard(page).waitFor();
  await until(page, () => document.querySelector('.call-card').hidden);
  assert.ok(await afterCall(page).isVisible());
  await finish(page);
});

test('add to call: the meeting-started banner is not shown for the meeting the app is in, and goes when the app gets into it', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ meeting: IN_GREW() }) } } });
  await meetingCard(page).waitFor();
  const banner = page.getByRole('region', { name: 'Meeting started' });
  await engine(page, { type: 'meeting_started', meeting: GREW, call: meetingCall(600, 90, CAROL) });
  await page.waitForTimeout(150);
  assert.equal(await banner.isVisible(), false, 'not for the one I am in');
  // Another one: shown; the app gets into it (the shell, say): it goes.
  await engine(page, { type: 'meeting', meeting: null });
  const retro = meeting(91, 'Retro', BOB, [ME, DAN], 'ongoing');
  await engine(page, { type: 'meeting_started', meeting: retro, call: meetingCall(601, 91, BOB) });
  await banner.waitFor();
  await engine(page, { type: 'meeting', meeting: meetingView(retro) });
  await banner.waitFor({ state: 'hidden' });
  await page.getByRole('region', { name: 'Meeting: Retro' }).waitFor();
  await finish(page);
});

test('add to call: History says which calls became a meeting', async () => {
  const results = [
    call(70, ME, BOB, 'completed', { escalated_to_meeting: 90 }),
    call(69, CAROL, ME, 'completed'),
    call(68, ME, DAN, 'missed'),
  ];
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, call_history: { ok: { count: 3, next: null, previous: null, results } } },
  });
  await page.getByRole('button', { name: 'History' }).click();
  const first = page.locator('tr[data-call-id="70"]');
  await first.waitFor();
  assert.equal(await first.locator('td.status .became-meeting').textContent(), 'Became a meeting');
  assert.match(await first.locator('td.status').textContent(), /^Answered\s*Became a meeting/);
  assert.equal(await page.locator('.became-meeting').count(), 1, 'only that one');
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`add to call: screenshots (${scheme})`, async () => {
    const page = await openApp(env, {
      colorScheme: scheme,
      now: Date.now(),
      responses: {
        app_state: { ok: inCall() },
        add_to_call: [{ err: BUSY }, { ok: GREW, delayMs: 60_000 }],
      },
    });
    await addBtn(page).waitFor();
    await shot(page, 'add-call-controls', { element: callRegion(page).locator('.call-top') });
    await openDialog(page);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await shot(page, 'add-dialog');
    await search(page).fill('car');
    await row(page, 3).click();
    await dialog(page).getByRole('alert').filter({ hasText: BUSY }).waitFor();
    await shot(page, 'add-dialog-refused', { element: dialog(page) });
    await row(page, 3).click();
    await dialog(page).getByRole('status').filter({ hasText: 'Adding Carol Diaz…' }).waitFor();
    await shot(page, 'add-dialog-pending', { element: dialog(page) });
    await finish(page);

    // The moment of moving: the line while the call is on, then the card once it ended.
    const moving = await openApp(env, {
      colorScheme: scheme,
      now: Date.now(),
      responses: {
        app_state: { ok: inCall() },
        add_to_call: { ok: GREW },
        call_history: { ok: { count: 2, next: null, previous: null, results: [ESCALATED, call(69, CAROL, ME, 'completed')] } },
      },
    });
    await openDialog(moving);
    await row(moving, 3).click();
    await moving.locator('.call-adding').waitFor();
    await moving.mouse.move(0, 0);
    await shot(moving, 'add-moving-line', { element: callRegion(moving).locator('.call-top') });
    await engine(moving, { type: 'call_updated', call: ESCALATED });
    await engine(moving, { type: 'media', call_id: 70, media: MOVED_MEDIA });
    await moving.locator('.call-moving').waitFor();
    await shot(moving, 'add-moving-card', { element: card(moving) });
    await shot(moving, 'add-moving-window');
    await moving.clock.fastForward(5200);
    await moving.locator('.outcome-moved').waitFor();
    await shot(moving, 'add-moved-fallback');
    await engine(moving, { type: 'meeting', meeting: IN_GREW() });
    await meetingCard(moving).waitFor();
    await moving.getByRole('button', { name: 'Skip' }).click();
    await shot(moving, 'add-moved-meeting');
    await moving.getByRole('button', { name: 'History' }).click();
    await moving.locator('.became-meeting').waitFor();
    await shot(moving, 'add-history', { element: moving.locator('.history') });
    await finish(moving);

    const narrow = await openApp(env, { colorScheme: scheme, viewport: { width: 440, height: 800 }, responses: { app_state: { ok: inCall() } } });
    await shot(narrow, 'add-call-controls-narrow', { element: narrow.locator('.call-top') });
    await openDialog(narrow);
    await shot(narrow, 'add-dialog-narrow');
    await finish(narrow);
  });
}
