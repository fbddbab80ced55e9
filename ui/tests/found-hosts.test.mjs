// The Connect screen's "Hosts on this network" (`find_hosts`): searching, the hosts found
// (name, address, fingerprint), choosing one (mouse and keyboard) fills the address and
// pins nothing, nothing found, a refusal, Search again; and screenshots, light and dark.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appState, FIRST_RUN, FP_HOST, FP_OTHER, grouped, HOSTING, NOON, serverCheck, SIGN_IN } from './fixtures.mjs';
import { engine, finish, invoked, openApp, setupPerFile, shot } from './support.mjs';

const env = setupPerFile();

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const text = (loc) => loc.innerText();

const SEARCHING = 'Searching the local network…';
const NONE_FOUND = 'No team host answered on this network. Ask your host for the address.';
const ANYONE = 'Anyone on this network can announce a host: check the fingerprint with the person hosting.';
const REFUSED = 'Cannot search the local network: no network interface is up.';

const ALICE = { name: 'Alice’s Switchboard', url: 'https://192.168.1.20:8000', fingerprint: FP_HOST };
const RECEPTION = { name: 'Switchboard on reception-pc', url: 'https://192.168.1.34:8000', fingerprint: FP_OTHER };
const HOSTS = [ALICE, RECEPTION];

const section = (page) => page.getByRole('region', { name: 'Hosts on this network' });
const status = (page) => section(page).getByRole('status');
const rows = (page) => section(page).getByRole('listitem');
const row = (page, host) => section(page).getByRole('button', { name: `${host.name} ${host.url}`, exact: true });
const address = (page) => page.locator('form[aria-label="Connect"]').getByLabel('Server address');

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}

test('first run: the network is searched as Connect opens, under the address, which stays put; then the hosts with name, address and fingerprint', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN }, find_hosts: { ok: HOSTS, delayMs: 2000 } } });
  await status(page).filter({ hasText: SEARCHING }).waitFor();
  assert.equal(await section(page).locator('.found-hosts-again').getAttribute('aria-disabled'), 'true', 'one search at a time');
  assert.equal(await rows(page).count(), 0);
  assert.ok(!(await page.getByText(ANYONE).isVisible()), 'nothing to compare yet');
  // Under the address field, before the username: the address is where it was before the
  // answer, and stays there after it.
  const order = await page.evaluate(() => {
    const form = document.querySelector('form[aria-label="Connect"]');
    const at = (el) => [...form.querySelectorAll('input, section')].indexOf(el);
    return [at(form.querySelector('input[name="server"]')), at(form.querySelector('.found-hosts')), at(form.querySelector('input[name="username"]'))];
  });
  assert.ok(order[0] < order[1] && order[1] < order[2], `address, hosts, username: ${order}`);
  const before = await address(page).boundingBox();

  await status(page).filter({ hasText: 'Found 2 hosts' }).waitFor();
  assert.equal(await text(status(page)), 'Found 2 hosts: choose yours to fill in the server address.');
  assert.deepEqual(await address(page).boundingBox(), before, 'the address field did not move');
  assert.equal(await rows(page).count(), 2);
  for (const [i, host] of HOSTS.entries()) {
    const r = rows(page).nth(i);
    assert.equal(await text(r.locator('.found-host-name')), host.name);
    assert.equal(await text(r.locator('.found-host-url')), host.url);
    // In groups of four, eight to a line (two lines to compare), in a monospace font.
    const print = r.locator('code.found-host-print');
    assert.equal(await print.textContent(), grouped(host.fingerprint));
    assert.match(await print.textContent(), /^[0-9A-F]{4}( [0-9A-F]{4}){15}$/);
    const lines = await print.evaluate((e) => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)));
    assert.equal(lines, 2, 'eight groups to a line');
    assert.ok(await print.evaluate((e) => getComputedStyle(e).fontFamily.includes('mono')));
    // Named by its name and address; the fingerprint describes it.
    const description = await row(page, host).evaluate((e) => document.getElementById(e.getAttribute('aria-describedby')).textContent);
    assert.equal(description, `Certificate fingerprint ${grouped(host.fingerprint)}`);
  }
  assert.ok(await rows(page).first().getByText('Alice’s Switchboard').isVisible());
  assert.equal(await text(section(page).locator('.found-hosts-note')), ANYONE);
  assert.equal(await section(page).locator('.found-hosts-again').getAttribute('aria-disabled'), null);
  assert.equal((await invoked(page, 'find_hosts')).length, 1, 'searched once');
  assert.equal(await address(page).inputValue(), '', 'nothing filled before a host is chosen');
  await finish(page);
});

