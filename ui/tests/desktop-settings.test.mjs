// Settings for the desktop around the app: how incoming calls show (callbox or window),
// start minimised, auto-away, global shortcuts (typed or recorded), and About Switchboard.
// Each control saves its own Settings field through save_settings, the rest unchanged.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ABOUT, appState, SETTINGS } from './fixtures.mjs';
import { finish, invoked, openApp, respond, setup, shot, UI } from './support.mjs';

let env;
let logic;
let dir;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-ui-'));
  const out = join(dir, 'shortcuts.mjs');
  await build({ entryPoints: [join(UI, 'src', 'shortcuts.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'warning' });
  logic = await import(pathToFileURL(out).href);
  env = await setup();
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await env?.close();
});

const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const saves = (page, n) => until(page, (count) => window.__test.calls('save_settings').length === count, n);
async function lastSaved(page) {
  const calls = await invoked(page, 'save_settings');
  assert.ok(calls.length > 0, 'save_settings was not invoked');
  return calls[calls.length - 1].args.settings;
}

async function openSettings(responses = {}, options = {}) {
  const page = await openApp(env, { responses: { app_state: { ok: appState() }, ...responses }, ...options });
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('region', { name: 'Global shortcuts' }).waitFor();
  return page;
}

test('shortcut keys: modifiers Ctrl, Alt, Shift, Super in that order, then the key by its place', () => {
  const press = (code, key, mods = {}) =>
    logic.recordKey({ code, key, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods });
  const keys = (code, key, mods) => {
    const r = press(code, key, mods);
    assert.equal(r.kind, 'keys', JSON.stringify(r));
    return r.keys;
  };
  assert.equal(keys('KeyK', 'k', { ctrlKey: true, altKey: true }), 'Ctrl+Alt+K');
  // Shift+Alt+Ctrl pressed in any order, and what the key types (å, K) does not matter.
  assert.equal(keys('KeyK', 'K', { shiftKey: true, altKey: true, ctrlKey: true }), 'Ctrl+Alt+Shift+K');
  assert.equal(keys('KeyA', 'å', { altKey: true }), 'Alt+A');
  assert.equal(keys('Digit5', '%', { ctrlKey: true, shiftKey: true }), 'Ctrl+Shift+5');
  assert.equal(keys('KeyM', 'm', { metaKey: true }), 'Super+M');
  assert.equal(keys('KeyM', 'm', { ctrlKey: true, superKey: true }), 'Ctrl+Super+M');
  assert.equal(keys('Space', ' ', { ctrlKey: true }), 'Ctrl+Space');
  assert.equal(keys('ArrowUp', 'ArrowUp', { altKey: true }), 'Alt+Up');
  assert.equal(keys('Numpad7', '7', { ctrlKey: true }), 'Ctrl+Num7');
  assert.equal(keys('Minus', '-', { ctrlKey: true, altKey: true }), 'Ctrl+Alt+Minus');
  // F-keys (and Pause) may be alone; a key with only a modifier held waits for the key.
  assert.equal(keys('F9', 'F9'), 'F9');
  assert.equal(keys('F12', 'F12', { shiftKey: true }), 'Shift+F12');
  assert.equal(keys('Pause', 'Pause'), 'Pause');
  assert.deepEqual(press('ControlLeft', 'Control', { ctrlKey: true }), { kind: 'held', text: 'Ctrl+…' });
  assert.deepEqual(press('AltRight', 'Alt', { ctrlKey: true, altKey: true }), { kind: 'held', text: 'Ctrl+Alt+…' });
  assert.deepEqual(press('Escape', 'Escape'), { kind: 'cancel' });
  assert.equal(keys('Escape', 'Escape', { ctrlKey: true }), 'Ctrl+Escape');
  // Typing keys are refused, saying why.
  assert.equal(press('KeyK', 'k').kind, 'problem');
  assert.match(press('KeyK', 'K', { shiftKey: true }).text, /^Shift\+K is typing: hold Ctrl, Alt or Super/);
  assert.equal(press('IntlBackslash', '<', { ctrlKey: true }).kind, 'problem');
  // No code (a virtual keyboard): the letter it types.
  assert.equal(keys('', 'q', { ctrlKey: true }), 'Ctrl+Q');
  assert.deepEqual(
    logic.SHORTCUT_ACTIONS.map((a) => a.key),
    ['toggle_mute', 'answer', 'hang_up', 'push_to_talk'],
  );
});

test('settings: incoming calls — callbox unless in front, always the callbox, always the window', async () => {
  const page = await openSettings();
  const section = page.getByRole('region', { name: 'Incoming calls' });
  const auto = section.getByRole('radio', { name: /A small callbox in the corner unless Switchboard is in front \(recommended\)/ });
  const callbox = section.getByRole('radio', { name: 'Always the callbox' });
  const window_ = section.getByRole('radio', { name: 'Always bring Switchboard to the front' });
  assert.ok(await auto.isChecked());
  assert.equal(await section.getByRole('group', { name: 'Where an incoming call rings' }).count(), 1);
  await callbox.check();
  await saves(page, 1);
  assert.deepEqual(await lastSaved(page), { ...SETTINGS, incoming_call_display: 'callbox' });
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  // By keyboard: the arrow moves the choice, and saves it.
  await callbox.focus();
  await page.keyboard.press('ArrowDown');
  await saves(page, 2);
  assert.equal((await lastSaved(page)).incoming_call_display, 'window');
  assert.ok(await window_.isChecked());
  await finish(page);
});

test('settings: start minimised to the tray, only with autostart', async () => {
  const page = await openSettings();
  const startup = page.getByRole('region', { name: 'Startup' });
  const minimised = startup.getByRole('checkbox', { name: 'Start minimised to the tray' });
  const autostart = startup.getByRole('checkbox', { name: 'Start Switchboard when I log in' });
  assert.ok(await minimised.isChecked());
  assert.match(
    await minimised.evaluate((e) => document.getElementById(e.getAttribute('aria-describedby'))?.textContent),
    /Only when Switchboard starts as you log in/,
  );
  await minimised.focus();
  await page.keyboard.press('Space');
  await saves(page, 1);
  assert.deepEqual(await lastSaved(page), { ...SETTINGS, start_minimised: false });
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  assert.ok(!(await minimised.isChecked()));
  // Without autostart it does nothing: off to the touch.
  await autostart.uncheck();
  await saves(page, 2);
  assert.deepEqual(await lastSaved(page), { ...SETTINGS, start_minimised: false, autostart: false });
  await until(page, () => document.querySelector('.settings input[type="checkbox"]:disabled') != null);
  assert.ok(await minimised.isDisabled());
  await autostart.check();
  await saves(page, 3);
  await until(page, () => document.querySelector('.settings input[type="checkbox"]:disabled') == null);
  await finish(page);
});

test('settings: away after N minutes, saved in seconds; 0 is never; a wrong number is said', async () => {
  const page = await openSettings();
  const away = page.getByRole('region', { name: 'Away' });
  const minutes = away.getByLabel('Away after this many minutes without input');
  assert.equal(await minutes.inputValue(), '10');
  assert.match(await away.innerText(), /On Wayland auto-away is off/);
  await minutes.fill('5');
  await minutes.press('Enter');
  await saves(page, 1);
  assert.deepEqual(await lastSaved(page), { ...SETTINGS, auto_away_after_seconds: 300 });
  await minutes.fill('0');
  await minutes.press('Tab');
  await saves(page, 2);
  assert.equal((await lastSaved(page)).auto_away_after_seconds, 0);
  // Not a number of minutes: said there, nothing saved.
  await minutes.fill('-3');
  await minutes.press('Enter');
  await away.getByRole('alert').filter({ hasText: 'Type the minutes as a number from 0 to 1440; 0 means never.' }).waitFor();
  assert.equal((await invoked(page, 'save_settings')).length, 2);
  // The shell's refusal is said as it is.
  await respond(page, 'save_settings', { err: 'Could not write the settings file: disk full.' });
  await minutes.fill('15');
  await minutes.press('Enter');
  await away.getByRole('alert').filter({ hasText: 'Could not write the settings file: disk full.' }).waitFor();
  assert.equal((await lastSaved(page)).auto_away_after_seconds, 900);
  await finish(page);
});

test('settings: global shortcuts — recorded from the keys pressed, typed, cleared; each saves the four', async () => {
  const page = await openSettings();
  const section = page.getByRole('region', { name: 'Global shortcuts' });
  assert.match(await section.innerText(), /work from any application on X11.*On Wayland they are not available yet/s);
  const field = (label) => section.getByLabel(label, { exact: true });
  // While recording, its name is what it shows: "Press keys…".
  const recordButton = (action) => section.locator(`.shortcut[data-action="${action}"] button.secondary`);
  assert.equal(await field('Mute / unmute').inputValue(), 'Ctrl+Alt+M');
  assert.equal(await field('Answer').inputValue(), 'Ctrl+Alt+A');
  assert.equal(await field('Hang up').inputValue(), 'Ctrl+Alt+H');
  assert.equal(await field('Push to talk (hold)').inputValue(), '');
  assert.equal(await field('Push to talk (hold)').getAttribute('placeholder'), 'Not set');

  // Record: the next keys pressed.
  const record = recordButton('toggle_mute');
  await section.getByRole('button', { name: 'Record keys for Mute / unmute' }).click();
  assert.equal(await record.getAttribute('aria-pressed'), 'true');
  assert.equal(await record.locator('.label').innerText(), 'Press keys…');
  await section.getByRole('status').filter({ hasText: 'Press the keys for Mute / unmute now' }).waitFor();
  await page.keyboard.down('Control');
  await page.keyboard.down('Alt');
  await until(page, () => document.querySelector('.shortcut[data-action="toggle_mute"] input').value === 'Ctrl+Alt+…');
  // Alt let go: only Ctrl is held; then Alt again.
  await page.keyboard.up('Alt');
  await until(page, () => document.querySelector('.shortcut[data-action="toggle_mute"] input').value === 'Ctrl+…');
  await page.keyboard.down('Alt');
  await page.keyboard.press('k');
  await page.keyboard.up('Alt');
  await page.keyboard.up('Control');
  await saves(page, 1);
  assert.deepEqual(await lastSaved(page), { ...SETTINGS, shortcuts: { ...SETTINGS.shortcuts, toggle_mute: 'Ctrl+Alt+K' } });
  assert.equal(await field('Mute / unmute').inputValue(), 'Ctrl+Alt+K');
  assert.equal(await record.getAttribute('aria-pressed'), 'false');
  await section.getByRole('status').filter({ hasText: 'Recorded Ctrl+Alt+K.' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();

  // A typing key alone is refused while recording goes on; Escape cancels, nothing saved.
  const ptt = recordButton('push_to_talk');
  await ptt.focus();
  await page.keyboard.press('Enter');
  assert.equal(await ptt.getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('p');
  await section.getByRole('status').filter({ hasText: 'P is typing: hold Ctrl, Alt or Super with it' }).waitFor();
  assert.equal(await field('Push to talk (hold)').inputValue(), '');
  await page.keyboard.press('Escape');
  await section.getByRole('status').filter({ hasText: 'Not changed.' }).waitFor();
  assert.equal(await ptt.getAttribute('aria-pressed'), 'false');
  assert.equal((await invoked(page, 'save_settings')).length, 1);
  // Then F8 alone, by keyboard only: Space on Record, then the key.
  await page.keyboard.press('Space');
  assert.equal(await ptt.getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('F8');
  await saves(page, 2);
  assert.deepEqual((await lastSaved(page)).shortcuts, { toggle_mute: 'Ctrl+Alt+K', answer: 'Ctrl+Alt+A', hang_up: 'Ctrl+Alt+H', push_to_talk: 'F8' });
  assert.equal(await ptt.getAttribute('aria-pressed'), 'false', 'the key released does not start recording again');

  // Typed by hand (spaces dropped), saved when the field is left.
  await field('Hang up').fill('Ctrl + Shift + H');
  await field('Hang up').press('Tab');
  await saves(page, 3);
  assert.equal((await lastSaved(page)).shortcuts.hang_up, 'Ctrl+Shift+H');
  assert.equal(await field('Hang up').inputValue(), 'Ctrl+Shift+H');

  // Clear: unset.
  await section.getByRole('button', { name: 'Clear Answer' }).click();
  await saves(page, 4);
  assert.deepEqual((await lastSaved(page)).shortcuts, { toggle_mute: 'Ctrl+Alt+K', answer: '', hang_up: 'Ctrl+Shift+H', push_to_talk: 'F8' });
  assert.equal(await field('Answer').inputValue(), '');
  await until(page, () => document.querySelector('.shortcut[data-action="answer"] button.ghost').disabled);
  await finish(page);
});

test('settings: a shortcut the shell refuses is said as its sentence, and the field shows what is kept', async () => {
  const conflict = 'Mute / unmute and Push to talk are both on Ctrl+Alt+M: give one of them other keys.';
  const page = await openSettings({ save_settings: { err: conflict } });
  const section = page.getByRole('region', { name: 'Global shortcuts' });
  const ptt = section.getByLabel('Push to talk (hold)', { exact: true });
  await section.getByRole('button', { name: 'Record keys for Push to talk (hold)' }).click();
  await page.keyboard.press('Control+Alt+m');
  await section.getByRole('alert').filter({ hasText: conflict }).waitFor();
  assert.equal((await lastSaved(page)).shortcuts.push_to_talk, 'Ctrl+Alt+M');
  // Not saved: the field goes back to what the shell keeps.
  await until(page, () => document.querySelector('.shortcut[data-action="push_to_talk"] input').value === '');
  assert.equal(await ptt.inputValue(), '');

  // Saved, but the keys are taken elsewhere: the sentence, and the keys as saved.
  const taken = 'Settings saved, but Ctrl+Alt+J (Push to talk) is taken by another application or the desktop: choose other keys.';
  const kept = { ...SETTINGS, shortcuts: { ...SETTINGS.shortcuts, push_to_talk: 'Ctrl+Alt+J' } };
  await respond(page, 'save_settings', { err: taken });
  await respond(page, 'app_state', { ok: appState({ settings: kept }) });
  await ptt.fill('Ctrl+Alt+J');
  await ptt.press('Enter');
  await section.getByRole('alert').filter({ hasText: taken }).waitFor();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  assert.equal(await ptt.inputValue(), 'Ctrl+Alt+J');
  assert.ok(!(await page.getByRole('status').filter({ hasText: 'Settings saved.' }).isVisible()));
  await finish(page);
});

test('about: version and folders from Settings (by keyboard too); Open log folder, and its refusal said', async () => {
  const refusal = 'The log folder /home/alice/.local/state/switchboard/logs could not be opened (no file manager); open it in a file manager.';
  const page = await openSettings({ open_log_folder: [{ ok: null }, { err: refusal }] });
  const about = page.getByRole('region', { name: 'About Switchboard' });
  await until(page, () => window.__test.calls('about').length === 1);
  await until(page, () => /0\.1\.0/.test(document.querySelector('.settings-section.about')?.textContent ?? ''));
  const text = await about.innerText();
  assert.match(text, /Version\s+0\.1\.0/);
  assert.match(text, new RegExp(`Log folder\\s+${ABOUT.log_dir}`));
  assert.match(text, new RegExp(`Settings file\\s+${ABOUT.settings_file}`));
  assert.match(text, new RegExp(`Data folder\\s+${ABOUT.data_dir}`));

  // The toolbar's "About Switchboard" goes there: focus on its heading, then Tab to the button.
  await page.getByRole('button', { name: 'About Switchboard' }).focus();
  await page.keyboard.press('Enter');
  await until(page, () => document.activeElement?.textContent === 'About Switchboard' && document.activeElement.tagName === 'H3');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Open log folder');
  await page.keyboard.press('Enter');
  await until(page, () => window.__test.calls('open_log_folder').length === 1);
  assert.equal(await about.locator('.alert').textContent(), '');
  await page.keyboard.press('Enter');
  await about.getByRole('alert').filter({ hasText: refusal }).waitFor();
  // Loaded once: leaving Settings and coming back does not ask again.
  await page.getByRole('button', { name: 'People' }).click();
  await page.getByRole('button', { name: 'Settings' }).click();
  await about.waitFor();
  assert.equal((await invoked(page, 'about')).length, 1);
  await finish(page);
});

for (const scheme of ['light', 'dark']) {
  test(`desktop settings: screenshots (${scheme})`, async () => {
    const page = await openApp(env, { colorScheme: scheme, responses: { app_state: { ok: appState() } } });
    await page.getByRole('button', { name: 'Settings' }).click();
    const incoming = page.getByRole('region', { name: 'Incoming calls' });
    await incoming.waitFor();
    await incoming.scrollIntoViewIfNeeded();
    await shot(page, 'settings-incoming-calls', { element: incoming });
    const away = page.getByRole('region', { name: 'Away' });
    await away.getByLabel('Away after this many minutes without input').fill('-1');
    await away.getByLabel('Away after this many minutes without input').press('Enter');
    await away.getByRole('alert').waitFor();
    await shot(page, 'settings-away', { element: away });
    const shortcuts = page.getByRole('region', { name: 'Global shortcuts' });
    await respond(page, 'save_settings', { err: 'Mute / unmute and Hang up are both on Ctrl+Alt+M: give one of them other keys.' });
    await shortcuts.getByLabel('Hang up', { exact: true }).fill('Ctrl+Alt+M');
    await shortcuts.getByLabel('Hang up', { exact: true }).press('Enter');
    await shortcuts.getByRole('alert').filter({ hasText: 'both on' }).waitFor();
    await shortcuts.getByRole('button', { name: 'Record keys for Push to talk (hold)' }).click();
    await page.keyboard.down('Control');
    await page.keyboard.down('Shift');
    await shot(page, 'settings-shortcuts', { element: shortcuts });
    await page.keyboard.up('Shift');
    await page.keyboard.up('Control');
    const startup = page.getByRole('region', { name: 'Startup' });
    await shot(page, 'settings-startup', { element: startup });
    await respond(page, 'open_log_folder', { err: 'The log folder /home/alice/.local/state/switchboard/logs could not be opened (no file manager); open it in a file manager.' });
    await page.getByRole('button', { name: 'About Switchboard' }).click();
    const about = page.getByRole('region', { name: 'About Switchboard' });
    await about.getByRole('button', { name: 'Open log folder' }).click();
    await about.getByRole('alert').filter({ hasText: 'could not be opened' }).waitFor();
    await shot(page, 'settings-about', { element: about });
    await page.setViewportSize({ width: 440, height: 900 });
    await shortcuts.scrollIntoViewIfNeeded();
    await shot(page, 'settings-shortcuts-narrow', { element: shortcuts });
    await finish(page);
  });
}
