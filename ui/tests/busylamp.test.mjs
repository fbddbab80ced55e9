// The busy lamp: for a colleague who cannot take a call now, "Leave a note" and "Tell me
// when free" instead of Call; the banners when they are free or a note arrives; the Notes
// inbox; and a seeds-style backend without these routes, in headless Chromium against the
// fake shell.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, campOn, CAROL, DAN, ERIN, FARID, fixturesAt, GRACE, ME, minutesFromNow, NOON, note, USERS } from './fixtures.mjs';
import { engine, finish, invoked, openApp, pushState, respond, setup } from './support.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const text = (loc) => loc.innerText();
const focusedLabel = (page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
const DEAL = { type: 'deal', id: 'D-118', label: 'ACME renewal', url: 'https://crm.acme.test/deals/118' };

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}
const count = async (page, cmd) => (await invoked(page, cmd)).length;
const row = (page, id) => page.locator(`.person[data-user-id="${id}"]`);
const offers = (page, id) => row(page, id).locator('.person-offers');
const notesTab = (page) => page.getByRole('button', { name: /^Notes/ });

test('busy lamp: “Leave a note” and “Tell me when free” for those who cannot take a call now (in a call, do not disturb, offline, not taking calls); not for those who can, nor a disabled account', async () => {
  const users = [
    ...USERS.map((u) => (u.id === 3 ? { ...u, is_active: false } : u)),
    { ...USERS[1], id: 8, username: 'hana', email: 'hana@acme.test', full_name: 'Hana Sato', presence: { ...USERS[1].presence, status_message: '', available_for_calls: false } },
  ];
  const page = await openApp(env, { responses: { app_state: { ok: appState({ users }) } } });
  await offers(page, 5).getByRole('button', { name: 'Tell me when Erin Walsh is free' }).waitFor();
  // Can take a call (online, or away: it still rings): Call, nothing else.
  for (const [id, name] of [[2, 'Bob Stone'], [4, 'Dan Okafor']]) {
    assert.ok(await row(page, id).getByRole('button', { name: `Call ${name}`, exact: true }).isEnabled());
    assert.ok(!(await offers(page, id).isVisible()), `${name} can take a call`);
  }
  // A disabled account: neither.
  assert.ok(!(await offers(page, 3).isVisible()));
  // In a call, do not disturb, offline, not taking calls: both, and the disabled Call says why.
  for (const [id, name, why] of [
    [5, 'Erin Walsh', 'Erin Walsh is in a call.'],
    [6, 'Farid Haddad', 'Farid Haddad does not want to be disturbed.'],
    [7, 'Grace Lee', 'Grace Lee is offline.'],
    [8, 'Hana Sato', 'Hana Sato is not taking calls.'],
  ]) {
    assert.ok(await row(page, id).getByRole('button', { name: `Call ${name}`, exact: true }).isDisabled());
    assert.ok(await offers(page, id).getByRole('button', { name: `Leave a note for ${name}` }).isVisible(), name);
    const tell = offers(page, id).getByRole('button', { name: `Tell me when ${name} is free` });
    assert.ok(await tell.isVisible(), name);
    // The offer is described by the same reason as the disabled Call.
    assert.equal(await page.locator(`#${await tell.getAttribute('aria-describedby')}`).textContent(), why);
  }
  assert.match(await text(row(page, 5)), /In a call/);
  assert.match(await text(row(page, 8)), /Not taking calls/);

  // Erin's call ends and she is available again: the offers go.
  await engine(page, { type: 'presence', user_id: 5, status: 'online', available_for_calls: true });
  await until(page, () => document.querySelector('.person[data-user-id="5"] .person-offers')?.hidden === true);
  assert.ok(await row(page, 5).getByRole('button', { name: 'Call Erin Walsh', exact: true }).isEnabled());
  // Bob goes on Do not disturb: they come.
  await engine(page, { type: 'presence', user_id: 2, status: 'dnd', available_for_calls: true });
  await offers(page, 2).getByRole('button', { name: 'Leave a note for Bob Stone' }).waitFor();
  // While I am in a call, someone who could take one is offered nothing else.
  await engine(page, { type: 'call_updated', call: call(50, ME, CAROL, 'ringing') });
  await page.getByText('Calling Carol Diaz…').waitFor();
  assert.ok(!(await offers(page, 4).isVisible()), 'Dan could take a call: nothing to offer');
  assert.ok(await offers(page, 2).isVisible(), 'Bob still could not');
  await finish(page);
});

