// The UI in headless Chromium against a fake shell (mockIPC): each test drives the page
// like a person (keyboard and clicks) and asserts on the DOM and the commands invoked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  appState,
  BOB,
  call,
  CAROL,
  DAN,
  CODE_INVITE,
  FIRST_RUN,
  FP_HOST,
  FP_OTHER,
  grouped,
  INVITE_CODE,
  invites,
  linkCall,
  SETTINGS,
  SIGN_IN,
  teamInvite,
  hosting,
  HOSTING,
  inviteLink,
  ME,
  QUALITY_GOOD,
  serverCheck,
  USERS,
  user,
} from './fixtures.mjs';
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
const focusedText = (page) => page.evaluate(() => document.activeElement?.textContent ?? '');

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}

test('first run: hosting for the team shows the teammates’ address, here and in Settings', async () => {
  const hosted = appState({ hosting: HOSTING, server_url: HOSTING.url, users: [USERS[0]] });
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN }, host_team: { ok: hosted } } });
  await page.getByRole('radio', { name: /Host for my team/ }).check();
  const form = page.locator('form[aria-label="Host for my team"]');
  assert.ok(await form.isVisible(), 'the host form shows once "Host for my team" is chosen');
  assert.ok(!(await page.locator('form[aria-label="Connect"]').isVisible()));
  await form.getByLabel('Your name').fill('Alice Martin');
  await form.getByLabel('Admin username').fill('alice');
  await form.getByLabel('Password').fill('correct horse');
  await form.getByRole('button', { name: 'Start hosting' }).click();

  const banner = page.locator('.banner-host');
  await banner.waitFor();
  assert.match(await text(banner), /https:\/\/192\.168\.1\.20:8000/);
  assert.deepEqual(await lastArgs(page, 'host_team'), {
    username: 'alice',
    password: 'correct horse',
    fullName: 'Alice Martin',
    listen: null,
  });
  assert.match(await text(page.locator('.people .empty')), /No one else is on this server yet/);

  await page.getByRole('button', { name: 'Settings' }).click();
  const hosting = page.getByRole('region', { name: 'Hosting for your team' });
  await hosting.waitFor();
  assert.match(await text(hosting), /https:\/\/192\.168\.1\.20:8000/);
  assert.match(await text(hosting), /\/home\/alice\/\.local\/share\/switchboard/);
  await finish(page);
});

test('first run: a server with an authority’s certificate: checked, then signed in with no fingerprint (https added)', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: FIRST_RUN },
      check_server: { ok: serverCheck({ kind: 'authority' }) },
      sign_in: { ok: appState() },
    },
  });
  const form = page.locator('form[aria-label="Connect"]');
  await form.getByLabel('Server address').fill('10.0.0.5:8000');
  await form.getByLabel('Username').fill('alice');
  await form.getByLabel('Password').fill('pw');
  await form.getByRole('button', { name: 'Connect' }).click();
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'check_server'), { serverUrl: 'https://10.0.0.5:8000' });
  assert.deepEqual(await lastArgs(page, 'sign_in'), {
    serverUrl: 'https://10.0.0.5:8000',
    username: 'alice',
    password: 'pw',
    fingerprint: null,
  });
  assert.equal((await invoked(page, 'open_invite')).length, 0);
  assert.ok(!(await page.locator('.banner-host').isVisible()), 'no hosting banner when connecting');
  await finish(page);
});

test('first run: a plain http address signs in as typed, with no certificate to check', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN }, sign_in: { ok: appState() } } });
  const form = page.locator('form[aria-label="Connect"]');
  await form.getByLabel('Server address').fill('http://10.0.0.5:8000/');
  await form.getByLabel('Username').fill('alice');
  await form.getByLabel('Password').fill('pw');
  await form.getByLabel('Password').press('Enter');
  await page.locator('.person').first().waitFor();
  assert.equal((await invoked(page, 'check_server')).length, 0);
  assert.deepEqual(await lastArgs(page, 'sign_in'), { serverUrl: 'http://10.0.0.5:8000', username: 'alice', password: 'pw', fingerprint: null });
  await finish(page);
});

/** Paste `text` into `input` as the system clipboard would (Ctrl+V). */
function paste(input, text) {
  return input.evaluate((el, t) => {
    el.focus();
    const data = new DataTransfer();
    data.setData('text/plain', t);
    const ev = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    // Nothing handled it: the browser would insert the text.
    if (el.dispatchEvent(ev)) {
      el.value = t;
      el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    }
  }, text);
}

test('first run: an invite link pasted into the address fills it and pins its certificate (no check)', async () => {
  const link = inviteLink('https://192.168.1.20:8000');
  const invite = { server: 'https://192.168.1.20:8000', fingerprint: FP_HOST };
  const page = await openApp(env, {
    responses: {
      app_state: { ok: FIRST_RUN },
      open_invite: [{ err: 'That is not a Switchboard invite link: it starts with switchboard://join? and names the server and its fingerprint. Ask the host to send it again.' }, { ok: invite }],
      sign_in: { ok: appState() },
    },
  });
  const form = page.locator('form[aria-label="Connect"]');
  const address = form.getByLabel('Server address');
  const hint = await address.evaluate((e) => e.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id)?.textContent).join(' '));
  assert.match(hint, /You can also paste the invite link the host sent you\./);

  // A broken link is said as the shell says it; the text stays to be corrected.
  await paste(address, 'switchboard://join?server=https://192.168.1.20:8000');
  await form.getByRole('alert').filter({ hasText: 'not a Switchboard invite link' }).waitFor();
  assert.equal(await address.inputValue(), 'switchboard://join?server=https://192.168.1.20:8000');

  await paste(address, `  ${link}\n`);
  await until(page, () => document.querySelector('input[name="server"]').value === 'https://192.168.1.20:8000');
  assert.deepEqual(await lastArgs(page, 'open_invite'), { link });
  assert.equal(await form.locator('.alert').textContent(), '', 'the earlier error is gone');
  const note = form.locator('.invite-note');
  assert.equal(await text(note), `Certificate from the invite: ${grouped(FP_HOST)}`);
  assert.match(await text(note), /^Certificate from the invite: 4740 AE63 47B0 172C /);

  await form.getByLabel('Username').fill('bob');
  await form.getByLabel('Password').fill('pw');
  await form.getByRole('button', { name: 'Connect' }).click();
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'sign_in'), {
    serverUrl: 'https://192.168.1.20:8000',
    username: 'bob',
    password: 'pw',
    fingerprint: FP_HOST,
  });
  assert.equal((await invoked(page, 'check_server')).length, 0, 'the invite’s certificate needs no check');
  await finish(page);
});

test('sign in: an invite link typed into the address is read too; another address drops its certificate', async () => {
  const link = inviteLink('https://192.168.1.20:8000');
  const signIn = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });
  const page = await openApp(env, {
    responses: {
      app_state: { ok: signIn },
      open_invite: { ok: { server: 'https://192.168.1.20:8000', fingerprint: FP_HOST } },
      check_server: { ok: serverCheck({ kind: 'pinned' }) },
      sign_in: [{ err: 'Wrong username or password.' }, { ok: appState() }],
    },
  });
  const address = page.getByLabel('Server address');
  await address.fill(link);
  await page.getByLabel('Username').fill('bob');
  await page.getByLabel('Password').fill('nope');
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('alert').filter({ hasText: 'Wrong' }).waitFor();
  assert.equal(await address.inputValue(), 'https://192.168.1.20:8000');
  assert.equal((await lastArgs(page, 'sign_in')).fingerprint, FP_HOST);
  assert.ok(await page.locator('.invite-note').isVisible());

  // The invite's certificate is for its server only.
  await address.fill('https://10.0.0.5:8000');
  assert.ok(!(await page.locator('.invite-note').isVisible()));
  await page.getByLabel('Password').fill('right');
  await page.getByLabel('Password').press('Enter');
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'check_server'), { serverUrl: 'https://10.0.0.5:8000' });
  assert.deepEqual(await lastArgs(page, 'sign_in'), { serverUrl: 'https://10.0.0.5:8000', username: 'bob', password: 'right', fingerprint: null });
  await finish(page);
});

test('sign in: an invite link opened from outside (AppState.invite) fills the form', async () => {
  const signIn = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });
  const invite = { server: 'https://192.168.1.20:8000', fingerprint: FP_HOST };
  const page = await openApp(env, { responses: { app_state: { ok: signIn }, sign_in: { ok: appState() } } });
  const address = page.getByLabel('Server address');
  assert.equal(await address.inputValue(), 'https://10.0.0.5:8000');
  await page.getByLabel('Username').fill('bob');
  // The shell pushes the state when a switchboard://join?… link is opened.
  await engine(page, { type: 'app_state', state: { ...signIn, invite } });
  await until(page, () => document.querySelector('input[name="server"]').value === 'https://192.168.1.20:8000');
  assert.equal(await text(page.locator('.invite-note')), `Certificate from the invite: ${grouped(FP_HOST)}`);
  assert.equal(await page.getByLabel('Username').inputValue(), 'bob', 'what was typed stays');
  await page.getByLabel('Password').fill('pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.person').first().waitFor();
  assert.equal((await lastArgs(page, 'sign_in')).fingerprint, FP_HOST);
  assert.equal((await invoked(page, 'check_server')).length, 0);
  await finish(page);

  // Also on first run, when the app starts from the link.
  const first = await openApp(env, { responses: { app_state: { ok: { ...FIRST_RUN, invite } } } });
  const form = first.locator('form[aria-label="Connect"]');
  assert.ok(await form.isVisible());
  assert.equal(await form.getByLabel('Server address').inputValue(), 'https://192.168.1.20:8000');
  assert.ok(await form.locator('.invite-note').isVisible());
  await finish(first);
});

test('first run: a certificate no authority signed is shown to compare; “Trust and sign in” pins it', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: FIRST_RUN },
      check_server: { ok: serverCheck({ kind: 'unknown' }), delayMs: 150 },
      sign_in: { ok: appState(), delayMs: 150 },
    },
  });
  const form = page.locator('form[aria-label="Connect"]');
  await form.getByLabel('Server address').fill('10.0.0.5:8000');
  await form.getByLabel('Username').fill('alice');
  await form.getByLabel('Password').fill('pw');
  await form.getByLabel('Password').press('Enter');
  await until(page, () => document.querySelector('form[aria-label="Connect"] [type="submit"]')?.textContent === 'Checking the server…');

  const panel = page.getByRole('region', { name: 'Is this your team’s server?' });
  await panel.waitFor();
  assert.equal((await invoked(page, 'sign_in')).length, 0, 'not signed in before the user answers');
  await until(page, () => document.activeElement?.classList.contains('cert-panel'));
  assert.match(await text(panel), /The certificate of https:\/\/10\.0\.0\.5:8000 is not signed by an authority this computer knows/);
  assert.match(await text(panel), /Settings → Hosting for your team/);
  assert.match(await text(panel), /invite link/);
  assert.equal(await text(panel.locator('code.fingerprint').first()), grouped(FP_OTHER));
  assert.equal(await panel.locator('code.fingerprint').first().evaluate((e) => getComputedStyle(e).fontFamily.includes('mono')), true);
  assert.ok(!(await form.getByRole('button', { name: 'Connect' }).isVisible()), 'the panel’s buttons answer now');

  // Keyboard: Tab to "Trust and sign in", Enter.
  await page.keyboard.press('Tab');
  assert.equal(await focusedText(page), 'Trust and sign in');
  await page.keyboard.press('Enter');
  await until(page, () => document.querySelector('.cert-panel .btn.primary')?.textContent === 'Signing in…');
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'sign_in'), {
    serverUrl: 'https://10.0.0.5:8000',
    username: 'alice',
    password: 'pw',
    fingerprint: FP_OTHER,
  });
  assert.equal((await invoked(page, 'sign_in')).length, 1);
  await finish(page);
});

