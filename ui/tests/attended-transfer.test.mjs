// Attended transfer: the Transfer dialog's two ways ("Transfer now", the blind transfer as
// before, and "Talk to them first", `consult_call`); while I consult the colleague, the call
// card shows that call (the consultation) under the held call's strip ("Ann Lee — on hold",
// its timer, "Transfer to Cat Diaz" once they answered, "Back to Ann Lee"), with the
// consultation's Hold, Transfer and Add someone off; `complete_transfer` ending both my
// calls ("Ann Lee and Cat Diaz are talking now.", the after-call panel for the call with
// Ann only); `back_to_held`; the consultation ending by itself (the held call waits alone:
// "Resume Ann Lee"); the held party hanging up meanwhile; refusals; the keyboard; news in
// any order (the reducer); and the colleague consulted, put in the call with the caller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, BOB, call, ME, user, USERS } from './fixtures.mjs';
import { bundledLogic, clockNow, engine, finish, invoked, openApp, pushState, respond, runFor, setupPerFile, shot, stopClock } from './support.mjs';

const env = setupPerFile();

// The pure rules (the reducer), bundled by esbuild as logic.test.mjs does.
const m = bundledLogic(['reduce', 'state', 'calls']);

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
/** `ms` before now: the real clock's, or in a test that stops it (`stopClock`), the page's. */
const ago = (ms) => new Date(clockNow() - ms).toISOString();
const ANN = user(9, 'ann', 'Ann Lee', 'online');
const CAT = user(10, 'cat', 'Cat Diaz', 'online');
const TEAM = [...USERS, ANN, CAT];
/** Call 70: Ann called me, 1:35 in; `patch`: on hold, say. */
const withAnn = (status = 'active', patch = {}) => call(70, ANN, ME, status, { started_at: ago(95_000), ...patch });
/** …as I hold it while consulting. */
const annHeld = (patch = {}) => withAnn('active', { on_hold_by: ME.id, on_hold_since: ago(0), ...patch });
const inCall = (c = withAnn()) => appState({ active_call: c, media: CONNECTED, users: TEAM });
/** The consultation: my call to Cat (consult_call's answer, ringing), then answered. */
const toCat = (status = 'pending', patch = {}) =>
  call(71, ME, CAT, status, { started_at: status === 'active' ? ago(0) : null, ...patch });
/** complete_transfer's answer: Ann's call with Cat, under way at once. */
const JOINED = call(72, ANN, CAT, 'active', { transferred_from: 70, started_at: ago(0) });
const TALKING = 'Ann Lee and Cat Diaz are talking now.';
const JOIN_MEDIA = { state: 'ended', reason: 'local', message: TALKING };
const NOT_YET = 'They have not answered yet: wait for them, or go back to the held call.';
const BUSY = 'Cat Diaz is busy.';

const card = (page) => page.locator('.call-card');
const mode = (page) => card(page).getAttribute('data-mode');
const annCard = (page) => page.getByRole('region', { name: 'Call with Ann Lee' });
const transferBtn = (page) => card(page).getByRole('button', { name: 'Transfer', exact: true });
const dialog = (page) => page.getByRole('dialog', { name: 'Transfer Ann Lee to…' });
const search = (page) => dialog(page).getByRole('searchbox', { name: 'Search colleagues' });
const row = (page, id) => page.locator(`.transfer-person[data-user-id="${id}"]`);
const now_ = (page) => dialog(page).getByRole('radio', { name: 'Transfer now' });
const first = (page) => dialog(page).getByRole('radio', { name: 'Talk to them first' });
const isOpen = (page) => page.locator('.transfer-backdrop').evaluate((e) => !e.hidden);
const strip = (page) => page.getByRole('group', { name: 'On hold: Ann Lee' });
const stripEl = (page) => page.locator('.held-strip');
const note = (page) => page.locator('.held-note').textContent();
const holdTimer = (page) => page.locator('.held-timer').textContent();
const joinBtn = (page) => page.locator('.held-join');
const backBtn = (page) => page.locator('.held-back');
const afterCall = (page) => page.locator('.after-call');
const outcomeText = (page) => page.locator('.call-outcome .outcome-text');
const asked = async (page, cmd) => (await invoked(page, cmd)).map((c) => c.args);
const focused = (page) => page.evaluate(() => document.activeElement?.textContent ?? null);
const description = (locator) => locator.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent ?? null);

/** In a call with Ann: Transfer, "Talk to them first", Cat: the consultation rings. */
async function consult(page) {
  await transferBtn(page).click();
  await dialog(page).waitFor();
  await first(page).check();
  await row(page, CAT.id).click();
  await page.getByRole('region', { name: 'Calling Cat Diaz' }).waitFor();
}

/** A page in a call with Ann (the shell answering consult_call with the consultation);
 * `paused`: its clock stands still (see `stopClock`), the fixtures' too. */
function inCallWithAnn(responses = {}, options = {}) {
  const now = options.paused ? stopClock() : Date.now();
  return openApp(env, { now, ...options, responses: { app_state: { ok: inCall() }, consult_call: { ok: toCat() }, ...responses } });
}