test('first run: choosing a host fills the address only; its certificate is still checked and shown to compare', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: FIRST_RUN },
      find_hosts: { ok: HOSTS },
      check_server: { ok: serverCheck({ kind: 'unknown' }, FP_HOST, ALICE.url) },
      sign_in: { ok: appState({ server_url: ALICE.url }) },
    },
  });
  await rows(page).nth(1).waitFor();
  await row(page, ALICE).click();
  assert.equal(await address(page).inputValue(), ALICE.url);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'username', 'on to the next field to fill');
  assert.equal(await row(page, ALICE).getAttribute('aria-current'), 'true');
  assert.equal(await row(page, RECEPTION).getAttribute('aria-current'), null);
  assert.ok(await row(page, ALICE).getByText('In the address').isVisible(), 'the chosen row says so, not by colour alone');
  assert.ok(!(await page.locator('.invite-note').isVisible()), 'an announcement is not an invite');

  // Typing another address takes the mark away; the same address typed otherwise keeps it.
  await address(page).fill('192.168.1.20:8000/');
  assert.equal(await row(page, ALICE).getAttribute('aria-current'), 'true');
  await address(page).fill('https://10.0.0.5:8000');
  assert.equal(await row(page, ALICE).getAttribute('aria-current'), null);
  await row(page, ALICE).click();

  const form = page.locator('form[aria-label="Connect"]');
  await form.getByLabel('Username').fill('bob');
  await form.getByLabel('Password').fill('pw');
  await form.getByRole('button', { name: 'Connect' }).click();
  const panel = page.getByRole('region', { name: 'Is this your team’s server?' });
  await panel.waitFor();
  assert.deepEqual(await lastArgs(page, 'check_server'), { serverUrl: ALICE.url }, 'checked as a typed address is');
  assert.equal((await invoked(page, 'sign_in')).length, 0, 'nothing trusted before the user compares');
  assert.equal((await invoked(page, 'open_invite')).length, 0);
  assert.equal(await text(panel.locator('code.fingerprint').first()), grouped(FP_HOST));

  // Choosing another host while the question is open: the question was about the other.
  await row(page, RECEPTION).click();
  assert.equal(await address(page).inputValue(), RECEPTION.url);
  assert.ok(!(await panel.isVisible()), 'the question about the first host is gone');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password', 'the username was filled: the password next');
  await row(page, ALICE).click();
  await form.getByRole('button', { name: 'Connect' }).click();
  await panel.waitFor();
  await panel.getByRole('button', { name: 'Trust and sign in' }).click();
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'sign_in'), { serverUrl: ALICE.url, username: 'bob', password: 'pw', fingerprint: FP_HOST });
  await finish(page);
});

test('first run: nothing found says so, and lists nothing', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN } } });
  await status(page).filter({ hasText: NONE_FOUND }).waitFor();
  assert.equal(await text(status(page)), NONE_FOUND);
  assert.equal(await rows(page).count(), 0);
  assert.ok(!(await section(page).getByRole('list').isVisible()));
  assert.ok(!(await page.getByText(ANYONE).isVisible()));
  assert.ok(await section(page).getByRole('button', { name: 'Search again' }).isVisible());
  await finish(page);
});

test('first run: a refused search is said in its own words; the address field still works', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: FIRST_RUN }, find_hosts: { err: REFUSED }, sign_in: { ok: appState() } },
  });
  await status(page).filter({ hasText: REFUSED }).waitFor();
  assert.equal(await text(status(page)), REFUSED);
  assert.equal(await section(page).getAttribute('data-state'), 'failed');
  assert.equal(await rows(page).count(), 0);
  const form = page.locator('form[aria-label="Connect"]');
  assert.equal(await form.locator('.alert').textContent(), '', 'not the form’s error: signing in is not refused');
  await address(page).fill('http://10.0.0.5:8000');
  await form.getByLabel('Username').fill('alice');
  await form.getByLabel('Password').fill('pw');
  await form.getByLabel('Password').press('Enter');
  await page.locator('.person').first().waitFor();
  assert.deepEqual(await lastArgs(page, 'sign_in'), { serverUrl: 'http://10.0.0.5:8000', username: 'alice', password: 'pw', fingerprint: null });
  await finish(page);
});