test('sign in: Cancel (or Escape) on the certificate question signs nobody in', async () => {
  const signIn = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });
  const page = await openApp(env, {
    responses: { app_state: { ok: signIn }, check_server: { ok: serverCheck({ kind: 'unknown' }) }, sign_in: { ok: appState() } },
  });
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const panel = page.getByRole('region', { name: 'Is this your team’s server?' });
  await panel.waitFor();
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'server', 'back to the address');
  assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible());

  await page.getByLabel('Password').press('Enter');
  await panel.waitFor();
  await until(page, () => document.activeElement?.classList.contains('cert-panel'));
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });

  // Editing the address also drops the question about the address as it was.
  await page.getByLabel('Password').press('Enter');
  await panel.waitFor();
  await page.getByLabel('Server address').fill('https://10.0.0.6:8000');
  await panel.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'check_server')).length, 3);
  assert.equal((await invoked(page, 'sign_in')).length, 0);
  await finish(page);
});

test('sign in: a certificate other than the one trusted before is refused, with both fingerprints', async () => {
  const signIn = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });
  const page = await openApp(env, {
    responses: {
      app_state: { ok: signIn },
      check_server: [{ ok: serverCheck({ kind: 'changed', pinned: FP_HOST }) }, { err: 'Cannot reach the server at https://10.0.0.5:8000: is it running?' }],
      sign_in: { ok: appState() },
    },
  });
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('pw');
  await page.getByLabel('Password').press('Enter');
  const panel = page.getByRole('region', { name: /certificate has changed/ });
  await panel.waitFor();
  await until(page, () => document.activeElement?.classList.contains('cert-panel'));
  const said = await text(panel);
  assert.match(said, /The server at https:\/\/10\.0\.0\.5:8000 shows a different certificate than the one this computer trusted for it\./);
  assert.match(said, /Someone on the network may be standing in for it/);
  assert.match(said, /If the host made a new certificate, ask them to send you a new invite link/);
  assert.deepEqual(await panel.locator('code.fingerprint').allInnerTexts(), [grouped(FP_OTHER), grouped(FP_HOST)]);
  assert.ok(!(await panel.getByRole('button', { name: /Trust/ }).isVisible()), 'no way to trust it here');
  await panel.getByRole('button', { name: 'Close' }).click();
  await panel.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'sign_in')).length, 0);

  // A check that fails says why, where sign-in errors are said.
  await page.getByLabel('Password').press('Enter');
  const alert = page.getByRole('alert').filter({ hasText: 'Cannot reach' });
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'Cannot reach the server at https://10.0.0.5:8000: is it running?');
  assert.equal((await invoked(page, 'sign_in')).length, 0);
  await finish(page);
});

test('hosting: the banner shows the certificate fingerprint and one invite link, Settings all of them; Copy copies', async () => {
  const host = hosting(['https://192.168.1.20:8000', 'https://10.8.0.3:8000']);
  const page = await openApp(env, {
    permissions: ['clipboard-read', 'clipboard-write'],
    responses: { app_state: { ok: appState({ hosting: host, server_url: host.url, users: [USERS[0]] }) } },
  });
  const banner = page.locator('.banner-host');
  await banner.waitFor();
  const fingerprint = banner.getByRole('group', { name: 'Certificate fingerprint' });
  assert.equal(await text(fingerprint.locator('code')), grouped(FP_HOST));
  assert.match(await text(banner), /paste it into “Connect to a server” \(or open it\), and their app checks that it is really this computer/);
  const links = banner.getByRole('list', { name: 'Invite links' }).getByRole('listitem');
  assert.equal(await links.count(), 1, 'one invite link in the banner');
  assert.equal(await links.locator('code').textContent(), host.invite_links[0]);
  // What the desktop end-to-end test reads from the banner (its innerText: the link is
  // cut short on screen only).
  const seen = /switchboard:\/\/join\?server=(\S+?)&fp=(sha256:[0-9a-f]{64})/.exec(await text(banner));
  assert.deepEqual(seen?.slice(1), ['https://192.168.1.20:8000', FP_HOST]);
  // The two addresses stay as they were.
  assert.deepEqual(await banner.locator('.lan-url').allInnerTexts(), host.lan_urls);

  await banner.getByRole('button', { name: 'Copy the invite link' }).click();
  await banner.getByRole('status').filter({ hasText: 'Copied the invite link.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), host.invite_links[0]);

  await page.getByRole('button', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Hosting for your team' });
  await section.waitFor();
  assert.equal(await text(section.getByRole('group', { name: 'Certificate fingerprint' }).locator('code')), grouped(FP_HOST));
  assert.deepEqual(await section.locator('.invite-link').allTextContents(), host.invite_links);
  await section.getByRole('button', { name: 'Copy the invite link for https://10.8.0.3:8000' }).press('Enter');
  await section.getByRole('status').filter({ hasText: 'Copied the invite link.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), host.invite_links[1]);
  await section.getByRole('button', { name: 'Copy https://192.168.1.20:8000' }).click();
  await section.getByRole('status').filter({ hasText: 'Copied https://192.168.1.20:8000.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'https://192.168.1.20:8000');
  // The long links stay inside the section.
  const overflow = await section.evaluate((el) => el.scrollWidth - el.clientWidth);
  assert.ok(overflow <= 0, `the section does not overflow (${overflow}px)`);
  await finish(page);
});

test('people: list without me, search, status filter, live presence and directory', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() } } });
  const rows = page.locator('.person');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 6);
  assert.equal(await page.locator('.person', { hasText: 'Alice Martin' }).count(), 0, 'I am not in my own list');
  const bob = page.locator('.person[data-user-id="2"]');
  assert.match(await text(bob), /Online/);
  assert.match(await text(bob), /Renewals all morning/);

  const search = page.getByLabel('Search people');
  await search.fill('car');
  await until(page, () => document.querySelectorAll('.person').length === 1);
  assert.match(await text(rows.first()), /Carol Diaz/);
  await search.fill('dan@acme');
  await until(page, () => document.querySelectorAll('.person').length === 1);
  assert.match(await text(rows.first()), /Dan Okafor/);
  await search.fill('zzz');
  await until(page, () => document.querySelectorAll('.person').length === 0);
  assert.match(await text(page.locator('.people .empty')), /No one matches “zzz”/);
  await search.press('Escape');
  await until(page, () => document.querySelectorAll('.person').length === 6);

  const show = page.getByLabel('Show');
  await show.selectOption('offline');
  await until(page, () => document.querySelectorAll('.person').length === 1);
  assert.match(await text(rows.first()), /Grace Lee/);
  await show.selectOption('available');
  await until(page, () => document.querySelectorAll('.person').length === 3);
  assert.deepEqual(await rows.locator('.person-name').allInnerTexts(), ['Bob Stone', 'Carol Diaz', 'Dan Okafor']);
  await show.selectOption('all');

  // Grace is offline: her Call button is disabled and says why.
  const grace = page.locator('.person[data-user-id="7"]');
  const graceCall = grace.getByRole('button', { name: 'Call Grace Lee', exact: true });
  assert.ok(await graceCall.isDisabled());
  const describedBy = await graceCall.getAttribute('aria-describedby');
  assert.equal(await page.locator(`#${describedBy}`).textContent(), 'Grace Lee is offline.');
  assert.equal(await grace.getAttribute('data-status'), 'offline');

  // She comes online: the row changes and moves up among the online people.
  await engine(page, { type: 'presence', user_id: 7, status: 'online', available_for_calls: true });
  await until(page, () => document.querySelector('.person[data-user-id="7"]')?.dataset.status === 'online');
  assert.match(await text(grace.locator('.presence')), /Online/);
  assert.ok(await graceCall.isEnabled());
  assert.deepEqual((await rows.locator('.person-name').allInnerTexts()).slice(0, 3), ['Bob Stone', 'Carol Diaz', 'Grace Lee']);

  // Bob goes busy.
  await engine(page, { type: 'presence', user_id: 2, status: 'busy', available_for_calls: true });
  await until(page, () => document.querySelector('.person[data-user-id="2"]')?.dataset.status === 'busy');
  assert.ok(await bob.getByRole('button', { name: 'Call Bob Stone', exact: true }).isDisabled());

  // A new directory (which includes me): a newcomer appears, I still do not.
  await engine(page, { type: 'directory', users: [...USERS, user(8, 'hana', 'Hana Sato', 'online')] });
  await until(page, () => document.querySelectorAll('.person').length === 7);
  assert.equal(await page.locator('.person', { hasText: 'Alice Martin' }).count(), 0);
  assert.match(await text(page.locator('.summary').first()), /7 people/);
  await finish(page);
});

test('calling: Call invokes call_user with the id, shows "Calling…", and a busy rejection is said', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      call_user: [{ ok: call(50, ME, BOB, 'ringing') }, { err: 'Carol Diaz is busy.' }],
    },
  });
  await page.getByRole('button', { name: 'Call Bob Stone', exact: true }).click();
  const card = page.locator('.call-card');
  await card.getByText('Calling Bob Stone…').waitFor();
  assert.deepEqual(await lastArgs(page, 'call_user'), { userId: 2, video: false });
  assert.match(await focusedText(page), /Cancel/, 'focus moves to Cancel');
  // While I am in a call, nobody can be called.
  assert.ok(await page.getByRole('button', { name: 'Call Carol Diaz', exact: true }).isDisabled());
  assert.ok(await page.locator('#in-call-note').isVisible());

  await engine(page, { type: 'call_updated', call: call(50, ME, BOB, 'ringing') });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await card.locator('.call-outcome', { hasText: 'You cancelled the call to Bob Stone.' }).waitFor();
  assert.equal(await text(card.getByRole('status').filter({ hasText: 'cancelled' })), 'You cancelled the call to Bob Stone.');
  assert.equal((await invoked(page, 'hang_up')).length, 1);

  await page.getByRole('button', { name: 'Call Carol Diaz', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Carol Diaz is busy.' });
  await alert.waitFor();
  assert.ok(await alert.isVisible());
  assert.deepEqual(await lastArgs(page, 'call_user'), { userId: 3, video: false });
  await finish(page);
});