test('attended logic: the news of an attended transfer in any order; refused, the ends heard meanwhile count', () => {
  const t = 1_000_000;
  const start = () => {
    const s = m.withAppState(m.initialState(), inCall(), t);
    return { ...s, callStartedAt: t - 95_000 };
  };
  // consult_call's answer: Ann's call held, Cat's current; the held call's timers kept.
  let s = m.consulting(start(), 70, toCat(), t + 1000);
  assert.equal(s.app.held_call.id, 70);
  assert.equal(s.app.active_call.id, 71);
  assert.equal(s.consult.startedAt, t - 95_000);
  assert.equal(s.consult.holdSince, t + 1000);
  assert.deepEqual(s.consult.media, CONNECTED);
  assert.equal(s.callStartedAt, null, 'the consultation is not under way yet');
  // The held call's news updates it; Cat answers.
  s = m.applyEvent(s, { type: 'call_updated', call: annHeld() }, t + 1100);
  assert.equal(s.app.held_call.on_hold_by, ME.id);
  assert.equal(s.app.active_call.id, 71);
  assert.equal(s.incoming, null);
  s = m.applyEvent(s, { type: 'call_updated', call: toCat('active') }, t + 5000);
  assert.equal(s.callStartedAt, t + 5000);
  const talking = s;

  // complete_transfer: the ends and the media first (they wait), then the answer.
  s = m.joinStarts(talking);
  s = m.applyEvent(s, { type: 'call_updated', call: withAnn('completed') }, t + 6000);
  s = m.applyEvent(s, { type: 'call_updated', call: toCat('completed') }, t + 6000);
  s = m.applyEvent(s, { type: 'media', call_id: 71, media: JOIN_MEDIA }, t + 6000);
  s = m.applyEvent(s, { type: 'call_updated', call: JOINED }, t + 6000);
  assert.equal(s.app.active_call.id, 71, 'still on, until the answer');
  assert.equal(s.app.held_call.id, 70);
  assert.equal(s.consult.joining.length, 2);
  s = m.joinedUp(s, JOINED, t + 7000);
  assert.equal(s.app.active_call, null);
  assert.equal(s.app.held_call, null);
  assert.equal(s.consult, null);
  assert.deepEqual(s.outcome, { callId: 70, kind: 'ended', text: `Call ended — 1:42. ${TALKING}` });
  assert.equal(s.afterCall.callId, 70, 'the after-call panel: for the call with Ann');
  assert.equal(s.afterCall.withName, 'Ann Lee');
  // The ends again after it: the held call's refines the time, the consultation's nothing.
  s = m.applyEvent(s, { type: 'call_updated', call: toCat('completed') }, t + 7100);
  s = m.applyEvent(s, { type: 'call_updated', call: withAnn('completed') }, t + 7100);
  assert.equal(s.outcome.text, `Call ended — 1:23. ${TALKING}`);
  assert.equal(s.afterCall.callId, 70);

  // The answer first, the shell's words composed from the call it gave.
  s = m.joinedUp(m.joinStarts(talking), JOINED, t + 7000);
  assert.equal(s.endedMedia.message, TALKING);
  s = m.applyEvent(s, { type: 'media', call_id: 70, media: JOIN_MEDIA }, t + 7100);
  assert.equal(s.outcome.text, `Call ended — 1:42. ${TALKING}`, 'said once');

  // Refused (Ann hung up just then): the ends heard meanwhile are taken as they came.
  s = m.joinStarts(talking);
  s = m.applyEvent(s, { type: 'call_updated', call: withAnn('completed') }, t + 6000);
  assert.equal(s.app.held_call.id, 70);
  s = m.joinRefused(s, t + 6500);
  assert.equal(s.app.held_call, null);
  assert.equal(s.app.active_call.id, 71, 'the consultation goes on, an ordinary call now');
  assert.deepEqual(s.heldGone, { callId: 71, text: 'Ann Lee hung up while on hold.' });
  assert.equal(s.afterCall.callId, 70);
  // It ends: no panel of its own (Ann's waits), the usual end.
  s = m.applyEvent(s, { type: 'call_updated', call: toCat('completed') }, t + 9000);
  assert.equal(s.afterCall.callId, 70);
  assert.equal(s.heldGone, null);
  assert.match(s.outcome.text, /^Call ended/);

  // back_to_held: the consultation's end first, then the answer: Ann's call as it was.
  s = m.applyEvent(talking, { type: 'call_updated', call: toCat('completed') }, t + 8000);
  assert.equal(s.app.active_call, null);
  assert.equal(s.app.held_call.id, 70);
  assert.equal(s.outcome, null, 'no end of its own');
  assert.equal(s.afterCall, null, 'no after-call panel for it');
  assert.equal(s.consult.ended, 'Your call with Cat Diaz ended.');
  s = m.backFromConsult(s, withAnn(), t + 8100);
  assert.equal(s.app.active_call.id, 70);
  assert.equal(s.app.held_call, null);
  assert.equal(s.callStartedAt, t - 95_000);
  assert.equal(s.holdStartedAt, null);
  assert.deepEqual(s.app.media, CONNECTED);
  // The answer first: the consultation's end, after, changes nothing.
  s = m.backFromConsult(talking, withAnn(), t + 8100);
  s = m.applyEvent(s, { type: 'call_updated', call: toCat('completed') }, t + 8200);
  assert.equal(s.app.active_call.id, 70);
  assert.equal(s.outcome, null);
  assert.equal(s.afterCall, null);

  // A window opened during a consultation: the held call's timers from the server.
  s = m.withAppState(m.initialState(), appState({ active_call: toCat('active'), held_call: annHeld({ on_hold_since: new Date(t - 30_000).toISOString() }), users: TEAM }), t);
  assert.equal(s.consult.heldId, 70);
  assert.equal(s.consult.holdSince, t - 30_000);
  // …and an older shell's state, without held_call.
  s = m.withAppState(m.initialState(), inCall(), t);
  assert.equal(s.app.held_call, null);
  assert.equal(s.consult, null);

  // The colleague consulted (me, called by Bob about Ann): the joined call takes the
  // consultation's place, whichever comes first.
  const consulted = () => m.withAppState(m.initialState(), appState({ active_call: call(80, BOB, ME, 'active', { started_at: ago(30_000) }), users: TEAM }), t);
  const joinedHere = call(81, ANN, ME, 'active', { transferred_from: 79, started_at: ago(0) });
  s = m.applyEvent(consulted(), { type: 'call_updated', call: joinedHere }, t);
  assert.equal(s.app.active_call.id, 81);
  s = m.applyEvent(s, { type: 'call_updated', call: call(80, BOB, ME, 'completed') }, t + 10);
  assert.equal(s.app.active_call.id, 81);
  s = m.applyEvent(consulted(), { type: 'call_updated', call: call(80, BOB, ME, 'completed') }, t);
  s = m.applyEvent(s, { type: 'call_updated', call: joinedHere }, t + 10);
  assert.equal(s.app.active_call.id, 81);
  assert.equal(s.outcome, null);
});

