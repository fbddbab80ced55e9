// Logging a call that did not connect: History's "Log…" on a missed or declined call opens
// the after-call panel (outcome and note) for it, and the row then shows the log, in
// headless Chromium against the fake shell.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, CAROL, DAN, ME } from './fixtures.mjs';
import { engine, finish, invoked, openApp, setup } from './support.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const text = (loc) => loc.innerText();
const DEAL = { type: 'deal', id: 'D-118', label: 'ACME renewal', url: 'https://crm.acme.test/deals/118' };
const log = (author, outcome, note) => ({ author, outcome, note, created_at: '2025-03-03T10:05:00Z', updated_at: '2025-03-03T10:05:00Z' });

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}

function page1() {
  return {
    count: 4,
    next: null,
    previous: null,
    results: [
      call(101, BOB, ME, 'missed', { regarding: DEAL }),
      call(102, ME, CAROL, 'rejected', { decline_message: 'In a meeting', logs: [log(3, 'Wrong person', undefined), log(1, 'No decision', 'Try Monday')] }),
      call(103, DAN, ME, 'completed'),
      call(104, DAN, ME, 'cancelled'),
    ],
  };
}

test('history: “Log…” on a missed or declined call opens the outcome and note form for it; Save → log_call; the row shows the log; focus comes back', async () => {
  const logged = call(101, BOB, ME, 'missed', { regarding: DEAL, logs: [log(1, 'Follow-up needed', 'Left a voicemail.\nTry again at 3')] });
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      call_history: { ok: page1() },
      log_call: [{ err: 'Calls can be logged for 24 hours after they end.' }, { ok: logged }],
    },
  });
  await page.getByRole('button', { name: /History/ }).click();
  const row = (id) => page.locator(`tr[data-call-id="${id}"]`);
  await row(101).waitFor();
  assert.equal(await row(103).getByRole('button', { name: /^Log|Edit log/ }).count(), 0, 'an answered call has its panel after the call');
  assert.ok(await row(104).getByRole('button', { name: 'Log the call with Dan Okafor' }).isVisible(), 'a call the caller gave up on is missed too');
  // One I logged already says so.
  const edit = row(102).getByRole('button', { name: 'Edit log of the call with Carol Diaz' });
  assert.equal(await text(edit), 'Edit log…');

  // By keyboard: Log… opens the panel for that call, focus on the outcome.
  const logBob = row(101).getByRole('button', { name: 'Log the call with Bob Stone' });
  assert.equal(await text(logBob), 'Log…');
  await logBob.focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('region', { name: 'Log the missed call from Bob Stone' });
  await panel.waitFor();
  assert.match(await text(panel), /About Deal: ACME renewal/);
  await until(page, () => document.activeElement?.id === 'after-call-outcome');
  await until(page, () => document.querySelectorAll('#after-call-outcome option').length === 5);
  await panel.getByLabel('Outcome').selectOption('Follow-up needed');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Left a voicemail.\nTry again at 3');
  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('alert').filter({ hasText: 'Calls can be logged for 24 hours after they end.' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'log_call'), { callId: 101, log: { outcome: 'Follow-up needed', note: 'Left a voicemail.\nTry again at 3' } });
  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('status').filter({ hasText: 'Saved. Follow-up needed — Left a voicemail.' }).waitFor();

  // The row shows the log, as for an answered call, and now offers to edit it.
  const items = row(101).getByRole('list', { name: 'After-call notes' }).getByRole('listitem');
  assert.deepEqual(await items.allInnerTexts(), ['You: Follow-up needed — Left a voicemail.\nTry again at 3']);
  await row(101).getByRole('button', { name: 'Edit log of the call with Bob Stone' }).waitFor();

  // Close: the panel goes, focus back on that row.
  await panel.getByRole('button', { name: 'Close' }).click();
  await panel.waitFor({ state: 'hidden' });
  await until(page, () => document.activeElement?.closest('tr')?.dataset.callId === '101');

  // A declined call I logged before: the form shows what I wrote; Skip leaves it as it was.
  await edit.click();
  const carol = page.getByRole('region', { name: 'Log the call Carol Diaz declined' });
  await carol.waitFor();
  assert.equal(await carol.getByLabel('Outcome').inputValue(), 'No decision');
  assert.equal(await carol.getByLabel('Note').inputValue(), 'Try Monday');
  await carol.getByRole('button', { name: 'Skip' }).click();
  await carol.waitFor({ state: 'hidden' });
  await until(page, () => document.activeElement?.closest('tr')?.dataset.callId === '102');
  assert.equal((await invoked(page, 'log_call')).length, 2);
  await finish(page);
});

test('history: “Log…” works during a call too, and not at all on a server without call outcomes', async () => {
  let page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ active_call: call(70, ME, DAN, 'active'), media: { state: 'connected', setup_ms: 300 } }) },
      call_history: { ok: page1() },
    },
  });
  await page.getByRole('button', { name: /History/ }).click();
  await page.locator('tr[data-call-id="101"]').getByRole('button', { name: 'Log the call with Bob Stone' }).click();
  await page.getByRole('region', { name: 'Log the missed call from Bob Stone' }).waitFor();
  assert.ok(await page.getByRole('region', { name: 'Call with Dan Okafor' }).isVisible());
  // The call ends meanwhile: the panel is still about Bob's call (Dan's asks nothing over it).
  await engine(page, { type: 'call_updated', call: call(70, ME, DAN, 'completed') });
  await page.locator('.call-outcome', { hasText: 'Call ended' }).waitFor();
  assert.ok(await page.getByRole('region', { name: 'How did the call with Dan Okafor go?' }).isVisible(), 'the call just ended comes first');
  await finish(page);

  page = await openApp(env, {
    responses: { app_state: { ok: appState() }, call_history: { ok: page1() }, call_outcomes: { err: 'Not found.' } },
  });
  await until(page, () => window.__test.calls('call_outcomes').length === 1);
  await page.getByRole('button', { name: /History/ }).click();
  await page.locator('tr[data-call-id="101"]').waitFor();
  await page.waitForTimeout(100);
  assert.equal(await page.getByRole('button', { name: /^Log the call|^Edit log/ }).count(), 0);
  await finish(page);
});
