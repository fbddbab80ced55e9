// Pure logic about calls: who the other party is, direction, missed, how a call ended.
import { displayName, formatDuration } from './format';
import type { CallSession, CallStatus, MediaState, UserSummary } from './types';

export const FINAL: readonly CallStatus[] = ['completed', 'rejected', 'cancelled', 'missed', 'failed'];

export function isFinal(status: CallStatus): boolean {
  return FINAL.includes(status);
}

export type Direction = 'incoming' | 'outgoing';

export function direction(call: CallSession, meId: number | null): Direction {
  return call.initiator === meId ? 'outgoing' : 'incoming';
}

export function otherParty(call: CallSession, meId: number | null): UserSummary {
  return call.initiator === meId ? call.recipient_details : call.initiator_details;
}

/** Who holds a call, seen from my side: nobody, me, or the other participant. */
export type HoldSide = 'none' | 'me' | 'them';

export function holdSide(call: CallSession | null | undefined, meId: number | null): HoldSide {
  if (!call || call.status !== 'active' || call.on_hold_by == null) return 'none';
  return call.on_hold_by === meId ? 'me' : 'them';
}

/** A call to me that I never picked up: it rang out, or the caller gave up first. */
export function isMissed(call: CallSession, meId: number | null): boolean {
  return direction(call, meId) === 'incoming' && (call.status === 'missed' || call.status === 'cancelled');
}

export function callDuration(call: CallSession): number | null {
  if (call.duration_seconds != null) return call.duration_seconds;
  if (call.started_at && call.ended_at) {
    const ms = Date.parse(call.ended_at) - Date.parse(call.started_at);
    if (Number.isFinite(ms)) return Math.max(0, Math.round(ms / 1000));
  }
  return null;
}

/** The status of a history row, in words, from my side of the call. */
export function statusWord(call: CallSession, meId: number | null): string {
  const out = direction(call, meId) === 'outgoing';
  switch (call.status) {
    case 'completed':
      return 'Answered';
    case 'missed':
      return out ? 'No answer' : 'Missed';
    case 'rejected':
      return 'Declined';
    case 'cancelled':
      return out ? 'Cancelled' : 'Missed';
    case 'failed':
      return 'Failed';
    case 'active':
      return 'In progress';
    default:
      return 'Ringing';
  }
}

export interface Outcome {
  callId: number;
  text: string;
  kind: 'ended' | 'unanswered' | 'failed';
  /** A call that grew into a meeting the app did not get into (by itself): that meeting,
   * for the line saying where the call went. */
  movedTo?: number;
}

/** The line under the outcome of a call that grew into a meeting the app did not join. */
export const MOVED_LINE = 'The call moved to a meeting; open Meetings to join it.';

/**
 * How a call ended, in a sentence for the person who was on it:
 * "Bob declined the call.", "Bob did not answer.", "Call ended — 1:23".
 */
export function describeEnd(
  call: CallSession,
  meId: number | null,
  media: MediaState | null,
  localSeconds: number | null = null,
): Outcome {
  const name = displayName(otherParty(call, meId));
  const out = direction(call, meId) === 'outgoing';
  const ended = media && media.state === 'ended' ? media : null;
  const detail = ended?.message ? ` ${sentence(ended.message)}` : '';
  const base = { callId: call.id };
  switch (call.status) {
    case 'rejected':
      return { ...base, kind: 'unanswered', text: out ? `${name} declined the call.` : `You declined the call from ${name}.` };
    case 'missed':
      return { ...base, kind: 'unanswered', text: out ? `${name} did not answer.` : `You missed a call from ${name}.` };
    case 'cancelled':
      return {
        ...base,
        kind: 'unanswered',
        text: out ? `You cancelled the call to ${name}.` : `${name} hung up before you answered.`,
      };
    case 'failed':
      return { ...base, kind: 'failed', text: `The call with ${name} failed.${detail}` };
    default: {
      const secs = callDuration(call) ?? localSeconds;
      const text = secs != null ? `Call ended — ${formatDuration(secs)}` : 'Call ended.';
      let more = '';
      if (ended?.reason === 'lost') more = `The connection to ${name} was lost.${detail}`;
      else if (ended?.reason === 'failed') more = `The audio failed.${detail}`;
      else if (ended?.reason === 'remote') more = `${name} hung up.`;
      // What this side did, when the shell says it (a transfer: "Transferred to Carol Diaz.").
      else if (ended?.reason === 'local' && ended.message) more = sentence(ended.message);
      return { ...base, kind: ended?.reason === 'lost' || ended?.reason === 'failed' ? 'failed' : 'ended', text: endedAnd(text, more) };
    }
  }
}

/** "Call ended — 1:23" and what more there is to say about it, as one sentence after the
 * other: "Call ended — 1:23. Bob Stone hung up." */
export function endedAnd(text: string, more: string): string {
  return more ? `${text.replace(/\.$/, '')}. ${sentence(more)}` : text;
}

/** What the call card says of a call I was put through to (a blind transfer): who put me
 * through (`by`, when known) to whom. */
export function putThroughWords(by: string | null, to: string): string {
  return by ? `${by} put you through to ${to}` : `You were put through to ${to}`;
}

/** The status a call I just hung up on will end with, before the shell confirms it. */
export function localEndStatus(call: CallSession, meId: number | null): CallStatus {
  if (call.status === 'active') return 'completed';
  return direction(call, meId) === 'outgoing' ? 'cancelled' : 'rejected';
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The heading for logging a call that did not connect, from History: "Log the missed
 * call from Bob Stone", "Log the call Carol Diaz declined". */
export function logTitle(call: CallSession, meId: number | null): string {
  const name = displayName(otherParty(call, meId));
  const out = direction(call, meId) === 'outgoing';
  if (call.status === 'rejected') return out ? `Log the call ${name} declined` : `Log the call you declined from ${name}`;
  if (call.status === 'missed' || call.status === 'cancelled') {
    return out ? `Log the call ${name} did not answer` : `Log the missed call from ${name}`;
  }
  return `Log the call with ${name}`;
}
