// Blind transfer: the call card's Transfer button and its dialog (`transfer_call`): the
// colleagues other than me and the other party with their presence, those who cannot take
// a call now shown but not choosable (with why), search, choosing by click or keyboard,
// the pending state, a refusal said in the dialog, success ending my call with
// "Transferred to …", Escape and Cancel. Then the other side: the caller put through
// to a colleague, whose call card says who put them through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, BOB, call, CAROL, ME, user, USERS } from './fixtures.mjs';
import { engine, finish, invoked, openApp, pushState, setupPerFile, shot } from './support.mjs';

const env = setupPerFile();

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const CONNECTED = { state: 'connected', setup_ms: 380 };
const ago = (ms) => new Date(Date.now() - ms).toISOString();
/** Online, but not taking calls. */
const HANA = user(8, 'hana', 'Hana Sato', 'online', { available_for_calls: false });
const TEAM = [...USERS, HANA];
/** Call 70: me with Bob, 1:23 in. */
const active = (extra = {}) => call(70, ME, BOB, 'active', { started_at: ago(83_000), ...extra });
const inCall = (c = active()) => appState({ active_call: c, media: CONNECTED, users: TEAM });
/** What `transfer_call` answers: Bob's call to Carol, ringing, from call 70. */
const PUT_THROUGH = call(71, BOB, CAROL, 'pending', { transferred_from: 70 });
const BUSY = 'Carol Diaz is busy.';

const card = (page) => page.getByRole('region', { name: 'Call with Bob Stone' });
const transferBtn = (page) => card(page).getByRole('button', { name: 'Transfer', exact: true });
const dialog = (page) => page.getByRole('dialog', { name: 'Transfer Bob Stone to…' });
const search = (page) => dialog(page).getByRole('searchbox', { name: 'Search colleagues' });
const row = (page, id) => page.locator(`.transfer-person[data-user-id="${id}"]`);
/** The rows shown, in order: user ids. */
const shownIds = (page) => page.locator('.transfer-person').evaluateAll((bs) => bs.map((b) => Number(b.dataset.userId)));
const focusedRow = () => document.activeElement?.closest('.transfer-person')?.dataset.userId ?? document.activeElement?.textContent;
const asked = async (page) => (await invoked(page, 'transfer_call')).map((c) => c.args);
const isOpen = (page) => page.locator('.transfer-backdrop').evaluate((e) => !e.hidden);

async function openDialog(page) {
  await transferBtn(page).click();
  await dialog(page).waitFor();
}

test('transfer: the button opens the dialog: the colleagues but me and them, with presence; who cannot take the call is shown, not choosable, with why', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall() } } });
  await transferBtn(page).waitFor();
  assert.equal(await transferBtn(page).getAttribute('aria-haspopup'), 'dialog');
  await openDialog(page);
  assert.ok(await search(page).evaluate((e) => e === document.activeElement), 'the search box has focus');
  assert.match(await dialog(page).locator('.modal-text').textContent(), /your call with Bob Stone ends/);

  // Who can take the call first (by presence, then name), then who cannot; not me (1), not Bob (2).
  assert.deepEqual(await shownIds(page), [3, 4, 8, 5, 6, 7]);
  const presence = await page.locator('.transfer-person').evaluateAll((bs) => bs.map((b) => b.querySelector('.presence').dataset.status));
  assert.deepEqual(presence, ['online', 'away', 'online', 'busy', 'dnd', 'offline']);
  assert.equal(await dialog(page).getByRole('status').first().textContent(), '6 colleagues, 2 can take the call now');

  // Each row is a button named by who and their presence.
  await dialog(page).getByRole('button', { name: 'Carol Diaz, Online', exact: true }).waitFor();
  await dialog(page).getByRole('button', { name: 'Dan Okafor, Away', exact: true }).waitFor();
  assert.equal(await row(page, 3).getAttribute('aria-disabled'), null);
  assert.equal(await row(page, 4).getAttribute('aria-disabled'), null);

  // The others: turned off (still reachable), saying why on the row and as its description.
  const why = { 8: 'Hana Sato is not taking calls.', 5: 'Erin Walsh is in a call.', 6: 'Farid Haddad does not want to be disturbed.', 7: 'Grace Lee is offline.' };
  const short = { 8: 'Not taking calls', 5: 'In a call', 6: 'Can’t take calls now', 7: 'Can’t take calls now' };
  for (const [id, sentence] of Object.entries(why)) {
    const r = row(page, id);
    assert.equal(await r.getAttribute('aria-disabled'), 'true', `row ${id}`);
    const description = await r.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby'))?.textContent);
    assert.equal(description, sentence);
    assert.equal(await r.getAttribute('title'), sentence);
    assert.equal(await r.locator('.transfer-why').textContent(), short[id]);
  }
  await dialog(page).getByRole('button', { name: 'Grace Lee, Offline', exact: true }).waitFor();
  await dialog(page).getByRole('button', { name: 'Farid Haddad, Do not disturb', exact: true }).waitFor();
  // (Forced: Playwright itself waits for an aria-disabled button.)
  await row(page, 5).click({ force: true });
  await row(page, 7).click({ force: true });
  await page.waitForTimeout(100);
  assert.deepEqual(await asked(page), [], 'not asked');
  assert.ok(await isOpen(page));

  // The window behind is inert while it is open.
  const behindInert = () => page.locator('.people .search').evaluate((e) => !!e.closest('[inert]'));
  assert.ok(await behindInert());
  await finish(page);
});