test('leave a note: a form in the row (1000 characters, line breaks kept), Ctrl+Enter or Send → leave_note; “Note sent”; errors in words; Escape cancels', async () => {
  const sent = note(30, ME, 'x');
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      leave_note: [{ err: 'text must not contain control characters' }, { ok: sent }],
    },
  });
  const farid = row(page, 6);
  await farid.getByRole('button', { name: 'Leave a note for Farid Haddad' }).click();
  const form = farid.getByRole('form', { name: 'Leave a note for Farid Haddad' });
  await form.waitFor();
  const field = form.getByLabel('Note for Farid Haddad');
  assert.equal(await field.getAttribute('maxlength'), '1000');
  assert.ok(await field.evaluate((e) => e === document.activeElement), 'focus in the note');
  assert.ok(!(await farid.getByRole('button', { name: 'Leave a note for Farid Haddad' }).isVisible()), 'the offer steps aside while the form is open');

  // Nothing written: said, nothing sent.
  await form.getByRole('button', { name: 'Send note' }).click();
  await form.getByRole('alert').filter({ hasText: 'Write something for Farid Haddad first, or press Cancel.' }).waitFor();
  assert.equal(await count(page, 'leave_note'), 0);

  // By keyboard: Enter is a new line; the count follows; Ctrl+Enter sends.
  await field.focus();
  await page.keyboard.type('Call me back\nabout the quote  ');
  assert.equal(await field.inputValue(), 'Call me back\nabout the quote  ');
  assert.match(await text(form), /30 of 1000 characters/);
  await page.keyboard.press('Control+Enter');
  await form.getByRole('alert').filter({ hasText: 'text must not contain control characters' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'leave_note'), { note: { user_id: 6, text: 'Call me back\nabout the quote' } });
  assert.ok(await form.isVisible(), 'still open after a refusal');

  await form.getByRole('button', { name: 'Send note' }).click();
  await farid.getByRole('status').filter({ hasText: 'Note sent to Farid Haddad.' }).waitFor();
  assert.equal(await count(page, 'leave_note'), 2);
  assert.ok(!(await form.isVisible()));
  assert.equal(await focusedLabel(page), 'Leave a note for Farid Haddad', 'focus back on the offer');

  // Escape (like Cancel) closes it without sending; one form at a time.
  const grace = row(page, 7);
  await grace.getByRole('button', { name: 'Leave a note for Grace Lee' }).click();
  const graceForm = grace.getByRole('form', { name: 'Leave a note for Grace Lee' });
  await page.keyboard.type('Never mind');
  await row(page, 5).getByRole('button', { name: 'Leave a note for Erin Walsh' }).click();
  assert.ok(!(await graceForm.isVisible()), 'opening another closes the first');
  const erinForm = row(page, 5).getByRole('form', { name: 'Leave a note for Erin Walsh' });
  assert.equal(await erinForm.getByLabel('Note for Erin Walsh').inputValue(), '', 'a fresh note');
  await page.keyboard.press('Escape');
  await erinForm.waitFor({ state: 'hidden' });
  assert.equal(await focusedLabel(page), 'Leave a note for Erin Walsh');
  assert.equal(await count(page, 'leave_note'), 2);
  await finish(page);
});