test('attended: the dialog offers "Transfer now" (chosen) and "Talk to them first"; talking first asks consult_call, and the choice stays', async () => {
  // The page's clock stands still: consult_call's answer comes when the test runs it on.
  const page = await inCallWithAnn({ consult_call: { ok: toCat(), delayMs: 400 } }, { paused: true });
  await transferBtn(page).click();
  await dialog(page).waitFor();
  assert.ok(await now_(page).isChecked());
  assert.equal(await first(page).isChecked(), false);
  assert.equal(await dialog(page).getByRole('group', { name: 'How to transfer' }).count(), 1);
  assert.equal(await description(now_(page)), 'Their phone rings at once; your call ends');
  assert.equal(await description(first(page)), 'Ann Lee waits on hold while you talk');
  const desc = () => dialog(page).locator('.modal-text').evaluate((p) => p.innerText);
  assert.match(await desc(), /It rings them at once, and your call with Ann Lee ends\.$/);

  await first(page).check();
  assert.ok(await first(page).isChecked());
  assert.equal(await desc(), 'Choose whom to call first. Ann Lee waits on hold; once they answer, put Ann Lee through, or go back.');
  assert.ok(await search(page).isVisible());
  await row(page, CAT.id).click();
  // Pending: said, the choice and the rest off.
  await dialog(page).getByRole('status').filter({ hasText: 'Putting Ann Lee on hold and calling Cat Diaz…' }).waitFor();
  assert.equal(await row(page, CAT.id).locator('.transfer-why').textContent(), 'Calling…');
  assert.ok(await now_(page).isDisabled());
  assert.ok(await first(page).isDisabled());
  // It went: the dialog closes, the consultation rings.
  await runFor(page, 400);
  await until(page, () => document.querySelector('.transfer-backdrop').hidden);
  assert.deepEqual(await asked(page, 'consult_call'), [{ userId: CAT.id }]);
  assert.deepEqual(await asked(page, 'transfer_call'), []);
  await page.getByRole('region', { name: 'Calling Cat Diaz' }).waitFor();
  assert.equal(await mode(page), 'ringing');
  await until(page, () => document.activeElement?.textContent === 'Cancel');

  // Back to Ann, and Transfer again: "Talk to them first" is still the choice.
  await respond(page, 'back_to_held', { ok: withAnn() });
  await backBtn(page).click();
  await annCard(page).waitFor();
  await transferBtn(page).click();
  await dialog(page).waitFor();
  assert.ok(await first(page).isChecked());
  // Back to "Transfer now": the blind transfer, as before.
  await respond(page, 'transfer_call', { ok: call(73, ANN, CAT, 'pending', { transferred_from: 70 }) });
  await now_(page).check();
  await row(page, CAT.id).click();
  await outcomeText(page).filter({ hasText: 'Transferred to Cat Diaz.' }).waitFor();
  assert.deepEqual(await asked(page, 'transfer_call'), [{ userId: CAT.id }]);
  assert.equal((await asked(page, 'consult_call')).length, 1);
  await finish(page);
});

