// Meetings: the Meetings tab (`meetings`, with More), each meeting's Join, Start or Start
// again and the host's Delete (confirmed); the New meeting dialog (a title, up to five
// colleagues, an optional time, Start it now; by keyboard too); the meeting card while in
// one (`join_meeting`, the `meeting` payloads: people, levels, quality; Mute, Leave, End for
// everyone), why the app was put out of one (`ended`), the banner when a colleague starts
// one (`meeting_started`, cleared by `meeting_ended`), and Call turned off meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appState,
  BOB,
  call,
  CAROL,
  DAN,
  ERIN,
  FARID,
  GRACE,
  ME,
  meeting,
  meetingCall,
  meetingPage,
  meetingView,
  NOON,
  QUALITY_GOOD,
  USERS,
} from './fixtures.mjs';
import { bundledLogic, engine, finish, invoked, openApp, setupPerFile, shot } from './support.mjs';

const env = setupPerFile();

// The pure rules (src/meetings.ts, the reducer), bundled by esbuild as logic.test.mjs does.
const m = bundledLogic(['meetings', 'reduce', 'state', 'people']);

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const at = (hours, minutes = 0) => new Date(new Date(NOON).setHours(hours, minutes, 0, 0)).toISOString();
/** A day after NOON's, at `hours`. */
const tomorrowAt = (hours, minutes = 0) => new Date(Date.parse(at(hours, minutes)) + 86_400_000).toISOString();

/** Bob's stand-up, under way, me invited with Carol and Dan. */
const STANDUP = meeting(11, 'Daily stand-up', BOB, [ME, CAROL, DAN], 'ongoing', { scheduled_at: at(9, 30) });
/** Mine, for tomorrow at 15:30, with Bob and Carol. */
const REVIEW = meeting(12, 'Q3 pipeline review', ME, [BOB, CAROL], 'scheduled', { scheduled_at: tomorrowAt(15, 30) });
/** Carol's, over, no time set, with me. */
const RETRO = meeting(13, 'Retro', CAROL, [ME], 'completed');
const LIST = meetingPage([STANDUP, REVIEW, RETRO]);

const tab = (page) => page.getByRole('button', { name: 'Meetings', exact: true });
const panel = (page) => page.locator('.meetings-panel');
const row = (page, id) => page.locator(`.meeting-row[data-meeting-id="${id}"]`);
const card = (page, title) => page.getByRole('region', { name: `Meeting: ${title}` });
const dialog = (page) => page.getByRole('dialog', { name: 'New meeting' });
const asked = async (page, cmd) => (await invoked(page, cmd)).map((c) => c.args);
/** A time as the page shows times ("15:30", or "03:30 PM" in an American locale). */
const clock = (page, iso) => page.evaluate((t) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }), iso);
const focused = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a?.getAttribute('aria-label') || a?.textContent?.trim() || a?.tagName;
  });

async function openTab(page) {
  await tab(page).click();
  await row(page, STANDUP.id).waitFor();
}

test('meetings logic: buttons, times, names, why not now', () => {
  assert.equal(m.joinLabel({ status: 'ongoing' }), 'Join');
  assert.equal(m.joinLabel({ status: 'scheduled' }), 'Start');
  assert.equal(m.joinLabel({ status: 'completed' }), 'Start again');
  assert.equal(m.meetingWhen(null), 'No time set');
  assert.equal(m.meetingWhen('not a time'), 'No time set');
  assert.match(m.meetingWhen(new Date().toISOString()), /^Today /);
  // datetime-local values are this computer's time.
  assert.equal(m.localToIso('2025-03-04T15:30'), new Date(2025, 2, 4, 15, 30).toISOString());
  assert.equal(m.localToIso(''), null);
  assert.equal(m.localToIso('2025-03-04'), null);
  assert.deepEqual(m.guestNames(STANDUP, ME.id), ['Carol Diaz', 'Dan Okafor', 'you']);
  assert.deepEqual(m.guestNames({ ...RETRO, participants: [{ ...RETRO.host }, ...RETRO.participants] }, ME.id), ['you'], 'the host is not a guest');
  assert.equal(m.andList(['Carol Diaz', 'Dan Okafor', 'you']), 'Carol Diaz, Dan Okafor and you');
  assert.equal(m.andList(['you']), 'you');
  assert.equal(m.startedBy(STANDUP, meetingCall(1, 11, CAROL)), 'Carol Diaz');
  assert.equal(m.startedBy(STANDUP, { caller: { id: 9, email: '', full_name: ' ' } }), 'Bob Stone', 'else the host');
  assert.equal(m.MAX_OTHERS, 5);

  const s = (patch) => ({ ...m.initialState(), app: appState(patch) });
  assert.equal(m.joinBlockReason(s(), 11), null);
  assert.equal(m.joinBlockReason(s({ active_call: call(70, ME, BOB, 'active') }), 11), 'End your call to join a meeting.');
  assert.equal(m.joinBlockReason(s({ meeting: meetingView(STANDUP) }), 12), 'Leave the meeting to join another.');
  assert.equal(m.joinBlockReason(s({ meeting: meetingView(STANDUP) }), 11), null, 'the one I am in');
  assert.equal(m.callBlockReason(USERS[1], false, true), 'Leave the meeting to call.');
});

