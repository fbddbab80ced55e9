// Steps shared by the e2e test and the footprint benchmark, done as a person would.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Session } from './webdriver.mjs';

export async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}

/** Starts the app through tauri-driver, retrying while the driver itself starts. */
export async function launch(driver, app, args) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await Session.start(driver, app, args);
    } catch (e) {
      if (attempt > 50 || !/fetch failed|ECONNREFUSED/.test(String(e.cause ?? e.message))) throw e;
      await sleep(200);
    }
  }
}

/** First run with --embedded: “Host for my team” is preselected; create the admin. */
export async function hostTeam(app, admin, beforeSubmit = async () => {}) {
  await app.visible('.welcome-card');
  const hostChosen = await app.js('return document.querySelector(\'input[name="mode"][value="host"]\')?.checked === true');
  assert.equal(hostChosen, true, '--embedded preselects “Host for my team”');
  const form = 'form[aria-label="Host for my team"]';
  await app.visible(form);
  await (await app.field('Your name', form)).type(admin.name);
  const username = await app.field('Admin username', form);
  await username.clear();
  await username.type(admin.username);
  await (await app.field('Password', form)).type(admin.password);
  await beforeSubmit();
  await (await app.button('Create admin account')).click();
  await app.visible('.people', 30_000);
}

/**
 * A JSON request to the app's embedded server over HTTPS, trusting exactly its own
 * certificate (`ca`, the PEM in the app's data directory; it names 127.0.0.1).
 */
export async function apiRequest(server, ca, path, { method = 'GET', token, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Token ${token}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const res = await new Promise((resolve, reject) => {
    const req = https.request(`${server}${path}`, { method, headers, ca }, resolve);
    req.on('error', reject);
    req.end(payload);
  });
  let text = '';
  for await (const chunk of res) text += chunk;
  return { status: res.statusCode, text };
}

/** Signs in over HTTPS and returns the API token. */
export async function apiLogin(server, ca, username, password) {
  const res = await apiRequest(server, ca, '/api/login/', { method: 'POST', body: { username, password } });
  assert.equal(res.status, 200, `login as ${username}: ${res.text}`);
  return JSON.parse(res.text).token;
}

/** `root` and every process descended from it (WebKit's web and network processes). */
export async function processTree(root) {
  const parents = new Map();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (s) parents.set(Number(pid), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) for (const [pid, ppid] of parents) if (ppid === all[i]) all.push(pid);
  return all;
}