test('attended: while it rings, the held strip with a running timer; "Transfer to Cat Diaz" waits for them; answered, it can be pressed; Hold, Transfer, Add someone are off, saying why', async () => {
  const page = await inCallWithAnn({}, { paused: true });
  await consult(page);
  await strip(page).waitFor();
  assert.equal(await stripEl(page).getAttribute('data-state'), 'ringing');
  assert.equal(await page.locator('.held-head').evaluate((p) => p.innerText.replace(/\s+/g, ' ').trim()), 'Ann Lee — on hold 0:00');
  assert.equal(await note(page), 'Waiting for Cat Diaz to answer…');
  // Above the consultation, in the card.
  const above = await page.evaluate(() => {
    const s = document.querySelector('.held-strip').getBoundingClientRect();
    const r = document.querySelector('.call-ringing').getBoundingClientRect();
    return s.bottom <= r.top;
  });
  assert.ok(above, 'the strip is above the consultation');
  await page.getByRole('heading', { name: 'Calling Cat Diaz…' }).waitFor();

  // Transfer to Cat Diaz: not yet, and says why.
  const join = strip(page).getByRole('button', { name: 'Transfer to Cat Diaz' });
  assert.equal(await join.getAttribute('aria-disabled'), 'true');
  assert.equal(await join.getAttribute('title'), 'Cat Diaz has not answered yet');
  assert.equal(await description(join), 'Waiting for Cat Diaz to answer…');
  await join.click({ force: true });
  await strip(page).getByRole('button', { name: 'Back to Ann Lee' }).waitFor();

  // The hold timer runs.
  await runFor(page, 65_000);
  assert.equal(await holdTimer(page), '1:05');
  assert.equal(await page.locator('.held-timer').getAttribute('aria-label'), 'On hold for 1 minute 5 seconds');

  // The shell's news: Ann's call held, then Cat's ringing, then answered.
  await engine(page, { type: 'call_updated', call: annHeld() });
  await engine(page, { type: 'call_updated', call: toCat('ringing') });
  assert.equal(await mode(page), 'ringing');
  assert.equal(await page.getByRole('alertdialog').count(), 0, 'not taken for a call to me');
  await engine(page, { type: 'call_updated', call: toCat('active') });
  const cat = page.getByRole('region', { name: 'Call with Cat Diaz' });
  await cat.waitFor();
  assert.equal(await stripEl(page).getAttribute('data-state'), 'talking');
  assert.equal(await note(page), 'You are talking to Cat Diaz. Ann Lee hears a soft beep.');
  assert.equal(await join.getAttribute('aria-disabled'), null);
  assert.equal(await join.getAttribute('title'), null);
  assert.equal(await holdTimer(page), '1:05', 'the same hold goes on');
  assert.equal(await card(page).getAttribute('data-consult'), '');
  // The consultation's own controls: Mute and End call as usual; Hold, Transfer and Add
  // someone off, saying why.
  assert.equal(await cat.getByRole('button', { name: 'Mute', exact: true }).getAttribute('aria-disabled'), null);
  assert.ok(await cat.getByRole('button', { name: 'End call' }).isEnabled());
  const why = 'One transfer at a time: first put Ann Lee through, or go back to them.';
  for (const name of ['Hold', 'Transfer', 'Add someone']) {
    const b = cat.getByRole('button', { name, exact: true });
    assert.equal(await b.getAttribute('aria-disabled'), 'true', name);
    assert.equal(await b.getAttribute('title'), why, name);
    assert.equal(await description(b), why, name);
  }
  await cat.getByRole('button', { name: 'Transfer', exact: true }).click({ force: true });
  await cat.getByRole('button', { name: 'Add someone', exact: true }).click({ force: true });
  await cat.getByRole('button', { name: 'Hold', exact: true }).click({ force: true });
  await page.waitForTimeout(100);
  assert.equal(await isOpen(page), false, 'no transfer dialog');
  assert.equal(await page.locator('.add-backdrop').evaluate((e) => e.hidden), true, 'no add dialog');
  assert.deepEqual(await asked(page, 'hold_call'), []);
  // The consultation's own timer, from its answer.
  const catTimer = () => cat.locator('.call-sub .timer').textContent();
  assert.equal(await catTimer(), '0:00');
  await runFor(page, 4000);
  assert.equal(await catTimer(), '0:04');
  assert.equal(await holdTimer(page), '1:09');
  await finish(page);
});