test('meetings logic: the reducer takes the meeting payloads, the banner, the list', () => {
  const now = Date.now();
  let s = m.withAppState(m.initialState(), appState(), now);
  assert.equal(s.app.meeting, null);
  s = { ...s, meetings: { results: [STANDUP, REVIEW, RETRO], page: 1, hasNext: false, count: 3 } };

  // Started by a colleague: the banner, and the list says it is under way.
  s = m.applyEvent(s, { type: 'meeting_started', meeting: REVIEW, call: meetingCall(412, REVIEW.id, CAROL) }, now);
  assert.equal(s.meetingStarted.meeting.id, REVIEW.id);
  assert.equal(s.meetingStarted.by, 'Carol Diaz');
  assert.equal(s.meetings.results[1].status, 'ongoing');
  assert.equal(s.meetings.results[1].active_call_id, 412);
  // Joined (a view of it): the banner goes.
  const view = meetingView(REVIEW);
  s = m.applyEvent(s, { type: 'meeting', meeting: view }, now);
  assert.equal(s.app.meeting, view);
  assert.equal(s.meetingStarted, null);
  // A level-only view changes the meeting and nothing else.
  const before = s;
  s = m.applyEvent(s, { type: 'meeting', meeting: { ...view, my_level: 0.4 } }, now);
  assert.equal(s.app.users, before.app.users);
  assert.equal(s.meetings, before.meetings);
  assert.equal(s.errors, before.errors);
  // Put out of it: why, kept through the shell's next state.
  s = m.applyEvent(s, { type: 'meeting', meeting: { ...view, ended: 'The meeting was deleted.' } }, now);
  assert.equal(s.app.meeting, null);
  assert.deepEqual(s.meetingEnded, { meetingId: REVIEW.id, title: 'Q3 pipeline review', text: 'The meeting was deleted.' });
  s = m.applyEvent(s, { type: 'app_state', state: appState() }, now);
  assert.equal(s.meetingEnded.text, 'The meeting was deleted.');
  // Over: the list says so; the banner for it goes.
  s = m.applyEvent(s, { type: 'meeting_started', meeting: STANDUP, call: meetingCall(511, STANDUP.id, BOB) }, now);
  s = m.applyEvent(s, { type: 'meeting_ended', meeting_id: STANDUP.id, call: meetingCall(511, STANDUP.id, BOB, 'ended') }, now);
  assert.equal(s.meetingStarted, null);
  assert.equal(s.meetings.results[0].status, 'completed');
  assert.equal(s.meetings.results[0].active_call_id, undefined);
  // In again, then left: no sentence.
  s = m.applyEvent(s, { type: 'meeting', meeting: meetingView(STANDUP) }, now);
  assert.equal(s.meetingEnded, null, 'a meeting joined ends the sentence about the last');
  s = m.applyEvent(s, { type: 'meeting', meeting: null }, now);
  assert.equal(s.app.meeting, null);
  assert.equal(s.meetingEnded, null);
  // Another account: what was known goes.
  s = { ...s, meetingStarted: { meeting: STANDUP, by: 'Bob Stone' } };
  s = m.withAppState(s, appState({ me: { ...ME, id: 99 } }), now);
  assert.equal(s.meetings, null);
  assert.equal(s.meetingStarted, null);
});

test('meetings: the tab lists my meetings with host, guests, time and status; Join, Start, Start again; Delete only for the host', async () => {
  const page = await openApp(env, { now: NOON, responses: { app_state: { ok: appState() }, meetings: { ok: LIST } } });
  // After People.
  assert.deepEqual(
    (await page.locator('.tabs .tab .label').allInnerTexts()).slice(0, 3),
    ['People', 'Meetings', 'Call-backs'],
  );
  await openTab(page);
  assert.deepEqual(await asked(page, 'meetings'), [{ page: 1 }]);
  assert.equal(await panel(page).locator('.summary').textContent(), '3 meetings, 1 in progress');

  // Under way: "In progress", Join; Bob hosts it, so no Delete.
  const standup = row(page, STANDUP.id);
  assert.equal(await standup.locator('.meeting-name').textContent(), 'Daily stand-up');
  assert.equal(await standup.locator('.meeting-status').textContent(), 'In progress');
  assert.match(await standup.locator('.meeting-meta').innerText(), /^Host: Bob Stone\s*·\s*Today /);
  assert.equal(await standup.locator('.meeting-when').textContent(), `Today ${await clock(page, STANDUP.scheduled_at)}`);
  assert.equal(await standup.locator('.meeting-guests').textContent(), 'With Carol Diaz, Dan Okafor and you');
  assert.deepEqual(await standup.locator('.meeting-actions button').allInnerTexts(), ['Join']);
  await standup.getByRole('button', { name: 'Join', exact: true }).waitFor();

  // Mine, scheduled: Start and Delete.
  const review = row(page, REVIEW.id);
  assert.equal(await review.locator('.meeting-status').textContent(), 'Scheduled');
  assert.match(await review.locator('.meeting-meta').innerText(), /^Host: You\s*·\s*Tomorrow /);
  assert.equal(await review.locator('.meeting-when').textContent(), `Tomorrow ${await clock(page, REVIEW.scheduled_at)}`);
  assert.equal(await review.locator('time').getAttribute('datetime'), REVIEW.scheduled_at);
  assert.equal(await review.locator('.meeting-guests').textContent(), 'With Bob Stone and Carol Diaz');
  assert.deepEqual(await review.locator('.meeting-actions button').allInnerTexts(), ['Start', 'Delete']);

  // Over, no time: Start again.
  const retro = row(page, RETRO.id);
  assert.equal(await retro.locator('.meeting-status').textContent(), 'Ended');
  assert.match(await retro.locator('.meeting-meta').innerText(), /Host: Carol Diaz\s*·\s*No time set/);
  assert.deepEqual(await retro.locator('.meeting-actions button').allInnerTexts(), ['Start again']);
  // Each button says which meeting it is for.
  const described = await retro.getByRole('button', { name: 'Start again' }).evaluate((b) =>
    b.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id).textContent).join(' '),
  );
  assert.equal(described, 'Retro');
  await finish(page);
});


test('meetings: More loads the next page after those shown; Refresh loads them all again', async () => {
  const EXTRA = meeting(14, 'Onboarding: Hana', ME, [BOB], 'scheduled');
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      meetings: [
        { ok: meetingPage([STANDUP, REVIEW], { count: 3, next: 'https://10.0.0.5:8000/api/meetings/?page=2' }) },
        { ok: meetingPage([RETRO, EXTRA], { count: 4, previous: 'https://10.0.0.5:8000/api/meetings/?page=1' }) },
        { ok: meetingPage([STANDUP, REVIEW], { count: 4, next: 'https://10.0.0.5:8000/api/meetings/?page=2' }) },
        { ok: meetingPage([RETRO, EXTRA], { count: 4, previous: 'https://10.0.0.5:8000/api/meetings/?page=1' }) },
      ],
    },
  });
  await openTab(page);
  assert.equal(await panel(page).locator('.summary').textContent(), 'Showing 2 of 3 meetings, 1 in progress');
  const more = panel(page).getByRole('button', { name: 'More', exact: true });
  await more.click();
  await row(page, EXTRA.id).waitFor();
  assert.deepEqual(await asked(page, 'meetings'), [{ page: 1 }, { page: 2 }]);
  const ids = () => page.locator('.meeting-row').evaluateAll((rs) => rs.map((r) => Number(r.dataset.meetingId)));
  assert.deepEqual(await ids(), [11, 12, 13, 14]);
  assert.equal(await more.isVisible(), false, 'no page after it');
  assert.equal(await panel(page).locator('.summary').textContent(), '4 meetings, 1 in progress');

  // Refresh: both pages again, from the first.
  await panel(page).getByRole('button', { name: 'Refresh' }).click();
  await until(page, () => window.__test.calls('meetings').length === 4);
  await until(page, () => !document.querySelector('.meetings-panel [aria-busy="true"]'));
  assert.deepEqual((await asked(page, 'meetings')).slice(2), [{ page: 1 }, { page: 2 }]);
  assert.deepEqual(await ids(), [11, 12, 13, 14]);
  await finish(page);
});