test('transfer: the search filters by name or username as you type', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall() } } });
  await openDialog(page);
  await page.keyboard.type('car');
  assert.deepEqual(await shownIds(page), [3]);
  assert.equal(await dialog(page).getByRole('status').first().textContent(), 'Showing 1 of 6');
  await search(page).fill('hana');
  assert.deepEqual(await shownIds(page), [8], 'by username');
  await search(page).fill('a');
  assert.deepEqual(await shownIds(page), [3, 4, 8, 5, 6, 7]);
  await search(page).fill('bob');
  assert.deepEqual(await shownIds(page), [], 'the other party is never there');
  await dialog(page).getByText('No one matches “bob”.').waitFor();
  assert.equal(await page.locator('.transfer-list').isVisible(), false);
  await search(page).fill('Lee');
  assert.deepEqual(await shownIds(page), [7]);

  // Opened again: the search starts empty.
  await page.keyboard.press('Escape');
  await openDialog(page);
  assert.equal(await search(page).inputValue(), '');
  assert.equal((await shownIds(page)).length, 6);
  await finish(page);
});

test('transfer: choosing a colleague asks transfer_call with their id; the dialog waits, once; success closes it and my call ends "Transferred to …"', async () => {
  // The answer waits long enough for every check of the pending dialog below, on a loaded
  // machine too (800 ms was not: the dialog had closed before Escape was tried).
  const opened = Date.now();
  const page = await openApp(env, { responses: { app_state: { ok: inCall() }, transfer_call: { ok: PUT_THROUGH, delayMs: 2000 } } });
  await openDialog(page);
  await row(page, 3).click();
  await until(page, () => document.querySelector('.transfer-person[data-user-id="3"]').getAttribute('aria-busy') === 'true');
  assert.deepEqual(await asked(page), [{ userId: 3 }]);

  // Pending: said, nothing else choosable, no Cancel, no Escape, focus on the chosen row.
  assert.equal(await row(page, 3).locator('.transfer-why').textContent(), 'Putting through…');
  assert.equal(await dialog(page).getAttribute('aria-busy'), 'true');
  await dialog(page).getByRole('status').filter({ hasText: 'Putting Bob Stone through to Carol Diaz…' }).waitFor();
  assert.equal(await row(page, 4).getAttribute('aria-disabled'), 'true');
  assert.ok(await dialog(page).getByRole('button', { name: 'Cancel' }).isDisabled());
  assert.ok(await search(page).isDisabled());
  assert.equal(await page.evaluate(focusedRow), '3');
  await row(page, 3).click({ force: true });
  await row(page, 4).click({ force: true });
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  assert.ok(await isOpen(page), 'Escape does not close it while the shell works');
  assert.deepEqual(await asked(page), [{ userId: 3 }], 'asked once');

  // It went: the dialog closes, my call ends saying to whom, focus on Dismiss.
  await until(page, () => document.querySelector('.transfer-backdrop').hidden);
  const outcome = page.locator('.call-outcome .outcome-text');
  await outcome.waitFor();
  // The call began 83 s before the window opened; it lasted that and what the test took.
  const ended = (await outcome.textContent()).match(/^Call ended — (\d+):(\d\d)\. Transferred to Carol Diaz\.$/);
  assert.ok(ended, await outcome.textContent());
  const lasted = Number(ended[1]) * 60 + Number(ended[2]);
  const since = Math.ceil((Date.now() - opened) / 1000);
  assert.ok(lasted >= 83 && lasted <= 83 + since, `the call lasted ${lasted} s; ${since} s since the window opened`);
  assert.equal(await page.locator('.call-active').isVisible(), false);
  assert.equal(await page.locator('.people .search').evaluate((e) => !!e.closest('[inert]')), false, 'the window is usable again');
  await until(page, () => document.activeElement?.textContent === 'Dismiss');

  // The shell's own news of it, after: the call, then its media ("Transferred to …" once).
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  await engine(page, { type: 'call_updated', call: PUT_THROUGH });
  await engine(page, { type: 'media', call_id: 70, media: { state: 'ended', reason: 'local', message: 'Transferred to Carol Diaz.' } });
  await until(page, () => document.querySelector('.outcome-text').textContent === 'Call ended — 1:23. Transferred to Carol Diaz.');
  await page.waitForTimeout(100);
  assert.equal(await outcome.textContent(), 'Call ended — 1:23. Transferred to Carol Diaz.');
  assert.equal(await page.locator('.call-card').getAttribute('data-mode'), 'outcome', 'the call they make is not mine');
  assert.equal(await page.locator('[role="status"].sr-only').filter({ hasText: 'Transferred to Carol Diaz.' }).count(), 1);
  await finish(page);
});

