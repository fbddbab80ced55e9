// Screenshots of every screen, light and dark, into tests/screenshots/ for a person to
// look at. Each also checks that the screen it shot is the one it meant to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  appState,
  BOB,
  call,
  callback,
  CAROL,
  CODE_INVITE,
  DAN,
  ERIN,
  FARID,
  FIRST_RUN,
  fixturesAt,
  FP_HOST,
  hosting,
  HOSTING,
  linkCall,
  ME,
  NOON,
  QUALITY_GOOD,
  serverCheck,
  SIGN_IN,
  USERS,
} from './fixtures.mjs';
import { engine, finish, openApp, setup, shot } from './support.mjs';

// Screens show dates as "Today 11:55" or "Yesterday": every time here counts from a fixed
// noon and every page starts its clock there, so that the same screens are shot whatever
// the hour the tests run at.
const { campOn, delivery, invites, minutesFromNow, note, teamInvite, webhook } = fixturesAt(NOON);

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const HISTORY = {
  count: 6,
  next: null,
  previous: null,
  results: [
    call(101, BOB, ME, 'missed', { created_at: new Date(NOON - 20 * 60_000).toISOString() }),
    call(102, ME, CAROL, 'completed', { duration_seconds: 312, created_at: new Date(NOON - 95 * 60_000).toISOString() }),
    call(103, DAN, ME, 'completed', { duration_seconds: 47, call_type: 'video' }),
    call(104, ME, BOB, 'missed'),
    call(105, ME, DAN, 'rejected'),
    call(106, CAROL, ME, 'cancelled'),
  ],
};

