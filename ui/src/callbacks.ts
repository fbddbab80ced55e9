// Pure logic about call-backs: open or done, due or not, "due in 10 min", their order.
import { formatWhen, plural } from './format';
import type { Callback } from './types';

/** When to call back, offered wherever a call-back is made or snoozed. */
export const LATER: readonly { label: string; seconds: number }[] = [
  { label: '10 minutes', seconds: 600 },
  { label: '1 hour', seconds: 3600 },
];

export function isOpen(c: Callback): boolean {
  return !c.completed_at;
}

/** Open and its time has come (`now` in ms). */
export function isDue(c: Callback, now: number): boolean {
  const t = Date.parse(c.due_at);
  return isOpen(c) && Number.isFinite(t) && t <= now;
}

export function dueCount(list: readonly Callback[] | null, now: number): number {
  return (list ?? []).reduce((n, c) => n + (isDue(c, now) ? 1 : 0), 0);
}

/** 5 → "5 min", 65 → "1 h 5 min", 120 → "2 h", 3000 → "2 days". */
function span(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  return plural(Math.round(minutes / (24 * 60)), 'day');
}

/**
 * When an open call-back is due, from `now` (ms): "due in 10 min" (rounded up: it is not
 * due before), "due now" (in its first minute), "overdue by 5 min".
 */
export function dueWords(dueAt: string, now: number): string {
  const t = Date.parse(dueAt);
  if (!Number.isFinite(t)) return 'due';
  if (t > now) return `due in ${span(Math.max(1, Math.ceil((t - now) / 60_000)))}`;
  const late = Math.floor((now - t) / 60_000);
  return late === 0 ? 'due now' : `overdue by ${span(late)}`;
}

/** "Due Today 14:05", for a title next to the relative time. */
export function dueAtWords(dueAt: string, now: Date = new Date()): string {
  return `Due ${formatWhen(dueAt, now)}`;
}

/** As the server orders them: open ones by due time, then done ones, latest first. */
export function sortCallbacks(list: readonly Callback[]): Callback[] {
  const time = (s: string | undefined) => (s ? Date.parse(s) || 0 : 0);
  const open = list.filter(isOpen).sort((a, b) => time(a.due_at) - time(b.due_at) || a.id - b.id);
  const done = list.filter((c) => !isOpen(c)).sort((a, b) => time(b.completed_at) - time(a.completed_at) || b.id - a.id);
  return [...open, ...done];
}

/** The list with `c` in it (replacing the copy with its id), in order. */
export function withCallback(list: readonly Callback[] | null, c: Callback): Callback[] {
  return sortCallbacks([...(list ?? []).filter((x) => x.id !== c.id), c]);
}

/** The open call-back made from call `callId`, if there is one. */
export function callbackForCall(list: readonly Callback[] | null, callId: number): Callback | null {
  return (list ?? []).find((c) => c.call_id === callId && isOpen(c)) ?? null;
}
