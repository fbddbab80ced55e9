// The app as people live with it, in the real desktop session (run.sh): a call that rings
// in the callbox while the user types in another application, global shortcuts that
// answer, mute and hang up from there, auto-away on the X server's idle time, a video
// call's room opened in the browser with its JaaS token, the log folder, the window's
// geometry across restarts, and a start with the session that stays in the tray.
// Keys and idle time come from xdotool, as a person's would, into another window (xlogo).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createVerify } from 'node:crypto';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test as nodeTest } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiLogin, apiRequest, freePort, hostTeam, launch, processTree } from './flows.mjs';

const APP = process.env.SWITCHBOARD_APP;
const CLI = process.env.SWITCHBOARD_CLI;
const SHOTS = process.env.SCREENSHOT_DIR;
const OPENED_LOG = process.env.OPENED_LOG;
const JAAS_PUBLIC = process.env.JAAS_PUBLIC_KEY_FILE;
const DRIVER = `http://127.0.0.1:${process.env.WEBDRIVER_PORT ?? 4444}`;
assert.ok(APP && CLI && SHOTS && OPENED_LOG && JAAS_PUBLIC, 'run this through tests/desktop/run.sh');

const CAROL = { name: 'Carol Diaz', username: 'carol', password: 'carol-desk-password' };
const DAN = { name: 'Dan Reyes', username: 'dan', password: 'dan-desk-password' };

let work, port, server, ca, app, mainHandle, xlogo;
const children = [];

function xdotool(...args) {
  const run = spawnSync('xdotool', args, { encoding: 'utf8' });
  assert.equal(run.status, 0, `xdotool ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** X windows whose title matches `name` (a regex), visible ones only if asked. */
function xWindows(name, { visible = false } = {}) {
  const args = ['search', ...(visible ? ['--onlyvisible'] : []), '--name', name];
  const run = spawnSync('xdotool', args, { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim().split('\n').filter(Boolean) : [];
}

/** switchboard-cli as Dan, trusting exactly the app's certificate. */
function cli(args) {
  const fp = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(work, 'app', 'server', 'tls-cert.pem')], { encoding: 'utf8' });
  const fingerprint = `sha256:${fp.stdout.split('=')[1].trim().replaceAll(':', '').toLowerCase()}`;
  const child = spawn(CLI, ['--server', server, '--server-fingerprint', fingerprint, '--profile', 'desk-dan', ...args], {
    env: { ...process.env, SWITCHBOARD_PASSWORD: DAN.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const done = once(child, 'exit').then(([code]) => ({ code, out }));
  return { child, done, output: () => out };
}

async function shot(name) {
  await writeFile(join(SHOTS, `${name}.png`), await app.screenshot());
}

let failures = 0;
function test(name, body) {
  nodeTest(name, async () => {
    try {
      await body();
    } catch (e) {
      await app?.switchTo(mainHandle).catch(() => {});
      await shot(`desk-FAILED-${++failures}`).catch(() => {});
      throw e;
    }
  });
}

/** One of the app's own commands, invoked from its page as the UI does. */
async function invoke(command, args = {}) {
  const answer = await app.js(
    `return window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
       .then((value) => ({ value }), (error) => ({ error: String(error) }));`,
    command,
    args,
  );
  assert.equal(answer.error, undefined, `${command}: ${answer.error}`);
  return answer.value;
}

/** Settings changed through the app's own command, as the Settings screen does. */
async function changeSettings(change) {
  const { settings } = await invoke('app_state');
  await invoke('save_settings', { settings: { ...settings, ...change } });
}

async function myStatus() {
  return app.js('return document.querySelector(".status-select")?.value');
}

function launchApp(extra = []) {
  return launch(DRIVER, APP, ['--embedded', '--listen', `127.0.0.1:${port}`, '--data-dir', join(work, 'app'), ...extra]);
}

async function appGone() {
  const dataDir = join(work, 'app');
  for (let i = 0; i < 150; i++) {
    if (spawnSync('pgrep', ['-f', '--', `--data-dir ${dataDir}`]).status === 1) return;
    await sleep(200);
  }
  assert.fail(`the app on ${dataDir} still runs 30 s after its session ended`);
}

before(async () => {
  work = await mkdtemp(join(process.env.E2E_WORK ?? '/tmp', 'desk-'));
  port = await freePort();
  server = `https://127.0.0.1:${port}`;
  app = await launchApp();
  mainHandle = await app.window();
  // Another application, to type in while a call comes.
  const logo = spawn('xlogo', ['-geometry', '200x200+20+500'], { stdio: 'ignore' });
  children.push(logo);
  xlogo = await (async () => {
    for (let i = 0; i < 50; i++) {
      const found = xWindows('^xlogo$');
      if (found.length) return found[0];
      await sleep(100);
    }
    assert.fail('xlogo did not open');
  })();
});