test('meetings: a colleague schedules one with me, or deletes one: the open list follows at once, and a deleted meeting\'s banner goes', async () => {
  const PLAN = meeting(15, 'Quarterly plan', BOB, [ME], 'scheduled', { scheduled_at: tomorrowAt(10) });
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      meetings: [{ ok: LIST }, { ok: meetingPage([PLAN, STANDUP, REVIEW, RETRO]) }, { ok: meetingPage([STANDUP, REVIEW, RETRO]) }],
    },
  });
  await openTab(page);
  await engine(page, { type: 'meeting_scheduled', meeting: PLAN });
  await row(page, PLAN.id).waitFor();
  assert.equal((await asked(page, 'meetings')).length, 2, 'loaded again once');

  // Bob starts it, then deletes it before I join: the banner and the row go.
  const banner = page.getByRole('region', { name: 'Meeting started' });
  await engine(page, { type: 'meeting_started', meeting: PLAN, call: meetingCall(315, PLAN.id, BOB) });
  await banner.waitFor();
  await engine(page, { type: 'meeting_deleted', meeting_id: PLAN.id });
  await banner.waitFor({ state: 'hidden' });
  await row(page, PLAN.id).waitFor({ state: 'detached' });
  await finish(page);
});

test('meetings: Delete asks first (Cancel and Escape go back to it); deleting removes the meeting and loads the list again', async () => {
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      meetings: [{ ok: LIST }, { ok: meetingPage([STANDUP, RETRO]) }],
      delete_meeting: { ok: null, delayMs: 300 },
    },
  });
  await openTab(page);
  const review = row(page, REVIEW.id);
  const del = review.locator('.meeting-actions').getByRole('button', { name: 'Delete', exact: true });
  await del.click();
  const ask = review.getByRole('group', { name: /Delete “Q3 pipeline review”\?/ });
  await ask.waitFor();
  assert.equal(await del.getAttribute('aria-expanded'), 'true');
  assert.ok(await ask.evaluate((g) => g === document.activeElement), 'the question has focus');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await ask.isVisible(), false);
  assert.ok(await del.evaluate((b) => b === document.activeElement), 'back on Delete');
  await del.press('Enter');
  await ask.waitFor();
  await page.keyboard.press('Escape');
  assert.equal(await ask.isVisible(), false);
  assert.ok(await del.evaluate((b) => b === document.activeElement), 'back on Delete');
  assert.deepEqual(await asked(page, 'delete_meeting'), []);

  await del.click();
  await ask.getByRole('button', { name: 'Delete', exact: true }).click();
  await ask.getByRole('button', { name: 'Deleting…' }).waitFor();
  await review.waitFor({ state: 'detached' });
  assert.deepEqual(await asked(page, 'delete_meeting'), [{ meetingId: REVIEW.id }]);
  await panel(page).getByRole('status').filter({ hasText: 'Meeting “Q3 pipeline review” deleted.' }).waitFor();
  await until(page, () => window.__test.calls('meetings').length === 2);
  // Focus on the meeting now in its place.
  await until(page, () => document.activeElement?.closest('.meeting-row')?.dataset.meetingId === '13');
  await finish(page);
});

test('meetings: New meeting: an empty title is said next to it; at most five colleagues; the time is sent as an ISO instant; Create closes the dialog', async () => {
  const MADE = meeting(20, 'Pipeline sync', ME, [BOB, CAROL], 'scheduled', { scheduled_at: '2025-03-04T14:30:00Z' });
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      meetings: [{ ok: LIST }, { ok: meetingPage([MADE, STANDUP, REVIEW, RETRO]) }],
      create_meeting: { ok: MADE, delayMs: 300 },
    },
  });
  await openTab(page);
  const opener = page.getByRole('button', { name: 'New meeting' });
  assert.equal(await opener.getAttribute('aria-haspopup'), 'dialog');
  await opener.click();
  await dialog(page).waitFor();
  const title = dialog(page).getByRole('textbox', { name: 'Title' });
  assert.ok(await title.evaluate((e) => e === document.activeElement), 'the title has focus');
  assert.match(await dialog(page).locator('.modal-text').textContent(), /up to 5 colleagues: a meeting holds 6 people, you included/);
  // The window behind is inert.
  assert.ok(await page.locator('.tabs').evaluate((e) => !!e.closest('[inert]')));

  // Empty (or blank) title: said next to it, nothing asked.
  await title.fill('   ');
  await dialog(page).getByRole('button', { name: 'Create', exact: true }).click();
  const error = dialog(page).locator('.field-error').first();
  assert.equal(await error.textContent(), 'Give the meeting a title.');
  assert.equal(await title.getAttribute('aria-invalid'), 'true');
  assert.equal(await title.evaluate((e) => document.getElementById(e.getAttribute('aria-describedby'))?.textContent), 'Give the meeting a title.');
  assert.ok(await title.evaluate((e) => e === document.activeElement), 'back on the title');
  assert.deepEqual(await asked(page, 'create_meeting'), []);
  await title.fill('Pipeline sync');
  assert.equal(await error.isVisible(), false, 'gone once typed');
  assert.equal(await title.getAttribute('aria-invalid'), null);

  // Colleagues: everyone but me, with their presence; at five the others turn off.
  const box = (u) => dialog(page).getByRole('checkbox', { name: new RegExp(u.full_name) });
  assert.equal(await dialog(page).locator('.pick-box').count(), USERS.length - 1);
  const count = dialog(page).locator('.pick-count');
  assert.equal(await count.textContent(), 'None chosen yet (up to 5).');
  await box(BOB).check();
  await box(CAROL).check();
  assert.equal(await count.textContent(), '2 of 5 chosen: Bob Stone, Carol Diaz.');
  for (const u of [DAN, ERIN, FARID]) await box(u).check();
  assert.match(await count.textContent(), /^5 of 5 chosen, the most a meeting holds/);
  assert.ok(await box(GRACE).isDisabled(), 'a sixth cannot be chosen');
  assert.match(await dialog(page).locator('.pick[data-off]').getAttribute('title'), /at most 5 colleagues/);
  await box(GRACE).click({ force: true });
  assert.equal(await box(GRACE).isChecked(), false);
  // One let go: the others can be chosen again.
  await box(ERIN).uncheck();
  await box(FARID).uncheck();
  assert.equal(await box(GRACE).isDisabled(), false);
  assert.equal(await count.textContent(), '3 of 5 chosen: Bob Stone, Carol Diaz, Dan Okafor.');
  // The filter narrows the list; who is chosen stays chosen.
  await dialog(page).getByRole('searchbox', { name: 'Filter colleagues' }).fill('dan');
  assert.equal(await dialog(page).locator('.pick-box').count(), 1);
  await box(DAN).uncheck();
  await dialog(page).getByRole('searchbox', { name: 'Filter colleagues' }).fill('zzz');
  await dialog(page).getByText('No one matches “zzz”.').waitFor();
  await dialog(page).getByRole('searchbox', { name: 'Filter colleagues' }).fill('');
  assert.ok(await box(BOB).isChecked());
  assert.equal(await box(DAN).isChecked(), false);

  // A time, this computer's, sent as an instant.
  await dialog(page).getByLabel('Date and time (optional)').fill('2025-03-04T15:30');
  const iso = await page.evaluate(() => new Date('2025-03-04T15:30').toISOString());
  await dialog(page).getByRole('button', { name: 'Create', exact: true }).click();
  await dialog(page).getByRole('button', { name: 'Creating…' }).waitFor();
  await dialog(page).waitFor({ state: 'hidden' });
  assert.deepEqual(await asked(page, 'create_meeting'), [{ new: { title: 'Pipeline sync', participant_ids: [BOB.id, CAROL.id], scheduled_at: iso } }]);
  assert.deepEqual(await asked(page, 'join_meeting'), [], 'not started');
  await panel(page).getByRole('status').filter({ hasText: 'Meeting “Pipeline sync” created.' }).waitFor();
  await row(page, MADE.id).waitFor();
  await until(page, () => window.__test.calls('meetings').length === 2);
  assert.ok(await opener.evaluate((b) => b === document.activeElement), 'back on New meeting');

  // No time: none sent. A refusal is said in the dialog, which stays open.
  await page.evaluate(() => window.__test.respond('create_meeting', { err: 'The server refused the request (400 Bad Request).' }));
  await opener.click();
  assert.equal(await title.inputValue(), '', 'starts afresh');
  await title.fill('Another');
  await page.keyboard.press('Enter');
  await dialog(page).getByRole('alert').filter({ hasText: 'The server refused the request' }).waitFor();
  assert.deepEqual((await asked(page, 'create_meeting'))[1], { new: { title: 'Another', participant_ids: [] } });
  assert.ok(await dialog(page).isVisible());
  await finish(page);
});

