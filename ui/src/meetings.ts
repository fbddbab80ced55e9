// Pure logic about meetings: what a meeting's button says, its status and time in words,
// who is in it, why it cannot be joined now, and the list's and the banner's state rules.
// No DOM and no IPC.
import { displayName, formatWhen, plainText } from './format';
import { inCall, type MeetingEnded, type MeetingList, type UiState } from './state';
import type { Meeting, MeetingStatus, MeetingView, UserSummary, VideoCallSession } from './types';

/** A meeting's audio is a mesh of six: me and at most five colleagues. */
export const MEETING_SIZE = 6;
export const MAX_OTHERS = MEETING_SIZE - 1;

export const MEETING_STATUS_WORDS: Record<MeetingStatus, string> = {
  scheduled: 'Scheduled',
  ongoing: 'In progress',
  completed: 'Ended',
};

/** The main button of a meeting in the list: Join one under way, Start one not started
 * yet, Start again one that is over (joining it starts a new call). */
export function joinLabel(m: Pick<Meeting, 'status'>): 'Join' | 'Start' | 'Start again' {
  if (m.status === 'ongoing') return 'Join';
  if (m.status === 'completed') return 'Start again';
  return 'Start';
}

/** "Today 14:05", "Mon 3 Mar, 09:30", or "No time set". */
export function meetingWhen(iso: string | null, now: Date = new Date()): string {
  return iso && Number.isFinite(Date.parse(iso)) ? formatWhen(iso, now) : 'No time set';
}

/** A `datetime-local` input's value ("2025-03-04T15:30", this computer's time) as an ISO
 * instant for the server; null when empty or not a time. */
export function localToIso(value: string): string | null {
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) return null;
  // Date and time without an offset: the local time (ECMAScript's rule for this form).
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The colleagues invited besides the host, by name ("you" for me, last). */
export function guestNames(m: Meeting, meId: number | null): string[] {
  const seen = new Set<number>([m.host.id]);
  const names: string[] = [];
  let me = false;
  for (const p of m.participants) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    if (p.id === meId) me = true;
    else names.push(displayName(p));
  }
  return me ? [...names, 'you'] : names;
}

/** "Bob Stone, Carol Diaz and you". */
export function andList(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Who hosts it, in words: "You" for me. */
export function hostName(host: UserSummary, meId: number | null): string {
  return host.id === meId ? 'You' : displayName(host);
}

/** Who started the meeting's call, for the banner: the caller the server names, else the
 * host. */
export function startedBy(m: Meeting, call: Pick<VideoCallSession, 'caller'> | null | undefined): string {
  const c = call?.caller;
  return plainText(c?.full_name).trim() || plainText(c?.email).trim() || displayName(m.host);
}

/** The meeting this app is in (the shell's), or null. */
export function currentMeeting(s: UiState): MeetingView | null {
  return s.app?.meeting ?? null;
}

/** Why meeting `meetingId` cannot be joined now, in a sentence; null when it can. The
 * shell refuses both (a call and a meeting are never under way together). */
export function joinBlockReason(s: UiState, meetingId: number): string | null {
  return joinBlockWhy(inCall(s), currentMeeting(s)?.meeting_id ?? null, meetingId);
}

/** As `joinBlockReason`, from whether I am in a call and the meeting I am in (its id). */
export function joinBlockWhy(inCall: boolean, inMeetingId: number | null, meetingId: number): string | null {
  if (inCall) return 'End your call to join a meeting.';
  if (inMeetingId !== null && inMeetingId !== meetingId) return 'Leave the meeting to join another.';
  return null;
}

/** The meeting whose join is under way (its id), if any: one at a time. */
export function joining(s: Pick<UiState, 'pending'>): number | null {
  for (const key of Object.keys(s.pending)) {
    const m = /^join_meeting:(\d+)$/.exec(key);
    if (m && s.pending[key]) return Number(m[1]);
  }
  return null;
}

/** The list with `m` in it: in its place when listed, else first (a new one). */
export function withListedMeeting(list: MeetingList, m: Meeting): MeetingList {
  const at = list.results.findIndex((x) => x.id === m.id);
  if (at >= 0) return { ...list, results: list.results.map((x) => (x.id === m.id ? m : x)) };
  return { ...list, results: [m, ...list.results], count: list.count + 1 };
}

/** The list without meeting `id` (deleted). */
export function withoutListedMeeting(list: MeetingList, id: number): MeetingList {
  if (!list.results.some((x) => x.id === id)) return list;
  return { ...list, results: list.results.filter((x) => x.id !== id), count: Math.max(0, list.count - 1) };
}

/** The list with meeting `id` over (`meeting_ended`): no call under way any more. */
export function endedInList(list: MeetingList, id: number): MeetingList {
  const m = list.results.find((x) => x.id === id);
  if (!m || (m.status === 'completed' && m.active_call_id == null)) return list;
  const { active_call_id: _gone, ...rest } = m;
  return withListedMeeting(list, { ...rest, status: 'completed' });
}

/** The sentence for a meeting this app was put out of. */
export function endedFrom(view: MeetingView): MeetingEnded {
  return { meetingId: view.meeting_id, title: plainText(view.title), text: plainText(view.ended) || 'The meeting has ended.' };
}
