// The real Switchboard server for the browser scripts (users added with its CLI, started
// on port 0, a sign-in), a Rust peer, and headless Chromium on the call page.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

export const PASSWORD = 'password123';

/** Adds each of `names` (password PASSWORD) to the server data in `dataDir`. */
export function addUsers(server, dataDir, names) {
  for (const name of names) {
    execFileSync(server, ['user', 'add', '--username', name, '--password-stdin', '--data-dir', dataDir], {
      input: `${PASSWORD}\n`,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  }
}

/** Starts `server` on a free port; resolves with the child and its base URL. */
export function startServer(server, dataDir, logLevel = 'info') {
  const child = spawn(server, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    env: { ...process.env, RUST_LOG: logLevel }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', chunk => {
      log += chunk;
      const m = log.match(/listening addr=(\S+)/);
      if (m) resolve({ child, url: `http://${m[1]}` });
    });
    child.on('exit', code => reject(new Error(`server exited (${code}): ${log}`)));
  });
}

/** Signs `username` in; the body has `token` and `user`. */
export async function login(url, username) {
  const res = await fetch(`${url}/api/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`signing ${username} in: ${res.status} ${await res.text()}`);
  return res.json();
}

/** `switchboard-cli --server URL ARGS…` signed in with `token`: the child, a promise of
 *  its exit code, and everything it printed so far. */
export function rustPeer(cli, url, token, args) {
  const child = spawn(cli, ['--server', url, ...args], {
    env: { ...process.env, SWITCHBOARD_TOKEN: token, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', c => { out += c; });
  child.stderr.on('data', c => { out += c; });
  const done = new Promise(resolve => child.on('exit', code => resolve(code)));
  return { child, done, output: () => out };
}

/** Headless Debian Chromium (fake camera and microphone, `extraArgs` added) on
 *  call-page.html, served from the server's own origin so its fetches and sockets are
 *  same-origin. */
export async function callPage(url, extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      // The page is served through Playwright's router, so Chromium cannot tell it is on
      // loopback and its Local Network Access checks would block the call room socket.
      '--disable-features=LocalNetworkAccessChecks',
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
  const page = await browser.newPage();
  page.on('console', m => process.stderr.write(`[page] ${m.text()}\n`));
  page.on('websocket', w => {
    w.on('close', () => process.stderr.write(`[ws closed] ${w.url()}\n`));
    w.on('socketerror', e => process.stderr.write(`[ws error] ${e}\n`));
  });
  await page.route(`${url}/call-page.html`, route =>
    route.fulfill({ contentType: 'text/html', body: readFileSync(join(here, 'call-page.html'), 'utf8') }));
  await page.goto(`${url}/call-page.html`);
  return { browser, page };
}