test('meetings: Start it now creates the meeting and joins it: the meeting card appears with focus on Mute', async () => {
  const MADE = meeting(21, 'Quick huddle', ME, [BOB], 'scheduled');
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      meetings: { ok: LIST },
      create_meeting: { ok: MADE },
      join_meeting: { ok: meetingView(MADE), delayMs: 300 },
    },
  });
  await openTab(page);
  await page.getByRole('button', { name: 'New meeting' }).click();
  await dialog(page).getByRole('textbox', { name: 'Title' }).fill('Quick huddle');
  await dialog(page).getByRole('checkbox', { name: /Bob Stone/ }).check();
  await dialog(page).getByRole('checkbox', { name: 'Start it now' }).check();
  await dialog(page).getByRole('button', { name: 'Create and start' }).click();
  await card(page, 'Quick huddle').waitFor();
  await dialog(page).waitFor({ state: 'hidden' });
  assert.deepEqual(await asked(page, 'create_meeting'), [{ new: { title: 'Quick huddle', participant_ids: [BOB.id] } }]);
  assert.deepEqual(await asked(page, 'join_meeting'), [{ meetingId: MADE.id }]);
  await until(page, () => document.activeElement?.matches('.meeting-card .meeting-mute'));
  await finish(page);
});

test('meetings: Join: the meeting card, over every tab, with each person as they are, my level; the payloads move levels and states', async () => {
  const page = await openApp(env, {
    now: NOON,
    responses: { app_state: { ok: appState() }, meetings: { ok: LIST }, join_meeting: { ok: meetingView(STANDUP), delayMs: 200 } },
  });
  await openTab(page);
  await row(page, STANDUP.id).getByRole('button', { name: 'Join' }).click();
  await row(page, STANDUP.id).getByRole('button', { name: 'Joining…' }).waitFor();
  const c = card(page, 'Daily stand-up');
  await c.waitFor();
  assert.deepEqual(await asked(page, 'join_meeting'), [{ meetingId: STANDUP.id }]);
  await until(page, () => document.activeElement?.matches('.meeting-card .meeting-mute'));
  // Joined: the list again, the row says so.
  await until(page, () => window.__test.calls('meetings').length === 2);
  await row(page, STANDUP.id).getByText('You are in it').waitFor();
  assert.equal(await row(page, STANDUP.id).getByRole('button', { name: 'Join' }).count(), 0);

  // Everyone else invited, in the meeting's order; nobody here yet.
  const peerRow = (u) => c.locator(`.meeting-peer[data-user-id="${u.id}"]`);
  assert.deepEqual(await c.locator('.peer-name').allInnerTexts(), ['Bob Stone', 'Carol Diaz', 'Dan Okafor']);
  for (const u of [BOB, CAROL, DAN]) assert.equal(await peerRow(u).locator('.peer-state').textContent(), 'Not here');
  assert.equal(await c.locator('.meeting-here-count').textContent(), '1 of 4 here');
  assert.equal(await c.locator('.meeting-host-note').textContent(), 'You are a guest');
  assert.equal(await c.getByRole('button', { name: 'Mute', exact: true }).getAttribute('aria-pressed'), 'false');

  // The shell's views: Bob here, speaking, on a good line; Carol connecting; my level.
  await engine(page, { type: 'meeting', meeting: IN_STANDUP() });
  await until(page, () => document.querySelector('.meeting-peer[data-user-id="2"]')?.dataset.state === 'connected');
  assert.equal(await peerRow(BOB).locator('.peer-state').textContent(), 'Here');
  const bobLevel = c.getByRole('meter', { name: 'Bob Stone’s voice level' });
  assert.equal(await bobLevel.getAttribute('aria-valuenow'), '77');
  assert.equal(await peerRow(BOB).locator('.quality').getAttribute('aria-label'), 'Call quality Good, 4 of 5 bars: 42 ms round trip, 0.5% loss, 3 ms jitter');
  assert.equal(await peerRow(BOB).locator('.quality-word').textContent(), 'Good (4 of 5)');
  assert.equal(await peerRow(CAROL).locator('.peer-state').textContent(), 'Connecting…');
  assert.equal(await peerRow(CAROL).locator('.peer-live').isVisible(), false, 'no meter until connected');
  assert.equal(await peerRow(DAN).locator('.peer-state').textContent(), 'Not here');
  assert.equal(await c.getByRole('meter', { name: 'Your microphone level' }).getAttribute('aria-valuenow'), '57');
  assert.equal(await c.locator('.meeting-here-count').textContent(), '2 of 4 here');

  // Quieter; Carol here; Bob gone.
  await engine(page, {
    type: 'meeting',
    meeting: meetingView(STANDUP, { peers: { [CAROL.id]: { state: 'connected', level: 0.001 } }, my_level: 0 }),
  });
  await until(page, () => document.querySelector('.meeting-peer[data-user-id="3"]')?.dataset.state === 'connected');
  assert.equal(await peerRow(BOB).locator('.peer-state').textContent(), 'Not here');
  assert.equal(await peerRow(CAROL).locator('.quality-word').textContent(), 'Measuring…');
  assert.equal(await c.getByRole('meter', { name: 'Carol Diaz’s voice level' }).getAttribute('aria-valuenow'), '0');
  assert.equal(await c.getByRole('meter', { name: 'Your microphone level' }).getAttribute('aria-valuenow'), '0');

  // Over every tab.
  for (const name of ['People', 'Call-backs', 'History', 'Settings']) {
    await page.getByRole('button', { name, exact: true }).click();
    assert.ok(await c.isVisible(), `shown in ${name}`);
  }
  await finish(page);
});

