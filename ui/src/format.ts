// Pure formatting: durations, times, presence and quality words. No DOM here.
import type { CallQuality, ConnectionState, DeviceSwitch, Presence, Regarding, UserSummary } from './types';

/** 83 → "1:23", 3723 → "1:02:03". Negative or missing counts as 0. */
export function formatDuration(seconds: number | null | undefined): string {
  const total = Math.max(0, Math.floor(seconds ?? 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A duration in words for screen readers: "1 minute 23 seconds". */
export function durationWords(seconds: number | null | undefined): string {
  const total = Math.max(0, Math.floor(seconds ?? 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (h) parts.push(plural(h, 'hour'));
  if (m) parts.push(plural(m, 'minute'));
  if (s || parts.length === 0) parts.push(plural(s, 'second'));
  return parts.join(' ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "14:05" today, "Yesterday 09:12", "Tomorrow 09:12" (an invite's expiry), "Mon 3 Mar, 14:05"
 * this year, else with the year. */
export function formatWhen(iso: string | null, now: Date = new Date(), locale?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const startOfDay = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000);
  if (days === 0) return `Today ${time}`;
  if (days === 1) return `Yesterday ${time}`;
  if (days === -1) return `Tomorrow ${time}`;
  const opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return `${d.toLocaleDateString(locale, opts)}, ${time}`;
}

export const PRESENCE_LABEL: Record<Presence, string> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  dnd: 'Do not disturb',
  offline: 'Offline',
};

export function presenceLabel(p: Presence): string {
  return PRESENCE_LABEL[p] ?? p;
}

/** Unicode bidirectional controls: embeddings and overrides (LRE RLE PDF LRO RLO),
 * isolates (LRI RLI FSI PDI), and the marks (LRM RLM ALM). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** Text from another user or the server, safe to show: without the bidirectional controls
 * that could make "Alice" read backwards or spoof what a name or status says. Right-to-left
 * letters (Arabic, Hebrew) stay; the element showing the text has `dir="auto"`. */
export function plainText(s: string | null | undefined): string {
  return (s ?? '').replace(BIDI_CONTROLS, '');
}

/** The name to show for a person: full name, else username (without bidi controls). */
export function displayName(u: Pick<UserSummary, 'full_name' | 'username'> | null | undefined): string {
  if (!u) return 'Someone';
  return plainText(u.full_name).trim() || plainText(u.username);
}

/** "Bob Stone" → "BS", "alice" → "A". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = words[0][0] ?? '';
  const last = words.length > 1 ? words[words.length - 1][0] ?? '' : '';
  return (first + last).toUpperCase();
}

export const QUALITY_WORD: Record<number, string> = {
  5: 'Excellent',
  4: 'Good',
  3: 'Fair',
  2: 'Poor',
  1: 'Bad',
};

/** "Good" and the details: "42 ms round trip · 0.5% loss · 3 ms jitter". */
export function qualitySummary(q: CallQuality): { word: string; details: string } {
  const rtt = q.rtt_ms == null ? 'round trip unknown' : `${Math.round(q.rtt_ms)} ms round trip`;
  const loss = `${roundTo(q.loss_pct, q.loss_pct < 10 ? 1 : 0)}% loss`;
  const jitter = `${Math.round(q.jitter_ms)} ms jitter`;
  return { word: QUALITY_WORD[q.score] ?? 'Unknown', details: `${rtt} · ${loss} · ${jitter}` };
}

function roundTo(x: number, digits: number): string {
  const f = 10 ** digits;
  return String(Math.round(x * f) / f);
}

/** RMS 0–1 → 0–1 on a -60…0 dB scale, which is how loud things sound. */
export function levelFraction(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(Math.min(1, rms));
  return Math.max(0, Math.min(1, (db + 60) / 60));
}

/** The connection in a word, and a sentence for the banner (null when all is well). */
export function describeConnection(c: ConnectionState | null): {
  word: string;
  kind: 'ok' | 'pending' | 'bad';
  banner: string | null;
} {
  if (!c) return { word: 'Connecting…', kind: 'pending', banner: null };
  switch (c.state) {
    case 'connecting':
      return { word: 'Connecting…', kind: 'pending', banner: null };
    case 'online':
      return { word: c.mode === 'polling' ? 'Connected (polling)' : 'Connected', kind: 'ok', banner: null };
    case 'reconnecting': {
      const secs = Math.max(1, Math.round(c.retry_in_ms / 1000));
      const why = c.reason ? ` (${sentenceFragment(c.reason)})` : '';
      return {
        word: 'Reconnecting…',
        kind: 'pending',
        banner:
          `Lost the connection to the server${why}. ` +
          `Trying again in ${plural(secs, 'second')} (attempt ${c.attempt}). ` +
          'Calls and presence will update again once it is back.',
      };
    }
    case 'offline': {
      // The engine stops for good here (signed out, token refused): no retry to promise.
      const why = c.reason ? `: ${sentenceFragment(c.reason)}` : '';
      return {
        word: 'Offline',
        kind: 'bad',
        banner: `The server signed you out${why}. Calls cannot reach you until you sign in again.`,
      };
    }
  }
}

/** A call's device that moved on its own, in a sentence for the banner. */
export function describeDeviceSwitch(d: DeviceSwitch): string {
  const mic = d.direction === 'input';
  const what = mic ? 'microphone' : 'speakers';
  if (d.reason === 'back') {
    return `Your ${what} “${d.to}” ${mic ? 'is' : 'are'} back: the call uses ${mic ? 'it' : 'them'} again.`;
  }
  return (
    `Your ${what} “${d.from}” stopped (unplugged?): the call now uses “${d.to}”. ` +
    `It switches back when “${d.from}” returns.`
  );
}

function sentenceFragment(s: string): string {
  return s.trim().replace(/[.!]+$/, '');
}

/** A rejected command's message: the shell rejects with one plain sentence. */
export function errorText(e: unknown): string {
  if (typeof e === 'string' && e.trim()) return e.trim();
  if (e instanceof Error && e.message) return e.message;
  if (e && typeof e === 'object' && 'message' in e && typeof e.message === 'string') return e.message;
  return 'Something went wrong. Please try again.';
}

/** "10.0.0.5:8000" → "https://10.0.0.5:8000" (as the shell does); a typed scheme is kept;
 * spaces and a trailing "/" go. */
export function normalizeServerUrl(input: string): string {
  const t = input.trim().replace(/\/+$/, '');
  if (!t) return t;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `https://${t}`;
}

/** Whether two addresses name the same server, as typed or as the shell gives them. */
export function sameServer(a: string, b: string): boolean {
  const x = normalizeServerUrl(a).toLowerCase();
  return x !== '' && x === normalizeServerUrl(b).toLowerCase();
}

/** Whether an address is https (its certificate is then checked before a first sign-in). */
export function isHttps(url: string): boolean {
  return /^https:\/\//i.test(url.trim());
}

/** Text pasted into the server address that is an invite link (`switchboard://join?…`)
 * rather than an address; the shell says whether it is a valid one. */
export function looksLikeInvite(text: string): boolean {
  return /^switchboard:/i.test(text.trim());
}

/** "sha256:ab12cd34…" → "AB12 CD34 …": a certificate fingerprint in groups of four, to
 * compare by eye (the same as the shell's `fingerprint_grouped`). */
export function groupFingerprint(fingerprint: string): string {
  const hex = fingerprint.trim().replace(/^sha256:/i, '').replace(/[:\s]/g, '').toUpperCase();
  return (hex.match(/.{1,4}/g) ?? []).join(' ');
}

/** The kind of CRM record in words: "deal" → "Deal", "support_ticket" → "Support ticket". */
export function recordKind(type: string): string {
  const t = plainText(type).replace(/[_-]+/g, ' ').trim();
  return t ? t[0].toUpperCase() + t.slice(1) : 'Record';
}

/** What a call is about, for "About Deal: ACME renewal": the kind, the label, and the
 * record's address when it is an http(s) one (anything else is not made a link). */
export function describeRegarding(r: Regarding): { kind: string; label: string; url: string | null } {
  const label = plainText(r.label).trim() || plainText(r.id).trim() || 'Untitled';
  return { kind: recordKind(r.type), label, url: httpUrl(r.url) };
}

/** `url` when it is an absolute http or https address, else null. */
export function httpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