test('tell me when free: camp_on with the id; the row then says “You’ll be told when … is free” with Cancel (cancel_camp_on); a 409 is said as news; loaded at sign-in and on a new state', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      camp_ons: { ok: [campOn(7, GRACE)] },
      camp_on: [{ err: 'Erin Walsh can take calls now: call them.' }, { ok: campOn(8, ERIN) }, { err: 'There is no user with id 6.' }],
      cancel_camp_on: { ok: null },
    },
  });
  // Mine, loaded at sign-in: Grace's row says so, instead of the offer.
  const grace = row(page, 7);
  await grace.getByText('You’ll be told when Grace Lee is free').waitFor();
  assert.ok(!(await grace.getByRole('button', { name: 'Tell me when Grace Lee is free' }).isVisible()));
  assert.ok(await grace.getByRole('button', { name: 'Leave a note for Grace Lee' }).isVisible(), 'a note can still be left');
  assert.equal(await count(page, 'camp_ons'), 1);
  assert.equal(await count(page, 'notes'), 1);

  // She can take calls now, says the server: news on the row, not an error.
  const erin = row(page, 5);
  const tell = erin.getByRole('button', { name: 'Tell me when Erin Walsh is free' });
  await tell.click();
  await erin.getByRole('status').filter({ hasText: 'Erin Walsh can take calls now: call them.' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'camp_on'), { userId: 5 });
  assert.equal(await page.locator('.people > .alert').textContent(), '');

  // By keyboard: Enter waits for her; focus goes to Cancel.
  await tell.focus();
  await page.keyboard.press('Enter');
  await erin.getByText('You’ll be told when Erin Walsh is free').waitFor();
  assert.equal(await erin.locator('.person-notice').textContent(), '', 'the news went');
  const cancel = erin.getByRole('button', { name: 'Cancel: stop waiting for Erin Walsh' });
  await until(page, () => document.activeElement?.getAttribute('aria-label') === 'Cancel: stop waiting for Erin Walsh');
  await page.keyboard.press('Enter');
  await cancel.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'cancel_camp_on'), { id: 8 });
  await until(page, () => document.activeElement?.getAttribute('aria-label') === 'Tell me when Erin Walsh is free');

  // Another refusal is an error, said above the list.
  await row(page, 6).getByRole('button', { name: 'Tell me when Farid Haddad is free' }).click();
  await page.locator('.people > .alert', { hasText: 'There is no user with id 6.' }).waitFor();

  // A new state from the shell (reconnected): mine again.
  await respond(page, 'camp_ons', { ok: [] });
  await pushState(page, appState());
  await until(page, () => window.__test.calls('camp_ons').length === 2 && window.__test.calls('notes').length === 2);
  await grace.getByRole('button', { name: 'Tell me when Grace Lee is free' }).waitFor();
  await finish(page);
});

test('colleague_available: a banner “… can take calls now” with Call and Dismiss; the camp-on leaves the row', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      camp_ons: { ok: [campOn(7, GRACE), campOn(8, FARID)] },
      call_user: [{ err: 'Grace Lee is busy.' }, { ok: call(90, ME, GRACE, 'ringing') }],
    },
  });
  await row(page, 7).getByText('You’ll be told when Grace Lee is free').waitFor();
  await engine(page, { type: 'colleague_available', camp_on: campOn(7, GRACE) });
  const banner = page.getByRole('region', { name: 'Grace Lee can take calls now' });
  await banner.waitFor();
  assert.equal(await text(banner.getByRole('alert')), 'Grace Lee can take calls now');
  assert.equal(await page.getByRole('dialog').count() + (await page.getByRole('alertdialog').count()), 0, 'a banner, not a dialog');
  await until(page, () => !document.querySelector('.person[data-user-id="7"] .camp-on:not([hidden])'));
  assert.ok(await row(page, 6).getByText('You’ll be told when Farid Haddad is free').isVisible(), 'the other one waits on');

  // A second one: a banner each.
  await engine(page, { type: 'colleague_available', camp_on: campOn(8, FARID) });
  const farid = page.getByRole('region', { name: 'Farid Haddad can take calls now' });
  await farid.waitFor();
  assert.ok(await banner.isVisible());

  // Call: a refusal is said; then it rings, and the banner goes.
  await banner.getByRole('button', { name: 'Call Grace Lee' }).click();
  await page.locator('.free-banners .alert', { hasText: 'Grace Lee is busy.' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'call_user'), { userId: 7, video: false });
  await banner.getByRole('button', { name: 'Call Grace Lee' }).click();
  await page.getByText('Calling Grace Lee…').waitFor();
  await banner.waitFor({ state: 'hidden' });
  // During a call, the other banner's Call is off (with the reason); Dismiss works.
  const callFarid = farid.getByRole('button', { name: 'Call Farid Haddad' });
  assert.ok(await callFarid.isDisabled());
  assert.equal(await callFarid.getAttribute('title'), 'You are in a call.');
  await farid.getByRole('button', { name: 'Dismiss' }).click();
  await farid.waitFor({ state: 'hidden' });
  assert.equal(await count(page, 'call_user'), 2);
  await finish(page);
});