test('meetings: a level-only view touches only the meters', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ meeting: IN_STANDUP() }) } } });
  await card(page, 'Daily stand-up').waitFor();
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));
  await page.evaluate(() => {
    window.__mutations = [];
    window.__observer = new MutationObserver((records) => window.__mutations.push(...records));
    window.__observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  for (const level of [0.05, 0.3, 0.01, 0.5]) {
    await engine(page, {
      type: 'meeting',
      meeting: IN_STANDUP({ my_level: level / 2, participants: IN_STANDUP().participants.map((p) => (p.state === 'connected' ? { ...p, level, quality: { ...QUALITY_GOOD } } : p)) }),
    });
  }
  await page.waitForTimeout(100);
  const outside = await page.evaluate(() => {
    window.__mutations.push(...window.__observer.takeRecords());
    window.__observer.disconnect();
    return window.__mutations
      .map((r) => (r.target instanceof Element ? r.target : r.target.parentElement))
      .filter((el) => !el?.closest('[role="meter"]'))
      .map((el) => el?.className);
  });
  assert.deepEqual(outside, []);
  await finish(page);
});

test('meetings: Mute and Unmute ask set_meeting_muted; views sent meanwhile do not undo it; a refusal puts it back', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ meeting: IN_STANDUP() }) },
      set_meeting_muted: [
        { ok: IN_STANDUP({ muted: true, my_level: 0 }), delayMs: 400 },
        { ok: IN_STANDUP({ muted: false }) },
        { err: 'You are not in a meeting.' },
      ],
    },
  });
  const c = card(page, 'Daily stand-up');
  await c.waitFor();
  const mute = c.locator('.meeting-mute');
  await mute.click();
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  assert.equal(await mute.innerText(), 'Unmute');
  // A view from before the change arrives meanwhile: still muted on screen.
  await engine(page, { type: 'meeting', meeting: IN_STANDUP({ muted: false }) });
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  await c.getByRole('status').filter({ hasText: 'Muted: the others cannot hear you' }).waitFor();
  await until(page, () => window.__test.calls('set_meeting_muted').length === 1 && !document.querySelector('.meeting-card [aria-busy]'));
  await page.waitForTimeout(450);
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');

  await mute.press('Space');
  await until(page, () => document.querySelector('.meeting-card .meeting-mute').getAttribute('aria-pressed') === 'false');
  assert.equal(await mute.innerText(), 'Mute');
  assert.deepEqual(await asked(page, 'set_meeting_muted'), [{ muted: true }, { muted: false }]);

  // Refused: as it was, and why.
  await mute.click();
  await c.getByRole('alert').filter({ hasText: 'You are not in a meeting.' }).waitFor();
  assert.equal(await mute.getAttribute('aria-pressed'), 'false');
  await finish(page);
});

test('meetings: Leave asks leave_meeting and the card goes; End for everyone asks first, then end_meeting', async () => {
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState({ meeting: IN_STANDUP() }) },
      meetings: { ok: LIST },
      leave_meeting: { ok: null, delayMs: 200 },
      end_meeting: { ok: null, delayMs: 200 },
      join_meeting: { ok: IN_STANDUP() },
    },
  });
  await openTab(page);
  const c = card(page, 'Daily stand-up');
  await c.getByRole('button', { name: 'Leave' }).click();
  await c.getByRole('button', { name: 'Leaving…' }).waitFor();
  await c.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'leave_meeting')).length, 1);
  // Focus to the section, the list again, and Join again.
  await until(page, () => document.activeElement?.id === 'meetings-title');
  await until(page, () => window.__test.calls('meetings').length === 2);
  assert.equal(await row(page, STANDUP.id).getByText('You are in it').isVisible(), false);

  await row(page, STANDUP.id).getByRole('button', { name: 'Join' }).click();
  await c.waitFor();
  const end = c.locator('.meeting-controls').getByRole('button', { name: 'End for everyone', exact: true });
  await end.click();
  const ask = c.getByRole('group', { name: /End the meeting for everyone\?/ });
  await ask.waitFor();
  assert.equal(await end.getAttribute('aria-expanded'), 'true');
  assert.ok(await ask.evaluate((g) => g === document.activeElement));
  await ask.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await ask.isVisible(), false);
  assert.ok(await end.evaluate((b) => b === document.activeElement), 'back on End for everyone');
  assert.equal((await invoked(page, 'end_meeting')).length, 0);
  await end.click();
  await ask.getByRole('button', { name: 'End for everyone' }).click();
  await ask.getByRole('button', { name: 'Ending…' }).waitFor();
  await c.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'end_meeting')).length, 1);
  await finish(page);
});

