// Settings for administrators: the team's call outcomes (add, remove, reorder, save) and
// webhooks (the list, adding one with a generated secret, deliveries, deleting one); not
// shown to others, nor against a server without these routes, in headless Chromium
// against the fake shell.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, fixturesAt, ME, NOON } from './fixtures.mjs';
import { finish, invoked, openApp, setup } from './support.mjs';

// Deliveries say when as "Today 11:57": their times count from a fixed noon, and the page
// that shows them starts its clock there (`now: NOON`), so that a few minutes from now stay
// today whatever the hour the tests run at.
const { delivery, minutesFromNow, webhook } = fixturesAt(NOON);

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

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}
const count = async (page, cmd) => (await invoked(page, cmd)).length;
const settings = (page) => page.getByRole('button', { name: 'Settings' }).click();
const names = (section) => section.getByRole('textbox').evaluateAll((els) => els.map((e) => e.value));

test('call outcomes (admins): the team’s list; add, remove, reorder by keyboard; Save → set_call_outcomes; problems said before sending, refusals after', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      set_call_outcomes: [{ err: 'outcomes must be 1 to 20 names' }, { echo: 'outcomes' }],
    },
  });
  await settings(page);
  const section = page.getByRole('region', { name: 'Call outcomes' });
  await section.getByLabel('Outcome 1', { exact: true }).waitFor();
  assert.deepEqual(await names(section), ['Resolved', 'Follow-up needed', 'No decision', 'Wrong person']);
  assert.ok(await section.getByRole('button', { name: 'Move “Resolved” up' }).isDisabled(), 'the first cannot go up');
  assert.ok(await section.getByRole('button', { name: 'Move “Wrong person” down' }).isDisabled(), 'the last cannot go down');
  assert.ok(await section.getByRole('button', { name: 'Undo changes' }).isDisabled(), 'nothing to undo yet');

  // "No decision" up twice, by keyboard: focus follows it, and stops on Down at the top.
  await section.getByRole('button', { name: 'Move “No decision” up' }).focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await names(section), ['Resolved', 'No decision', 'Follow-up needed', 'Wrong person']);
  assert.equal(await focusedLabel(page), 'Move “No decision” up');
  assert.equal(await text(section.getByRole('status').filter({ hasText: 'is now number' })), '“No decision” is now number 2 of 4.');
  await page.keyboard.press('Enter');
  assert.deepEqual(await names(section), ['No decision', 'Resolved', 'Follow-up needed', 'Wrong person']);
  assert.equal(await focusedLabel(page), 'Move “No decision” down');

  // Remove "Wrong person": focus to the one now last. Add one: a new field, focused.
  await section.getByRole('button', { name: 'Remove “Wrong person”' }).click();
  assert.deepEqual(await names(section), ['No decision', 'Resolved', 'Follow-up needed']);
  assert.equal(await page.evaluate(() => document.activeElement?.value), 'Follow-up needed');
  await section.getByRole('button', { name: 'Add outcome' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Outcome 4');
  assert.equal(await section.getByLabel('Outcome 4', { exact: true }).getAttribute('maxlength'), '60');

  // Problems are said before anything is sent.
  await section.getByRole('button', { name: 'Save outcomes' }).click();
  await section.getByRole('alert').filter({ hasText: 'Outcome 4 has no name: type one, or remove it.' }).waitFor();
  assert.equal(await focusedLabel(page), 'Outcome 4', 'focus on the name to fix');
  await page.keyboard.type('resolved');
  await section.getByRole('button', { name: 'Save outcomes' }).click();
  await section.getByRole('alert').filter({ hasText: '“resolved” is in the list twice.' }).waitFor();
  assert.equal(await focusedLabel(page), 'Outcome 4');
  assert.equal(await count(page, 'set_call_outcomes'), 0);

  // Fixed: the server's refusal is said; then saved, in this order, trimmed.
  await section.getByLabel('Outcome 4', { exact: true }).fill('  Sold  ');
  await section.getByRole('button', { name: 'Save outcomes' }).click();
  await section.getByRole('alert').filter({ hasText: 'outcomes must be 1 to 20 names' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'set_call_outcomes'), { outcomes: { outcomes: ['No decision', 'Resolved', 'Follow-up needed', 'Sold'] } });
  await section.getByRole('button', { name: 'Save outcomes' }).click();
  await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert.equal(await section.locator('form .alert').textContent(), '', 'the error went');
  assert.deepEqual(await names(section), ['No decision', 'Resolved', 'Follow-up needed', 'Sold']);
  assert.ok(await section.getByRole('button', { name: 'Undo changes' }).isDisabled());

  // Undo brings the saved list back; every outcome removed cannot be saved.
  await section.getByRole('button', { name: 'Remove “Sold”' }).click();
  await section.getByRole('button', { name: 'Undo changes' }).click();
  assert.deepEqual(await names(section), ['No decision', 'Resolved', 'Follow-up needed', 'Sold']);
  for (let i = 0; i < 4; i += 1) await section.getByRole('button', { name: /^Remove/ }).first().click();
  assert.equal(await focusedLabel(page), 'Add outcome');
  await section.getByRole('button', { name: 'Save outcomes' }).click();
  await section.getByRole('alert').filter({ hasText: 'Keep at least one outcome.' }).waitFor();
  // Twenty at most: Add stops there.
  for (let i = 0; i < 20; i += 1) {
    await section.getByRole('button', { name: 'Add outcome' }).click();
    await page.keyboard.type(`Outcome ${i + 1}`);
  }
  assert.ok(await section.getByRole('button', { name: 'Add outcome' }).isDisabled());
  assert.equal(await count(page, 'set_call_outcomes'), 2);
  await finish(page);
});

