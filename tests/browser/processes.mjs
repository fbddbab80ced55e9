// Processes and the CPU they use, from /proc: a process found by a marker switch on its
// command line, the tree below it (each with its kind: Chromium's --type), and the share
// of a core a set of them used between two samples. For the benchmarks that compare a
// Switchboard call's CPU with Chromium's (mouth-to-ear.mjs, video-cpu.mjs).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);

function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpu_ms: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return null;
  }
}

/** The process whose command line has `arg`. */
export function pidWith(arg) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(arg)) return Number(name);
    } catch { /* gone */ }
  }
  throw new Error(`no process runs with ${arg}`);
}

/** `pid` and every process below it, with each one's kind (Chromium's --type). */
export function tree(pid) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(name);
    if (s) parent.set(Number(name), s.ppid);
  }
  const inTree = p => { for (let q = p; q > 1; q = parent.get(q) ?? 0) if (q === pid) return true; return false; };
  const kinds = new Map();
  for (const p of parent.keys()) {
    if (!inTree(p)) continue;
    let cmd = '';
    try { cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' '); } catch { continue; }
    const type = cmd.match(/--type=(\S+)/)?.[1] ?? 'browser';
    const sub = cmd.match(/--utility-sub-type=(\S+)/)?.[1];
    kinds.set(p, sub ? `${type}:${sub.replace(/\.mojom\./, '.')}` : type);
  }
  return kinds;
}

/** CPU time of each listed process now, by kind. */
export function cpu(kinds) {
  const out = new Map();
  for (const [p, kind] of kinds) {
    const s = stat(p);
    if (s) out.set(p, { kind, ms: s.cpu_ms });
  }
  return out;
}

/** CPU (ms of a core per second) between two `cpu` samples, in total and by kind. */
export function cpuBetween(before, after, seconds) {
  const byKind = {};
  let total = 0;
  for (const [p, { kind, ms }] of after) {
    const was = before.get(p);
    if (!was) continue;
    const used = (ms - was.ms) / seconds / 10; // % of one core
    byKind[kind] = Math.round(((byKind[kind] ?? 0) + used) * 10) / 10;
    total += used;
  }
  return { percent_of_a_core: Math.round(total * 10) / 10, by_kind: byKind };
}


/** Resolves once `child` prints `text` (on stdout or stderr); fails after `ms` or if it exits
 *  first, with what it printed. */
export function waitFor(child, text, what, ms = 30_000) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no "${text}" in ${ms} ms:\n${out}`)), ms);
    const look = chunk => {
      out += chunk;
      if (out.includes(text)) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`${what} exited (${code}):\n${out}`)); });
  });
}