test('meetings: `meeting: null` takes the card away; a view with `ended` says why until Dismiss', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState({ meeting: IN_STANDUP() }) } } });
  const c = card(page, 'Daily stand-up');
  await c.waitFor();
  // Left (elsewhere: the shell): the card goes.
  await engine(page, { type: 'meeting', meeting: null });
  await c.waitFor({ state: 'hidden' });

  // In it again, with focus on Mute; then put out of it: the sentence, and focus on Dismiss.
  await engine(page, { type: 'meeting', meeting: IN_STANDUP() });
  await c.locator('.meeting-mute').focus();
  await engine(page, { type: 'meeting', meeting: IN_STANDUP({ ended: 'The meeting has ended.' }) });
  await c.locator('.meeting-ended').waitFor();
  assert.equal(await c.locator('.meeting-ended-text').innerText(), '“Daily stand-up”: The meeting has ended.');
  await c.getByRole('status').filter({ hasText: 'Daily stand-up: The meeting has ended.' }).waitFor();
  assert.equal(await c.locator('.meeting-in').isVisible(), false);
  assert.ok(await c.getByRole('button', { name: 'Dismiss' }).evaluate((b) => b === document.activeElement));
  // The shell's state after it (not in a meeting) keeps the sentence.
  await engine(page, { type: 'app_state', state: appState() });
  assert.ok(await c.locator('.meeting-ended').isVisible());
  // Call works again.
  assert.equal(await page.getByRole('button', { name: 'Call Bob Stone', exact: true }).isDisabled(), false);
  await c.getByRole('button', { name: 'Dismiss' }).click();
  await c.waitFor({ state: 'hidden' });
  await until(page, () => document.activeElement?.id === 'people-title');
  await finish(page);
});

test('meetings: a colleague starts one: a banner with Join and Dismiss; joined, dismissed, or over, it goes', async () => {
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      meetings: [{ ok: LIST }, { ok: meetingPage([STANDUP, { ...REVIEW, status: 'ongoing', active_call_id: 412 }, RETRO]), delayMs: 1000 }],
      join_meeting: [{ err: 'Cannot open the microphone.' }, { ok: IN_STANDUP() }],
    },
  });
  const started = (m = STANDUP, by = BOB) => engine(page, { type: 'meeting_started', meeting: { ...m, status: 'scheduled' }, call: meetingCall(300 + m.id, m.id, by) });
  const banner = page.getByRole('region', { name: 'Meeting started' });

  // Dismiss.
  await started();
  await banner.waitFor();
  assert.equal(await banner.locator('.banner-text').textContent(), 'Bob Stone started “Daily stand-up”');
  await banner.getByRole('alert').filter({ hasText: 'Bob Stone started “Daily stand-up”' }).waitFor();
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await banner.waitFor({ state: 'hidden' });
  assert.deepEqual(await asked(page, 'join_meeting'), []);

  // Over before I joined.
  await started(REVIEW, CAROL);
  await banner.getByText('Carol Diaz started “Q3 pipeline review”').waitFor();
  await engine(page, { type: 'meeting_ended', meeting_id: 999, call: meetingCall(1, 999, CAROL, 'ended') });
  assert.ok(await banner.isVisible(), 'another meeting ending leaves it');
  await engine(page, { type: 'meeting_ended', meeting_id: REVIEW.id, call: meetingCall(312, REVIEW.id, CAROL, 'ended') });
  await banner.waitFor({ state: 'hidden' });

  // Join: refused (said in the banner), then joined: the banner goes, the card comes.
  await started();
  await banner.getByRole('button', { name: 'Join' }).click();
  await banner.getByRole('alert').filter({ hasText: 'Cannot open the microphone.' }).waitFor();
  await banner.getByRole('button', { name: 'Join' }).click();
  await card(page, 'Daily stand-up').waitFor();
  await banner.waitFor({ state: 'hidden' });
  assert.deepEqual(await asked(page, 'join_meeting'), [{ meetingId: STANDUP.id }, { meetingId: STANDUP.id }]);
  await until(page, () => document.activeElement?.matches('.meeting-card .meeting-mute'));

  // The list shows one started under way at once (and is loaded again).
  await openTab(page);
  await engine(page, { type: 'meeting_started', meeting: REVIEW, call: meetingCall(412, REVIEW.id, CAROL) });
  await until(page, () => document.querySelector('.meeting-row[data-meeting-id="12"] .meeting-status')?.textContent === 'In progress');
  assert.equal((await invoked(page, 'meetings')).length, 2);
  // Joining it is for after this one: the banner's Join says why.
  const join = banner.getByRole('button', { name: 'Join' });
  assert.ok(await join.isDisabled());
  assert.equal(await join.getAttribute('title'), 'Leave the meeting to join another.');
  await finish(page);
});

test('meetings: a colleague adds me to their call: asked as an incoming call is (who adds me, who else is on it); Escape leaves the banner, whose Join joins; Enter joins', async () => {
  const grown = meeting(21, 'Bob Stone, Carol Diaz and Me', BOB, [CAROL, ME], 'ongoing', { active_call_id: 321 });
  const page = await openApp(env, {
    now: NOON,
    responses: { app_state: { ok: appState() }, meetings: { ok: LIST }, join_meeting: { ok: meetingView(grown) } },
  });
  const added = () =>
    engine(page, { type: 'meeting_started', meeting: grown, call: meetingCall(321, grown.id, BOB), added_to_call: { call_id: 77, with: CAROL } });
  const dialog = page.getByRole('alertdialog', { name: 'Bob Stone is adding you to a call' });
  const banner = page.getByRole('region', { name: 'Added to a call' });

  // Asked at once, focus on Join; the window behind is inert.
  await page.getByRole('button', { name: 'Call Bob Stone', exact: true }).focus();
  await added();
  await dialog.waitFor();
  assert.equal(await dialog.locator('#invitation-desc').textContent(), 'With Carol Diaz. Press Enter to join or Escape to decline.');
  await until(page, () => document.activeElement?.textContent?.includes('Join') && !!document.activeElement.closest('[role="alertdialog"]'));
  assert.ok(await page.evaluate(() => document.getElementById('app').inert), 'the window behind is inert');
  await page.waitForTimeout(350); // past the Enter guard, for the screenshot's sake
  await shot(page, 'meeting-added-to-call-dialog');
  // Tab stays inside: Join, Decline, Join.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.querySelector('.label')?.textContent), 'Decline');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.querySelector('.label')?.textContent), 'Join');

  // Escape: the dialog goes, focus comes back; the banner says the same and offers Join.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await until(page, () => document.activeElement?.getAttribute('aria-label') === 'Call Bob Stone');
  assert.equal(await banner.locator('.banner-text').textContent(), 'Bob Stone is adding you to a call with Carol Diaz');
  await shot(page, 'meeting-added-to-call-banner');
  assert.deepEqual(await asked(page, 'join_meeting'), []);
  await banner.getByRole('button', { name: 'Join' }).click();
  await card(page, grown.title).waitFor();
  assert.deepEqual(await asked(page, 'join_meeting'), [{ meetingId: grown.id }]);
  await finish(page);

  // Enter joins from the dialog.
  const again = await openApp(env, {
    now: NOON,
    responses: { app_state: { ok: appState() }, meetings: { ok: LIST }, join_meeting: { ok: meetingView(grown) } },
  });
  await engine(again, { type: 'meeting_started', meeting: grown, call: meetingCall(321, grown.id, BOB), added_to_call: { call_id: 77, with: CAROL } });
  await again.getByRole('alertdialog', { name: 'Bob Stone is adding you to a call' }).waitFor();
  await again.waitForTimeout(350);
  await again.keyboard.press('Enter');
  await card(again, grown.title).waitFor();
  assert.deepEqual(await asked(again, 'join_meeting'), [{ meetingId: grown.id }]);
  await again.getByRole('alertdialog').waitFor({ state: 'hidden' });
  await finish(again);
});