test('incoming call: modal with focus on Accept, trapped; Enter answers', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, answer_call: { ok: call(60, BOB, ME, 'active') } },
  });
  await page.locator('.person').first().waitFor();
  const ringing = {
    type: 'incoming_call',
    call_id: 60,
    from_user_id: 2,
    caller_name: 'Bob Stone',
    call_type: 'audio',
    room_name: 'crm-20250303100000-00000060',
  };
  // An Enter typed for something else at the very moment the call arrives does not answer.
  await page.evaluate(async (ev) => {
    await window.__test.emit(ev);
    document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  }, ringing);
  const dialog = page.getByRole('alertdialog', { name: 'Bob Stone is calling' });
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  assert.equal((await invoked(page, 'answer_call')).length, 0);
  await until(page, () => document.activeElement?.textContent?.includes('Accept'));
  assert.ok(await page.evaluate(() => document.getElementById('app').inert), 'the window behind is inert');
  // Tab goes Accept → Reply… → Decline → Accept, and back with Shift+Tab.
  await page.keyboard.press('Tab');
  assert.match(await focusedText(page), /Reply…/);
  await page.keyboard.press('Tab');
  assert.match(await focusedText(page), /Decline/);
  await page.keyboard.press('Tab');
  assert.match(await focusedText(page), /Accept/, 'focus stays in the dialog');
  await page.keyboard.press('Shift+Tab');
  assert.match(await focusedText(page), /Decline/);
  await page.keyboard.press('Shift+Tab');
  assert.match(await focusedText(page), /Reply…/);
  await page.keyboard.press('Shift+Tab');
  assert.match(await focusedText(page), /Accept/);
  await page.waitForTimeout(350); // past the guard against a stray Enter

  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'answer_call'), { callId: 60 });
  assert.equal((await invoked(page, 'reject_call')).length, 0);
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  await card.waitFor();
  assert.match(await text(card.locator('.timer')), /^0:0\d$/);
  assert.match(await text(card), /Connecting audio…/);
  assert.ok(!(await page.evaluate(() => document.getElementById('app').inert)));
  await finish(page);
});

test('incoming call: Escape declines; a call cancelled by the caller closes the modal', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, reject_call: { ok: call(61, BOB, ME, 'rejected') } },
  });
  await page.locator('.person').first().waitFor();
  const searchBox = page.getByLabel('Search people');
  await searchBox.focus();
  const incoming = (id, callType = 'audio') => ({ type: 'incoming_call', call_id: id, from_user_id: 2, caller_name: 'Bob Stone', call_type: callType, room_name: 'r' });
  await engine(page, incoming(61));
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  assert.match(await text(dialog), /Audio call\. Press Enter/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'reject_call'), { callId: 61 });
  assert.equal((await invoked(page, 'answer_call')).length, 0);
  await until(page, () => document.activeElement?.getAttribute('type') === 'search');

  // A CRM client may place a video call: the voice is Switchboard's, the video the browser's.
  await engine(page, incoming(62, 'video'));
  await dialog.waitFor();
  assert.match(await text(dialog), /Video call\. Press Enter/);
  await engine(page, { type: 'call_updated', call: call(62, BOB, ME, 'cancelled') });
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('.call-outcome', { hasText: 'Bob Stone hung up before you answered.' }).waitFor();
  await finish(page);
});

test('incoming call: a window that opens (or reloads) while a call rings shows it from AppState.ringing', async () => {
  const rings = { call_id: 63, from_user_id: 2, caller_name: 'Bob Stone', call_type: 'audio', regarding: null };
  const page = await openApp(env, {
    responses: { app_state: { ok: appState({ ringing: rings }) }, answer_call: { ok: call(63, BOB, ME, 'active') } },
  });
  const dialog = page.getByRole('alertdialog', { name: 'Bob Stone is calling' });
  await dialog.waitFor();
  // A later whole state (a shortcut, a teammate added) keeps the ring on screen ...
  await pushState(page, appState({ ringing: rings }));
  assert.ok(await dialog.isVisible());
  // ... and one without it (answered elsewhere, cancelled) takes it away.
  await pushState(page, appState());
  await dialog.waitFor({ state: 'hidden' });
  await finish(page);
});

test('in a call: mute, quality, levels, media state, then the end is explained', async () => {
  const active = call(70, ME, BOB, 'active');
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ active_call: active, media: { state: 'connecting' } }) },
      set_muted: [{ ok: null }, { ok: null }, { err: 'The microphone could not be muted.' }],
    },
  });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  await card.waitFor();
  const mute = card.getByRole('button', { name: 'Mute' });
  assert.equal(await mute.getAttribute('aria-pressed'), 'false');
  await mute.click();
  await until(page, () => document.querySelector('.btn.mute')?.getAttribute('aria-pressed') === 'true');
  assert.equal(await text(card.locator('.btn.mute .label')), 'Unmute');
  assert.match(await text(card.locator('.muted-badge')), /Muted/);
  assert.deepEqual(await lastArgs(page, 'set_muted'), { muted: true });
  await card.getByRole('button', { name: 'Unmute' }).click();
  await until(page, () => document.querySelector('.btn.mute')?.getAttribute('aria-pressed') === 'false');
  assert.deepEqual(await lastArgs(page, 'set_muted'), { muted: false });
  assert.equal(await text(card.locator('.muted-badge')), '');
  // A failed mute goes back and says why.
  await mute.click();
  await card.getByRole('alert').filter({ hasText: 'could not be muted' }).waitFor();
  assert.equal(await mute.getAttribute('aria-pressed'), 'false');

  await engine(page, { type: 'media', call_id: 70, media: { state: 'connected', setup_ms: 420 } });
  await until(page, () => document.querySelector('.media-state')?.textContent === 'Connected');

  const quality = card.locator('.quality');
  assert.match(await text(quality), /Measuring/);
  await engine(page, { type: 'quality', call_id: 70, quality: QUALITY_GOOD });
  await until(page, () => document.querySelector('.quality')?.dataset.score === '4');
  assert.match(await text(quality), /Good \(4 of 5\)/);
  assert.match(await text(quality), /42 ms round trip · 0\.5% loss · 3 ms jitter/);
  assert.match(await quality.getAttribute('aria-label'), /Good, 4 of 5 bars/);
  await engine(page, { type: 'quality', call_id: 70, quality: { ...QUALITY_GOOD, score: 2, loss_pct: 12, rtt_ms: 380 } });
  await until(page, () => document.querySelector('.quality')?.dataset.score === '2');
  assert.match(await text(quality), /Poor \(2 of 5\).*380 ms round trip · 12% loss/s);
  // A quality report for some other call is ignored.
  await engine(page, { type: 'quality', call_id: 999, quality: QUALITY_GOOD });
  await page.waitForTimeout(50);
  assert.equal(await quality.getAttribute('data-score'), '2');

  await engine(page, { type: 'audio_level', call_id: 70, input: 0.1, output: 0.02 });
  await until(page, () => Number(document.querySelector('[role="meter"][aria-label="Microphone level"]')?.getAttribute('aria-valuenow')) > 50);
  const spk = Number(await card.locator('[role="meter"][aria-label="Speaker level"]').getAttribute('aria-valuenow'));
  assert.ok(spk > 20 && spk < 60, `speaker level ${spk}`);

  // Devices in the call: choosing the headset saves it.
  const mic = card.getByLabel('Microphone', { exact: true });
  await until(page, () => document.querySelectorAll('.call-card select[data-device="input"] option').length === 3);
  await mic.selectOption('USB Headset');
  await until(page, () => window.__test.calls('save_settings').length === 1);
  assert.equal((await lastArgs(page, 'save_settings')).settings.input_device, 'USB Headset');

  await card.getByRole('button', { name: 'End call' }).click();
  await until(page, () => window.__test.calls('hang_up').length === 1);
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed') });
  await page.locator('.call-outcome', { hasText: 'Call ended — 1:23' }).waitFor();
  assert.ok(!(await page.locator('.call-active').isVisible()));
  await finish(page);
});

test('the end of an outgoing call says how: declined, not answered, connection lost', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState({ active_call: call(80, ME, BOB, 'ringing') }) }, call_user: { ok: call(81, ME, CAROL, 'ringing') } },
  });
  await page.getByText('Calling Bob Stone…').waitFor();
  await engine(page, { type: 'call_updated', call: call(80, ME, BOB, 'rejected') });
  await page.locator('.call-outcome', { hasText: 'Bob Stone declined the call.' }).waitFor();

  await page.getByRole('button', { name: 'Call Carol Diaz', exact: true }).click();
  await page.getByText('Calling Carol Diaz…').waitFor();
  await engine(page, { type: 'call_updated', call: call(81, ME, CAROL, 'missed') });
  await page.locator('.call-outcome', { hasText: 'Carol Diaz did not answer.' }).waitFor();

  await engine(page, { type: 'call_updated', call: call(82, DAN, ME, 'active') });
  await page.getByRole('region', { name: 'Call with Dan Okafor' }).waitFor();
  await engine(page, { type: 'media', call_id: 82, media: { state: 'ended', reason: 'lost', message: 'No audio for 10 seconds' } });
  await engine(page, { type: 'call_updated', call: call(82, DAN, ME, 'completed') });
  await page.locator('.call-outcome', { hasText: 'Call ended — 1:23. The connection to Dan Okafor was lost. No audio for 10 seconds.' }).waitFor();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  assert.ok(!(await page.locator('.call-card').isVisible()));
  await finish(page);
});

test('history: missed calls badge, missed call highlighted with words, badge reset on opening', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      call_history: {
        ok: {
          count: 3,
          next: null,
          previous: null,
          results: [
            call(90, BOB, ME, 'missed'),
            call(91, ME, CAROL, 'completed'),
            call(92, DAN, ME, 'rejected', { call_type: 'video' }),
          ],
        },
      },
    },
  });
  const tab = page.getByRole('button', { name: /History/ });
  await tab.waitFor();
  assert.ok(!(await page.locator('.badge').isVisible()));
  await engine(page, { type: 'missed_calls', count: 2 });
  await until(page, () => document.querySelector('.badge')?.offsetParent !== null);
  assert.equal(await text(page.locator('.badge > span').first()), '2');
  assert.match(await tab.textContent(), /2 missed/, 'the badge is read as "2 missed"');

  await tab.click();
  assert.equal(await tab.getAttribute('aria-current'), 'page');
  const rows = page.locator('table.history tbody tr');
  await rows.first().waitFor();
  assert.deepEqual(await lastArgs(page, 'call_history'), { page: 1 });
  assert.equal(await rows.count(), 3);
  const missed = page.locator('tr[data-call-id="90"]');
  assert.ok(await missed.evaluate((tr) => tr.classList.contains('missed')));
  assert.match(await text(missed), /Incoming\s+Bob Stone\s+Missed/);
  assert.equal(await missed.locator('td.status strong').textContent(), 'Missed', 'missed is said in words, in bold');
  const out = page.locator('tr[data-call-id="91"]');
  assert.match(await text(out), /Outgoing\s+Carol Diaz\s+Answered\s+1:23/);
  assert.ok(!(await out.evaluate((tr) => tr.classList.contains('missed'))));
  assert.match(await text(page.locator('tr[data-call-id="92"]')), /Incoming video\s+Dan Okafor\s+Declined/);
  await until(page, () => document.querySelector('.badge')?.offsetParent === null);
  await finish(page);
});

