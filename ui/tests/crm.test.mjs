// The CRM record a call is about, quick replies that decline with a message, and the
// after-call log (outcome and note), in headless Chromium against the fake shell.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, BOB, call, CAROL, DAN, linkCall, ME } from './fixtures.mjs';
import { engine, finish, invoked, openApp, pushState, setup } from './support.mjs';

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
const DEAL = { type: 'deal', id: 'D-118', label: 'ACME renewal', url: 'https://crm.acme.test/deals/118' };

async function lastArgs(page, cmd) {
  const calls = await invoked(page, cmd);
  assert.ok(calls.length > 0, `${cmd} was not invoked`);
  return calls[calls.length - 1].args;
}

const ringing = (id, regarding = null) => ({
  type: 'incoming_call',
  call_id: id,
  from_user_id: 2,
  caller_name: 'Bob Stone',
  call_type: 'audio',
  room_name: 'r',
  regarding,
});

test('incoming call: “About Deal: ACME renewal” under the name, a link to the record, inside the focus trap', async () => {
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      reject_call: { ok: call(61, BOB, ME, 'rejected') },
      open_record_page: [{ ok: null }, { err: 'The browser could not be opened: no browser is set up.' }],
    },
  });
  await page.locator('.person').first().waitFor();
  await engine(page, ringing(60, DEAL));
  const dialog = page.getByRole('alertdialog', { name: 'Bob Stone is calling' });
  await dialog.waitFor();
  assert.match(await text(dialog.locator('.modal-regarding')), /^About Deal: ACME renewal/);
  const link = dialog.getByRole('link', { name: /ACME renewal/ });
  assert.equal(await link.getAttribute('href'), DEAL.url);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  // Shift+Tab from Accept reaches Decline, then the link; Tab from the last control wraps.
  await until(page, () => document.activeElement?.textContent?.includes('Accept'));
  await page.keyboard.press('Shift+Tab');
  assert.match(await focusedText(page), /Decline/);
  await page.keyboard.press('Shift+Tab');
  assert.match(await focusedText(page), /ACME renewal/);
  await page.keyboard.press('Shift+Tab');
  assert.match(await focusedText(page), /Reply…/, 'focus wraps inside the dialog');
  // A click asks the shell to open the page in the browser (the webview stays put); a
  // failure is said next to the link.
  await link.click();
  assert.deepEqual(await lastArgs(page, 'open_record_page'), { url: DEAL.url });
  assert.ok(!page.url().startsWith(DEAL.url), 'the app did not navigate to the record');
  await link.click();
  await until(page, () => /no browser is set up/.test(document.querySelector('.modal .record-problem')?.textContent ?? ''));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'reject_call'), { callId: 60 });

  // No address, or one that is not http(s): the label is text, not a link; bidi controls go;
  // the type is capitalised.
  await engine(page, ringing(61, { type: 'support_ticket', id: 'T-9', label: 'Printer \u202Eon fire', url: 'javascript:alert(1)' }));
  await dialog.waitFor();
  assert.equal(await text(dialog.locator('.modal-regarding')), 'About Support ticket: Printer on fire');
  assert.equal(await dialog.getByRole('link').count(), 0);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  // None at all: no line.
  await engine(page, ringing(62));
  await dialog.waitFor();
  assert.ok(!(await dialog.locator('.modal-regarding').isVisible()));
  await finish(page);
});