test('meetings: being added gives way to a call ringing (its modal on screen, the banner still there); a meeting started as one only says so in the banner', async () => {
  const grown = meeting(21, 'Bob Stone, Carol Diaz and Me', BOB, [CAROL, ME], 'ongoing', { active_call_id: 321 });
  const page = await openApp(env, { now: NOON, responses: { app_state: { ok: appState() }, meetings: { ok: LIST } } });
  await engine(page, { type: 'meeting_started', meeting: grown, call: meetingCall(321, grown.id, BOB), added_to_call: { call_id: 77, with: CAROL } });
  await page.getByRole('alertdialog', { name: 'Bob Stone is adding you to a call' }).waitFor();
  await engine(page, { type: 'incoming_call', call_id: 88, from_user_id: DAN.id, caller_name: 'Dan Okafor', call_type: 'audio', room_name: 'r', regarding: null });
  await page.getByRole('alertdialog', { name: 'Dan Okafor is calling' }).waitFor();
  assert.equal(await page.getByRole('alertdialog', { name: 'Bob Stone is adding you to a call' }).count(), 0);
  assert.ok(await page.getByRole('region', { name: 'Added to a call' }).isVisible());
  await finish(page);

  const plain = await openApp(env, { now: NOON, responses: { app_state: { ok: appState() }, meetings: { ok: LIST } } });
  await engine(plain, { type: 'meeting_started', meeting: REVIEW, call: meetingCall(412, REVIEW.id, CAROL), added_to_call: null });
  await plain.getByRole('region', { name: 'Meeting started' }).getByText('Carol Diaz started “Q3 pipeline review”').waitFor();
  assert.equal(await plain.getByRole('alertdialog').count(), 0, 'no dialog for a meeting started as one');
  await finish(plain);
});

test('meetings: in a meeting, Call is off everywhere with why; other meetings cannot be joined; in a call, no meeting can', async () => {
  const page = await openApp(env, {
    now: NOON,
    responses: { app_state: { ok: appState({ meeting: IN_STANDUP() }) }, meetings: { ok: LIST } },
  });
  await card(page, 'Daily stand-up').waitFor();
  for (const u of [BOB, CAROL, DAN]) {
    const b = page.getByRole('button', { name: `Call ${u.full_name}`, exact: true });
    assert.ok(await b.isDisabled(), u.full_name);
    assert.equal(await b.getAttribute('title'), 'Leave the meeting to call.');
    assert.equal(await page.getByRole('button', { name: `Video call ${u.full_name}` }).getAttribute('title'), 'Leave the meeting to call.');
  }
  assert.equal(await page.locator('#in-call-note').textContent(), 'You are in a meeting. Leave the meeting to call someone.');

  await openTab(page);
  await row(page, STANDUP.id).getByText('You are in it').waitFor();
  for (const [id, name] of [[REVIEW.id, 'Start'], [RETRO.id, 'Start again']]) {
    const b = row(page, id).getByRole('button', { name, exact: true });
    assert.ok(await b.isDisabled());
    assert.equal(await b.getAttribute('title'), 'Leave the meeting to join another.');
  }
  assert.equal(await panel(page).locator('.meetings-busy').textContent(), 'You are in a meeting. Leave it to start or join another.');
  // A new one can still be made, not started now.
  await page.getByRole('button', { name: 'New meeting' }).click();
  const startNow = dialog(page).getByRole('checkbox', { name: 'Start it now' });
  assert.ok(await startNow.isDisabled());
  assert.match(await dialog(page).locator('.start-now .hint').textContent(), /^Leave the meeting to join another\. You can start it later/);
  await page.keyboard.press('Escape');

  // Left: Call again. In a call: no meeting.
  await engine(page, { type: 'meeting', meeting: null });
  await engine(page, { type: 'app_state', state: appState({ active_call: call(70, ME, BOB, 'active'), media: { state: 'connected', setup_ms: 300 } }) });
  await page.locator('.call-card[data-mode="active"]').waitFor();
  for (const [id, name] of [[STANDUP.id, 'Join'], [REVIEW.id, 'Start']]) {
    const b = row(page, id).getByRole('button', { name, exact: true });
    assert.ok(await b.isDisabled());
    assert.equal(await b.getAttribute('title'), 'End your call to join a meeting.');
  }
  await finish(page);
});

test('meetings: a refused join is said in the list', async () => {
  const NOT_DURING = 'You are in a call with Bob Stone; end it before joining the meeting.';
  const page = await openApp(env, { now: NOON, responses: { app_state: { ok: appState() }, meetings: { ok: LIST }, join_meeting: { err: NOT_DURING } } });
  await openTab(page);
  await row(page, RETRO.id).getByRole('button', { name: 'Start again' }).click();
  await panel(page).getByRole('alert').filter({ hasText: NOT_DURING }).waitFor();
  assert.deepEqual(await asked(page, 'join_meeting'), [{ meetingId: RETRO.id }]);
  assert.equal(await page.locator('.meeting-card').isVisible(), false);
  await finish(page);
});

