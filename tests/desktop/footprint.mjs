// The desktop app's footprint (docs/benchmarks.md): cold start to the window showing the
// UI, idle memory of the whole app (its process and WebKit's) signed in with 100
// colleagues listed, and the binary's size; then the same idle memory of a Tauri "hello
// world" built with the same toolchain and WebKit (HELLO_WORLD), the baseline the app is
// held to. Run by footprint.sh in a desktop session.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiLogin, apiRequest, freePort, hostTeam, launch, processTree as tree } from './flows.mjs';

const APP = process.env.SWITCHBOARD_APP;
const DRIVER = `http://127.0.0.1:${process.env.WEBDRIVER_PORT ?? 4444}`;
const STARTS = Number(process.env.STARTS ?? 7);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 60);
// Colleagues listed while idle (100); fewer shows how much of the page's memory the rows take.
const COLLEAGUES = Number(process.env.COLLEAGUES ?? 100);
const HELLO_WORLD = process.env.HELLO_WORLD;
const ADMIN = { name: 'Alice Martin', username: 'alice', password: 'alice-bench-password' };

const work = await mkdtemp(join(process.env.E2E_WORK ?? '/tmp', 'footprint-'));
const port = await freePort();
const server = `https://127.0.0.1:${port}`;
const args = ['--embedded', '--listen', `127.0.0.1:${port}`, '--data-dir', join(work, 'app')];

// 1. Set up as a person would: host, sign in (the token goes to the keyring), then add
//    100 colleagues over the API, a third of them online.
const driven = await launch(DRIVER, APP, args);
await hostTeam(driven, ADMIN);
// The embedded server's own certificate (HTTPS), trusted as exactly that.
const ca = await readFile(join(work, 'app', 'server', 'tls-cert.pem'));
const token = await apiLogin(server, ca, ADMIN.username, ADMIN.password);
for (let n = 1; n <= COLLEAGUES; n++) {
  const res = await apiRequest(server, ca, '/api/users/', {
    method: 'POST',
    token,
    body: { username: `colleague${n}`, password: 'colleague-password', full_name: `Colleague ${n}` },
  });
  assert.equal(res.status, 201, res.text);
}
// Coming online is what tells a running app about colleagues added since it signed in.
for (let n = 3; n <= COLLEAGUES; n += 3) await apiLogin(server, ca, `colleague${n}`, 'colleague-password');
await driven.until(`${COLLEAGUES} colleagues listed`, async () => (await driven.js('return document.querySelectorAll(".person").length')) >= COLLEAGUES, 30_000);
await driven.end();
await sleep(1000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => +x.toFixed(1);
const spread = (xs) => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) });

