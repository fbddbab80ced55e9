// What a store change redraws: `audio_level` arrives 10 times a second during a call, and
// each one must touch the two level meters and nothing else, however long the directory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appState, call, ME, user } from './fixtures.mjs';
import { engine, finish, openApp, setup } from './support.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const STATUSES = ['online', 'away', 'busy', 'dnd', 'offline'];

/** Me (the UI drops me) and `n` colleagues with a mix of presences. */
function directory(n) {
  const colleagues = Array.from({ length: n }, (_, i) =>
    user(i + 2, `colleague${i + 2}`, `Colleague ${String(i + 2).padStart(3, '0')}`, STATUSES[i % STATUSES.length]),
  );
  return [{ ...ME, presence: colleagues[0].presence }, ...colleagues];
}

const nextFrame = (page) => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));

test('a level change touches only the meters: 5 s of audio_level with 200 colleagues listed', async (t) => {
  const users = directory(200);
  const bob = users[1];
  const page = await openApp(env, {
    responses: {
      app_state: { ok: appState({ users, active_call: call(70, ME, bob, 'active'), media: { state: 'connected', setup_ms: 300 } }) },
    },
  });
  await page.locator('.call-active').waitFor();
  assert.equal(await page.locator('.person').count(), 200);
  // The in-call device pickers fill in once the device list arrives; wait for it, so only
  // the level events are left to change the page.
  await page.waitForFunction(() => document.querySelectorAll('.call-card select[data-device="input"] option').length === 3);
  // The call timer counts real seconds; hold the clock still so it does not tick meanwhile.
  // Its interval keeps running, so let it fire once at the held time: a tick that was due
  // (the held second can be past the one last drawn) lands before we start watching.
  await page.clock.setFixedTime(await page.evaluate(() => Date.now()));
  await page.waitForTimeout(1100);
  await nextFrame(page);

  await page.evaluate(() => {
    window.__mutations = [];
    const observer = new MutationObserver((records) => window.__mutations.push(...records));
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    window.__stopObserving = () => {
      window.__mutations.push(...observer.takeRecords());
      observer.disconnect();
      return window.__mutations.map((r) => {
        const el = r.target instanceof Element ? r.target : r.target.parentElement;
        const where = el ? `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}` : '?';
        return { inMeter: !!el?.closest('[role="meter"]'), what: `${r.type}${r.attributeName ? `[${r.attributeName}]` : ''} on ${where}` };
      });
    };
  });

  // 10 a second for 5 seconds; levels that move the meters every time.
  const LEVELS = [0.01, 0.05, 0.2, 0.6];
  for (let i = 0; i < 50; i += 1) {
    await engine(page, { type: 'audio_level', call_id: 70, input: LEVELS[i % 4], output: LEVELS[(i + 2) % 4] });
    await nextFrame(page);
  }

  const records = await page.evaluate(() => window.__stopObserving());
  const outside = records.filter((r) => !r.inMeter).map((r) => r.what);
  const counts = new Map();
  for (const what of outside) counts.set(what, (counts.get(what) ?? 0) + 1);
  t.diagnostic(`${records.length} mutation records, ${outside.length} outside the meters`);
  assert.ok(records.length >= 50, `the meters moved (${records.length} mutation records)`);
  assert.deepEqual(
    [...counts].map(([what, n]) => `${n}× ${what}`),
    [],
    'only the level meters change while levels arrive',
  );
  const mic = Number(await page.locator('[role="meter"][aria-label="Microphone level"]').getAttribute('aria-valuenow'));
  assert.ok(mic > 0, 'the microphone meter shows the last level');
  await finish(page);
});