test('first run: Search again searches once more (one search at a time); a later refusal takes the old list away', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: FIRST_RUN },
      find_hosts: [{ ok: [] }, { ok: HOSTS, delayMs: 1500 }, { ok: [ALICE], delayMs: 1200 }, { err: REFUSED }],
    },
  });
  await status(page).filter({ hasText: NONE_FOUND }).waitFor();
  const again = section(page).getByRole('button', { name: 'Search again' });
  await again.click();
  await status(page).filter({ hasText: SEARCHING }).waitFor();
  // Pressed again meanwhile (it says it is busy: aria-disabled, which Playwright's click
  // would wait out, hence the bare events).
  assert.equal(await again.getAttribute('aria-disabled'), 'true');
  await again.dispatchEvent('click');
  await again.dispatchEvent('click');
  await status(page).filter({ hasText: 'Found 2 hosts' }).waitFor();
  assert.equal((await invoked(page, 'find_hosts')).length, 2, 'clicks while searching start nothing');
  assert.equal(await rows(page).count(), 2);

  // Searching again, the hosts found stay (dimmed, busy) until the answer.
  await again.click();
  await status(page).filter({ hasText: SEARCHING }).waitFor();
  assert.equal(await rows(page).count(), 2);
  assert.equal(await section(page).getByRole('list').getAttribute('aria-busy'), 'true');
  await status(page).filter({ hasText: 'Found one host' }).waitFor();
  assert.equal(await text(status(page)), 'Found one host: choose yours to fill in the server address.');
  assert.equal(await rows(page).count(), 1);
  assert.equal(await section(page).getByRole('list').getAttribute('aria-busy'), null);

  await again.click();
  await status(page).filter({ hasText: REFUSED }).waitFor();
  assert.equal(await rows(page).count(), 0, 'hosts from before a refusal are not offered as found');
  assert.ok(!(await page.getByText(ANYONE).isVisible()));
  await finish(page);
});

test('first run: by keyboard, Tab from the address to Search again and the rows; Enter or Space chooses', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN }, find_hosts: { ok: HOSTS } } });
  await rows(page).nth(1).waitFor();
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el?.getAttribute('name') ?? el?.getAttribute('aria-labelledby')?.split(' ').map((id) => document.getElementById(id).textContent).join(' ') ?? el?.textContent;
    });
  await address(page).focus();
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Search again');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), `${ALICE.name} ${ALICE.url}`);
  await page.keyboard.press('Tab');
  assert.equal(await focused(), `${RECEPTION.name} ${RECEPTION.url}`);
  await page.keyboard.press('Space');
  assert.equal(await address(page).inputValue(), RECEPTION.url);
  assert.equal(await focused(), 'username');
  assert.equal((await invoked(page, 'check_server')).length, 0, 'choosing submits nothing');

  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), `${RECEPTION.name} ${RECEPTION.url}`);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  assert.equal(await address(page).inputValue(), ALICE.url);
  assert.equal(await focused(), 'username');
  assert.equal((await invoked(page, 'check_server')).length, 0, 'Enter on a row does not submit the form');

  // Search again by keyboard; the rows come back the same, and the focus stays.
  await rows(page).first().getByRole('button').focus();
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'Search again');
  await page.keyboard.press('Enter');
  await until(page, () => window.__test.calls('find_hosts').length === 2);
  await status(page).filter({ hasText: 'Found 2 hosts' }).waitFor();
  assert.equal(await focused(), 'Search again');
  await finish(page);
});

