// The real Switchboard server for the browser scripts: users added with its CLI, started
// on port 0, and a sign-in.

import { spawn, execFileSync } from 'node:child_process';

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