test('webhooks (admins): the endpoints with their counts; Add with a generated secret and events → create_webhook; Deliveries as a table; Delete asks, naming the address', async () => {
  const hooks = [webhook(1, 'https://crm.acme.test/hooks/switchboard', { pending: 2, failed: 1 }), webhook(2, 'http://10.0.0.9:8080/sb', { events: ['callback.created'] })];
  const made = webhook(3, 'https://crm.acme.test/hooks/calls', { events: ['call.completed', 'call.missed', 'call.rejected', 'call.logged', 'callback.completed'] });
  const page = await openApp(env, {
    now: NOON,
    responses: {
      app_state: { ok: appState() },
      webhooks: { ok: hooks },
      create_webhook: [{ err: 'url must be an http:// or https:// address' }, { ok: made }],
      webhook_deliveries: {
        ok: [
          delivery(5, 1, 'call.completed', 'pending', { attempts: 3, last_status: 500, last_error: 'Internal Server Error', next_attempt_at: minutesFromNow(4) }),
          delivery(4, 1, 'call.logged', 'delivered', { last_status: 204, delivered_at: minutesFromNow(-3) }),
          delivery(3, 1, 'call.missed', 'failed', { attempts: 14, last_error: 'connection refused' }),
        ],
      },
      delete_webhook: { ok: null },
    },
  });
  await settings(page);
  const section = page.getByRole('region', { name: 'Webhooks' });
  const first = section.locator('li[data-webhook-id="1"]');
  await first.waitFor();
  assert.equal(await count(page, 'webhooks'), 1);
  assert.match(await text(section), /Switchboard-Signature header holds an HMAC-SHA256 of the body/);
  assert.match(await text(section), /docs\/crm\.md/);
  assert.match(await text(first), /https:\/\/crm\.acme\.test\/hooks\/switchboard/);
  assert.deepEqual(await first.getByRole('list', { name: 'Events' }).getByRole('listitem').allInnerTexts(), [
    'call.completed',
    'call.missed',
    'call.rejected',
    'call.logged',
  ]);
  assert.match(await text(first), /2 pending · 1 failed/);
  assert.match(await text(section.locator('li[data-webhook-id="2"]')), /Nothing waiting/);

  // Deliveries: a table, loaded when opened.
  const toggle = first.getByRole('button', { name: 'Deliveries to https://crm.acme.test/hooks/switchboard' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  const table = first.getByRole('table', { name: 'Deliveries to https://crm.acme.test/hooks/switchboard, newest first' });
  await table.waitFor();
  assert.deepEqual(await lastArgs(page, 'webhook_deliveries'), { id: 1 });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 3);
  assert.match(await text(rows.nth(0)), /call\.completed\s+Pending\s+3\s+HTTP 500: Internal Server Error\s+Today .*\s+Next try Today/);
  assert.match(await text(rows.nth(1)), /call\.logged\s+Delivered\s+1\s+HTTP 204\s+Today .*\s+Today /);
  assert.match(await text(rows.nth(2)), /call\.missed\s+Failed\s+14\s+connection refused/);
  await toggle.click();
  await table.waitFor({ state: 'hidden' });

  // Add: the address, a generated secret (32 hex characters, new each time), the events.
  const form = section.getByRole('form', { name: 'Add a webhook' });
  const secret = form.getByLabel('Secret', { exact: true });
  await form.getByRole('button', { name: 'Generate a secret' }).click();
  const generated = await secret.inputValue();
  assert.match(generated, /^[0-9a-f]{32}$/);
  assert.ok(await secret.evaluate((e) => e === document.activeElement), 'the secret is focused (and selected) to copy');
  await form.getByRole('button', { name: 'Generate a secret' }).click();
  assert.notEqual(await secret.inputValue(), generated);
  const checked = () => form.getByRole('checkbox').evaluateAll((els) => els.filter((e) => e.checked).map((e) => e.value));
  assert.deepEqual(await checked(), ['call.completed', 'call.missed', 'call.rejected', 'call.logged'], 'the calls’ events unless chosen otherwise');
  assert.equal(await form.getByRole('checkbox').count(), 6);

  // Problems are said before sending.
  await form.getByLabel('Address').fill('crm.acme.test/hooks');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await form.getByRole('alert').filter({ hasText: 'starting with https:// or http://' }).waitFor();
  await form.getByLabel('Address').fill('https://crm.acme.test/hooks/calls');
  await secret.fill('too short');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await form.getByRole('alert').filter({ hasText: 'The secret needs 16 to 200 characters' }).waitFor();
  await form.getByRole('button', { name: 'Generate a secret' }).click();
  for (const box of await form.getByRole('checkbox').all()) await box.uncheck();
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await form.getByRole('alert').filter({ hasText: 'Choose at least one event to send.' }).waitFor();
  assert.equal(await count(page, 'create_webhook'), 0);

  // By keyboard: the events, then Enter adds it; the server's refusal is said first.
  for (const e of ['call.completed', 'call.missed', 'call.rejected', 'call.logged', 'callback.completed']) {
    await form.getByRole('checkbox', { name: e }).focus();
    await page.keyboard.press('Space');
  }
  const secretValue = await secret.inputValue();
  await page.keyboard.press('Enter');
  await form.getByRole('alert').filter({ hasText: 'url must be an http:// or https:// address' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'create_webhook'), {
    new: {
      url: 'https://crm.acme.test/hooks/calls',
      secret: secretValue,
      events: ['call.completed', 'call.missed', 'call.rejected', 'call.logged', 'callback.completed'],
    },
  });
  await form.getByRole('button', { name: 'Add webhook' }).click();
  const added = section.locator('li[data-webhook-id="3"]');
  await added.waitFor();
  await form.getByRole('status').filter({ hasText: 'Added: from now on, the events chosen are sent to https://crm.acme.test/hooks/calls.' }).waitFor();
  assert.equal(await form.getByLabel('Address').inputValue(), '', 'the form is cleared');
  assert.equal(await secret.inputValue(), '');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.webhookId), '3', 'focus on the new endpoint');

  // Delete: asked first, naming the address; Cancel keeps it (by keyboard: Escape).
  await first.getByRole('button', { name: 'Delete the webhook to https://crm.acme.test/hooks/switchboard' }).click();
  const ask = first.getByRole('group', { name: /^Delete the webhook to https:\/\/crm\.acme\.test\/hooks\/switchboard\?/ });
  await ask.waitFor();
  assert.match(await text(ask), /Nothing waiting is sent to it, and its delivery log goes\./);
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'hidden' });
  assert.equal(await focusedLabel(page), 'Delete the webhook to https://crm.acme.test/hooks/switchboard');
  assert.equal(await count(page, 'delete_webhook'), 0);
  await page.keyboard.press('Enter');
  await ask.getByRole('button', { name: 'Delete' }).click();
  await first.waitFor({ state: 'detached' });
  assert.deepEqual(await lastArgs(page, 'delete_webhook'), { id: 1 });
  assert.equal(await section.getByRole('listitem').filter({ has: page.locator('.webhook-url') }).count(), 2);
  await until(page, () => document.activeElement?.textContent === 'Endpoints');

  // Each time Settings opens, the endpoints are fetched afresh.
  await page.getByRole('button', { name: 'People' }).click();
  await settings(page);
  await until(page, () => window.__test.calls('webhooks').length === 2);
  await finish(page);
});