test('odd names: bidi controls in names and statuses are not shown (people, search, incoming call, history)', async () => {
  // Names and statuses others typed, with overrides, isolates and marks meant to spoof.
  const mallory = user(8, 'mal\u202Elory', '\u202EMallory\u202C \u2066Hunt\u2069', 'online', { status_message: 'Back at \u202E00:51' });
  const farah = user(9, 'farah', 'فرح \u202Bحداد\u202C\u200F', 'online', { status_message: '\u2067في اجتماع\u2069\u061C' });
  const CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ users: [...USERS, mallory, farah], my_status: { status: 'online', message: '\u202EIn the office' } }) },
      call_history: {
        ok: {
          count: 2,
          next: null,
          previous: null,
          results: [call(95, mallory, ME, 'missed'), call(96, ME, farah, 'completed')],
        },
      },
    },
  });
  const row = page.locator('.person[data-user-id="8"]');
  await row.waitFor();
  assert.equal(await row.locator('.person-name').textContent(), 'Mallory Hunt');
  assert.equal(await row.locator('.person-sub').textContent(), 'mallory · mallory@acme.test');
  assert.equal(await row.locator('.status-msg').textContent(), '“Back at 00:51”');
  assert.ok(await row.getByRole('button', { name: 'Call Mallory Hunt', exact: true }).isEnabled());
  // Right-to-left names keep their letters, and each name or status sets its own direction.
  const rtl = page.locator('.person[data-user-id="9"]');
  assert.equal(await rtl.locator('.person-name').textContent(), 'فرح حداد');
  assert.equal(await rtl.locator('.status-msg').textContent(), '“في اجتماع”');
  for (const sel of ['.person-name', '.person-sub', '.status-msg']) {
    assert.equal(await rtl.locator(sel).getAttribute('dir'), 'auto', `${sel} has dir="auto"`);
  }
  assert.ok(!CONTROLS.test(await page.locator('.people-list').textContent()), 'no control character in the list');
  assert.equal(await page.locator('.status-message').inputValue(), 'In the office', 'my own status, from the server, too');

  // Search matches the text as shown.
  const search = page.getByLabel('Search people');
  await search.fill('mallory hunt');
  await until(page, () => document.querySelectorAll('.person').length === 1);
  assert.equal(await page.locator('.person').getAttribute('data-user-id'), '8');
  await search.fill('حداد');
  await until(page, () => document.querySelectorAll('.person').length === 1);
  assert.equal(await page.locator('.person').getAttribute('data-user-id'), '9');
  await search.press('Escape');
  await until(page, () => document.querySelectorAll('.person').length === 8);

  // A status message arriving live is cleaned too.
  await engine(page, { type: 'presence', user_id: 8, status: 'away', available_for_calls: true, status_message: 'Lunch \u202Dtill 2\u202C' });
  await until(page, () => document.querySelector('.person[data-user-id="8"] .status-msg')?.textContent === '“Lunch till 2”');

  // The incoming-call modal: the caller's name as the engine sent it, cleaned.
  await engine(page, { type: 'incoming_call', call_id: 95, from_user_id: 8, caller_name: '\u202EMallory\u202C \u2067Hunt\u2069', call_type: 'audio', room_name: 'r' });
  const dialog = page.getByRole('alertdialog', { name: 'Mallory Hunt is calling' });
  await dialog.waitFor();
  assert.equal(await dialog.locator('#incoming-title').textContent(), 'Mallory Hunt is calling');
  assert.equal(await dialog.locator('.caller-name').getAttribute('dir'), 'auto');
  assert.equal(await dialog.locator('.avatar').textContent(), 'MH');
  await engine(page, { type: 'call_updated', call: call(95, mallory, ME, 'cancelled') });
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('.call-outcome', { hasText: 'Mallory Hunt hung up before you answered.' }).waitFor();

  // History.
  await page.getByRole('button', { name: /History/ }).click();
  const rows = page.locator('table.history tbody tr');
  await rows.first().waitFor();
  assert.match(await text(page.locator('tr[data-call-id="95"]')), /Incoming\s+Mallory Hunt\s+Missed/);
  assert.equal(await page.locator('tr[data-call-id="96"] td.who').textContent(), 'فرح حداد');
  assert.equal(await page.locator('tr[data-call-id="96"] td.who [dir="auto"]').count(), 1);
  assert.ok(!CONTROLS.test(await page.locator('table.history').textContent()), 'no control character in history');
  await finish(page);
});

test('connection banner, problem events and my status', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, set_status: [{ ok: null }, { ok: null }, { err: 'Cannot reach the server at https://10.0.0.5:8000: is it running?' }] },
  });
  await page.locator('.person').first().waitFor();
  assert.equal(await text(page.locator('.conn')), 'Connected');
  await engine(page, { type: 'connection', state: 'reconnecting', attempt: 2, retry_in_ms: 5000, reason: 'Connection reset' });
  const banner = page.locator('.banner-conn');
  await banner.waitFor();
  assert.match(await text(banner), /Lost the connection to the server \(Connection reset\)\. Trying again in 5 seconds \(attempt 2\)/);
  assert.equal(await text(page.locator('.conn')), 'Reconnecting…');
  assert.ok(!(await banner.getByRole('button', { name: 'Sign in again' }).isVisible()));
  await engine(page, { type: 'connection', state: 'offline', reason: 'Token refused' });
  await until(page, () => /signed you out: Token refused\. Calls cannot reach you/.test(document.querySelector('.banner-conn')?.textContent ?? ''));
  assert.equal(await text(page.locator('.conn')), 'Offline');
  assert.ok(await banner.getByRole('button', { name: 'Sign in again' }).isVisible());
  await engine(page, { type: 'connection', state: 'online', mode: 'polling' });
  await banner.waitFor({ state: 'hidden' });
  assert.equal(await text(page.locator('.conn')), 'Connected (polling)');

  await engine(page, { type: 'problem', message: 'The microphone USB Headset was unplugged.' });
  const problem = page.getByRole('alert').filter({ hasText: 'USB Headset was unplugged' });
  await problem.waitFor();
  await page.locator('.banner-problem').getByRole('button', { name: 'Dismiss' }).click();
  await problem.waitFor({ state: 'hidden' });

  // A headset pulled out mid-call, then plugged in again: told, as news, not an alarm.
  const moved = { direction: 'output', from: 'USB Headset', to: 'default', reason: 'gone' };
  await engine(page, { type: 'sound_device', switch: moved });
  const device = page.getByRole('status').filter({ hasText: 'call now uses “default”' });
  await device.waitFor();
  assert.equal(
    await text(device),
    'Your speakers “USB Headset” stopped (unplugged?): the call now uses “default”. It switches back when “USB Headset” returns.',
  );
  await engine(page, { type: 'sound_device', switch: { ...moved, from: 'default', to: 'USB Headset', reason: 'back' } });
  await until(page, () => /speakers “USB Headset” are back/.test(document.querySelector('.banner-device')?.textContent ?? ''));
  await page.locator('.banner-device').getByRole('button', { name: 'Dismiss' }).click();
  await page.locator('.banner-device').waitFor({ state: 'hidden' });

  await page.getByLabel('My status', { exact: true }).selectOption('away');
  await until(page, () => window.__test.calls('set_status').length === 1);
  assert.deepEqual(await lastArgs(page, 'set_status'), { status: 'away', message: 'In the office' });
  const message = page.getByLabel('Status message');
  await message.fill('At lunch');
  await message.press('Enter');
  await until(page, () => window.__test.calls('set_status').length === 2);
  assert.deepEqual(await lastArgs(page, 'set_status'), { status: 'away', message: 'At lunch' });
  await page.getByLabel('My status', { exact: true }).selectOption('dnd');
  await page.getByRole('alert').filter({ hasText: 'Cannot reach the server' }).waitFor();
  await until(page, () => document.querySelector('.status-select')?.value === 'away');
  await finish(page);
});

test('settings: devices, available for calls, autostart, sign out', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ settings: { ...appState().settings, output_device: 'Old Speaker' } }) },
      sign_out: { ok: appState({ phase: 'sign_in', me: null, my_status: null, users: [] }) },
    },
  });
  await page.getByRole('button', { name: 'Settings' }).click();
  await until(page, () => window.__test.calls('list_devices').length > 0);
  const settings = page.locator('.settings');
  const speaker = settings.getByLabel('Speaker or headset');
  await until(page, () => document.querySelectorAll('.settings select[data-device="output"] option').length === 4);
  assert.deepEqual(await speaker.locator('option').allInnerTexts(), [
    'System default',
    'Built-in Speakers',
    'USB Headset',
    'Old Speaker (not connected)',
  ]);
  assert.equal(await speaker.inputValue(), 'Old Speaker');
  await settings.getByLabel('Ringtone plays on').selectOption('Built-in Speakers');
  await until(page, () => window.__test.calls('save_settings').length === 1);
  assert.deepEqual((await lastArgs(page, 'save_settings')).settings, {
    input_device: null,
    output_device: 'Old Speaker',
    ring_device: 'Built-in Speakers',
    camera: null,
    autostart: true,
    available_for_calls: true,
    voice: { echo_cancel: true, noise_suppression: true, auto_gain: true },
    call_links_without_asking: false,
    incoming_call_display: 'auto',
    shortcuts: { toggle_mute: 'Ctrl+Alt+M', answer: 'Ctrl+Alt+A', hang_up: 'Ctrl+Alt+H', push_to_talk: '' },
    auto_away_after_seconds: 600,
    start_minimised: true,
  });
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();

  const available = page.getByLabel('Available for calls');
  assert.ok(await available.isChecked());
  await available.uncheck();
  await until(page, () => window.__test.calls('save_settings').length === 2);
  assert.equal((await lastArgs(page, 'save_settings')).settings.available_for_calls, false);
  assert.equal((await lastArgs(page, 'save_settings')).settings.ring_device, 'Built-in Speakers');

  const camera = settings.getByLabel('Camera');
  assert.deepEqual(await camera.locator('option').allInnerTexts(), ['First camera found', 'HD Pro Webcam C920']);
  await camera.selectOption('HD Pro Webcam C920');
  await until(page, () => window.__test.calls('save_settings').length === 3);
  assert.equal((await lastArgs(page, 'save_settings')).settings.camera, 'HD Pro Webcam C920');
  // Unplugged: the saved camera stays listed, and the default says there is none.
  await respond(page, 'list_devices', { ok: { inputs: [], outputs: [], cameras: [] } });
  const listed = await page.evaluate(() => window.__test.calls('list_devices').length);
  await settings.getByRole('button', { name: 'Refresh device list' }).click();
  await until(page, (n) => window.__test.calls('list_devices').length > n, listed);
  await until(page, () => document.querySelector('.settings select[data-device="camera"] option')?.textContent === 'No camera found');
  assert.deepEqual(await camera.locator('option').allInnerTexts(), ['No camera found', 'HD Pro Webcam C920 (not connected)']);

  await respond(page, 'save_settings', { err: 'Could not turn on start at login.' });
  await page.getByLabel('Start Switchboard when I log in').click();
  await page.getByRole('alert').filter({ hasText: 'start at login' }).waitFor();
  assert.ok(await page.getByLabel('Start Switchboard when I log in').isChecked(), 'a failed save shows the saved value again');

  const account = page.getByRole('region', { name: 'Account' });
  assert.match(await text(account), /Signed in as\s+Alice Martin \(alice\)\s+Server\s+https:\/\/10\.0\.0\.5:8000/);
  assert.ok(!(await page.getByRole('region', { name: 'Hosting for your team' }).isVisible()), 'no hosting section when not hosting');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByLabel('Server address').inputValue(), 'https://10.0.0.5:8000');
  await finish(page);
});