test('note_received: a banner “Note from …: first line” with Open (to the note, in Notes) and Dismiss; the unread count', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() }, open_record_page: { ok: null } } });
  await page.locator('.person').first().waitFor();
  await until(page, () => window.__test.calls('notes').length === 1);
  const banner = page.getByRole('region', { name: 'Note received' });
  assert.ok(!(await banner.isVisible()));
  const carols = note(4, CAROL, '\n  Quick one: the \u202EJones file?\nSecond line', 0, { regarding: DEAL });
  await respond(page, 'notes', { ok: [carols] });
  await engine(page, { type: 'note_received', note: carols });
  await banner.waitFor();
  assert.equal(await text(banner.getByRole('alert')), 'Note from Carol Diaz: Quick one: the Jones file?', 'the first line, without bidi controls');
  assert.match(await text(banner), /About Deal: ACME renewal/);
  assert.match(await notesTab(page).textContent(), /Notes\s*1 unread/);

  // Open, by keyboard: the Notes tab, on that note; the banner goes.
  await banner.getByRole('button', { name: 'Open' }).focus();
  await page.keyboard.press('Enter');
  await banner.waitFor({ state: 'hidden' });
  assert.equal(await notesTab(page).getAttribute('aria-current'), 'page');
  await until(page, () => document.activeElement?.dataset?.noteId === '4');
  assert.match(await text(page.locator('li[data-note-id="4"] .note-text')), /^Quick one: the Jones file\?\nSecond line$/);

  // Another, dismissed: still in the inbox.
  const bobs = note(5, BOB, 'Ring me', 0);
  await respond(page, 'notes', { ok: [bobs, carols] });
  await engine(page, { type: 'note_received', note: bobs });
  await banner.waitFor();
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await banner.waitFor({ state: 'hidden' });
  await page.locator('li[data-note-id="5"]').waitFor();
  assert.match(await notesTab(page).textContent(), /Notes\s*2 unread/);
  await finish(page);
});