test('meetings: the New meeting dialog by keyboard only; Tab stays inside; Escape closes it, back on New meeting', async () => {
  const MADE = meeting(22, 'Renewals', ME, [CAROL], 'scheduled');
  const page = await openApp(env, {
    now: NOON,
    responses: { app_state: { ok: appState() }, meetings: { ok: LIST }, create_meeting: { ok: MADE } },
  });
  await openTab(page);
  const opener = page.getByRole('button', { name: 'New meeting' });
  await opener.focus();
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await page.keyboard.type('Renewals');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.type), 'search');
  await page.keyboard.type('carol');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.userId), String(CAROL.id));
  await page.keyboard.press('Space');
  assert.ok(await dialog(page).getByRole('checkbox', { name: /Carol Diaz/ }).isChecked());
  // On to the time (left empty; Tab also goes through its parts), Start it now (left off),
  // Cancel, Create.
  const stops = [];
  for (let i = 0; i < 20 && stops.at(-1) !== 'Create'; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => {
      const a = document.activeElement;
      if (a?.type === 'datetime-local') return 'time';
      if (a?.type === 'checkbox') return document.querySelector(`label[for="${a.id}"]`)?.textContent ?? 'checkbox';
      return a?.querySelector('.label')?.textContent ?? a?.tagName;
    });
    if (stops.at(-1) !== here) stops.push(here);
  }
  assert.deepEqual(stops, ['time', 'Start it now', 'Cancel', 'Create']);
  // From Create, Tab goes round to the title, and back.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'title');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Create');
  await page.keyboard.press('Enter');
  await dialog(page).waitFor({ state: 'hidden' });
  assert.deepEqual(await asked(page, 'create_meeting'), [{ new: { title: 'Renewals', participant_ids: [CAROL.id] } }]);
  assert.ok(await opener.evaluate((b) => b === document.activeElement));

  // Escape closes, back on New meeting; nothing asked. (Escape in the filter clears it first.)
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await page.keyboard.type('Not this one');
  await page.keyboard.press('Tab');
  await page.keyboard.type('bob');
  await page.keyboard.press('Escape');
  assert.ok(await dialog(page).isVisible());
  assert.equal(await dialog(page).getByRole('searchbox').inputValue(), '');
  await page.keyboard.press('Escape');
  await dialog(page).waitFor({ state: 'hidden' });
  assert.ok(await opener.evaluate((b) => b === document.activeElement));
  assert.equal((await invoked(page, 'create_meeting')).length, 1);
  await finish(page);
});

/** In the stand-up: Bob here (good line, speaking), Carol connecting, Dan not here. */
const IN_STANDUP = (patch = {}) =>
  meetingView(STANDUP, {
    peers: { [BOB.id]: { state: 'connected', level: 0.2, quality: QUALITY_GOOD }, [CAROL.id]: { state: 'connecting' } },
    my_level: 0.05,
    ...patch,
  });

for (const scheme of ['light', 'dark']) {
  test(`meetings: screenshots (${scheme})`, async () => {
    const page = await openApp(env, {
      colorScheme: scheme,
      now: NOON,
      responses: {
        app_state: { ok: appState() },
        meetings: { ok: meetingPage([STANDUP, REVIEW, RETRO], { count: 23, next: 'https://10.0.0.5:8000/api/meetings/?page=2' }) },
      },
    });
    await openTab(page);
    await page.getByRole('button', { name: 'More', exact: true }).waitFor();
    await shot(page, 'meetings-list');
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, 'meetings-list-narrow');
    await page.setViewportSize({ width: 1100, height: 760 });
    // The host's Delete, confirming.
    await row(page, REVIEW.id).getByRole('button', { name: 'Delete' }).click();
    await row(page, REVIEW.id).locator('.confirm').waitFor();
    await shot(page, 'meetings-delete', { element: page.locator('.meeting-list') });
    await row(page, REVIEW.id).getByRole('button', { name: 'Cancel' }).click();

    // New meeting: an empty title said, then five chosen (the others off), a time.
    await page.getByRole('button', { name: 'New meeting' }).click();
    await dialog(page).waitFor();
    await dialog(page).getByRole('button', { name: 'Create' }).click();
    await dialog(page).getByText('Give the meeting a title.').waitFor();
    await shot(page, 'meetings-new-empty-title', { element: dialog(page) });
    await dialog(page).getByLabel('Title').fill('Quarterly planning with the whole sales team');
    for (const u of [BOB, CAROL, DAN, ERIN, FARID]) await dialog(page).getByRole('checkbox', { name: new RegExp(u.full_name) }).check();
    await dialog(page).getByLabel('Date and time (optional)').fill('2025-03-04T15:30');
    await shot(page, 'meetings-new');
    await shot(page, 'meetings-new-dialog', { element: dialog(page) });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, 'meetings-new-narrow');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1100, height: 760 });

    // In the stand-up, muted; the list behind it.
    await engine(page, { type: 'meeting', meeting: IN_STANDUP({ muted: true, my_level: 0 }) });
    await card(page, 'Daily stand-up').waitFor();
    await shot(page, 'meetings-in-meeting');
    await shot(page, 'meetings-in-meeting-card', { element: card(page, 'Daily stand-up') });
    await card(page, 'Daily stand-up').getByRole('button', { name: 'End for everyone' }).click();
    await card(page, 'Daily stand-up').locator('.confirm').waitFor();
    await shot(page, 'meetings-end-confirm', { element: card(page, 'Daily stand-up') });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, 'meetings-in-meeting-narrow', { fullPage: true });
    await page.setViewportSize({ width: 1100, height: 760 });
    await card(page, 'Daily stand-up').getByRole('button', { name: 'Cancel' }).click();
    // People during it: Call is off.
    await page.getByRole('button', { name: 'People', exact: true }).click();
    await page.getByRole('button', { name: 'Call Bob Stone', exact: true }).hover({ force: true });
    await shot(page, 'meetings-people-during', { element: page.locator('.panel.people') });

    // Put out of it; then a colleague starts another.
    await engine(page, { type: 'meeting', meeting: IN_STANDUP({ ended: 'The meeting has ended.' }) });
    await page.locator('.meeting-ended').waitFor();
    await engine(page, { type: 'meeting_started', meeting: REVIEW, call: meetingCall(77, REVIEW.id, CAROL) });
    await page.locator('.banner-meeting').waitFor();
    await page.mouse.move(1, 1);
    await page.evaluate(() => document.scrollingElement.scrollTo(0, 0));
    await shot(page, 'meetings-ended-and-banner');
    await shot(page, 'meetings-banner', { element: page.locator('.banner-meeting') });
    await finish(page);
  });
}