test('attended: "Transfer to Cat Diaz": working, then both my calls end; the card says "Ann Lee and Cat Diaz are talking now."; the after-call panel is for Ann’s call', async () => {
  // The page's clock stands still: complete_transfer's answer comes when the test runs it on.
  const page = await inCallWithAnn({ complete_transfer: { ok: JOINED, delayMs: 500 } }, { paused: true });
  await consult(page);
  await engine(page, { type: 'call_updated', call: toCat('active') });
  const join = strip(page).getByRole('button', { name: 'Transfer to Cat Diaz' });
  await join.click();
  await strip(page).getByRole('button', { name: 'Transferring…' }).waitFor();
  assert.equal(await joinBtn(page).getAttribute('aria-busy'), 'true');
  assert.equal(await backBtn(page).getAttribute('aria-disabled'), 'true');
  assert.equal(await note(page), 'Putting Ann Lee through to Cat Diaz…');
  await joinBtn(page).click({ force: true });
  assert.equal((await invoked(page, 'complete_transfer')).length, 1, 'asked once');

  await runFor(page, 500);
  await outcomeText(page).waitFor();
  // 1:35 in when asked, and the answer half a second later: 95.5 s, rounded.
  assert.equal(await outcomeText(page).textContent(), 'Call ended — 1:36. Ann Lee and Cat Diaz are talking now.');
  assert.equal(await mode(page), 'outcome');
  assert.equal(await stripEl(page).isVisible(), false);
  await until(page, () => document.activeElement?.textContent === 'Dismiss');
  await afterCall(page).getByRole('heading', { name: 'How did the call with Ann Lee go?' }).waitFor();

  // The shell's news, after: the ends, their media, and the call between them (not mine).
  await engine(page, { type: 'call_updated', call: withAnn('completed') });
  await engine(page, { type: 'call_updated', call: toCat('completed') });
  await engine(page, { type: 'media', call_id: 70, media: JOIN_MEDIA });
  await engine(page, { type: 'media', call_id: 71, media: JOIN_MEDIA });
  await engine(page, { type: 'call_updated', call: JOINED });
  await until(page, (t) => document.querySelector('.outcome-text').textContent === `Call ended — 1:23. ${t}`, TALKING);
  assert.equal(await mode(page), 'outcome');
  assert.equal(await afterCall(page).locator('h2').textContent(), 'How did the call with Ann Lee go?');
  assert.equal(await page.locator('[role="status"].sr-only').filter({ hasText: TALKING }).count(), 1, 'said once');
  // Dismissed: the usual idle window.
  await card(page).getByRole('button', { name: 'Dismiss' }).click();
  assert.equal(await mode(page), 'none');
  assert.equal(await card(page).isVisible(), false);
  await finish(page);
});

test('attended: the ends heard before complete_transfer’s answer wait for it; its media’s words are the ones said', async () => {
  // The page's clock stands still: complete_transfer's answer comes when the test runs it on.
  const page = await inCallWithAnn({ complete_transfer: { ok: JOINED, delayMs: 700 } }, { paused: true });
  await consult(page);
  await engine(page, { type: 'call_updated', call: toCat('active') });
  await strip(page).getByRole('button', { name: 'Transfer to Cat Diaz' }).click();
  await until(page, () => window.__test.calls('complete_transfer').length === 1);
  const words = 'Ann and Cat are talking now.';
  await engine(page, { type: 'call_updated', call: withAnn('completed') });
  await engine(page, { type: 'call_updated', call: toCat('completed') });
  await engine(page, { type: 'media', call_id: 71, media: { ...JOIN_MEDIA, message: words } });
  await page.waitForTimeout(100);
  assert.equal(await mode(page), 'active', 'not "Ann Lee hung up", nor the consultation’s end');
  assert.equal(await stripEl(page).getAttribute('data-state'), 'talking');
  await runFor(page, 700);
  await outcomeText(page).waitFor();
  // 1:35 in when asked, and the answer 0.7 s later: 95.7 s, rounded.
  assert.equal(await outcomeText(page).textContent(), `Call ended — 1:36. ${words}`);
  assert.equal(await afterCall(page).locator('h2').textContent(), 'How did the call with Ann Lee go?');
  await finish(page);
});