/** Starts the app as a user would (no WebDriver); `wait(line)` resolves when it is logged. */
function start(binary = APP, argv = args) {
  const t0 = process.hrtime.bigint();
  const child = spawn(binary, argv, { env: { ...process.env, RUST_LOG: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = new Map();
  const lines = new Map();
  child.stdout.on('data', () => {});
  let buf = '';
  let log = '';
  // The app logs to stderr (and its log file).
  child.stderr.on('data', (d) => {
    buf += d;
    log += d;
    for (const line of buf.split('\n').slice(0, -1)) {
      for (const key of ['window loaded', 'signed in']) {
        if (line.includes(key) && !seen.has(key)) {
          seen.set(key, Number(process.hrtime.bigint() - t0) / 1e6);
          lines.set(key, line);
        }
      }
    }
    buf = buf.slice(buf.lastIndexOf('\n') + 1);
  });
  const wait = async (key, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!seen.has(key)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the app did not log “${key}” (exit ${child.exitCode}); its log:\n${log.slice(-3000)}`);
      await sleep(5);
    }
    return seen.get(key);
  };
  /** The `name=number` fields of the line logged for `key` (the start-up marks). */
  const fields = (key) => Object.fromEntries([...(lines.get(key) ?? '').replace(/\x1b\[[0-9;]*m/g, '').matchAll(/(\w+)=(\d+)/g)].map(([, k, v]) => [k, Number(v)]));
  const stop = async () => {
    child.kill('SIGTERM');
    const deadline = Date.now() + 5000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(20);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sleep(300);
  };
  return { child, wait, fields, stop };
}

// 2. Start-up: spawn → the window has loaded the UI, and → signed in from the keyring.
// Each start's marks (src-tauri/src/startup.rs) are kept: `before_main_ms` is the
// launcher's clock less the app's own (loading the binary and its libraries).
const loaded = [], signedIn = [], marks = [];
for (let i = 0; i < STARTS; i++) {
  const app = start();
  const ms = await app.wait('window loaded');
  loaded.push(ms);
  const f = app.fields('window loaded');
  marks.push({ loaded_ms: round(ms), before_main_ms: round(ms - (f.since_start_ms ?? ms)), ...f });
  signedIn.push(await app.wait('signed in'));
  await app.stop();
}
// The hello world's start-up, timed the same way: the floor any Tauri app on this
// machine's WebKit starts from.
const helloLoaded = [], helloMarks = [];
for (let i = 0; HELLO_WORLD && i < STARTS; i++) {
  const hello = start(HELLO_WORLD, []);
  const ms = await hello.wait('window loaded');
  helloLoaded.push(ms);
  const f = hello.fields('window loaded');
  helloMarks.push({ loaded_ms: round(ms), before_main_ms: round(ms - (f.since_start_ms ?? ms)), ...f });
  await hello.stop();
}

// 3. Idle memory: RSS and PSS (shared pages split between processes) of the app and all
//    of its descendants (WebKitWebProcess, WebKitNetworkProcess), after IDLE_SECONDS.
async function memory(pid) {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key) => Number(rollup.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'))[1]);
  const name = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  // USS: the pages only this process maps, what quitting the app would give back.
  const uss_mb = (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
  return { pid, name, rss_mb: kb('Rss') / 1024, pss_mb: kb('Pss') / 1024, uss_mb };
}
/** Memory of `child` and its descendants after IDLE_SECONDS, per process. */
async function idleMemory(child, keepAs) {
  await sleep(IDLE_SECONDS * 1000);
  const processes = await Promise.all((await tree(child.pid)).map(memory));
  // SMAPS_DIR=dir keeps each process's full /proc/<pid>/smaps, to see which mappings the
  // memory is in (tests/desktop/smaps-by-mapping.py groups them).
  if (process.env.SMAPS_DIR) {
    for (const p of processes) await writeFile(join(process.env.SMAPS_DIR, `${keepAs}-${p.name}-${p.pid}.smaps`), await readFile(`/proc/${p.pid}/smaps`, 'utf8'));
  }
  return processes;
}
const idle = start();
await idle.wait('signed in');
const processes = await idleMemory(idle.child, 'switchboard');
await idle.stop();

// 4. The baseline: the hello world, started the same way, idle as long, measured the
//    same way once its page (WebKit's web process) is up.
let hello = null;
if (HELLO_WORLD) {
  const started = start(HELLO_WORLD, []);
  const deadline = Date.now() + 30_000;
  while ((await tree(started.child.pid)).length < 3) {
    if (Date.now() > deadline || started.child.exitCode !== null) throw new Error(`the hello world did not start its web process (exit ${started.child.exitCode})`);
    await sleep(50);
  }
  hello = await idleMemory(started.child, 'hello-world');
  await started.stop();
}

const bin = await stat(APP);
let stripped = null;
try {
  execFileSync('strip', ['-o', join(work, 'stripped'), APP]);
  stripped = (await stat(join(work, 'stripped'))).size;
} catch {
  // no strip: report the unstripped size only
}
const mb = (b) => +(b / 1048576).toFixed(1);
const rounded = (list) => list.map((p) => ({ ...p, rss_mb: round(p.rss_mb), pss_mb: round(p.pss_mb), uss_mb: round(p.uss_mb) }));
const sum = (list, key) => round(list.reduce((a, p) => a + p[key], 0));
const report = {
  starts: STARTS,
  window_loaded_ms: spread(loaded),
  start_marks: marks,
  signed_in_ms: spread(signedIn),
  hello_world_window_loaded_ms: helloLoaded.length ? spread(helloLoaded) : null,
  hello_world_start_marks: helloMarks,
  idle_after_s: IDLE_SECONDS,
  processes: rounded(processes),
  total_rss_mb: sum(processes, 'rss_mb'),
  total_pss_mb: sum(processes, 'pss_mb'),
  total_uss_mb: sum(processes, 'uss_mb'),
  hello_world: hello && {
    processes: rounded(hello),
    total_rss_mb: sum(hello, 'rss_mb'),
    total_pss_mb: sum(hello, 'pss_mb'),
    total_uss_mb: sum(hello, 'uss_mb'),
  },
  // The target: the app's PSS at most 1.15× the hello world's.
  pss_vs_hello_world: hello && +(sum(processes, 'pss_mb') / sum(hello, 'pss_mb')).toFixed(3),
  // What the app adds to any Tauri app: its USS over the hello world's.
  uss_over_hello_world_mb: hello && round(sum(processes, 'uss_mb') - sum(hello, 'uss_mb')),
  binary_mb: mb(bin.size),
  binary_stripped_mb: stripped === null ? null : mb(stripped),
};
console.log(JSON.stringify(report, null, 2));
