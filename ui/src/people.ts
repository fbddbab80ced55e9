// Pure logic about the directory: search, filter, order, live presence, who can be called.
import { displayName, plainText } from './format';
import type { DirectoryEntry, Presence } from './types';

/** Why Call (in People, Call-backs, Notes, the banners) is off during a meeting. */
export const CALL_IN_MEETING = 'Leave the meeting to call.';

export type PresenceFilter = 'all' | 'available' | Presence;

export const FILTERS: { value: PresenceFilter; label: string }[] = [
  { value: 'all', label: 'Everyone' },
  { value: 'available', label: 'Available to call' },
  { value: 'online', label: 'Online' },
  { value: 'away', label: 'Away' },
  { value: 'busy', label: 'Busy' },
  { value: 'dnd', label: 'Do not disturb' },
  { value: 'offline', label: 'Offline' },
];

const ORDER: Record<Presence, number> = { online: 0, away: 1, busy: 2, dnd: 3, offline: 4 };

function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** Every word of the query appears in the name, username or email (as shown: without
 * bidi controls). */
export function matchesQuery(u: DirectoryEntry, query: string): boolean {
  const words = fold(plainText(query)).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = fold(plainText(`${u.full_name} ${u.username} ${u.email}`));
  return words.every((w) => hay.includes(w));
}

export function effectiveStatus(u: DirectoryEntry): Presence {
  return u.presence.is_online ? u.presence.status : 'offline';
}

export function isCallable(u: DirectoryEntry): boolean {
  return callBlockReason(u, false) === null;
}

export function matchesFilter(u: DirectoryEntry, filter: PresenceFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'available') return isCallable(u);
  return effectiveStatus(u) === filter;
}

/** Search, filter, then order: online first, offline last, disabled accounts after
 * everyone, by name within. */
export function visibleUsers(
  users: DirectoryEntry[],
  query: string,
  filter: PresenceFilter,
  meId: number | null,
): DirectoryEntry[] {
  return users
    .filter((u) => u.id !== meId && matchesQuery(u, query) && matchesFilter(u, filter))
    .sort(
      (a, b) =>
        Number(isDisabled(a)) - Number(isDisabled(b)) ||
        ORDER[effectiveStatus(a)] - ORDER[effectiveStatus(b)] ||
        displayName(a).localeCompare(displayName(b)),
    );
}

/** An account an administrator disabled: it cannot sign in, so it cannot be called. (A
 * directory entry without the field, from an older shell, counts as active.) */
export function isDisabled(u: Pick<DirectoryEntry, 'is_active'>): boolean {
  return u.is_active === false;
}

/** Why this person cannot be called right now, as a sentence; null when they can. During a
 * meeting (`iAmInAMeeting`) nobody can be called (the shell refuses). */
export function callBlockReason(u: DirectoryEntry, iAmInACall: boolean, iAmInAMeeting = false): string | null {
  const name = displayName(u);
  const p = u.presence;
  if (isDisabled(u)) return `${name}’s account is disabled by an administrator, so they cannot take calls.`;
  if (iAmInACall) return 'You are already in a call.';
  if (iAmInAMeeting) return CALL_IN_MEETING;
  if (!p.is_online || p.status === 'offline') return `${name} is offline.`;
  if (p.current_call != null) return `${name} is in a call.`;
  if (p.status === 'busy') return `${name} is busy.`;
  if (p.status === 'dnd') return `${name} does not want to be disturbed.`;
  if (!p.available_for_calls) return `${name} is not taking calls.`;
  return null;
}

/**
 * Apply a live `presence` event to the directory (returns a new array). A `message` of
 * null (servers that do not send one) keeps the message already known.
 */
export function applyPresence(
  users: DirectoryEntry[],
  userId: number,
  status: Presence,
  available: boolean,
  message: string | null = null,
): DirectoryEntry[] {
  return users.map((u) => {
    if (u.id !== userId) return u;
    const isOnline = status !== 'offline';
    return {
      ...u,
      presence: {
        ...u.presence,
        status,
        available_for_calls: available,
        status_message: message ?? u.presence.status_message,
        is_online: isOnline,
        current_call: status === 'busy' ? u.presence.current_call : null,
        is_available: isOnline && available && status !== 'busy' && status !== 'dnd',
      },
    };
  });
}