test('attended: "Back to Ann Lee": the consultation ends, the strip goes, Ann’s call is current again, not on hold, with its timer and mute', async () => {
  // The page's clock stands still: back_to_held's answer comes when the test runs it on.
  const page = await inCallWithAnn({ back_to_held: { ok: withAnn(), delayMs: 400 } }, { paused: true });
  // Muted with Ann before: the consultation starts unmuted, and Ann’s call is given back muted.
  await annCard(page).getByRole('button', { name: 'Mute', exact: true }).click();
  await annCard(page).getByRole('button', { name: 'Unmute', exact: true }).waitFor();
  await consult(page);
  await engine(page, { type: 'call_updated', call: annHeld() });
  await engine(page, { type: 'call_updated', call: toCat('active') });
  const cat = page.getByRole('region', { name: 'Call with Cat Diaz' });
  await cat.getByRole('button', { name: 'Mute', exact: true }).waitFor();
  await runFor(page, 20_000);

  await strip(page).getByRole('button', { name: 'Back to Ann Lee' }).click();
  await strip(page).getByRole('button', { name: 'Going back…' }).waitFor();
  assert.equal(await joinBtn(page).getAttribute('aria-disabled'), 'true');
  await runFor(page, 400);
  await annCard(page).waitFor();
  assert.equal(await stripEl(page).isVisible(), false);
  assert.equal(await mode(page), 'active');
  assert.equal(await card(page).getAttribute('data-held'), null, 'not on hold');
  assert.equal(await card(page).getAttribute('data-consult'), null);
  const hold = annCard(page).getByRole('button', { name: 'Hold', exact: true });
  assert.equal(await hold.getAttribute('aria-pressed'), 'false');
  assert.equal(await hold.getAttribute('aria-disabled'), null);
  assert.equal(await annCard(page).getByRole('button', { name: 'Transfer', exact: true }).getAttribute('aria-disabled'), null);
  assert.equal(await page.locator('.call-sub .media-state').textContent(), 'Connected');
  await annCard(page).getByRole('button', { name: 'Unmute', exact: true }).waitFor();
  // Ann's call time: 1:35 before, and 20.4 s more.
  assert.equal(await annCard(page).locator('.call-sub .timer').textContent(), '1:55');
  await until(page, () => document.activeElement?.classList.contains('mute'));
  // The consultation's end, after: nothing changes; no after-call panel for it.
  await engine(page, { type: 'call_updated', call: toCat('completed') });
  await engine(page, { type: 'media', call_id: 71, media: { state: 'ended', reason: 'local', message: null } });
  await page.waitForTimeout(100);
  assert.equal(await mode(page), 'active');
  assert.equal(await afterCall(page).isVisible(), false);
  assert.equal(await page.evaluate(() => window.__test.calls('set_muted').length), 1, 'mute untouched');
  await finish(page);
});

test('attended: End call on the consultation: Ann waits alone, on hold, "Resume Ann Lee"; Cat declining says so; Resume takes Ann back', async () => {
  const page = await inCallWithAnn({ back_to_held: { ok: withAnn() } }, { paused: true });
  await consult(page);
  await engine(page, { type: 'call_updated', call: toCat('active') });
  await page.getByRole('region', { name: 'Call with Cat Diaz' }).getByRole('button', { name: 'End call' }).click();
  const held = page.getByRole('region', { name: 'Call with Ann Lee, on hold' });
  await held.waitFor();
  assert.equal(await mode(page), 'held');
  assert.equal(await stripEl(page).getAttribute('data-state'), 'alone');
  assert.equal(await note(page), 'Your call with Cat Diaz ended. Ann Lee is still on hold.');
  assert.equal(await joinBtn(page).isVisible(), false);
  const resume = held.getByRole('button', { name: 'Resume Ann Lee' });
  await until(page, () => document.activeElement?.textContent === 'Resume Ann Lee');
  assert.equal(await page.locator('.call-outcome').isVisible(), false, 'no end of its own');
  assert.equal(await afterCall(page).isVisible(), false, 'no after-call panel for it');
  assert.deepEqual(await asked(page, 'back_to_held'), [], 'the held call stays on hold');
  // The timer goes on; calling someone else waits.
  assert.equal(await holdTimer(page), '0:00');
  await runFor(page, 3_000);
  assert.equal(await holdTimer(page), '0:03');
  const callCarol = page.locator('.people').getByRole('button', { name: /^Call Carol Diaz/ }).first();
  assert.ok(await callCarol.isDisabled());
  await resume.click();
  await annCard(page).waitFor();
  assert.deepEqual(await asked(page, 'back_to_held'), [{}]);
  assert.equal(await mode(page), 'active');
  await finish(page);

  // Cat declines while it rings; or I cancel it.
  const declined = await inCallWithAnn();
  await consult(declined);
  await engine(declined, { type: 'call_updated', call: toCat('rejected') });
  await declined.getByRole('region', { name: 'Call with Ann Lee, on hold' }).waitFor();
  assert.equal(await note(declined), 'Cat Diaz declined the call. Ann Lee is still on hold.');
  await finish(declined);
  const cancelled = await inCallWithAnn();
  await consult(cancelled);
  await cancelled.getByRole('region', { name: 'Calling Cat Diaz' }).getByRole('button', { name: 'Cancel' }).click();
  await cancelled.getByRole('region', { name: 'Call with Ann Lee, on hold' }).waitFor();
  assert.equal(await note(cancelled), 'You cancelled the call to Cat Diaz. Ann Lee is still on hold.');
  await finish(cancelled);
});