after(async () => {
  await app?.end();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

test('Carol hosts; Dan gets an account and signs in with the CLI', async () => {
  await hostTeam(app, CAROL);
  ca = await readFile(join(work, 'app', 'server', 'tls-cert.pem'));
  const token = await apiLogin(server, ca, CAROL.username, CAROL.password);
  const res = await apiRequest(server, ca, '/api/users/', {
    method: 'POST',
    token,
    body: { username: DAN.username, password: DAN.password, full_name: DAN.name },
  });
  assert.equal(res.status, 201, res.text);
  const { code, out } = await cli(['login', '--username', DAN.username]).done;
  assert.equal(code, 0, out);
  // The callbox whatever the window's focus (under Xvfb nothing manages focus), and the
  // default shortcuts: Ctrl+Alt+A answers, Ctrl+Alt+M mutes, Ctrl+Alt+H hangs up.
  await changeSettings({ incoming_call_display: 'callbox' });
});

test('a call rings in the callbox without taking the keyboard; global shortcuts answer, mute and hang up', async () => {
  xdotool('windowfocus', '--sync', xlogo);
  assert.equal(xdotool('getwindowfocus'), xlogo, 'typing goes to xlogo');
  const stats = join(work, 'dan-call.json');
  const call = cli(['call', 'carol', '--stats-json', stats]);

  const box = await app.until('the callbox window', async () => xWindows('^Incoming call — Switchboard$', { visible: true })[0], 30_000);
  assert.equal(xdotool('getwindowfocus'), xlogo, 'the callbox did not take the keyboard');
  const geometry = xdotool('getwindowgeometry', box);
  const [w, h] = /Geometry: (\d+)x(\d+)/.exec(geometry).slice(1).map(Number);
  assert.ok(w <= 400 && h <= 200, `the callbox is small: ${geometry}`);

  // What it shows, as the screen shows it (WebKit's WebDriver lists the callbox's
  // webview but cannot run scripts in a window the app opened itself).
  await sleep(1000);
  const picture = join(SHOTS, 'desk-01-callbox.png');
  const grab = spawnSync('import', ['-window', box, picture]);
  assert.equal(grab.status, 0, `import -window: ${grab.stderr}`);

  // Ctrl+Alt+A, typed into xlogo, answers.
  await sleep(400);
  xdotool('key', '--clearmodifiers', 'ctrl+alt+a');
  await app.until('the call to connect', async () => /Connected|connected/.test((await app.textOf('.call-card')) ?? ''), 30_000);
  await app.until('the callbox to close once answered', async () => xWindows('^Incoming call — Switchboard$', { visible: true }).length === 0, 10_000);

  xdotool('key', '--clearmodifiers', 'ctrl+alt+m');
  await app.until('mute to show as on', async () => (await app.js('return document.querySelector("button.mute")?.getAttribute("aria-pressed")')) === 'true');
  await shot('desk-02-muted-by-shortcut');
  xdotool('key', '--clearmodifiers', 'ctrl+alt+m');
  await app.until('mute to show as off', async () => (await app.js('return document.querySelector("button.mute")?.getAttribute("aria-pressed")')) === 'false');

  xdotool('key', '--clearmodifiers', 'ctrl+alt+h');
  const { code, out } = await call.done;
  assert.equal(code, 0, out);
  const result = JSON.parse(await readFile(stats, 'utf8'));
  assert.equal(result.ended_by, 'remote', 'Carol hung up with Ctrl+Alt+H');
  assert.equal(result.status, 'completed');
});

test('push-to-talk: a call starts muted, holding the key opens the microphone, letting go mutes it', async () => {
  await changeSettings({ shortcuts: { toggle_mute: 'Ctrl+Alt+M', answer: 'Ctrl+Alt+A', hang_up: 'Ctrl+Alt+H', push_to_talk: 'Ctrl+Alt+P' } });
  xdotool('windowfocus', '--sync', xlogo);
  const call = cli(['call', 'carol']);
  await app.until('the callbox window', async () => xWindows('^Incoming call — Switchboard$', { visible: true }).length > 0, 30_000);
  await sleep(400);
  xdotool('key', '--clearmodifiers', 'ctrl+alt+a');
  await app.until('the call to connect', async () => /Connected|connected/.test((await app.textOf('.call-card')) ?? ''), 30_000);
  const pressed = () => app.js('return document.querySelector("button.mute")?.getAttribute("aria-pressed")');
  await app.until('the call to start muted', async () => (await pressed()) === 'true', 10_000);
  xdotool('keydown', 'ctrl+alt+p');
  await app.until('the microphone open while the key is held', async () => (await pressed()) === 'false', 10_000);
  xdotool('keyup', 'ctrl+alt+p');
  await app.until('muted again once it is let go', async () => (await pressed()) === 'true', 10_000);
  await changeSettings({ shortcuts: { toggle_mute: 'Ctrl+Alt+M', answer: 'Ctrl+Alt+A', hang_up: 'Ctrl+Alt+H', push_to_talk: '' } });
  xdotool('key', '--clearmodifiers', 'ctrl+alt+h');
  const { code, out } = await call.done;
  assert.equal(code, 0, out);
});

test('a shortcut another application holds is named in the error, and nothing else is refused', async () => {
  // Another application grabs Ctrl+Alt+J, as a desktop's own shortcut would.
  const holder = spawn('/usr/bin/python3', ['-c', `
import sys, time
from Xlib import X, XK, display
d = display.Display()
root = d.screen().root
root.grab_key(d.keysym_to_keycode(XK.string_to_keysym('j')), X.ControlMask | X.Mod1Mask, True, X.GrabModeAsync, X.GrabModeAsync)
d.sync()
print('grabbed', flush=True)
time.sleep(600)
`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(holder);
  const ready = await Promise.race([once(holder.stdout, 'data').then(() => 'grabbed'), once(holder, 'exit').then(() => 'exited')]);
  assert.equal(ready, 'grabbed', 'the other application holds Ctrl+Alt+J (python3-xlib)');
  const { settings } = await invoke('app_state');
  const refused = await app.js(
    `return window.__TAURI_INTERNALS__.invoke('save_settings', { settings: arguments[0] }).then(() => null, (e) => String(e));`,
    { ...settings, shortcuts: { ...settings.shortcuts, toggle_mute: 'Ctrl+Alt+J' } },
  );
  assert.equal(refused, 'Settings saved, but Ctrl+Alt+J (Mute / unmute) is taken by another application or the desktop: choose other keys.');
  holder.kill('SIGKILL');
  await changeSettings({ shortcuts: { toggle_mute: 'Ctrl+Alt+M', answer: 'Ctrl+Alt+A', hang_up: 'Ctrl+Alt+H', push_to_talk: '' } });
});

test('a call cancelled while it rings closes the callbox', async () => {
  const token = await apiLogin(server, ca, DAN.username, DAN.password);
  const me = JSON.parse((await apiRequest(server, ca, '/api/users/', { token })).text);
  const carol = (me.results ?? me).find((u) => u.username === CAROL.username);
  const started = await apiRequest(server, ca, '/api/jitsi-calls/initiate_call/', { method: 'POST', token, body: { recipient_id: carol.id } });
  assert.equal(started.status, 200, started.text);
  const id = JSON.parse(started.text).call_session.id;
  await app.until('the callbox window', async () => xWindows('^Incoming call — Switchboard$', { visible: true }).length > 0, 30_000);
  const cancelled = await apiRequest(server, ca, `/api/jitsi-calls/${id}/update_status/`, { method: 'POST', token, body: { action: 'cancel' } });
  assert.equal(cancelled.status, 200, cancelled.text);
  await app.until('the callbox to close', async () => xWindows('^Incoming call — Switchboard$', { visible: true }).length === 0, 15_000);
});

test('auto-away: away after the idle time, online again on input', async () => {
  await changeSettings({ auto_away_after_seconds: 3 });
  await app.until('my status online', async () => (await myStatus()) === 'online', 15_000);
  // No input: within the idle time plus one 5 s look, Carol is away.
  await app.until('my status away', async () => (await myStatus()) === 'away', 20_000);
  const token = await apiLogin(server, ca, DAN.username, DAN.password);
  const users = JSON.parse((await apiRequest(server, ca, '/api/users/', { token })).text);
  const list = users.results ?? users;
  assert.equal(list.find((u) => u.username === 'carol')?.presence?.status, 'away', 'colleagues see Carol away');
  await shot('desk-03-auto-away');
  xdotool('mousemove', '300', '300');
  xdotool('mousemove', '310', '305');
  await app.until('my status online again', async () => (await myStatus()) === 'online', 15_000);
  await changeSettings({ auto_away_after_seconds: 600 });
});

test('a video call opens its room in the browser with a JaaS token for Carol', async () => {
  await writeFile(OPENED_LOG, '');
  const call = cli(['call', 'carol', '--video']);
  await app.until('the callbox window', async () => xWindows('^Incoming call — Switchboard$', { visible: true }).length > 0, 30_000);
  await sleep(400);
  xdotool('key', '--clearmodifiers', 'ctrl+alt+a');
  await app.until('the call to connect', async () => /Connected|connected/.test((await app.textOf('.call-card')) ?? ''), 30_000);
  await (await app.button('Open video room')).click();
  const opened = await app.until('the browser to be given the room', async () => (await readFile(OPENED_LOG, 'utf8')).trim(), 10_000);
  const url = new URL(opened.split('\n').pop());
  assert.equal(url.protocol, 'https:');
  const jwt = url.searchParams.get('jwt');
  assert.ok(jwt, `the room's address carries the JaaS token: ${url}`);
  const [header, payload, signature] = jwt.split('.');
  const verified = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(await readFile(JAAS_PUBLIC), Buffer.from(signature, 'base64url'));
  assert.ok(verified, 'the token verifies with the JaaS public key');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  assert.equal(claims.context.user.name, CAROL.name);
  assert.ok(url.pathname.endsWith(`/${claims.room}`), `the token is for this room: ${url.pathname}`);
  await app.until('the call card to say the video is in the browser', async () => /browser/i.test((await app.textOf('.call-card')) ?? ''), 10_000);
  await shot('desk-04-video-room');
  xdotool('key', '--clearmodifiers', 'ctrl+alt+h');
  await call.done;
});

test('the about box names the version and opens the log folder', async () => {
  await writeFile(OPENED_LOG, '');
  const about = await invoke('about');
  assert.match(about.version, /^\d+\.\d+\.\d+/);
  const logs = await readdir(about.log_dir);
  assert.ok(logs.some((f) => /^switchboard\..*log$/.test(f)), `a log file in ${about.log_dir}: ${logs}`);
  const text = await readFile(join(about.log_dir, logs.find((f) => /^switchboard\./.test(f))), 'utf8');
  assert.match(text, /window loaded/, 'the log file has what stderr had');
  await (await app.button('Settings')).click();
  await (await app.button('Open log folder')).click();
  const opened = await app.until('the file manager to be given the folder', async () => (await readFile(OPENED_LOG, 'utf8')).trim(), 10_000);
  assert.equal(opened, about.log_dir);
  await shot('desk-05-about');
  await (await app.button('People')).click();
});

test('with no GPU device WebKit paints the page on the CPU, and with one on the GPU', async () => {
  // painting.rs: the page process inherits the app's choice, made from /dev/dri.
  const softwareGl = ['1', 'true', 'yes', 'y'].includes((process.env.LIBGL_ALWAYS_SOFTWARE ?? '').toLowerCase());
  const gpu = !softwareGl && (await readdir('/dev/dri').catch(() => [])).some((name) => name.startsWith('renderD'));
  const appPid = Number(spawnSync('pgrep', ['-o', '-f', '--', `--data-dir ${join(work, 'app')}`], { encoding: 'utf8' }).stdout.trim());
  assert.ok(appPid > 0, 'the app is running');
  const tree = await processTree(appPid);
  // Every live page process (a zombie's or a vanished one's environment reads empty).
  const pageEnvs = [];
  for (const pid of tree) {
    if ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() !== 'WebKitWebProces') continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ) pageEnvs.push(environ.split('\0'));
  }
  assert.ok(pageEnvs.length > 0, 'the app has a WebKit page process');
  // This repeats the app's reading of the machine: it checks that the choice reaches WebKit.
  const expected =
    process.env.WEBKIT_SKIA_ENABLE_CPU_RENDERING !== undefined
      ? `WEBKIT_SKIA_ENABLE_CPU_RENDERING=${process.env.WEBKIT_SKIA_ENABLE_CPU_RENDERING}` // the user's own
      : gpu
        ? undefined // WebKit paints as it chooses
        : 'WEBKIT_SKIA_ENABLE_CPU_RENDERING=1';
  for (const env of pageEnvs) assert.equal(env.find((v) => v.startsWith('WEBKIT_SKIA_ENABLE_CPU_RENDERING=')), expected, gpu ? 'a GPU' : 'no GPU');
});

test('the window keeps its size and position; started with the session it stays in the tray', async () => {
  const main = xWindows('^Switchboard$', { visible: true })[0];
  assert.ok(main, 'the main window is on screen');
  xdotool('windowsize', '--sync', main, '900', '640');
  xdotool('windowmove', '--sync', main, '60', '40');
  await sleep(2000); // written once the window has been still for a second
  await app.end();
  await appGone();

  app = await launchApp();
  mainHandle = await app.window();
  await app.visible('.people', 30_000);
  const again = await app.until('the main window', async () => xWindows('^Switchboard$', { visible: true })[0], 10_000);
  const geometry = xdotool('getwindowgeometry', again);
  assert.match(geometry, /Geometry: 900x640/, geometry);
  assert.match(geometry, /Position: 60,40/, geometry);
  await app.end();
  await appGone();

  // As the autostart entry starts it (no WebDriver: it waits for a window on screen):
  // hosting and signed in, no window on screen.
  const log = join(work, 'autostarted.log');
  const started = spawn(APP, ['--embedded', '--listen', `127.0.0.1:${port}`, '--data-dir', join(work, 'app'), '--autostarted'], {
    stdio: ['ignore', 'ignore', openSync(log, 'w')],
  });
  children.push(started);
  await app.until('the app to sign in', async () => /signed in/.test(await readFile(log, 'utf8')), 30_000);
  await sleep(4000); // longer than the 3 s after which a window that did not load is shown
  assert.match(await readFile(log, 'utf8'), /started with the session: the window stays in the tray/);
  assert.deepEqual(xWindows('^Switchboard$', { visible: true }), [], 'no window at start with the session');
  // Opening the app again (the menu entry, a link) shows the running one.
  const second = spawn(APP, ['--data-dir', join(work, 'app')], { stdio: 'ignore' });
  await once(second, 'exit');
  await app.until('the window to show', async () => xWindows('^Switchboard$', { visible: true }).length > 0, 10_000);
  started.kill('SIGTERM');
  await once(started, 'exit');
  app = null;
});