test('transfer: the shell’s news before its answer (the call ended, then its media): the card says "Transferred to …" once', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall() }, transfer_call: { ok: PUT_THROUGH, delayMs: 700 } } });
  await openDialog(page);
  await row(page, 4).click();
  await until(page, () => window.__test.calls('transfer_call').length === 1);
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  // The call ended under the dialog: it closes.
  await until(page, () => document.querySelector('.transfer-backdrop').hidden);
  await engine(page, { type: 'media', call_id: 70, media: { state: 'ended', reason: 'local', message: 'Transferred to Carol Diaz.' } });
  const outcome = page.locator('.call-outcome .outcome-text');
  await until(page, () => document.querySelector('.outcome-text').textContent === 'Call ended — 1:23. Transferred to Carol Diaz.');
  // Then the answer: nothing more to say.
  await page.waitForTimeout(900);
  assert.equal(await outcome.textContent(), 'Call ended — 1:23. Transferred to Carol Diaz.');
  assert.deepEqual(await asked(page), [{ userId: 4 }]);
  await finish(page);
});

test('transfer: a refusal is said in the dialog, which stays open; the call goes on; by keyboard, Enter on a row chooses it', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: inCall() }, transfer_call: [{ err: BUSY, delayMs: 300 }, { ok: PUT_THROUGH }] },
  });
  await transferBtn(page).focus();
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await page.keyboard.type('car');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(focusedRow), '3');
  await page.keyboard.press('Enter');
  const alert = dialog(page).getByRole('alert').filter({ hasText: BUSY });
  await alert.waitFor();
  assert.deepEqual(await asked(page), [{ userId: 3 }]);
  assert.ok(await isOpen(page), 'still open');
  assert.equal(await page.evaluate(focusedRow), '3', 'focus stays on the row');
  assert.equal(await row(page, 3).getAttribute('aria-disabled'), null, 'choosable again');
  assert.equal(await row(page, 3).getAttribute('aria-busy'), null);
  assert.equal(await search(page).isDisabled(), false);
  // Nothing changed: the call goes on behind it.
  assert.equal(await page.locator('.call-card').getAttribute('data-mode'), 'active');
  assert.equal(await page.locator('.call-outcome').isVisible(), false);

  // Tried again, it goes.
  await page.keyboard.press('Enter');
  await until(page, () => document.querySelector('.transfer-backdrop').hidden);
  await page.locator('.call-outcome', { hasText: 'Transferred to Carol Diaz.' }).waitFor();
  assert.deepEqual(await asked(page), [{ userId: 3 }, { userId: 3 }]);

  // Opened for the next call, the old sentence is gone.
  await pushState(page, inCall(active({ id: 72 })));
  await openDialog(page);
  assert.equal(await dialog(page).locator('.alert').textContent(), '');
  await finish(page);
});