test('incoming call: Reply… declines with a quick reply, by keyboard; Escape closes the replies first', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, decline_call: { ok: call(63, BOB, ME, 'rejected', { decline_message: 'x' }) } },
  });
  await page.locator('.person').first().waitFor();
  await engine(page, ringing(63, DEAL));
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  await until(page, () => document.activeElement?.textContent?.includes('Accept'));
  await page.waitForTimeout(350); // past the guard against a stray Enter
  const toggle = dialog.getByRole('button', { name: 'Reply…' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Tab');
  assert.match(await focusedText(page), /Reply…/);
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const replies = dialog.getByRole('group', { name: 'Decline with a message' });
  await replies.waitFor();
  assert.match(await focusedText(page), /In a meeting — I'll call you back in 10 minutes/);
  assert.equal((await invoked(page, 'answer_call')).length, 0, 'Enter on Reply… does not answer');
  // Escape closes the replies (focus back on Reply…); the call still rings.
  await page.keyboard.press('Escape');
  await replies.waitFor({ state: 'hidden' });
  assert.match(await focusedText(page), /Reply…/);
  assert.ok(await dialog.isVisible());
  assert.equal((await invoked(page, 'reject_call')).length, 0);
  // Open again, go to the second reply, Enter sends it.
  await page.keyboard.press('Enter');
  await replies.waitFor();
  await page.keyboard.press('Tab');
  assert.match(await focusedText(page), /Can't talk now, send me a message/);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'decline_call'), { callId: 63, message: "Can't talk now, send me a message" });
  assert.equal((await invoked(page, 'answer_call')).length, 0);
  assert.equal((await invoked(page, 'reject_call')).length, 0);
  await finish(page);
});

test('incoming call: a message of my own (one line, 200 characters at most); a failure is said', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState() }, decline_call: [{ err: 'The call is no longer ringing.' }] },
  });
  await page.locator('.person').first().waitFor();
  await engine(page, ringing(64));
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Reply…' }).click();
  const field = dialog.getByLabel('Your own message', { exact: true });
  assert.equal(await field.getAttribute('maxlength'), '200');
  assert.ok(await dialog.getByRole('button', { name: 'Send', exact: true }).isDisabled(), 'nothing to send yet');
  await field.fill('x'.repeat(250));
  assert.equal((await field.inputValue()).length, 200);
  await field.fill('  Back at 3,   call then  ');
  // An Enter within 300 ms of the ring is swallowed (a stray keypress must not act on
  // the call): CI once got here sooner.
  await page.waitForTimeout(350);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await lastArgs(page, 'decline_call'), { callId: 64, message: 'Back at 3, call then' });
  assert.equal((await invoked(page, 'answer_call')).length, 0, 'Enter in the field sends, it does not answer');
  await page.getByRole('alert').filter({ hasText: 'The call is no longer ringing.' }).waitFor();
  await finish(page);
});

test('call card: the record shows while ringing out and during the call', async () => {
  const page = await openApp(env, {
    responses: { app_state: { ok: appState({ active_call: call(70, ME, BOB, 'ringing', { regarding: DEAL }) }) } },
  });
  await page.getByText('Calling Bob Stone…').waitFor();
  assert.match(await text(page.locator('.call-ringing .call-regarding')), /^About Deal: ACME renewal/);
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'active', { regarding: DEAL }) });
  const card = page.getByRole('region', { name: 'Call with Bob Stone' });
  await card.waitFor();
  assert.match(await text(card.locator('.call-active .call-regarding')), /^About Deal: ACME renewal/);
  assert.equal(await card.getByRole('link', { name: /ACME renewal/ }).getAttribute('href'), DEAL.url);
  await finish(page);
});

test('history: the record, what the callee said when declining, and each log', async () => {
  const logs = [
    { author: 2, outcome: 'Follow-up needed', note: 'Wants the\u202E price list', created_at: '2025-03-03T10:02:00Z', updated_at: '2025-03-03T10:02:00Z' },
    { author: 1, outcome: 'Resolved', created_at: '2025-03-03T10:03:00Z', updated_at: '2025-03-03T10:03:00Z' },
    { author: 1, note: 'Only a note', created_at: '2025-03-03T10:04:00Z', updated_at: '2025-03-03T10:04:00Z' },
  ];
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState() },
      call_history: {
        ok: {
          count: 3,
          next: null,
          previous: null,
          results: [
            call(90, ME, BOB, 'completed', { regarding: DEAL, logs }),
            call(91, ME, CAROL, 'rejected', { decline_message: "In a meeting — I'll call you back in 10 minutes" }),
            call(92, DAN, ME, 'completed', { regarding: { type: 'contact', id: 'C-1', label: 'Jo Park' } }),
          ],
        },
      },
    },
  });
  await page.getByRole('button', { name: /History/ }).click();
  const row = page.locator('tr[data-call-id="90"]');
  await row.waitFor();
  assert.equal(await page.locator('table.history tbody tr').count(), 3, 'one row per call');
  assert.match(await text(row.locator('td.who')), /About Deal: ACME renewal/);
  assert.equal(await row.getByRole('link', { name: /ACME renewal/ }).getAttribute('href'), DEAL.url);
  const items = row.getByRole('list', { name: 'After-call notes' }).getByRole('listitem');
  assert.deepEqual(await items.allInnerTexts(), [
    'Bob Stone: Follow-up needed — Wants the price list',
    'You: Resolved',
    'You: Only a note',
  ]);
  assert.match(await text(page.locator('tr[data-call-id="91"] td.status')), /Declined\s+(Message:\s*)?“In a meeting — I'll call you back in 10 minutes”/);
  const contact = page.locator('tr[data-call-id="92"] td.who');
  assert.match(await text(contact), /About Contact: Jo Park/);
  assert.equal(await contact.getByRole('link').count(), 0);
  await finish(page);
});