test('settings: audio switches, raw audio for music, by keyboard', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() } } });
  await page.getByRole('button', { name: 'Settings' }).click();
  const audio = page.getByRole('region', { name: 'Audio' });
  const echo = audio.getByRole('checkbox', { name: 'Echo cancellation' });
  const noise = audio.getByRole('checkbox', { name: 'Noise suppression' });
  const gain = audio.getByRole('checkbox', { name: 'Automatic gain' });
  const raw = audio.getByRole('checkbox', { name: 'Raw audio (for music)' });
  await echo.waitFor();
  const checked = async () => Promise.all([echo, noise, gain, raw].map((c) => c.isChecked()));
  assert.deepEqual(await checked(), [true, true, true, false], 'processing on, raw off');
  // Each switch is described by its hint.
  const hint = (loc) => loc.evaluate((e) => document.getElementById(e.getAttribute('aria-describedby'))?.textContent);
  assert.equal(await hint(echo), 'Removes your speakers’ sound from your microphone. Not needed with a headset.');
  assert.equal(await hint(noise), 'Removes steady background noise such as fans.');
  assert.equal(await hint(gain), 'Keeps your voice at a steady level.');

  // Keyboard only: from the last control before the group, Tab walks the four switches.
  const focused = () => page.evaluate(() => (document.activeElement?.labels?.[0]?.textContent ?? document.activeElement?.textContent ?? '').trim());
  await page.getByRole('button', { name: 'Refresh device list' }).focus();
  for (const name of ['Echo cancellation', 'Noise suppression', 'Automatic gain', 'Raw audio (for music)']) {
    await page.keyboard.press('Tab');
    assert.equal(await focused(), name);
  }

  // Raw on: all three off, saved as such (the rest of the settings unchanged).
  await page.keyboard.press('Space');
  await until(page, () => window.__test.calls('save_settings').length === 1);
  assert.deepEqual((await lastArgs(page, 'save_settings')).settings, {
    ...appState().settings,
    voice: { echo_cancel: false, noise_suppression: false, auto_gain: false },
  });
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  assert.deepEqual(await checked(), [false, false, false, true]);

  // The three stay usable: noise suppression back on turns raw off.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'Noise suppression');
  await page.keyboard.press('Space');
  await until(page, () => window.__test.calls('save_settings').length === 2);
  assert.deepEqual((await lastArgs(page, 'save_settings')).settings.voice, { echo_cancel: false, noise_suppression: true, auto_gain: false });
  assert.deepEqual(await checked(), [false, true, false, false]);

  // Back to all three off by hand: raw shows on again; raw off turns all three on.
  await noise.press('Space');
  await until(page, () => window.__test.calls('save_settings').length === 3);
  assert.deepEqual(await checked(), [false, false, false, true]);
  await raw.press('Space');
  await until(page, () => window.__test.calls('save_settings').length === 4);
  assert.deepEqual((await lastArgs(page, 'save_settings')).settings.voice, { echo_cancel: true, noise_suppression: true, auto_gain: true });
  assert.deepEqual(await checked(), [true, true, true, false]);

  // A failed save shows the saved values again.
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  await respond(page, 'save_settings', { err: 'Could not save the settings.' });
  await raw.press('Space');
  await page.getByRole('alert').filter({ hasText: 'Could not save' }).waitFor();
  await until(page, () => document.querySelector('.settings .toggle-raw input')?.checked === false);
  assert.deepEqual(await checked(), [true, true, true, false]);
  await finish(page);
});

const BOB_ACCOUNT = { id: 2, username: 'bob', email: '', full_name: 'Bob Stone' };

test('teammates: an admin adds one; the shell’s app_state brings them into People', async () => {
  const alone = appState({ users: [USERS[0]] });
  const page = await openApp(env, {
    responses: {
      app_state: { ok: alone },
      add_teammate: [{ ok: { ...BOB_ACCOUNT, is_admin: false }, delayMs: 400 }, { err: 'The username bob is taken.' }],
    },
  });
  const empty = page.locator('.people .empty');
  await empty.waitFor();
  assert.equal(await text(empty), 'No one else is on this server yet. Add teammates in Settings.');

  await page.getByRole('button', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Teammates' });
  await section.waitFor();
  const form = section.getByRole('form', { name: 'Add a teammate' });
  await form.getByLabel('Full name').fill(' Bob Stone ');
  // The rest by keyboard: Tab moves through the labelled fields in order.
  await page.keyboard.press('Tab');
  await page.keyboard.type('bob');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'email');
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse');
  assert.equal(await form.getByLabel('Password').inputValue(), 'correct horse');
  assert.match(await form.getByLabel('Password').getAttribute('aria-describedby'), /hint/);
  await page.keyboard.press('Enter');

  const submit = form.getByRole('button', { name: /Add teammate|Adding/ });
  await until(page, () => document.querySelector('.teammate-form [type="submit"]')?.textContent === 'Adding…');
  assert.ok(await submit.isDisabled(), 'the button is busy while the shell works');
  assert.equal(await submit.getAttribute('aria-busy'), 'true');
  // The shell sends the new user list before the command resolves.
  await engine(page, { type: 'app_state', state: appState({ users: [USERS[0], BOB] }) });

  // (An empty status region is hidden, so it is found by its role attribute.)
  const status = section.locator('[role="status"]');
  await status.filter({ hasText: 'can now sign in' }).waitFor();
  assert.equal((await status.textContent()).trim(), 'Bob Stone can now sign in as bob.');
  assert.deepEqual(await lastArgs(page, 'add_teammate'), {
    fullName: 'Bob Stone',
    username: 'bob',
    email: '',
    password: 'correct horse',
  });
  for (const label of ['Full name', 'Username', 'Email (optional)', 'Password']) {
    assert.equal(await form.getByLabel(label).inputValue(), '', `${label} is cleared`);
  }
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'teammate_full_name', 'ready for the next one');
  assert.ok(await submit.isEnabled());
  assert.equal(await section.locator('.alert').textContent(), '', 'no error shown');

  // A refusal is said as the shell wrote it; what was typed stays.
  await form.getByLabel('Full name').fill('Bob Stone');
  await form.getByLabel('Username').fill('bob');
  await form.getByLabel('Email (optional)').fill('bob@acme.test');
  await form.getByLabel('Password').fill('correct horse');
  await form.getByRole('button', { name: 'Add teammate' }).click();
  const alert = section.getByRole('alert').filter({ hasText: 'taken' });
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'The username bob is taken.');
  assert.equal((await lastArgs(page, 'add_teammate')).email, 'bob@acme.test');
  assert.equal(await form.getByLabel('Username').inputValue(), 'bob');
  assert.equal((await status.textContent()).trim(), '', 'the earlier success is not shown next to the error');

  await page.getByRole('button', { name: 'People' }).click();
  await page.locator('.person[data-user-id="2"]').waitFor();
  assert.equal(await page.locator('.person').count(), 1);
  await finish(page);
});

test('teammates: when this app hosts, the status gives the address teammates use', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ hosting: HOSTING, server_url: HOSTING.url }) },
      add_teammate: { ok: BOB_ACCOUNT },
    },
  });
  await page.getByRole('button', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Teammates' });
  await section.getByLabel('Full name').fill('Bob Stone');
  await section.getByLabel('Username').fill('bob');
  await section.getByLabel('Password').fill('correct horse');
  await section.getByRole('button', { name: 'Add teammate' }).click();
  const status = section.getByRole('status').filter({ hasText: 'can now sign in' });
  await status.waitFor();
  assert.equal(
    (await status.textContent()).trim(),
    'Bob Stone can now sign in as bob. Server address: https://192.168.1.20:8000',
  );
  // Leaving Settings forgets the confirmation.
  await page.getByRole('button', { name: 'People' }).click();
  await page.getByRole('button', { name: 'Settings' }).click();
  assert.equal(await section.locator('.notice').textContent(), '');
  await finish(page);
});

test('teammates: not shown to someone who is not an admin', async () => {
  const me = { ...ME, is_admin: false };
  const page = await openApp(env, { responses: { app_state: { ok: appState({ me, users: [] }) } } });
  const empty = page.locator('.people .empty');
  await empty.waitFor();
  assert.equal(await text(empty), 'No one else is on this server yet. An admin can add teammates.');
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('region', { name: 'Account' }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Teammates' }).count(), 0);
  assert.ok(!(await page.locator('.teammates').isVisible()));
  assert.equal(await page.getByRole('button', { name: 'Add teammate' }).count(), 0);
  await finish(page);
});

test('first run when the app already hosts: Host is preselected, no listen address, the choice stays the user’s', async () => {
  const running = { ...HOSTING, admin_username: '' };
  const embedded = { ...FIRST_RUN, hosting: running, server_url: running.url };
  const hosted = appState({ hosting: { ...running, admin_username: 'alice' }, server_url: running.url, users: [USERS[0]] });
  const page = await openApp(env, { responses: { app_state: { ok: embedded }, host_team: { ok: hosted } } });
  await page.getByRole('heading', { name: 'Welcome' }).waitFor();
  const host = page.getByRole('radio', { name: /Host for my team/ });
  const connect = page.getByRole('radio', { name: /Connect to a server/ });
  assert.ok(await host.isChecked(), 'Host is preselected');
  const form = page.locator('form[aria-label="Host for my team"]');
  assert.ok(await form.isVisible());
  assert.ok(!(await page.locator('form[aria-label="Connect"]').isVisible()));
  assert.ok(!(await form.getByLabel('Listen address (optional)').isVisible()), 'no listen address: the server listens already');
  assert.equal(
    await text(form.locator('.running-note')),
    'Switchboard’s server is already running on this computer at https://127.0.0.1:8000. ' +
      'Teammates will connect to https://192.168.1.20:8000. Create your admin account to finish.',
  );

  // The user may still connect elsewhere, and a later state does not undo that choice.
  await connect.check();
  assert.ok(await page.locator('form[aria-label="Connect"]').isVisible());
  await engine(page, { type: 'app_state', state: embedded });
  await page.waitForTimeout(50);
  assert.ok(await connect.isChecked(), 'the user’s choice stands');
  assert.ok(!(await form.isVisible()));

  // Back to Host, by keyboard: the form creates the admin account on the running server.
  await connect.focus();
  await page.keyboard.press('ArrowRight');
  assert.ok(await host.isChecked());
  await form.getByLabel('Your name').fill('Alice Martin');
  await form.getByLabel('Admin username').fill('alice');
  await form.getByLabel('Password').fill('correct horse');
  await engine(page, { type: 'app_state', state: embedded });
  assert.equal(await form.getByLabel('Your name').inputValue(), 'Alice Martin', 'a state update keeps what was typed');
  await form.getByRole('button', { name: 'Create admin account' }).click();
  await page.locator('.banner-host').waitFor();
  assert.deepEqual(await lastArgs(page, 'host_team'), {
    username: 'alice',
    password: 'correct horse',
    fullName: 'Alice Martin',
    listen: null,
  });
  assert.equal(await text(page.locator('.people .empty')), 'No one else is on this server yet. Add teammates in Settings.');
  await finish(page);
});

test('first run: Connect stays the default without hosting; a state that hosts switches until the user picks', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN } } });
  await page.getByRole('heading', { name: 'Welcome' }).waitFor();
  assert.ok(await page.getByRole('radio', { name: /Connect to a server/ }).isChecked());
  await page.getByRole('radio', { name: /Host for my team/ }).check();
  assert.ok(await page.getByLabel('Listen address (optional)').isVisible(), 'without hosting the listen address is asked');
  assert.ok(!(await page.locator('.running-note').isVisible()));
  await page.getByRole('button', { name: 'Start hosting' }).waitFor();
  await finish(page);

  const later = await openApp(env, { responses: { app_state: { ok: FIRST_RUN } } });
  await later.getByRole('heading', { name: 'Welcome' }).waitFor();
  await engine(later, { type: 'app_state', state: { ...FIRST_RUN, hosting: { ...HOSTING, admin_username: '', lan_urls: [] } } });
  await until(later, () => document.querySelector('input[value="host"]')?.checked === true);
  assert.match(await text(later.locator('.running-note')), /No network address was found, so only this computer can reach it for now\./);
  await finish(later);
});