test('found hosts: a name from the network loses its bidi controls; a host with no fingerprint says so; a repeat of the state keeps the list', async () => {
  const spoof = { name: 'Bob\u202E sʼelaS', url: 'https://192.168.1.40:8000', fingerprint: null };
  const page = await openApp(env, { responses: { app_state: { ok: FIRST_RUN }, find_hosts: { ok: [ALICE, spoof] } } });
  await rows(page).nth(1).waitFor();
  const name = rows(page).nth(1).locator('.found-host-name');
  assert.equal(await name.textContent(), 'Bob sʼelaS');
  assert.equal(await name.getAttribute('dir'), 'auto');
  assert.equal(await text(rows(page).nth(1).locator('.found-host-fp')), 'No certificate fingerprint announced');
  // The shell's state again on the same screen (start-up, an invite link opened).
  await engine(page, { type: 'app_state', state: FIRST_RUN });
  await page.waitForTimeout(50);
  assert.equal(await rows(page).count(), 2);
  assert.equal((await invoked(page, 'find_hosts')).length, 1);
  await finish(page);
});

test('found hosts: not searched on first run while this computer hosts, until Connect is chosen', async () => {
  const running = { ...HOSTING, admin_username: '' };
  const page = await openApp(env, {
    responses: { app_state: { ok: { ...FIRST_RUN, hosting: running, server_url: running.url } }, find_hosts: { ok: HOSTS } },
  });
  await page.getByRole('heading', { name: 'Welcome' }).waitFor();
  await page.waitForTimeout(100);
  assert.equal((await invoked(page, 'find_hosts')).length, 0, 'the host does not look for hosts');
  await page.getByRole('radio', { name: /Connect to a server/ }).check();
  await rows(page).nth(1).waitFor();
  await page.getByRole('radio', { name: /Host for my team/ }).check();
  await page.getByRole('radio', { name: /Connect to a server/ }).check();
  assert.equal((await invoked(page, 'find_hosts')).length, 1, 'once: Search again is the user’s after that');
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`screenshots: the Connect screen with two hosts found (${scheme})`, async () => {
    const page = await openApp(env, {
      colorScheme: scheme,
      now: NOON,
      viewport: { width: 1040, height: 720 },
      responses: { app_state: { ok: FIRST_RUN }, find_hosts: [{ ok: HOSTS }, { ok: HOSTS, delayMs: 60_000 }] },
    });
    await rows(page).nth(1).waitFor();
    await shot(page, '1-first-run-found-hosts', { fullPage: true });
    await row(page, ALICE).click();
    await page.locator('form[aria-label="Connect"]').getByLabel('Username').fill('bob');
    await shot(page, '1-first-run-found-hosts-chosen', { fullPage: true });
    await page.setViewportSize({ width: 420, height: 900 });
    await shot(page, '1-first-run-found-hosts-narrow', { fullPage: true });
    // Searching again: the hosts found before, dimmed, under "Searching…".
    await page.setViewportSize({ width: 1040, height: 720 });
    await section(page).getByRole('button', { name: 'Search again' }).click();
    await status(page).filter({ hasText: SEARCHING }).waitFor();
    await shot(page, '1-first-run-found-hosts-searching', { element: section(page) });
    await finish(page);
  });
}

test('sign in (after signing out): the hosts are listed under the address too; choosing one puts its address in place of the saved one', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: SIGN_IN },
      find_hosts: { ok: HOSTS },
      check_server: { ok: serverCheck({ kind: 'unknown' }, FP_OTHER, RECEPTION.url) },
    },
  });
  const form = page.locator('form[aria-label="Sign in"]');
  const saved = await form.getByLabel('Server address').inputValue();
  assert.notEqual(saved, '', 'the server signed in to last is filled in');
  await status(page).filter({ hasText: 'Found 2 hosts' }).waitFor();
  assert.equal((await invoked(page, 'find_hosts')).length, 1, 'searched once, as the screen opened');
  assert.equal(await rows(page).count(), 2);
  await row(page, RECEPTION).click();
  assert.equal(await form.getByLabel('Server address').inputValue(), RECEPTION.url);
  assert.equal(await row(page, RECEPTION).getAttribute('aria-current'), 'true');
  await form.getByLabel('Username').fill('bob');
  await form.getByLabel('Password').fill('pw');
  await form.getByRole('button', { name: 'Sign in' }).click();
  // Found, not trusted: its certificate is shown to compare, as a typed address's is.
  await page.getByRole('region', { name: 'Is this your team’s server?' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'check_server'), { serverUrl: RECEPTION.url });
  assert.equal((await invoked(page, 'sign_in')).length, 0);
  await shot(page, 'sign-in-found-hosts');
  await finish(page);
});