test('notes inbox: newest first, who, when, the record, the text with its line breaks; Mark read, Delete and Call back', async () => {
  // "Today" and "Yesterday" depend on the hour: count from noon, and set the page's clock to it.
  const noon = fixturesAt(NOON);
  const list = [
    noon.note(1, DAN, 'Sent you the ticket notes.', 60 * 26, { read_at: noon.minutesFromNow(-60 * 25) }),
    noon.note(3, BOB, 'Can you call me about ACME?\n\nThey want the quote\tbefore Friday.', 4, { regarding: DEAL }),
    noon.note(2, ERIN, 'Lunch moved to 1 pm.', 80),
  ];
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      notes: { ok: list },
      mark_note_read: [{ err: 'There is no note with id 3.' }, { ok: { ...list[1], read_at: noon.minutesFromNow(0) } }],
      delete_note: { ok: null },
      call_user: { ok: call(91, ME, BOB, 'ringing') },
    },
  });
  await until(page, () => document.querySelector('button[data-tab="notes"] .due-badge')?.offsetParent != null);
  assert.match(await notesTab(page).textContent(), /Notes\s*2 unread/);
  await notesTab(page).click();
  const items = page.getByRole('list', { name: 'Notes' }).getByRole('listitem');
  await items.first().waitFor();
  assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.noteId)), ['3', '2', '1'], 'newest first');
  assert.equal(await text(page.locator('.notes-panel .summary')), '3 notes, 2 unread');

  const bob = page.locator('li[data-note-id="3"]');
  assert.match(await text(bob.locator('.note-line')), /^Bob Stone\s+New\s+Today /);
  assert.equal(await bob.locator('time').getAttribute('datetime'), list[1].created_at);
  assert.match(await text(bob), /About Deal: ACME renewal/);
  assert.equal(await bob.locator('.note-text').textContent(), 'Can you call me about ACME?\n\nThey want the quote\tbefore Friday.');
  assert.equal(await bob.locator('.note-text').evaluate((e) => getComputedStyle(e).whiteSpace), 'pre-wrap', 'line breaks shown');
  const dan = page.locator('li[data-note-id="1"]');
  assert.equal(await dan.getByRole('button', { name: 'Mark read' }).count(), 0, 'read already');
  assert.match(await text(dan), /Yesterday/);

  // Erin is in a call: her Call back is off, with the reason.
  const callErin = page.locator('li[data-note-id="2"]').getByRole('button', { name: 'Call back Erin Walsh' });
  assert.ok(await callErin.isDisabled());
  assert.equal(await callErin.getAttribute('title'), 'Erin Walsh is in a call.');

  // Mark read: refused first (said), then read; focus stays in the row (Delete).
  const read = bob.getByRole('button', { name: 'Mark read' });
  await read.click();
  await page.locator('.notes-panel .alert', { hasText: 'There is no note with id 3.' }).waitFor();
  await read.click();
  await until(page, () => !document.querySelector('li[data-note-id="3"]')?.dataset.unread);
  assert.deepEqual(await lastArgs(page, 'mark_note_read'), { id: 3 });
  assert.equal(await text(page.locator('.notes-panel .summary')), '3 notes, 1 unread');
  assert.match(await notesTab(page).textContent(), /Notes\s*1 unread/);
  await until(page, () => document.activeElement?.closest('li')?.dataset.noteId === '3' && document.activeElement.textContent === 'Delete');

  // Delete (by keyboard): gone; focus goes to the note now in its place.
  await page.keyboard.press('Enter');
  await bob.waitFor({ state: 'detached' });
  assert.deepEqual(await lastArgs(page, 'delete_note'), { id: 3 });
  await until(page, () => document.activeElement?.closest('li')?.dataset.noteId === '2');

  // Call back the sender.
  await respond(page, 'notes', { ok: [list[1], list[2], list[0]] });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('li[data-note-id="3"]').waitFor();
  await page.getByRole('button', { name: 'Call back Bob Stone' }).click();
  await page.getByText('Calling Bob Stone…').waitFor();
  assert.deepEqual(await lastArgs(page, 'call_user'), { userId: 2, video: false });
  await finish(page);
});

test('a seeds-style backend (no /api/notes/, no /api/camp-ons/): no offers, no Notes tab, no banners, and no error', async () => {
  for (const [notesError, campOnsError] of [
    ['Not found.', 'The server refused the request (404 Not Found).'],
    ['There is no API route GET /api/notes/.', 'There is no API route GET /api/camp-ons/.'],
  ]) {
    const page = await openApp(env, {
      responses: { app_state: { ok: appState() }, notes: { err: notesError }, camp_ons: { err: campOnsError } },
    });
    await page.locator('.person').first().waitFor();
    await until(page, () => window.__test.calls('notes').length === 1 && window.__test.calls('camp_ons').length === 1);
    await until(page, () => document.querySelector('button[data-tab="notes"]')?.offsetParent === null);
    assert.equal(await page.locator('.person-offers:not([hidden])').count(), 0);
    assert.equal(await page.getByRole('button', { name: /Leave a note|Tell me when/ }).count(), 0);
    await engine(page, { type: 'note_received', note: note(4, CAROL, 'Hello') });
    await engine(page, { type: 'colleague_available', camp_on: campOn(7, GRACE) });
    await pushState(page, appState());
    await page.waitForTimeout(200);
    assert.equal(await page.locator('.banner-inbox:not([hidden]), .banner-free').count(), 0);
    const shownErrors = await page.evaluate(() =>
      [...document.querySelectorAll('.alert, [role="alert"]')].filter((e) => e.offsetParent !== null && e.textContent.trim()).map((e) => e.textContent),
    );
    assert.deepEqual(shownErrors, []);
    assert.equal(await count(page, 'notes'), 1, 'not asked again');
    assert.equal(await count(page, 'camp_ons'), 1);
    await finish(page);
  }
});