test('attended: Ann hangs up while on hold: the card says so, and the consultation goes on as an ordinary call; alone, the card says it as the call’s end', async () => {
  const page = await inCallWithAnn();
  await consult(page);
  await engine(page, { type: 'call_updated', call: toCat('active') });
  const cat = page.getByRole('region', { name: 'Call with Cat Diaz' });
  await cat.waitFor();
  await engine(page, { type: 'call_updated', call: withAnn('completed') });
  await engine(page, { type: 'media', call_id: 70, media: { state: 'ended', reason: 'remote', message: null } });
  await page.locator('.held-strip[data-state="gone"]').waitFor();
  assert.equal(await note(page), 'Ann Lee hung up while on hold.');
  assert.equal(await joinBtn(page).isVisible(), false);
  assert.equal(await backBtn(page).isVisible(), false);
  assert.equal(await page.locator('.held-timer').isVisible(), false);
  assert.equal(await page.locator('.held-note').getAttribute('role'), 'status', 'said');
  // An ordinary call now: its Hold, Transfer and Add someone work again.
  for (const name of ['Hold', 'Transfer', 'Add someone']) {
    assert.equal(await cat.getByRole('button', { name, exact: true }).getAttribute('aria-disabled'), null, name);
  }
  assert.equal(await afterCall(page).isVisible(), false, 'Ann’s panel waits for the call to end');
  await cat.getByRole('button', { name: 'End call' }).click();
  await outcomeText(page).waitFor();
  assert.match(await outcomeText(page).textContent(), /^Call ended/);
  assert.equal(await stripEl(page).isVisible(), false);
  await afterCall(page).getByRole('heading', { name: 'How did the call with Ann Lee go?' }).waitFor();
  await finish(page);

  // Alone (the consultation over): the card says it.
  const alone = await inCallWithAnn();
  await consult(alone);
  await engine(alone, { type: 'call_updated', call: toCat('missed') });
  await alone.getByRole('region', { name: 'Call with Ann Lee, on hold' }).waitFor();
  assert.equal(await note(alone), 'Cat Diaz did not answer. Ann Lee is still on hold.');
  await engine(alone, { type: 'call_updated', call: withAnn('completed') });
  await outcomeText(alone).filter({ hasText: 'Ann Lee hung up while on hold.' }).waitFor();
  assert.equal(await mode(alone), 'outcome');
  await afterCall(alone).getByRole('heading', { name: 'How did the call with Ann Lee go?' }).waitFor();
  await until(alone, () => document.activeElement?.textContent === 'Dismiss');
  await finish(alone);
});

test('attended: refusals: consult_call’s in the dialog; complete_transfer’s and back_to_held’s on the strip; the calls go on', async () => {
  const page = await inCallWithAnn({
    consult_call: [{ err: BUSY }, { ok: toCat() }],
    complete_transfer: [{ err: NOT_YET }],
    back_to_held: [{ err: 'The held call has ended meanwhile.' }],
  });
  await transferBtn(page).click();
  await first(page).check();
  await row(page, CAT.id).click();
  await dialog(page).getByRole('alert').filter({ hasText: BUSY }).waitFor();
  assert.ok(await isOpen(page), 'still open');
  assert.ok(await first(page).isChecked());
  assert.equal(await first(page).isDisabled(), false);
  // The shell left Ann's call on hold: its update says so, under the dialog.
  await engine(page, { type: 'call_updated', call: annHeld() });
  await page.locator('.call-card[data-held="me"]').waitFor();
  // Changing the choice clears the sentence; tried again, it goes.
  await now_(page).check();
  assert.equal(await dialog(page).locator('.alert').textContent(), '');
  await first(page).check();
  await row(page, CAT.id).click();
  await strip(page).waitFor();

  // Transfer to Cat before the shell heard she answered: refused, said on the strip.
  await engine(page, { type: 'call_updated', call: toCat('active') });
  await strip(page).getByRole('button', { name: 'Transfer to Cat Diaz' }).click();
  await strip(page).getByRole('alert').filter({ hasText: NOT_YET }).waitFor();
  assert.equal(await mode(page), 'active');
  assert.equal(await stripEl(page).getAttribute('data-state'), 'talking');
  assert.equal(await strip(page).getByRole('button', { name: 'Transfer to Cat Diaz' }).getAttribute('aria-disabled'), null, 'can be tried again');
  await strip(page).getByRole('button', { name: 'Back to Ann Lee' }).click();
  await strip(page).getByRole('alert').filter({ hasText: 'The held call has ended meanwhile.' }).waitFor();
  assert.equal(await strip(page).getByRole('alert').count(), 1, 'one sentence at a time');
  await finish(page);
});

test('attended: by keyboard alone: Transfer, "Talk to them first", Cat, then "Transfer to Cat Diaz"', async () => {
  const page = await inCallWithAnn({ complete_transfer: { ok: JOINED } });
  await transferBtn(page).focus();
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  // From the search box back to how to transfer; the arrow keys choose.
  await page.keyboard.press('Shift+Tab');
  assert.ok(await now_(page).evaluate((e) => e === document.activeElement));
  const ring = () => page.locator('.transfer-mode-option[data-mode="first"]').evaluate((l) => getComputedStyle(l).outlineStyle);
  await page.keyboard.press('ArrowRight');
  assert.ok(await first(page).isChecked());
  assert.ok(await first(page).evaluate((e) => e === document.activeElement));
  assert.equal(await ring(), 'solid', 'the focused choice shows it');
  await page.keyboard.press('Tab');
  assert.ok(await search(page).evaluate((e) => e === document.activeElement));
  await page.keyboard.type('cat');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.transfer-person')?.dataset.userId), String(CAT.id));
  await page.keyboard.press('Enter');
  await page.getByRole('region', { name: 'Calling Cat Diaz' }).waitFor();
  assert.deepEqual(await asked(page, 'consult_call'), [{ userId: CAT.id }]);
  await until(page, () => document.activeElement?.textContent === 'Cancel');

  // Cat answers: focus on Mute; back to the strip (above), "Transfer to Cat Diaz".
  await engine(page, { type: 'call_updated', call: toCat('active') });
  await until(page, () => document.activeElement?.classList.contains('mute'));
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Back to Ann Lee');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Transfer to Cat Diaz');
  const shows = await joinBtn(page).evaluate((b) => b.matches(':focus-visible') && getComputedStyle(b).outlineStyle !== 'none');
  assert.ok(shows, 'the focused button shows it');
  await page.keyboard.press('Enter');
  await outcomeText(page).filter({ hasText: TALKING }).waitFor();
  await until(page, () => document.activeElement?.textContent === 'Dismiss');
  await finish(page);
});