test('after a call: a panel (not a dialog) for outcome and note; Save logs it, errors are said; Skip closes', async () => {
  const saved = call(70, ME, BOB, 'completed', {
    regarding: DEAL,
    logs: [{ author: 1, outcome: 'Follow-up needed', note: 'Send the quote', created_at: '2025-03-03T10:02:00Z', updated_at: '2025-03-03T10:02:00Z' }],
  });
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ active_call: call(70, ME, BOB, 'active', { regarding: DEAL }), media: { state: 'connected', setup_ms: 300 } }) },
      call_outcomes: { ok: { outcomes: ['Resolved', 'Follow-up needed', 'Escalated'] } },
      log_call: [{ err: 'Calls can be logged for 24 hours after they end.' }, { ok: saved }],
    },
  });
  const panel = page.getByRole('region', { name: 'How did the call with Bob Stone go?' });
  await page.getByRole('region', { name: 'Call with Bob Stone' }).waitFor();
  assert.ok(!(await panel.isVisible()), 'no panel during the call');
  await page.getByRole('button', { name: 'End call' }).click();
  await engine(page, { type: 'call_updated', call: call(70, ME, BOB, 'completed', { regarding: DEAL }) });
  await panel.waitFor();
  assert.equal(await page.getByRole('dialog').count() + (await page.getByRole('alertdialog').count()), 0);
  assert.ok(!(await page.evaluate(() => document.getElementById('app').inert)), 'nothing is blocked');
  assert.match(await text(panel), /About Deal: ACME renewal/);
  const outcome = panel.getByLabel('Outcome');
  await until(page, () => document.querySelectorAll('#after-call-outcome option').length === 4);
  assert.deepEqual(await outcome.locator('option').allInnerTexts(), ['No outcome', 'Resolved', 'Follow-up needed', 'Escalated']);
  const note = panel.getByLabel('Note');
  assert.equal(await note.getAttribute('maxlength'), '4000');

  // Nothing chosen: said here, nothing sent.
  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('alert').filter({ hasText: 'Choose an outcome or write a note' }).waitFor();
  assert.equal((await invoked(page, 'log_call')).length, 0);

  // By keyboard: the outcome, the note, Save. The server's refusal is said in words.
  await outcome.focus();
  await outcome.selectOption('Follow-up needed');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Send the quote');
  assert.match(await text(panel), /14 of 4000 characters/);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await panel.getByRole('alert').filter({ hasText: 'Calls can be logged for 24 hours after they end.' }).waitFor();
  assert.deepEqual(await lastArgs(page, 'log_call'), { callId: 70, log: { outcome: 'Follow-up needed', note: 'Send the quote' } });

  await panel.getByRole('button', { name: 'Save' }).click();
  await panel.getByRole('status').filter({ hasText: 'Saved. Follow-up needed — Send the quote' }).waitFor();
  assert.equal(await panel.locator('.alert').textContent(), '', 'the error went');
  assert.ok(!(await panel.getByLabel('Note').isVisible()));
  // Edit brings the form back with what was saved; Skip closes the panel.
  await panel.getByRole('button', { name: 'Edit' }).click();
  assert.equal(await panel.getByLabel('Note').inputValue(), 'Send the quote');
  assert.equal(await outcome.inputValue(), 'Follow-up needed');
  await panel.getByRole('button', { name: 'Skip' }).click();
  await panel.waitFor({ state: 'hidden' });
  assert.equal((await invoked(page, 'call_outcomes')).length, 1);

  // A call that was never answered asks for no log.
  await engine(page, { type: 'call_updated', call: call(71, ME, CAROL, 'ringing') });
  await page.getByText('Calling Carol Diaz…').waitFor();
  await engine(page, { type: 'call_updated', call: call(71, ME, CAROL, 'missed') });
  await page.locator('.call-outcome', { hasText: 'Carol Diaz did not answer.' }).waitFor();
  assert.equal(await page.locator('.after-call:not([hidden])').count(), 0);
  await finish(page);
});

test('a call link from a CRM page says which record the call is about before dialing', async () => {
  const page = await openApp(env, { responses: { app_state: { ok: appState() } } });
  await page.locator('.person').first().waitFor();
  await pushState(page, appState({ link_call: linkCall(BOB, DEAL) }));
  const dialog = page.getByRole('dialog', { name: 'Call Bob Stone?' });
  await dialog.waitFor();
  assert.match(await text(dialog.locator('.modal-regarding')), /^About Deal: ACME renewal/);
  await pushState(page, appState({ link_call: null }));
  await dialog.waitFor({ state: 'hidden' });
  await finish(page);
});
