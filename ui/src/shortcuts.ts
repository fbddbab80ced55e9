// Global shortcuts as Settings writes them: "Ctrl+Alt+M" — modifiers in the order Ctrl,
// Alt, Shift, Super, then one key, in the names the shell's shortcut parser reads. No DOM:
// a key press comes in as the fields of a KeyboardEvent.
import type { Shortcuts } from './types';

/** The four actions, in the order Settings lists them, with their names there (the
 * shell's sentences use the same names). */
export const SHORTCUT_ACTIONS: readonly { key: keyof Shortcuts; label: string; hint?: string }[] = [
  { key: 'toggle_mute', label: 'Mute / unmute' },
  { key: 'answer', label: 'Answer' },
  { key: 'hang_up', label: 'Hang up' },
  { key: 'push_to_talk', label: 'Push to talk (hold)', hint: 'Held down: your microphone is on; let go: muted again.' },
];

export interface KeyPress {
  code: string;
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
  /** Super as some platforms report it (getModifierState 'Super' or 'OS'). */
  superKey?: boolean;
}

/** What a key press means while recording a shortcut. */
export type Recorded =
  /** Only modifiers held so far ("Ctrl+Alt+…"): keep listening. */
  | { kind: 'held'; text: string }
  /** A whole shortcut. */
  | { kind: 'keys'; keys: string }
  /** Escape alone: stop recording, keep what was there. */
  | { kind: 'cancel' }
  /** A key that cannot be a shortcut on its own (a letter with no modifier), said why. */
  | { kind: 'problem'; text: string };

const NAMED: Record<string, string> = {
  Space: 'Space',
  Enter: 'Enter',
  Tab: 'Tab',
  Backspace: 'Backspace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  Escape: 'Escape',
  Minus: 'Minus',
  Equal: 'Equal',
  Comma: 'Comma',
  Period: 'Period',
  Slash: 'Slash',
  Semicolon: 'Semicolon',
  Quote: 'Quote',
  BracketLeft: 'BracketLeft',
  BracketRight: 'BracketRight',
  Backslash: 'Backslash',
  Backquote: 'Backquote',
  Pause: 'Pause',
  PrintScreen: 'PrintScreen',
  ScrollLock: 'ScrollLock',
  NumpadAdd: 'NumAdd',
  NumpadSubtract: 'NumSubtract',
  NumpadMultiply: 'NumMultiply',
  NumpadDivide: 'NumDivide',
  NumpadDecimal: 'NumDecimal',
  NumpadEnter: 'NumEnter',
};

const MODIFIER_CODES = /^(Control|Alt|Shift|Meta|OS|Super|Hyper|AltGraph|CapsLock|NumLock|Fn)(Left|Right)?$/;
const MODIFIER_KEYS = new Set(['Control', 'Alt', 'Shift', 'Meta', 'OS', 'Super', 'Hyper', 'AltGraph', 'CapsLock', 'NumLock', 'Fn']);

/** Keys that may be a shortcut with no modifier: nobody types them into a document. */
const ALONE = /^(F([1-9]|1[0-9]|2[0-4])|Pause|PrintScreen|ScrollLock)$/;

/** The shortcut name of the key pressed (by its place on the keyboard, so that the same
 * keys are recorded whatever the layout and modifiers make it type); null: not one. */
export function keyName(code: string, key: string): string | null {
  let m = /^Key([A-Z])$/.exec(code);
  if (m) return m[1];
  m = /^Digit([0-9])$/.exec(code);
  if (m) return m[1];
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(code)) return code;
  m = /^Numpad([0-9])$/.exec(code);
  if (m) return `Num${m[1]}`;
  if (code in NAMED) return NAMED[code];
  // No code (some virtual keyboards): a plain letter or digit by what it types.
  if (!code && /^[a-z0-9]$/i.test(key)) return key.toUpperCase();
  return null;
}

function modifiers(p: KeyPress): string[] {
  const mods: string[] = [];
  if (p.ctrlKey) mods.push('Ctrl');
  if (p.altKey) mods.push('Alt');
  if (p.shiftKey) mods.push('Shift');
  if (p.metaKey || p.superKey) mods.push('Super');
  return mods;
}

/** A key press while recording: the shortcut it makes, or what to say. */
export function recordKey(p: KeyPress): Recorded {
  const mods = modifiers(p);
  if (MODIFIER_CODES.test(p.code) || MODIFIER_KEYS.has(p.key)) {
    return { kind: 'held', text: mods.length ? `${mods.join('+')}+…` : '' };
  }
  const name = keyName(p.code, p.key);
  if (name === 'Escape' && mods.length === 0) return { kind: 'cancel' };
  if (!name) return { kind: 'problem', text: 'That key cannot be a shortcut. Try a letter, a digit or F1–F12 with Ctrl or Alt.' };
  // A letter, a digit or Space with only Shift (or nothing) is typing: taken from every
  // application, it could no longer be typed anywhere.
  const typing = !mods.some((m) => m !== 'Shift');
  if (typing && !ALONE.test(name)) {
    return {
      kind: 'problem',
      text: `${[...mods, name].join('+')} is typing: hold Ctrl, Alt or Super with it (F1–F24 work alone).`,
    };
  }
  return { kind: 'keys', keys: [...mods, name].join('+') };
}