test('attended: a window opened during a consultation shows it, the hold timer from the server; alone, too', async () => {
  // The page's clock stands still at the instant the fixtures count from.
  const now = stopClock();
  const since = ago(42_000);
  let page = await openApp(env, {
    now,
    paused: true,
    responses: { app_state: { ok: appState({ active_call: toCat('active'), held_call: annHeld({ on_hold_since: since }), media: CONNECTED, users: TEAM }) } },
  });
  await page.getByRole('region', { name: 'Call with Cat Diaz' }).waitFor();
  await strip(page).waitFor();
  assert.equal(await holdTimer(page), '0:42');
  await runFor(page, 1000);
  assert.equal(await holdTimer(page), '0:43');
  assert.equal(await joinBtn(page).getAttribute('aria-disabled'), null);
  await finish(page);

  page = await openApp(env, { responses: { app_state: { ok: appState({ held_call: annHeld({ on_hold_since: since }), users: TEAM }) } } });
  await page.getByRole('region', { name: 'Call with Ann Lee, on hold' }).waitFor();
  assert.equal(await note(page), 'Your other call ended. Ann Lee is still on hold.');
  // The shell's state without it (the held call taken back elsewhere): gone.
  await pushState(page, inCall());
  await annCard(page).waitFor();
  assert.equal(await stripEl(page).isVisible(), false);
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`attended: screenshots (${scheme})`, async () => {
    // The page's clock stands still: the timers read exact times, and complete_transfer's
    // answer comes when the test runs the clock on.
    const page = await inCallWithAnn({ complete_transfer: { ok: JOINED, delayMs: 300 } }, { colorScheme: scheme, paused: true });
    await transferBtn(page).click();
    await dialog(page).waitFor();
    await shot(page, 'attended-dialog-now', { element: dialog(page) });
    await first(page).check();
    await first(page).focus();
    await shot(page, 'attended-dialog-first');
    await row(page, CAT.id).click();
    await strip(page).waitFor();
    await runFor(page, 12_000);
    assert.equal(await holdTimer(page), '0:12');
    await engine(page, { type: 'call_updated', call: toCat('ringing') });
    await shot(page, 'attended-ringing', { element: card(page) });
    await engine(page, { type: 'call_updated', call: toCat('active') });
    await page.getByRole('region', { name: 'Call with Cat Diaz' }).waitFor();
    await runFor(page, 20_000);
    assert.equal(await holdTimer(page), '0:32');
    await shot(page, 'attended-connected', { element: card(page) });
    await card(page).getByRole('button', { name: 'Transfer', exact: true }).hover({ force: true });
    await shot(page, 'attended-connected-window');
    await joinBtn(page).click();
    await runFor(page, 300);
    await outcomeText(page).filter({ hasText: TALKING }).waitFor();
    await shot(page, 'attended-done', { element: card(page) });
    await shot(page, 'attended-done-window');
    await finish(page);

    const alone = await inCallWithAnn({}, { colorScheme: scheme });
    await consult(alone);
    await engine(alone, { type: 'call_updated', call: toCat('rejected') });
    await alone.getByRole('region', { name: 'Call with Ann Lee, on hold' }).waitFor();
    await shot(alone, 'attended-alone', { element: card(alone) });
    await finish(alone);

    const gone = await inCallWithAnn({}, { colorScheme: scheme });
    await consult(gone);
    await engine(gone, { type: 'call_updated', call: toCat('active') });
    await engine(gone, { type: 'call_updated', call: withAnn('completed') });
    await gone.locator('.held-strip[data-state="gone"]').waitFor();
    await shot(gone, 'attended-held-gone', { element: card(gone) });
    await finish(gone);

    const narrow = await inCallWithAnn({}, { colorScheme: scheme, viewport: { width: 440, height: 820 } });
    await transferBtn(narrow).click();
    await dialog(narrow).waitFor();
    await first(narrow).check();
    await shot(narrow, 'attended-dialog-narrow');
    await row(narrow, CAT.id).click();
    await engine(narrow, { type: 'call_updated', call: toCat('active') });
    await narrow.getByRole('region', { name: 'Call with Cat Diaz' }).waitFor();
    await shot(narrow, 'attended-connected-narrow', { element: card(narrow) });
    await finish(narrow);
  });
}