test('app_state event: the shell’s start-up sign-in finishing moves from sign in to the signed-in window', async () => {
  const signIn = appState({ phase: 'sign_in', me: null, my_status: null, users: [], connection: null });
  const page = await openApp(env, { responses: { app_state: { ok: signIn } } });
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await engine(page, { type: 'app_state', state: appState() });
  await page.locator('.person').first().waitFor();
  assert.equal(await text(page.locator('.me-name')), 'Alice Martin');
  assert.equal(await page.locator('.person').count(), USERS.length - 1);
  await until(page, () => document.activeElement?.id === 'people-title');
  await finish(page);

  // Even when the first app_state failed: the event alone is enough.
  const failed = await openApp(env, { responses: { app_state: { err: 'The app is still starting.' } } });
  await failed.getByRole('alert').filter({ hasText: 'still starting' }).waitFor();
  await engine(failed, { type: 'app_state', state: appState() });
  await failed.locator('.person').first().waitFor();
  await finish(failed);
});

async function background(scheme) {
  const page = await openApp(env, { colorScheme: scheme, responses: { app_state: { ok: appState() } } });
  await page.locator('.person').first().waitFor();
  const colors = await page.evaluate(() => ({
    body: getComputedStyle(document.body).backgroundColor,
    text: getComputedStyle(document.body).color,
    list: getComputedStyle(document.querySelector('.people-list')).backgroundColor,
  }));
  await finish(page);
  return colors;
}

function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

test('dark mode follows prefers-color-scheme: dark background, light text', async () => {
  const dark = await background('dark');
  const light = await background('light');
  assert.ok(luminance(dark.body) < 0.15, `dark body ${dark.body}`);
  assert.ok(luminance(dark.list) < 0.2, `dark list ${dark.list}`);
  assert.ok(luminance(dark.text) > 0.8, `dark text ${dark.text}`);
  assert.ok(luminance(light.body) > 0.9, `light body ${light.body}`);
  assert.ok(luminance(light.text) < 0.2, `light text ${light.text}`);
});

// Invites, accounts and the team (the shell's join_team, change_password,
// sign_out_everywhere, create_invite, list_invites, revoke_invite, set_account_active,
// delete_account).

const joinForm = (page) => page.locator('form[aria-label="Create your account"]');

/** Fill "Create your account" (the fields shared by both ways in). */
async function fillAccount(form, { fullName = 'Hana Sato', username = 'hana', email = 'hana@acme.test', password = 'correct horse', confirm = password } = {}) {
  await form.getByLabel('Full name').fill(fullName);
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Email (optional)').fill(email);
  await form.getByLabel('Password', { exact: true }).fill(password);
  await form.getByLabel('Confirm password').fill(confirm);
}

test('join: an invite link with a code asks to create the account; passwords that differ are caught; join_team gets the invite', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: { ...FIRST_RUN, invite: CODE_INVITE } },
      join_team: [{ err: 'The username hana is taken.' }, { ok: appState({ me: { ...ME, id: 8, username: 'hana', full_name: 'Hana Sato', is_admin: false } }) }],
    },
  });
  const form = joinForm(page);
  await form.waitFor();
  // Instead of the sign-in form, which is one click away.
  assert.equal(await page.locator('form[aria-label="Connect"]').count(), 0);
  assert.ok(await page.getByRole('button', { name: 'I already have an account: sign in' }).isVisible());
  assert.ok(await form.getByRole('heading', { name: 'Create your account' }).isVisible());
  assert.deepEqual(await form.locator('.join-invite-line').allTextContents(), [
    'You were invited to the team at https://192.168.1.20:8000.',
    `Its certificate, from the invite: ${grouped(FP_HOST)}`,
  ]);
  // From a link, the server and the code are not asked.
  assert.equal(await form.getByLabel('Server address').isVisible(), false);
  assert.equal(await form.getByLabel('Invite code').isVisible(), false);

  // The two passwords differ: said in a sentence, nothing sent.
  await fillAccount(form, { password: 'correct horse', confirm: 'correct hose' });
  await form.getByRole('button', { name: 'Create account' }).click();
  const alert = form.getByRole('alert');
  await alert.filter({ hasText: 'do not match' }).waitFor();
  assert.equal((await alert.textContent()).trim(), 'The two passwords do not match. Type the same password in both fields.');
  assert.equal(await form.getByLabel('Confirm password').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'confirm_password');
  // Too short, both the same.
  await form.getByLabel('Password', { exact: true }).fill('short');
  await form.getByLabel('Confirm password').fill('short');
  await form.getByLabel('Confirm password').press('Enter');
  await alert.filter({ hasText: 'at least 8 characters' }).waitFor();
  assert.equal(await form.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal((await invoked(page, 'join_team')).length, 0, 'nothing sent while the passwords are wrong');

  // The shell's refusal is said as it wrote it; what was typed stays.
  await form.getByLabel('Password', { exact: true }).fill('correct horse');
  await form.getByLabel('Confirm password').fill('correct horse');
  assert.equal(await form.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), null, 'typing again clears the mark');
  await form.getByRole('button', { name: 'Create account' }).click();
  await alert.filter({ hasText: 'taken' }).waitFor();
  assert.equal((await alert.textContent()).trim(), 'The username hana is taken.');
  assert.equal(await form.getByLabel('Username').inputValue(), 'hana');

  await form.getByLabel('Username').fill('  hana.sato ');
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Settings' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'join_team'), {
    join: {
      server_url: 'https://192.168.1.20:8000',
      fingerprint: FP_HOST,
      code: INVITE_CODE,
      username: 'hana.sato',
      full_name: 'Hana Sato',
      email: 'hana@acme.test',
      password: 'correct horse',
    },
  });
  assert.equal((await invoked(page, 'check_server')).length, 0, 'the invite’s certificate needs no check');
  assert.equal((await invoked(page, 'sign_in')).length, 0);
  await finish(page);
});

test('join: an invite with a code opened while signed out switches the sign-in screen; “I already have an account” goes back', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: SIGN_IN }, sign_in: { ok: appState() } } });
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await joinForm(page).count(), 0);
  await engine(page, { type: 'app_state', state: { ...SIGN_IN, invite: CODE_INVITE } });
  await page.getByRole('heading', { name: 'Create your account', level: 1 }).waitFor();
  await until(page, () => document.activeElement?.getAttribute('name') === 'full_name');
  assert.equal(await page.locator('form[aria-label="Sign in"]').count(), 0);

  await page.getByRole('button', { name: 'I already have an account: sign in' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  assert.equal(await joinForm(page).count(), 0);
  // The invite's server and certificate still fill the sign-in form.
  assert.equal(await page.getByLabel('Server address').inputValue(), 'https://192.168.1.20:8000');
  await page.getByLabel('Username').fill('hana');
  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.person').first().waitFor();
  assert.equal((await lastArgs(page, 'sign_in')).fingerprint, FP_HOST);
  await finish(page);
});

test('join: “I have an invite code” by hand: server and code typed; an unknown certificate is compared (Escape cancels), then pinned', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: SIGN_IN },
      check_server: { ok: serverCheck({ kind: 'unknown' }) },
      join_team: { ok: appState() },
    },
  });
  const toggle = page.getByRole('button', { name: 'I have an invite code' });
  await toggle.click();
  const form = joinForm(page);
  await form.waitFor();
  await page.getByRole('heading', { name: 'Create your account', level: 1 }).waitFor();
  assert.equal(await page.locator('form[aria-label="Sign in"]').count(), 0, 'the sign-in form makes way');
  // The server the app knows is already there; the code is next.
  assert.equal(await form.getByLabel('Server address').inputValue(), 'https://10.0.0.5:8000');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'invite_code');
  await form.getByLabel('Server address').fill('10.0.0.5:8000');
  await form.getByLabel('Invite code').fill(' K7QM-4XPA-93TD ');
  await fillAccount(form, { email: '' });
  await form.getByRole('button', { name: 'Create account' }).click();

  const panel = form.getByRole('region', { name: 'Is this your team’s server?' });
  await panel.waitFor();
  await until(page, () => document.activeElement?.classList.contains('cert-panel'));
  assert.deepEqual(await lastArgs(page, 'check_server'), { serverUrl: 'https://10.0.0.5:8000' });
  assert.equal(await text(panel.locator('code.fingerprint').first()), grouped(FP_OTHER));
  assert.equal((await invoked(page, 'join_team')).length, 0, 'nothing sent before the user answers');
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'join_server');

  await form.getByRole('button', { name: 'Create account' }).click();
  await panel.waitFor();
  await panel.getByRole('button', { name: 'Trust and create account' }).click();
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'join_team'), {
    join: {
      server_url: 'https://10.0.0.5:8000',
      fingerprint: FP_OTHER,
      code: 'K7QM-4XPA-93TD',
      username: 'hana',
      full_name: 'Hana Sato',
      email: '',
      password: 'correct horse',
    },
  });
  await finish(page);

  // A server whose certificate an authority signed: no question, no fingerprint.
  const first = await openApp(env, {
    responses: { app_state: { ok: FIRST_RUN }, check_server: { ok: serverCheck({ kind: 'authority' }) }, join_team: { ok: appState() } },
  });
  await first.getByRole('button', { name: 'I have an invite code' }).click();
  const f = joinForm(first);
  await f.getByLabel('Server address').fill('https://10.0.0.5:8000');
  await f.getByLabel('Invite code').fill('K7QM-4XPA-93TD');
  await fillAccount(f);
  await f.getByLabel('Confirm password').press('Enter');
  await first.locator('.person').first().waitFor();
  assert.equal((await lastArgs(first, 'join_team')).join.fingerprint, null);
  await finish(first);
});

test('settings: change password, checked here first; the app stays signed in', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      change_password: [{ err: 'The current password is not right.' }, { ok: appState(), delayMs: 150 }],
    },
  });
  await page.getByRole('button', { name: 'Settings' }).click();
  const account = page.getByRole('region', { name: 'Account', exact: true });
  const form = account.getByRole('form', { name: 'Change password' });
  await form.waitFor();
  await form.getByLabel('Current password').fill('old secret');
  await form.getByLabel('New password', { exact: true }).fill('new secret 1');
  await form.getByLabel('Confirm new password').fill('new secret 2');
  await form.getByRole('button', { name: 'Change password' }).click();
  const alert = form.getByRole('alert');
  await alert.filter({ hasText: 'do not match' }).waitFor();
  assert.equal((await invoked(page, 'change_password')).length, 0);
  assert.equal(await form.getByLabel('Confirm new password').getAttribute('aria-invalid'), 'true');

  await form.getByLabel('Confirm new password').fill('new secret 1');
  await form.getByLabel('Confirm new password').press('Enter');
  await alert.filter({ hasText: 'not right' }).waitFor();
  assert.equal((await alert.textContent()).trim(), 'The current password is not right.');

  await form.getByLabel('Current password').fill('old secret!');
  await form.getByRole('button', { name: 'Change password' }).click();
  await until(page, () => document.querySelector('.account-form [type="submit"]')?.textContent === 'Changing…');
  const status = account.getByRole('status').filter({ hasText: 'Password changed' });
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), 'Password changed. Your other devices were signed out.');
  assert.deepEqual(await lastArgs(page, 'change_password'), { currentPassword: 'old secret!', newPassword: 'new secret 1' });
  for (const label of ['Current password', 'New password', 'Confirm new password']) {
    assert.equal(await form.getByLabel(label, { exact: true }).inputValue(), '', `${label} is cleared`);
  }
  assert.equal(await form.locator('.alert').textContent(), '');
  assert.ok(await page.getByRole('heading', { name: 'Settings' }).isVisible(), 'still signed in, still in Settings');
  await finish(page);
});