for (const scheme of ['light', 'dark']) {
  test(`screenshots (${scheme})`, async () => {
    const open = (responses) => openApp(env, { colorScheme: scheme, responses, now: NOON });

    let page = await open({ app_state: { ok: FIRST_RUN } });
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await shot(page, '1-first-run');
    await page.getByRole('radio', { name: /Host for my team/ }).check();
    await shot(page, '1-first-run-host');
    await finish(page);

    // `switchboard --embedded`: the server runs before anyone signs in.
    page = await open({ app_state: { ok: { ...FIRST_RUN, hosting: { ...HOSTING, admin_username: '' }, server_url: HOSTING.url } } });
    await page.locator('.running-note').waitFor();
    assert.ok(await page.getByRole('radio', { name: /Host for my team/ }).isChecked());
    await shot(page, '1-first-run-embedded', { fullPage: true });
    await finish(page);

    // Connecting to a server whose certificate no authority signed: compare, then trust.
    page = await open({ app_state: { ok: FIRST_RUN }, check_server: { ok: serverCheck({ kind: 'unknown' }) } });
    const connect = page.locator('form[aria-label="Connect"]');
    await connect.getByLabel('Server address').fill('10.0.0.5:8000');
    await connect.getByLabel('Username').fill('alice');
    await connect.getByLabel('Password').fill('secret');
    await connect.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('region', { name: 'Is this your team’s server?' }).waitFor();
    await shot(page, '1-first-run-certificate', { fullPage: true });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '1-first-run-certificate-narrow', { fullPage: true });
    await finish(page);

    // An invite link pasted (here: opened) fills the address and brings the certificate.
    page = await open({
      app_state: { ok: { ...FIRST_RUN, invite: { server: 'https://192.168.1.20:8000', fingerprint: FP_HOST } } },
    });
    await page.locator('.invite-note').waitFor();
    await shot(page, '1-first-run-invite', { fullPage: true });
    await finish(page);

    page = await open({
      app_state: { ok: appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null }) },
      check_server: [
        { ok: serverCheck({ kind: 'pinned' }) },
        { ok: serverCheck({ kind: 'changed', pinned: FP_HOST }) },
      ],
      sign_in: { err: 'Cannot reach the server at https://10.0.0.5:8000: is it running?' },
    });
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Cannot reach' }).waitFor();
    await shot(page, '2-sign-in-error');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('region', { name: /certificate has changed/ }).waitFor();
    await shot(page, '2-sign-in-certificate-changed', { fullPage: true });
    await finish(page);

    // After hosting: the banner with the fingerprint and the invite link, wide and narrow.
    const host = hosting(['https://192.168.1.20:8000', 'https://10.8.0.3:8000']);
    page = await open({ app_state: { ok: appState({ hosting: host, server_url: host.url, users: [USERS[0]] }) } });
    await page.locator('.banner-host .fingerprint').waitFor();
    await shot(page, '3-people-hosting');
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '3-people-hosting-narrow', { fullPage: true });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('region', { name: 'Hosting for your team' }).waitFor();
    await shot(page, '7-settings-hosting-narrow');
    await finish(page);

    page = await open({ app_state: { ok: appState({ missed_calls: 2 }) } });
    await page.locator('.person').first().waitFor();
    assert.equal(await page.locator('.person').count(), USERS.length - 1);
    await shot(page, '3-people');
    await engine(page, { type: 'connection', state: 'reconnecting', attempt: 3, retry_in_ms: 8000, reason: 'Connection reset by peer' });
    await page.locator('.banner-conn').waitFor();
    await shot(page, '3-people-reconnecting');
    await engine(page, { type: 'connection', state: 'online', mode: 'web_socket' });
    await engine(page, { type: 'incoming_call', call_id: 60, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'video', room_name: 'r' });
    await page.getByRole('alertdialog').waitFor();
    await shot(page, '4-incoming');
    await finish(page);

    // A call link asks before dialing; during a call, Call waits with the reason.
    page = await open({ app_state: { ok: appState() } });
    await page.locator('.person').first().waitFor();
    await engine(page, { type: 'app_state', state: appState({ link_call: linkCall(BOB) }) });
    const question = page.getByRole('dialog', { name: 'Call Bob Stone?' });
    await question.waitFor();
    await page.waitForFunction(() => document.activeElement?.closest('.link-call') != null);
    await shot(page, '4-call-link');
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '4-call-link-narrow');
    await finish(page);

    const inCall = { active_call: call(70, ME, CAROL, 'active'), media: { state: 'connected', setup_ms: 380 } };
    page = await open({ app_state: { ok: appState({ ...inCall, link_call: linkCall(BOB) }) } });
    await page.getByRole('dialog', { name: 'Call Bob Stone?' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Call', exact: true }).isDisabled());
    await shot(page, '4-call-link-in-call');
    await finish(page);

    page = await open({
      app_state: { ok: appState({ active_call: call(70, ME, BOB, 'active', { started_at: new Date(NOON - 83_000).toISOString() }), media: { state: 'connected', setup_ms: 380 }, my_status: { status: 'busy', message: 'In the office' } }) },
    });
    await page.locator('.call-active').waitFor();
    await engine(page, { type: 'quality', call_id: 70, quality: QUALITY_GOOD });
    await engine(page, { type: 'audio_level', call_id: 70, input: 0.08, output: 0.03 });
    await page.waitForFunction(() => document.querySelector('.quality')?.dataset.score === '4');
    await shot(page, '5-in-call');
    await page.getByRole('button', { name: 'Mute' }).click();
    await page.waitForFunction(() => document.querySelector('.btn.mute')?.getAttribute('aria-pressed') === 'true');
    await shot(page, '5-in-call-muted');
    await engine(page, { type: 'sound_device', switch: { direction: 'output', from: 'USB Headset', to: 'default', reason: 'gone' } });
    await page.locator('.banner-device').waitFor();
    await shot(page, '5-in-call-headset-unplugged');
    await page.getByRole('button', { name: 'End call' }).click();
    await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
    await page.locator('.call-outcome', { hasText: 'Call ended — 1:23' }).waitFor();
    await shot(page, '5-call-ended');
    await finish(page);

    page = await open({ app_state: { ok: appState({ missed_calls: 2 }) }, call_history: { ok: HISTORY } });
    await page.getByRole('button', { name: /History/ }).click();
    await page.locator('tr.missed').first().waitFor();
    await shot(page, '6-history');
    await finish(page);

    page = await open({
      app_state: { ok: appState({ hosting: HOSTING, server_url: HOSTING.url }) },
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.settings select[data-device="input"] option').length === 3);
    await shot(page, '7-settings', { fullPage: true });
    // Raw audio for music: the three processing switches off, still there to turn on.
    await page.getByRole('checkbox', { name: 'Raw audio (for music)' }).check();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    assert.ok(!(await page.getByRole('checkbox', { name: 'Echo cancellation' }).isChecked()));
    await page.getByRole('region', { name: 'Audio' }).scrollIntoViewIfNeeded();
    await shot(page, '7-settings-raw-audio');
    await finish(page);

    page = await open({
      app_state: { ok: appState({ hosting: HOSTING, server_url: HOSTING.url }) },
      add_teammate: [
        { ok: { id: 8, username: 'hana', email: 'hana@acme.test', full_name: 'Hana Sato' } },
        { err: 'Passwords need at least 8 characters.' },
      ],
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    const teammates = page.getByRole('region', { name: 'Teammates' });
    const add = async (fullName, username, password) => {
      await teammates.getByLabel('Full name').fill(fullName);
      await teammates.getByLabel('Username').fill(username);
      await teammates.getByLabel('Password').fill(password);
      await teammates.getByRole('button', { name: 'Add teammate' }).click();
    };
    await add('Hana Sato', 'hana', 'correct horse');
    await teammates.getByRole('status').filter({ hasText: 'can now sign in' }).waitFor();
    await teammates.scrollIntoViewIfNeeded();
    await shot(page, '8-teammate-added');
    await add('Ivan Petrov', 'ivan', 'short');
    await teammates.getByRole('alert').filter({ hasText: '8 characters' }).waitFor();
    await shot(page, '8-teammate-error');
    await page.setViewportSize({ width: 440, height: 900 });
    await teammates.scrollIntoViewIfNeeded();
    await shot(page, '8-teammate-narrow');
    await finish(page);

    // An invite link with a code: "Create your account" (first run), then passwords that differ.
    page = await open({ app_state: { ok: { ...FIRST_RUN, invite: CODE_INVITE } } });
    const join = page.locator('form[aria-label="Create your account"]');
    await join.waitFor();
    await shot(page, '2-join-invite', { fullPage: true });
    await join.getByLabel('Full name').fill('Hana Sato');
    await join.getByLabel('Username').fill('hana');
    await join.getByLabel('Password', { exact: true }).fill('correct horse');
    await join.getByLabel('Confirm password').fill('correct hose');
    await join.getByRole('button', { name: 'Create account' }).click();
    await join.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await shot(page, '2-join-invite-mismatch', { fullPage: true });
    await finish(page);

    // "I have an invite code" on the sign-in screen, typed by hand, with a certificate to compare.
    page = await open({ app_state: { ok: SIGN_IN }, check_server: { ok: serverCheck({ kind: 'unknown' }) } });
    await page.getByRole('button', { name: 'I have an invite code' }).waitFor();
    await shot(page, '2-sign-in-invite-toggle');
    await page.getByRole('button', { name: 'I have an invite code' }).click();
    const byHand = page.locator('form[aria-label="Create your account"]');
    await byHand.getByLabel('Invite code', { exact: true }).fill('K7QM-4XPA-93TD');
    await shot(page, '2-join-by-hand', { fullPage: true });
    await byHand.getByLabel('Full name').fill('Hana Sato');
    await byHand.getByLabel('Username').fill('hana');
    await byHand.getByLabel('Password', { exact: true }).fill('correct horse');
    await byHand.getByLabel('Confirm password').fill('correct horse');
    await byHand.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('region', { name: 'Is this your team’s server?' }).waitFor();
    await shot(page, '2-join-by-hand-certificate', { fullPage: true });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '2-join-by-hand-certificate-narrow', { fullPage: true });
    await finish(page);

    // A disabled account in People.
    page = await open({ app_state: { ok: appState({ users: USERS.map((u) => (u.id === 3 ? { ...u, is_active: false } : u)) }) } });
    await page.locator('.person[data-disabled="true"]').waitFor();
    await shot(page, '3-people-disabled');
    await finish(page);

    // Settings → Account: password changed, then "Sign out everywhere?".
    page = await open({ app_state: { ok: appState({ me: { ...ME, is_admin: false } }) }, change_password: { ok: appState({ me: { ...ME, is_admin: false } }) } });
    await page.getByRole('button', { name: 'Settings' }).click();
    const account = page.getByRole('region', { name: 'Account', exact: true });
    await account.getByLabel('Current password').fill('old secret');
    await account.getByLabel('New password', { exact: true }).fill('new secret 1');
    await account.getByLabel('Confirm new password').fill('new secret 1');
    await account.getByRole('button', { name: 'Change password' }).click();
    await account.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await account.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
    await account.getByRole('group', { name: /Sign out on all your devices/ }).waitFor();
    await account.scrollIntoViewIfNeeded();
    await shot(page, '9-settings-account');
    await page.setViewportSize({ width: 440, height: 900 });
    await account.scrollIntoViewIfNeeded();
    await shot(page, '9-settings-account-narrow');
    await finish(page);

    // Settings → Team: an invite just made, the invites, the members (one disabled, one
    // being deleted).
    const disabledDan = USERS.map((u) => (u.id === 4 ? { ...u, is_active: false } : u));
    page = await open({
      app_state: { ok: appState({ users: disabledDan }) },
      list_invites: { ok: invites() },
      create_invite: { ok: teamInvite() },
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    const team = page.getByRole('region', { name: 'Team', exact: true });
    await team.getByRole('button', { name: 'Create invite' }).click();
    await team.getByRole('group', { name: 'Invite ready' }).waitFor();
    await page.locator('.invite-row').nth(4).waitFor();
    await team.locator('li[data-user-id="2"]').getByRole('button', { name: 'Delete Bob Stone' }).click();
    await team.getByRole('group', { name: /^Delete Bob Stone\?/ }).waitFor();
    await shot(page, '9-settings-team', { fullPage: true });
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '9-settings-team-narrow', { fullPage: true });
    await finish(page);

    // An invite with no link to pin (the server has an authority's certificate).
    page = await open({ app_state: { ok: appState() }, create_invite: { ok: teamInvite({ links: [] }) } });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Create invite' }).click();
    const ready = page.getByRole('group', { name: 'Invite ready' });
    await ready.waitFor();
    await ready.scrollIntoViewIfNeeded();
    await shot(page, '9-settings-team-no-links');
    await finish(page);
    // The CRM record a call is about; quick replies; the after-call log; history with notes.
    const deal = { type: 'deal', id: 'D-118', label: 'ACME renewal', url: 'https://crm.acme.test/deals/118' };
    page = await open({ app_state: { ok: appState() } });
    await page.locator('.person').first().waitFor();
    await engine(page, { type: 'incoming_call', call_id: 60, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'audio', room_name: 'r', regarding: deal });
    await page.getByRole('alertdialog').locator('.modal-regarding').waitFor();
    await shot(page, '4-incoming-regarding');
    await page.getByRole('button', { name: 'Reply…' }).click();
    await page.getByLabel('Your own message', { exact: true }).fill('Back at 3, call me then');
    await shot(page, '4-incoming-replies');
    await finish(page);

    const logged = call(70, ME, BOB, 'completed', {
      regarding: deal,
      logs: [{ author: 1, outcome: 'Follow-up needed', note: 'Send the revised quote by Friday.', created_at: '2025-03-03T10:02:00Z', updated_at: '2025-03-03T10:02:00Z' }],
    });
    page = await open({
      app_state: { ok: appState({ active_call: call(70, ME, BOB, 'active', { regarding: deal, started_at: new Date(NOON - 83_000).toISOString() }), media: { state: 'connected', setup_ms: 380 } }) },
      log_call: [{ err: 'Calls can be logged for 24 hours after they end.' }, { ok: logged }],
    });
    await page.locator('.call-active .call-regarding').waitFor();
    await shot(page, '5-in-call-regarding');
    await page.getByRole('button', { name: 'End call' }).click();
    await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed', { regarding: deal }) });
    const panel = page.locator('.after-call');
    await panel.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#after-call-outcome option').length === 5);
    await panel.getByLabel('Outcome').selectOption('Follow-up needed');
    await panel.getByLabel('Note').fill('Send the revised quote by Friday.');
    await shot(page, '5-after-call');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.locator('.alert', { hasText: '24 hours' }).waitFor();
    await shot(page, '5-after-call-error');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await shot(page, '5-after-call-saved');
    await finish(page);

    const ago = (m) => new Date(NOON - m * 60_000).toISOString();
    page = await open({
      app_state: { ok: appState() },
      call_history: {
        ok: {
          count: 3,
          next: null,
          previous: null,
          results: [
            call(111, ME, BOB, 'completed', {
              regarding: deal,
              created_at: ago(10),
              logs: [
                { author: 1, outcome: 'Follow-up needed', note: 'Send the revised quote by Friday.', created_at: ago(8), updated_at: ago(8) },
                { author: 2, outcome: 'Resolved', created_at: ago(7), updated_at: ago(7) },
              ],
            }),
            call(112, ME, CAROL, 'rejected', { decline_message: "In a meeting — I'll call you back in 10 minutes", created_at: ago(40) }),
            call(113, DAN, ME, 'missed', { regarding: { type: 'ticket', id: 'T-4', label: 'Printer on fire' }, created_at: ago(90) }),
          ],
        },
      },
      callbacks: { ok: [callback(20, DAN, minutesFromNow(25), { call_id: 113 })] },
    });
    await page.getByRole('button', { name: /History/ }).click();
    await page.locator('.call-logs').first().waitFor();
    await shot(page, '6-history-crm');
    // "Call back later" on the declined call: the times to choose from; the missed one has
    // its call-back already.
    await page.locator('tr[data-call-id="112"]').getByRole('button', { name: 'Call back later' }).click();
    await page.locator('tr[data-call-id="112"]').getByRole('button', { name: 'In 10 minutes' }).waitFor();
    await shot(page, '6-history-call-back-later');
    await finish(page);

    // Call-backs: one overdue (about a deal, with a note), two to come, two done; then one due.
    const callbacks = [
      callback(1, BOB, minutesFromNow(-5), { regarding: deal, note: 'Wants the revised quote before Friday.', call_id: 60 }),
      callback(2, CAROL, minutesFromNow(10), { call_id: 112 }),
      callback(3, DAN, minutesFromNow(90), { regarding: { type: 'ticket', id: 'T-4', label: 'Printer on fire' } }),
      callback(4, BOB, minutesFromNow(-60), { completed_at: minutesFromNow(-30), completed_by_call: 77 }),
      callback(5, CAROL, minutesFromNow(-200), { completed_at: minutesFromNow(-100) }),
    ];
    page = await open({ app_state: { ok: appState() }, callbacks: { ok: callbacks } });
    await page.getByRole('button', { name: /^Call-backs/ }).click();
    await page.locator('li[data-callback-id="3"]').waitFor();
    assert.equal(await page.locator('.due-badge > span').first().innerText(), '1');
    await page.locator('li[data-callback-id="2"]').getByRole('button', { name: 'Snooze' }).click();
    await page.locator('li[data-callback-id="2"]').getByRole('button', { name: '1 hour' }).waitFor();
    await page.locator('.callbacks-done summary').click();
    await page.locator('li[data-callback-id="5"]').waitFor();
    await shot(page, '10-callbacks', { fullPage: true });
    await page.getByRole('button', { name: 'People' }).click();
    await engine(page, { type: 'callback_due', callback: callbacks[0] });
    await page.getByRole('region', { name: 'Call-back due' }).waitFor();
    await shot(page, '10-callback-due');
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '10-callback-due-narrow');
    await page.getByRole('button', { name: /^Call-backs/ }).click();
    await page.locator('li[data-callback-id="3"]').waitFor();
    await shot(page, '10-callbacks-narrow', { fullPage: true });
    await finish(page);

    // The busy lamp: offers for those who cannot take a call now, a camp-on, a note sent;
    // then a note being written; the banners when a colleague is free and a note arrives.
    const notes = [
      note(3, BOB, 'Can you call me about the ACME renewal?\nThey want the revised quote before Friday.', 4, { regarding: deal }),
      note(2, CAROL, 'Lunch moved to 1 pm.', 80),
      note(1, DAN, 'Sent you the ticket notes.', 60 * 26, { read_at: minutesFromNow(-60 * 25) }),
    ];
    const erins = note(4, ERIN, 'Out of the meeting now: call me?', 0, { regarding: deal });
    page = await open({
      app_state: { ok: appState() },
      camp_ons: { ok: [campOn(7, FARID)] },
      // At sign-in, then when Notes opens (with the one that arrived meanwhile).
      notes: [{ ok: notes }, { ok: [erins, ...notes] }],
      leave_note: { ok: note(9, ME, 'x') },
    });
    const erin = page.locator('.person[data-user-id="5"]');
    await erin.getByRole('button', { name: 'Leave a note for Erin Walsh' }).click();
    await page.keyboard.type('Call me when you are out of the meeting.');
    await page.getByRole('button', { name: 'Send note' }).click();
    await erin.getByRole('status').filter({ hasText: 'Note sent to Erin Walsh.' }).waitFor();
    await page.locator('.person[data-user-id="6"] .camp-on:not([hidden])').waitFor();
    await shot(page, '11-people-busy-lamp');
    await page.locator('.person[data-user-id="7"]').getByRole('button', { name: 'Leave a note for Grace Lee' }).click();
    await page.keyboard.type('Back tomorrow? The Jones file needs your sign-off.\nNo rush today.');
    await page.locator('.person[data-user-id="7"]').scrollIntoViewIfNeeded();
    await shot(page, '11-people-leave-note');
    await page.keyboard.press('Escape');
    await engine(page, { type: 'colleague_available', camp_on: campOn(7, FARID) });
    await engine(page, { type: 'note_received', note: erins });
    await page.getByRole('region', { name: 'Note received' }).waitFor();
    await page.getByRole('region', { name: 'Farid Haddad can take calls now' }).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '11-banners');
    await page.getByRole('region', { name: 'Note received' }).getByRole('button', { name: 'Open' }).click();
    await page.locator('li[data-note-id="4"]').waitFor();
    await shot(page, '11-notes');
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '11-notes-narrow', { fullPage: true });
    await page.getByRole('button', { name: 'People' }).click();
    await page.locator('.person').first().waitFor();
    await shot(page, '11-people-busy-lamp-narrow', { fullPage: true });
    await finish(page);

    // Settings for administrators: the outcome list (one moved), the webhooks with one's
    // deliveries open and a secret generated for a new one.
    page = await open({
      app_state: { ok: appState() },
      webhooks: {
        ok: [
          webhook(1, 'https://crm.acme.test/hooks/switchboard', { pending: 2, failed: 1 }),
          webhook(2, 'http://10.0.0.9:8080/switchboard', { events: ['callback.created', 'callback.completed'] }),
        ],
      },
      webhook_deliveries: {
        ok: [
          delivery(5, 1, 'call.completed', 'pending', { attempts: 3, last_status: 500, last_error: 'Internal Server Error', next_attempt_at: minutesFromNow(4) }),
          delivery(4, 1, 'call.logged', 'delivered', { last_status: 204, delivered_at: minutesFromNow(-3) }),
          delivery(3, 1, 'call.missed', 'failed', { attempts: 14, last_error: 'connection refused' }),
        ],
      },
    });
    await page.getByRole('button', { name: 'Settings' }).click();
    const outcomes = page.getByRole('region', { name: 'Call outcomes' });
    await outcomes.getByLabel('Outcome 1', { exact: true }).waitFor();
    await outcomes.getByRole('button', { name: 'Move “No decision” up' }).click();
    await outcomes.getByRole('button', { name: 'Add outcome' }).click();
    await page.keyboard.type('Sold');
    await shot(page, '12-settings-outcomes', { element: outcomes });
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    await hooks.locator('.webhook-row').first().waitFor();
    await hooks.getByRole('button', { name: 'Deliveries to https://crm.acme.test/hooks/switchboard' }).click();
    await hooks.locator('table.deliveries').waitFor();
    await hooks.getByLabel('Address').fill('https://crm.acme.test/hooks/calls');
    await hooks.getByRole('button', { name: 'Generate a secret' }).click();
    await shot(page, '12-settings-webhooks', { element: hooks });
    await hooks.getByRole('button', { name: 'Delete the webhook to http://10.0.0.9:8080/switchboard' }).click();
    await page.setViewportSize({ width: 440, height: 900 });
    await shot(page, '12-settings-webhooks-narrow', { element: hooks });
    await finish(page);

    // History: "Log…" on a missed call opens the outcome and note form for it.
    page = await open({ app_state: { ok: appState({ missed_calls: 2 }) }, call_history: { ok: HISTORY } });
    await page.getByRole('button', { name: /History/ }).click();
    await page.locator('tr[data-call-id="101"]').getByRole('button', { name: 'Log the call with Bob Stone' }).click();
    const logPanel = page.getByRole('region', { name: 'Log the missed call from Bob Stone' });
    await logPanel.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#after-call-outcome option').length === 5);
    await logPanel.getByLabel('Outcome').selectOption('Follow-up needed');
    await logPanel.getByLabel('Note').fill('Left a voicemail; try again at 3.');
    await shot(page, '6-history-log');
    await finish(page);
  });
}