test('transfer: Escape and Cancel close it, focus back on Transfer; Tab stays inside; the arrow keys go through the list', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall() } } });
  await openDialog(page);
  await page.keyboard.press('Escape');
  assert.equal(await isOpen(page), false);
  assert.ok(await transferBtn(page).evaluate((b) => b === document.activeElement), 'back on Transfer');

  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  const focused = () => page.evaluate(focusedRow);
  // Tab: the search box, the list (one stop), Cancel, and round again.
  await page.keyboard.press('Tab');
  assert.equal(await focused(), '3');
  const ring = (id) => row(page, id).evaluate((b) => b.matches(':focus-visible') && getComputedStyle(b).outlineStyle !== 'none');
  assert.ok(await ring(3), 'the focused row shows it');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), '4');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), '8', 'a row that cannot be chosen can be reached, to hear why');
  assert.ok(await ring(8));
  await page.keyboard.press('End');
  assert.equal(await focused(), '7');
  await page.keyboard.press('Home');
  assert.equal(await focused(), '3');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'CancelEsc');
  // Round to how to transfer (the one chosen: "Transfer now"), then the search box.
  await page.keyboard.press('Tab');
  const onChoice = () => page.evaluate(() => document.activeElement?.closest('.transfer-mode-option')?.dataset.mode ?? null);
  assert.equal(await onChoice(), 'now', 'round to how to transfer');
  await page.keyboard.press('Tab');
  assert.ok(await search(page).evaluate((e) => e === document.activeElement), 'round to the search box');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), '4', 'the list’s stop is the row focused last');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await onChoice(), 'now');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'CancelEsc');
  // Up from the first row: the search box.
  await row(page, 3).focus();
  await page.keyboard.press('ArrowUp');
  assert.ok(await search(page).evaluate((e) => e === document.activeElement));
  // Enter in the search box: to the first who can take the call, not choosing yet.
  await search(page).fill('e');
  await page.keyboard.press('Enter');
  assert.equal(await focused(), '3');
  assert.deepEqual(await asked(page), []);

  // Cancel, by keyboard.
  await dialog(page).getByRole('button', { name: 'Cancel' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await isOpen(page), false);
  assert.ok(await transferBtn(page).evaluate((b) => b === document.activeElement), 'back on Transfer');
  assert.deepEqual(await asked(page), []);
  await finish(page);
});

test('transfer: in full window, Escape closes the dialog and full window stays; the call ending closes the dialog', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall(active({ call_type: 'video' })) } } });
  await card(page).getByRole('button', { name: 'Full window' }).click();
  await until(page, () => document.querySelector('.call-card').hasAttribute('data-full-window'));
  await openDialog(page);
  await page.keyboard.press('Escape');
  assert.equal(await isOpen(page), false);
  assert.ok(await page.locator('.call-card').evaluate((e) => e.hasAttribute('data-full-window')), 'still full window');
  assert.ok(await transferBtn(page).evaluate((b) => b === document.activeElement));

  // They hang up while it is open: it closes, and focus goes where the card puts it.
  await openDialog(page);
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  await until(page, () => document.querySelector('.transfer-backdrop').hidden);
  await page.locator('.call-outcome', { hasText: 'Call ended' }).waitFor();
  await until(page, () => document.activeElement?.textContent === 'Dismiss');
  assert.equal(await page.locator('.people .search').evaluate((e) => !!e.closest('[inert]')), false);
  await finish(page);
});

test('transfer: an incoming call over the dialog takes focus; declined, focus is back in the dialog', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: inCall() }, reject_call: { ok: call(90, CAROL, ME, 'rejected') } } });
  await openDialog(page);
  await engine(page, { type: 'incoming_call', call_id: 90, from_user_id: 3, caller_name: 'Carol Diaz', call_type: 'audio', room_name: 'r' });
  const incoming = page.getByRole('alertdialog');
  await incoming.waitFor();
  await until(page, () => document.activeElement?.closest('[role="alertdialog"]') != null);
  assert.ok(await isOpen(page), 'the transfer dialog waits under it');
  await page.waitForTimeout(350);
  await page.keyboard.press('Escape');
  await until(page, () => document.querySelector('.modal-backdrop:has([role="alertdialog"])').hidden);
  await until(page, () => document.activeElement?.closest('.transfer-dialog') != null);
  assert.ok(await isOpen(page));
  await finish(page);
});

// The other side: I am the caller Bob put through to Carol.
const mine = (status, extra = {}) => call(71, ME, CAROL, status, { transferred_from: 70, ...extra });
const ringingCard = (page) => page.getByRole('region', { name: 'Calling Carol Diaz' });
const line = (page) => page.locator('.call-put-through');
const said = (page) => page.locator('.call-card > [role="status"].sr-only').evaluateAll((ps) => ps.map((p) => p.textContent).filter(Boolean));