test('settings: sign out everywhere asks first; Escape and Cancel keep me signed in', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, sign_out_everywhere: { ok: SIGN_IN } },
  });
  await page.getByRole('button', { name: 'Settings' }).click();
  const account = page.getByRole('region', { name: 'Account', exact: true });
  const everywhere = account.getByRole('button', { name: 'Sign out everywhere', exact: true });
  await everywhere.click();
  const ask = account.getByRole('group', { name: /^Sign out on all your devices, this one too\?/ });
  await ask.waitFor();
  await until(page, () => document.activeElement?.classList.contains('confirm'));
  assert.ok(!(await everywhere.isVisible()));
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'hidden' });
  assert.equal(await focusedText(page), 'Sign out everywhere', 'back on the button');

  await page.keyboard.press('Enter');
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'sign_out_everywhere')).length, 0);

  // By keyboard: open, Tab to the confirming button, Enter.
  await everywhere.press('Enter');
  await ask.waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await focusedText(page), 'Yes, sign out everywhere');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal((await invoked(page, 'sign_out_everywhere')).length, 1);
  assert.equal((await invoked(page, 'sign_out')).length, 0);
  await finish(page);
});

test('team: an admin creates an invite (link and code shown once, Copy copies), sees the invites, withdraws one', async () => {
  const made = teamInvite({ hours: 168 });
  const page = await openApp(env, {
    permissions: ['clipboard-read', 'clipboard-write'],
    responses: {
      app_state: { ok: appState() },
      list_invites: { ok: invites() },
      create_invite: { ok: made },
      revoke_invite: [{ ok: { ...invites()[0], state: 'revoked' } }, { ok: { ...made.invite, state: 'revoked' } }],
    },
  });
  await page.getByRole('button', { name: 'Settings' }).click();
  const team = page.getByRole('region', { name: 'Team', exact: true });
  await team.waitFor();
  assert.equal((await invoked(page, 'list_invites')).length, 1, 'the invites are fetched when Settings opens');

  // The list: each state in words, the account an invite made by name.
  const list = team.getByRole('list', { name: 'Invites' });
  await until(page, () => document.querySelectorAll('.invite-row').length === 4);
  const rows = list.getByRole('listitem');
  assert.deepEqual(await rows.locator('.tag').allInnerTexts(), ['Open', 'Used', 'Expired', 'Withdrawn']);
  assert.match(await text(rows.nth(0)), /^Open\s+Works until \S/);
  assert.match(await text(rows.nth(1)), /Used by Carol Diaz/);
  assert.match(await text(rows.nth(1)), /Made \S.* by Alice Martin \(you\)/);
  assert.match(await text(rows.nth(2)), /Expired .*unused/);
  assert.equal(await list.getByRole('button', { name: /^Withdraw/ }).count(), 1, 'only an open invite can be withdrawn');

  // A new invite, for 7 days.
  const invite = team.getByRole('region', { name: 'Invite a teammate' });
  const lifetime = invite.getByLabel('Invite works for');
  assert.equal(await lifetime.inputValue(), '72', '3 days unless chosen otherwise');
  assert.deepEqual(await lifetime.locator('option').allInnerTexts(), ['24 hours', '3 days', '7 days']);
  await lifetime.selectOption('168');
  await invite.getByRole('button', { name: 'Create invite' }).click();
  const result = invite.getByRole('group', { name: 'Invite ready' });
  await result.waitFor();
  await until(page, () => document.activeElement?.classList.contains('invite-created'));
  assert.deepEqual(await lastArgs(page, 'create_invite'), { hours: 168 });
  assert.match(await text(result), /The code is shown only once, here, and works once; it expires /);
  assert.equal(await result.getByLabel('Invite link for https://192.168.1.20:8000', { exact: true }).inputValue(), made.links[0]);
  assert.equal(await result.getByLabel('Invite link for https://10.8.0.3:8000', { exact: true }).inputValue(), made.links[1]);
  const code = result.getByLabel('Invite code', { exact: true });
  assert.equal(await code.inputValue(), INVITE_CODE);
  assert.equal(await code.getAttribute('readonly'), '');
  await result.getByRole('button', { name: 'Copy the invite code' }).click();
  await result.getByRole('status').filter({ hasText: 'Copied the invite code.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), INVITE_CODE);
  await result.getByRole('button', { name: 'Copy the invite link for https://10.8.0.3:8000' }).click();
  await until(page, () => document.querySelector('.invite-created .copied')?.textContent === 'Copied the invite link for https://10.8.0.3:8000.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), made.links[1]);
  // The new invite heads the list.
  await until(page, () => document.querySelectorAll('.invite-row').length === 5);
  assert.equal(await rows.first().getAttribute('data-invite-id'), '15');

  // When the clipboard refuses, the text is selected to copy by hand.
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));
  });
  await result.getByRole('button', { name: 'Copy the invite code' }).click();
  await result.getByRole('status').filter({ hasText: 'Could not copy by itself' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('code-input')), true);
  const selected = await page.evaluate(() => {
    const el = document.activeElement;
    return el.value.slice(el.selectionStart, el.selectionEnd);
  });
  assert.equal(selected, INVITE_CODE, 'the whole code is selected');

  // Withdraw the older open invite: it says so, the new one's code stays shown.
  await list.locator('li[data-invite-id="14"]').getByRole('button', { name: /^Withdraw the invite that works until/ }).click();
  await until(page, () => document.querySelector('li[data-invite-id="14"]')?.dataset.state === 'revoked');
  assert.deepEqual(await lastArgs(page, 'revoke_invite'), { id: 14 });
  assert.equal(await text(list.locator('li[data-invite-id="14"] .tag')), 'Withdrawn');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.inviteId), '14', 'focus stays on the row');
  assert.ok(await result.isVisible());
  // Withdrawing the new one: its code no longer works, so it is no longer shown.
  await list.locator('li[data-invite-id="15"]').getByRole('button', { name: /^Withdraw/ }).click();
  await result.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'revoke_invite'), { id: 15 });
  await finish(page);
});

test('team: an invite with no link to pin says to enter the server address and the code; Done hides the code', async () => {
  const made = teamInvite({ links: [] });
  const page = await openApp(env, { responses: { app_state: { ok: appState() }, create_invite: { ok: made } } });
  await page.getByRole('button', { name: 'Settings' }).click();
  const invite = page.getByRole('region', { name: 'Invite a teammate' });
  await invite.getByRole('button', { name: 'Create invite' }).click();
  const result = invite.getByRole('group', { name: 'Invite ready' });
  await result.waitFor();
  assert.deepEqual(await lastArgs(page, 'create_invite'), { hours: 72 });
  assert.match(
    await text(result),
    /Teammates open Switchboard, choose “I have an invite code”, and enter the server address https:\/\/192\.168\.1\.20:8000 and the code\./,
  );
  assert.equal(await result.getByRole('textbox', { name: /^Invite link/ }).count(), 0);
  assert.equal(await result.getByLabel('Server address', { exact: true }).inputValue(), 'https://192.168.1.20:8000');
  assert.equal(await result.getByLabel('Invite code', { exact: true }).inputValue(), INVITE_CODE);
  assert.ok(await result.getByRole('button', { name: 'Copy the server address' }).isVisible());
  await result.getByRole('button', { name: 'Done' }).click();
  await result.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('.invite-created input').count(), 0, 'the code is gone from the page');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'invite_hours');
  await finish(page);
});

test('team: disable, enable, and delete with a confirmation naming the person', async () => {
  const bobInfo = { id: 2, username: 'bob', email: 'bob@acme.test', full_name: 'Bob Stone', is_admin: false };
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      set_account_active: [{ ok: { ...bobInfo, is_active: false } }, { ok: { ...bobInfo, is_active: true } }],
      delete_account: { ok: null, delayMs: 100 },
    },
  });
  await page.getByRole('button', { name: 'Settings' }).click();
  const members = page.getByRole('region', { name: 'Team members' });
  await members.waitFor();
  const list = members.getByRole('list', { name: 'Team members' });
  assert.equal(await list.getByRole('listitem').count(), USERS.length - 1, 'everyone but me');
  const bob = list.locator('li[data-user-id="2"]');

  await bob.getByRole('button', { name: 'Disable Bob Stone' }).click();
  await bob.getByRole('button', { name: 'Enable Bob Stone' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'set_account_active'), { userId: 2, active: false });
  assert.ok(await bob.getByText('Disabled', { exact: true }).isVisible());
  assert.equal(await focusedText(page), 'Enable', 'focus stays on the same button');
  await page.keyboard.press('Enter');
  await bob.getByRole('button', { name: 'Disable Bob Stone' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'set_account_active'), { userId: 2, active: true });
  assert.ok(!(await bob.getByText('Disabled', { exact: true }).isVisible()));

  // Delete asks first, naming the person; Escape and Cancel keep the account.
  const remove = bob.getByRole('button', { name: 'Delete Bob Stone' });
  await remove.click();
  const ask = bob.getByRole('group', { name: 'Delete Bob Stone? They can no longer sign in; their calls stay in the history.' });
  await ask.waitFor();
  await until(page, () => document.activeElement?.classList.contains('confirm'));
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Delete Bob Stone');
  await remove.press('Enter');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'delete_account')).length, 0);

  await remove.click();
  await ask.getByRole('button', { name: 'Delete', exact: true }).click();
  await until(page, () => !document.querySelector('.member-list li[data-user-id="2"]'));
  assert.deepEqual(await lastArgs(page, 'delete_account'), { userId: 2 });
  assert.equal(await list.getByRole('listitem').count(), USERS.length - 2);
  await until(page, () => document.activeElement?.textContent === 'Team members');
  // The shell's own push afterwards changes nothing more.
  await engine(page, { type: 'app_state', state: appState({ users: USERS.filter((u) => u.id !== 2) }) });
  assert.equal(await list.getByRole('listitem').count(), USERS.length - 2);
  await page.getByRole('button', { name: 'People' }).click();
  await page.locator('.person').first().waitFor();
  assert.equal(await page.locator('.person[data-user-id="2"]').count(), 0);
  await finish(page);
});

