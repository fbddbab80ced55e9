// Pure logic for administrators' settings: the team's call outcomes and webhooks (what
// the server accepts, said before sending), and a secret to sign deliveries with.
import type { WebhookEvent } from './types';

export const OUTCOMES_MAX = 20;
export const OUTCOME_NAME_MAX = 60;
export const SECRET_MIN = 16;
export const SECRET_MAX = 200;

/** Every event an endpoint can subscribe to, with what it means. */
export const WEBHOOK_EVENTS: readonly { event: WebhookEvent; label: string }[] = [
  { event: 'call.completed', label: 'An answered call ended' },
  { event: 'call.missed', label: 'A call was not answered' },
  { event: 'call.rejected', label: 'A call was declined' },
  { event: 'call.logged', label: 'Someone wrote or changed a call’s outcome or note' },
  { event: 'callback.created', label: 'A call-back was added' },
  { event: 'callback.completed', label: 'A call-back was done' },
];

/** What is wrong with an outcome list, in a sentence, and which name (its index) to fix,
 * when it is one; null when the server takes the list. */
export function outcomesProblem(names: readonly string[]): { message: string; index: number | null } | null {
  const list = names.map((n) => n.trim());
  const blank = list.findIndex((n) => !n);
  if (blank >= 0) return { message: `Outcome ${blank + 1} has no name: type one, or remove it.`, index: blank };
  if (list.length === 0) return { message: 'Keep at least one outcome.', index: null };
  if (list.length > OUTCOMES_MAX) {
    const extra = list.length - OUTCOMES_MAX;
    return { message: `There can be at most ${OUTCOMES_MAX} outcomes: remove ${extra}.`, index: null };
  }
  const long = list.findIndex((n) => [...n].length > OUTCOME_NAME_MAX);
  if (long >= 0) return { message: `“${list[long]}” is longer than ${OUTCOME_NAME_MAX} characters.`, index: long };
  const seen = new Set<string>();
  for (const [i, n] of list.entries()) {
    const key = n.toLocaleLowerCase();
    if (seen.has(key)) return { message: `“${n}” is in the list twice.`, index: i };
    seen.add(key);
  }
  return null;
}

/** What is wrong with a new webhook, in a sentence; null when the server takes it. */
export function webhookProblem(url: string, secret: string, events: readonly WebhookEvent[]): string | null {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url.trim());
  } catch {
    parsed = null;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname) {
    return 'Enter the address that takes the deliveries, starting with https:// or http://.';
  }
  const length = [...secret].length;
  if (length < SECRET_MIN || length > SECRET_MAX) {
    return `The secret needs ${SECRET_MIN} to ${SECRET_MAX} characters: press Generate for a good one.`;
  }
  if (/[\u0000-\u001f\u007f]/.test(secret)) return 'The secret cannot contain line breaks, tabs or other control characters.';
  if (events.length === 0) return 'Choose at least one event to send.';
  return null;
}

/** 32 random hex characters (16 random bytes), from the system's random source. */
export function randomSecret(bytes = 16): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}