test('put through: my call ends and the one Bob put me through to rings out: the card says who put me through, to whom', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ active_call: call(70, BOB, ME, 'active', { started_at: ago(83_000) }), media: CONNECTED }) } } });
  await card(page).getByRole('button', { name: 'Mute', exact: true }).focus();
  // As the server tells it: the old call ended, then the new one.
  await engine(page, { type: 'call_updated', call: call(70, BOB, ME, 'completed') });
  await engine(page, { type: 'call_updated', call: mine('pending') });
  await ringingCard(page).getByText('Calling Carol Diaz…').waitFor();
  assert.equal(await line(page).textContent(), 'Bob Stone put you through to Carol Diaz');
  assert.ok(await line(page).isVisible());
  assert.deepEqual(await said(page), ['Bob Stone put you through to Carol Diaz'], 'announced');
  await until(page, () => document.activeElement?.textContent === 'Cancel');
  await engine(page, { type: 'call_updated', call: mine('ringing') });
  assert.equal(await line(page).textContent(), 'Bob Stone put you through to Carol Diaz');
  // Carol answers: an ordinary call with her.
  await engine(page, { type: 'call_updated', call: mine('active', { started_at: ago(1000) }) });
  await page.getByRole('region', { name: 'Call with Carol Diaz' }).waitFor();
  assert.equal(await line(page).isVisible(), false);
  assert.deepEqual(await said(page), []);
  await finish(page);
});

test('put through: the new call heard of before the old one’s end; a window that never knew the old call says it without a name', async () => {
  let page = await openApp(env, { responses: { app_state: { ok: appState({ active_call: call(70, BOB, ME, 'active', { started_at: ago(83_000) }), media: CONNECTED }) } } });
  await card(page).waitFor();
  await engine(page, { type: 'call_updated', call: mine('pending') });
  await ringingCard(page).waitFor();
  assert.equal(await line(page).textContent(), 'Bob Stone put you through to Carol Diaz');
  // The old call's end, after: it changes nothing.
  await engine(page, { type: 'call_updated', call: call(70, BOB, ME, 'completed') });
  await engine(page, { type: 'media', call_id: 70, media: { state: 'ended', reason: 'remote', message: null } });
  await page.waitForTimeout(100);
  assert.equal(await page.locator('.call-card').getAttribute('data-mode'), 'ringing');
  assert.equal(await line(page).textContent(), 'Bob Stone put you through to Carol Diaz');
  await finish(page);

  // A window opened (or reloaded) while it rings.
  page = await openApp(env, { responses: { app_state: { ok: appState({ active_call: mine('ringing') }) } } });
  await ringingCard(page).waitFor();
  assert.equal(await line(page).textContent(), 'You were put through to Carol Diaz');
  // An ordinary call out says nothing of the kind.
  await pushState(page, appState({ active_call: call(73, ME, CAROL, 'ringing') }));
  await page.waitForTimeout(100);
  assert.equal(await line(page).isVisible(), false);
  assert.deepEqual(await said(page), []);
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`transfer: screenshots (${scheme})`, async () => {
    const page = await openApp(env, {
      colorScheme: scheme,
      responses: { app_state: { ok: inCall() }, transfer_call: [{ err: BUSY }, { ok: PUT_THROUGH, delayMs: 60_000 }] },
    });
    await transferBtn(page).waitFor();
    await shot(page, 'transfer-call-card', { element: card(page) });
    await openDialog(page);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await shot(page, 'transfer-dialog');
    await search(page).fill('car');
    await row(page, 3).click();
    await dialog(page).getByRole('alert').filter({ hasText: BUSY }).waitFor();
    await shot(page, 'transfer-dialog-refused', { element: dialog(page) });
    await row(page, 3).click();
    await dialog(page).getByRole('status').filter({ hasText: 'Putting Bob Stone through' }).waitFor();
    await shot(page, 'transfer-dialog-pending', { element: dialog(page) });
    await finish(page);

    const narrow = await openApp(env, { colorScheme: scheme, viewport: { width: 440, height: 800 }, responses: { app_state: { ok: inCall() } } });
    await shot(narrow, 'transfer-call-card-narrow', { element: card(narrow) });
    await openDialog(narrow);
    await shot(narrow, 'transfer-dialog-narrow');
    await search(narrow).fill('zoe');
    await dialog(narrow).getByText('No one matches “zoe”.').waitFor();
    await shot(narrow, 'transfer-dialog-no-match', { element: dialog(narrow) });
    await finish(narrow);

    const put = await openApp(env, { colorScheme: scheme, responses: { app_state: { ok: appState({ active_call: call(70, BOB, ME, 'active'), media: CONNECTED }) } } });
    await engine(put, { type: 'call_updated', call: call(70, BOB, ME, 'completed') });
    await engine(put, { type: 'call_updated', call: mine('ringing') });
    await line(put).waitFor();
    await shot(put, 'transfer-put-through', { element: ringingCard(put) });
    await shot(put, 'transfer-put-through-window');
    await finish(put);
  });
}