test('people: a disabled account shows “Disabled” and cannot be called', async () => {
  const users = USERS.map((u) => (u.id === 3 ? { ...u, is_active: false } : u));
  const page = await openApp(env, { responses: { app_state: { ok: appState({ users }) } } });
  const carol = page.locator('.person[data-user-id="3"]');
  await carol.waitFor();
  const tag = carol.locator('.tag-disabled');
  assert.ok(await tag.isVisible());
  assert.equal(await tag.textContent(), 'Disabled');
  const callCarol = carol.getByRole('button', { name: 'Call Carol Diaz', exact: true });
  assert.ok(await callCarol.isDisabled());
  const why = 'Carol Diaz’s account is disabled by an administrator, so they cannot take calls.';
  assert.equal(await callCarol.getAttribute('title'), why);
  assert.equal(await page.locator(`#${await callCarol.getAttribute('aria-describedby')}`).textContent(), why);
  // Nobody else is tagged; disabled accounts come last.
  assert.equal(await page.locator('.person .tag-disabled:visible').count(), 1);
  assert.equal(await page.locator('.person').last().getAttribute('data-user-id'), '3');
  await page.getByLabel('Show').selectOption('available');
  await until(page, () => document.querySelectorAll('.person').length === 2);
  assert.deepEqual(await page.locator('.person-name').allInnerTexts(), ['Bob Stone', 'Dan Okafor']);
  await finish(page);
});

test('team: not shown to someone who is not an admin, who still has their own account settings', async () => {
  const me = { ...ME, is_admin: false };
  const page = await openApp(env, { responses: { app_state: { ok: appState({ me }) } } });
  await page.getByRole('button', { name: 'Settings' }).click();
  const account = page.getByRole('region', { name: 'Account', exact: true });
  await account.waitFor();
  assert.equal(await page.getByRole('region', { name: 'Team', exact: true }).count(), 0);
  assert.ok(!(await page.locator('.settings-section.team').isVisible()));
  assert.equal(await page.getByRole('button', { name: 'Create invite' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^(Disable|Delete) / }).count(), 0);
  assert.equal((await invoked(page, 'list_invites')).length, 0, 'no invites asked for');
  assert.ok(await account.getByRole('button', { name: 'Change password' }).isVisible());
  assert.ok(await account.getByRole('button', { name: 'Sign out everywhere' }).isVisible());
  await finish(page);
});

// Call links (`switchboard://call/<username>`): the shell pushes an AppState with
// `link_call`; nothing is dialed until the user says Call.
const LINK_DIALOG = { name: 'Call Bob Stone?' };
const activeName = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return (el?.labels?.[0]?.textContent ?? el?.querySelector?.('.label')?.textContent ?? el?.textContent ?? '').trim();
});

test('call link: asks first, naming the colleague; focus starts on Call and stays inside; Cancel dials nobody', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() } } });
  await page.locator('.person').first().waitFor();
  const search = page.getByLabel('Search people');
  await search.focus();
  await pushState(page, appState({ link_call: linkCall(BOB) }));
  const dialog = page.getByRole('dialog', LINK_DIALOG);
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  assert.match(await text(dialog), /A link asks to call Bob Stone \(bob\)\./);
  assert.equal(await dialog.locator('.avatar').textContent(), 'BS');
  assert.equal(await dialog.locator('.caller-name').getAttribute('dir'), 'auto');
  const always = dialog.getByRole('checkbox', { name: 'Don’t ask again for call links' });
  assert.ok(!(await always.isChecked()), 'asking stays on unless chosen');
  assert.ok(await page.evaluate(() => document.getElementById('app').inert), 'the window behind is inert');
  assert.equal(await activeName(page), 'Call', 'focus starts on Call');

  // Tab goes round the dialog: the choice, Cancel, Call, and back.
  await page.keyboard.press('Tab');
  assert.equal(await activeName(page), 'Don’t ask again for call links');
  await page.keyboard.press('Tab');
  assert.equal(await activeName(page), 'Cancel');
  await page.keyboard.press('Tab');
  assert.equal(await activeName(page), 'Call', 'focus stays in the dialog');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await activeName(page), 'Cancel');
  // A click on the backdrop neither closes it nor reaches the window behind.
  await page.mouse.click(20, 700);
  assert.ok(await dialog.isVisible());

  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'confirm_link_call'), { call: false, always: false });
  assert.equal((await invoked(page, 'confirm_link_call')).length, 1);
  assert.equal((await invoked(page, 'call_user')).length, 0);
  assert.ok(!(await page.evaluate(() => document.getElementById('app').inert)));
  await until(page, () => document.activeElement?.getAttribute('type') === 'search');
  assert.ok(!(await page.locator('.call-card').isVisible()), 'no call');

  // Signed out, a question is not shown.
  await pushState(page, { ...SIGN_IN, link_call: linkCall(BOB) });
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.ok(!(await page.getByRole('dialog').isVisible()));
  await finish(page);
});

test('call link: “Don’t ask again” and Enter on Call place the call and turn the setting on', async () => {
  const ringing = call(90, ME, BOB, 'pending');
  const page = await openApp(env, {
    responses: {
      app_state: [
        { ok: appState() },
        { ok: appState({ active_call: ringing, settings: { ...SETTINGS, call_links_without_asking: true } }) },
      ],
      confirm_link_call: { ok: ringing },
    },
  });
  await page.locator('.person').first().waitFor();
  // An Enter typed for something else as the question appears does not call.
  await page.evaluate(async (state) => {
    await window.__test.emit({ type: 'app_state', state });
    document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  }, appState({ link_call: linkCall(BOB) }));
  const dialog = page.getByRole('dialog', LINK_DIALOG);
  await dialog.waitFor();
  assert.equal((await invoked(page, 'confirm_link_call')).length, 0);

  await until(page, () => document.activeElement?.textContent?.includes('Call'));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.ok(await dialog.getByRole('checkbox', { name: 'Don’t ask again for call links' }).isChecked());
  await page.keyboard.press('Shift+Tab');
  assert.equal(await activeName(page), 'Call');
  await page.waitForTimeout(350); // past the guard against a stray Enter
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'confirm_link_call'), { call: true, always: true });
  assert.equal((await invoked(page, 'confirm_link_call')).length, 1);

  const card = page.locator('.call-card');
  await card.getByText('Calling Bob Stone…').waitFor();
  await until(page, () => document.activeElement?.textContent?.includes('Cancel') && !!document.activeElement.closest('.call-card'));
  assert.equal((await invoked(page, 'app_state')).length, 2, 'the state is taken again afterwards');

  // The setting the shell saved shows in Settings.
  await page.getByRole('button', { name: 'Settings' }).click();
  assert.ok(await page.getByRole('checkbox', { name: 'Call at once when a call link is opened' }).isChecked());
  await finish(page);
});

test('call link: Escape cancels; a failure is said in the main window', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      confirm_link_call: [{ ok: null }, { err: 'Bob Stone is in another call.' }],
    },
  });
  await page.locator('.person').first().waitFor();
  await pushState(page, appState({ link_call: linkCall(BOB) }));
  const dialog = page.getByRole('dialog', LINK_DIALOG);
  await dialog.waitFor();
  const always = dialog.getByRole('checkbox', { name: 'Don’t ask again for call links' });
  await always.check();
  // Escape anywhere in the dialog is Cancel; "Don’t ask again" goes only with Call.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'confirm_link_call'), { call: false, always: false });
  assert.equal((await invoked(page, 'app_state')).length, 2, 'the state is taken again afterwards');

  // The next link asks again, the choice unticked; the shell refuses the call.
  await pushState(page, appState({ link_call: linkCall(BOB) }));
  await dialog.waitFor();
  assert.ok(!(await always.isChecked()));
  await dialog.getByRole('button', { name: 'Call', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'confirm_link_call'), { call: true, always: false });
  const problem = page.getByRole('alert').filter({ hasText: 'Bob Stone is in another call.' });
  await problem.waitFor();
  assert.ok(await problem.isVisible());
  assert.ok(!(await page.locator('.call-card').isVisible()));
  await finish(page);
});

test('call link: during a call, Call is off with the reason; an incoming call goes over it', async () => {
  const active = call(91, ME, CAROL, 'active');
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ active_call: active, media: { state: 'connected', setup_ms: 300 } }) },
      reject_call: { ok: call(92, DAN, ME, 'rejected') },
    },
  });
  await page.getByRole('region', { name: 'Call with Carol Diaz' }).waitFor();
  // A name with controls meant to spoof is shown clean.
  await pushState(page, appState({ active_call: active, media: { state: 'connected', setup_ms: 300 }, link_call: { ...linkCall(BOB), display_name: '\u202EBob\u202C Stone' } }));
  const dialog = page.getByRole('dialog', LINK_DIALOG);
  await dialog.waitFor();
  const callButton = dialog.getByRole('button', { name: 'Call', exact: true });
  assert.ok(await callButton.isDisabled());
  assert.ok(await dialog.getByRole('checkbox').isDisabled());
  const reason = dialog.locator('#link-call-reason');
  assert.match(await text(reason), /^Finish your call first\./);
  assert.equal(await callButton.getAttribute('aria-describedby'), 'link-call-reason');
  assert.equal(await activeName(page), 'Cancel', 'focus starts on Cancel, Call being off');
  await page.keyboard.press('Tab');
  assert.equal(await activeName(page), 'Cancel', 'nothing else to go to');

  // Someone calls: their dialog goes over the question, which waits.
  await engine(page, { type: 'incoming_call', call_id: 92, from_user_id: 4, caller_name: 'Dan Okafor', call_type: 'audio', room_name: 'r' });
  const ringing = page.getByRole('alertdialog', { name: 'Dan Okafor is calling' });
  await ringing.waitFor();
  await until(page, () => document.activeElement?.textContent?.includes('Accept'));
  assert.ok(await page.evaluate(() => document.querySelector('.link-call').closest('.modal-backdrop').inert));
  await page.keyboard.press('Escape');
  await ringing.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'reject_call'), { callId: 92 });
  assert.equal((await invoked(page, 'confirm_link_call')).length, 0, 'Escape was the incoming call’s');
  await until(page, () => document.activeElement?.closest('.link-call') != null);
  assert.equal(await activeName(page), 'Cancel');

  // The call ends: Call comes on, the reason goes.
  await engine(page, { type: 'call_updated', call: call(91, ME, CAROL, 'completed') });
  await until(page, () => !document.querySelector('.link-call .btn.primary').disabled);
  assert.ok(!(await reason.isVisible()));
  assert.ok(await dialog.getByRole('checkbox').isEnabled());
  assert.equal(await callButton.getAttribute('aria-describedby'), null);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'confirm_link_call'), { call: false, always: false });
  await finish(page);
});

test('settings: “Call at once when a call link is opened” saves call_links_without_asking', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() } } });
  await page.getByRole('button', { name: 'Settings' }).click();
  const calls = page.getByRole('region', { name: 'Calls' });
  const atOnce = calls.getByRole('checkbox', { name: 'Call at once when a call link is opened' });
  await atOnce.waitFor();
  assert.ok(!(await atOnce.isChecked()), 'off by default');
  const hint = await atOnce.evaluate((e) => document.getElementById(e.getAttribute('aria-describedby'))?.textContent);
  assert.equal(hint, 'Off: Switchboard asks first, because any web page or message can hold such a link.');
  await atOnce.check();
  await until(page, () => window.__test.calls('save_settings').length === 1);
  assert.deepEqual((await lastArgs(page, 'save_settings')).settings, { ...SETTINGS, call_links_without_asking: true });
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  assert.ok(await atOnce.isChecked());
  await atOnce.uncheck();
  await until(page, () => window.__test.calls('save_settings').length === 2);
  assert.equal((await lastArgs(page, 'save_settings')).settings.call_links_without_asking, false);
  await finish(page);
});
