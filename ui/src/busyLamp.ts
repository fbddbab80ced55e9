// Pure logic about the busy lamp: whether a call to someone would ring now and, when not,
// why; notes left for colleagues who could not take a call, and camp-ons ("tell me when
// they are free").
import { displayName, plainText } from './format';
import { isDisabled } from './people';
import type { CampOn, DirectoryEntry, Note } from './types';

/** The longest note, in characters (the server's limit). */
export const NOTE_TEXT_MAX = 1000;

/** Why a call would not ring now (an administrator's disabled account aside). */
export type Unreachable = 'offline' | 'in_call' | 'busy' | 'dnd' | 'not_taking_calls';

/** As the server decides whether a call rings: online, not in a call or busy, not on Do
 * not disturb, and available for calls. Away still rings. */
export function unreachable(u: DirectoryEntry): Unreachable | null {
  const p = u.presence;
  if (!p.is_online || p.status === 'offline') return 'offline';
  if (p.current_call != null) return 'in_call';
  if (p.status === 'busy') return 'busy';
  if (p.status === 'dnd') return 'dnd';
  if (!p.available_for_calls) return 'not_taking_calls';
  return null;
}

/** Someone to offer a note and a camp-on for instead of a call: they cannot take one now
 * (and their account is not disabled: they could not read a note or become free). */
export function offersFor(u: DirectoryEntry): boolean {
  return !isDisabled(u) && unreachable(u) !== null;
}

/** My camp-on on `userId` that has not run out (`now` in ms), if there is one. */
export function campOnFor(list: readonly CampOn[] | null, userId: number, now: number): CampOn | null {
  return (list ?? []).find((c) => c.user_id === userId && !(Date.parse(c.expires_at) <= now)) ?? null;
}

/** "You’ll be told when Tom Lee is free" */
export function campOnWords(c: CampOn): string {
  return `You’ll be told when ${displayName(c.user_details)} is free`;
}

/** A camp-on the server refused because the person can take calls now (409: "Tom Lee
 * can take calls now: call them."): not an error, news. */
export function isFreeNow(text: string): boolean {
  return /\bcan take calls now\b/i.test(text);
}

/** The note's first line with words on it, shortened to `max` characters (for a banner). */
export function firstLine(text: string, max = 120): string {
  const line = plainText(text).split(/\r\n|\r|\n/).map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

export function isUnread(n: Note): boolean {
  return !n.read_at;
}

export function unreadCount(list: readonly Note[] | null): number {
  return (list ?? []).reduce((k, n) => k + (isUnread(n) ? 1 : 0), 0);
}

/** Newest first, as the server gives them. */
export function sortNotes(list: readonly Note[]): Note[] {
  const time = (s: string) => Date.parse(s) || 0;
  return [...list].sort((a, b) => time(b.created_at) - time(a.created_at) || b.id - a.id);
}

/** The inbox with `n` in it (replacing the copy with its id), newest first. */
export function withNote(list: readonly Note[] | null, n: Note): Note[] {
  return sortNotes([...(list ?? []).filter((x) => x.id !== n.id), n]);
}