test('admin sections: not shown to someone who is not an admin; hidden, without an error, on a server without the routes (seeds-style)', async () => {
  let page = await openApp(env, { responses: { app_state: { ok: appState({ me: { ...ME, is_admin: false } }) } } });
  await settings(page);
  await page.getByRole('region', { name: 'Account', exact: true }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Call outcomes' }).count(), 0);
  assert.equal(await page.getByRole('region', { name: 'Webhooks' }).count(), 0);
  assert.equal(await count(page, 'webhooks'), 0, 'not even asked');
  await finish(page);

  for (const [outcomesError, webhooksError] of [
    ['Not found.', 'The server refused the request (404 Not Found).'],
    ['There is no API route GET /api/call-outcomes/.', 'There is no API route GET /api/webhooks/.'],
  ]) {
    page = await openApp(env, {
      responses: { app_state: { ok: appState() }, call_outcomes: { err: outcomesError }, webhooks: { err: webhooksError } },
    });
    await settings(page);
    await page.getByRole('region', { name: 'Team', exact: true }).waitFor();
    await until(page, () => window.__test.calls('webhooks').length === 1);
    await page.waitForTimeout(200);
    assert.equal(await page.getByRole('region', { name: 'Call outcomes' }).count(), 0);
    assert.equal(await page.getByRole('region', { name: 'Webhooks' }).count(), 0);
    const shownErrors = await page.evaluate(() =>
      [...document.querySelectorAll('.alert, [role="alert"]')].filter((e) => e.offsetParent !== null && e.textContent.trim()).map((e) => e.textContent),
    );
    assert.deepEqual(shownErrors, []);
    // Opened again: not asked again.
    await page.getByRole('button', { name: 'People' }).click();
    await settings(page);
    await page.waitForTimeout(100);
    assert.equal(await count(page, 'webhooks'), 1);
    assert.equal(await count(page, 'call_outcomes'), 1);
    await finish(page);
  }

  // Any other refusal is said, in the section.
  page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      webhooks: { err: 'Only administrators can see webhooks.' },
      call_outcomes: { err: 'The server is unreachable at https://10.0.0.5:8000: connection refused.' },
    },
  });
  await settings(page);
  await page.getByRole('region', { name: 'Webhooks' }).getByRole('alert').filter({ hasText: 'Only administrators can see webhooks.' }).waitFor();
  await page.getByRole('region', { name: 'Call outcomes' }).getByRole('alert').filter({ hasText: 'connection refused' }).waitFor();
  await finish(page);
});
