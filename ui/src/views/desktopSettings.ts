// Settings for the desktop around the app: how an incoming call shows itself, auto-away,
// global shortcuts, and About Switchboard (version, where its files are).
import type { Actions } from '../actions';
import { alertRegion, h, setAttr, setDisabled, setText, uid } from '../dom';
import { icon } from '../icons';
import { recordKey, SHORTCUT_ACTIONS } from '../shortcuts';
import type { Watch } from '../state';
import type { IncomingCallDisplay, Settings, Shortcuts } from '../types';
import { button, setBusy, type View } from './common';
import { section } from './settingsParts';

/** Draws `draw` from the saved settings, except while a change is being saved (the
 * controls then show what the user chose). */
function watchSettings(watch: Watch, draw: (settings: Settings) => void): void {
  watch(
    (s) => ({ settings: s.app?.settings, saving: !!s.pending.save_settings }),
    ({ settings, saving }) => {
      if (settings && !saving) draw(settings);
    },
  );
}

/** A text field drawn from the settings: not while someone types in it. */
function setTyped(input: HTMLInputElement, value: string): void {
  if (document.activeElement === input && input.dataset.drawn !== input.value) return;
  input.value = value;
  input.dataset.drawn = value;
}

const DISPLAYS: readonly { value: IncomingCallDisplay; label: string; hint: string }[] = [
  {
    value: 'auto',
    label: 'A small callbox in the corner unless Switchboard is in front (recommended)',
    hint: 'It rings without taking the keyboard from what you are typing. With Switchboard in front, the call fills its window.',
  },
  { value: 'callbox', label: 'Always the callbox', hint: 'Also when Switchboard is in front.' },
  { value: 'window', label: 'Always bring Switchboard to the front', hint: 'Its window comes up with the call.' },
];

/** "Incoming calls": the callbox or the window. */
export function incomingCallsSection(actions: Actions, watch: Watch): View {
  const name = uid('display');
  const legendId = uid('legend');
  const radios = DISPLAYS.map(({ value, label, hint }) => {
    const id = uid('r');
    const input = h('input', { type: 'radio', id, name, value, class: 'switch', 'aria-describedby': `${id}-hint` });
    input.addEventListener('change', () => {
      if (input.checked) void actions.saveSettings({ incoming_call_display: value });
    });
    const el = h(
      'div',
      { class: 'toggle' },
      input,
      h('div', null, h('label', { for: id, text: label }), h('p', { class: 'hint', id: `${id}-hint`, text: hint })),
    );
    return { value, input, el };
  });
  const el = section(
    'Incoming calls',
    h(
      'fieldset',
      { class: 'radio-list', 'aria-labelledby': legendId },
      h('legend', { id: legendId, class: 'sr-only', text: 'Where an incoming call rings' }),
      ...radios.map((r) => r.el),
    ),
  );
  watchSettings(watch, (settings) => {
    for (const r of radios) r.input.checked = settings.incoming_call_display === r.value;
  });
  return { el };
}

/** The longest auto-away wait the field takes: a day. */
const MAX_AWAY_MINUTES = 24 * 60;

/** Seconds as the minutes field shows them: whole minutes, or one decimal. */
function minutesText(seconds: number): string {
  const minutes = seconds / 60;
  return Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(1);
}

/** "Away": the minutes without input before my status turns Away (0: never). */
export function awaySection(actions: Actions, watch: Watch): View {
  const alert = alertRegion();
  const id = uid('away');
  const input = h('input', {
    type: 'number',
    id,
    class: 'minutes',
    min: '0',
    max: String(MAX_AWAY_MINUTES),
    step: '1',
    inputmode: 'numeric',
    'aria-describedby': `${id}-hint ${id}-wayland`,
  });
  const save = () => {
    const text = input.value.trim();
    const minutes = Number(text);
    if (text === '' || !Number.isFinite(minutes) || minutes < 0 || minutes > MAX_AWAY_MINUTES) {
      actions.say('away', `Type the minutes as a number from 0 to ${MAX_AWAY_MINUTES}; 0 means never.`);
      return;
    }
    actions.say('away', null);
    void actions.saveSettings({ auto_away_after_seconds: Math.round(minutes * 60) }, 'away');
  };
  input.addEventListener('change', save);
  const el = section(
    'Away',
    h(
      'div',
      { class: 'field away-field' },
      h('label', { for: id, text: 'Away after this many minutes without input' }),
      h('div', { class: 'with-unit' }, input, h('span', { 'aria-hidden': 'true', text: 'minutes' })),
      h('p', {
        class: 'hint',
        id: `${id}-hint`,
        text: 'Your status turns Away when you leave the keyboard and mouse alone that long, and Online again when you are back. 0: never.',
      }),
      h('p', { class: 'hint', id: `${id}-wayland`, text: 'On Wayland auto-away is off: Switchboard cannot tell there whether you are at the computer.' }),
    ),
    alert,
  );
  watch((s) => s.errors.away ?? '', (error) => setText(alert, error));
  watchSettings(watch, (settings) => setTyped(input, minutesText(settings.auto_away_after_seconds)));
  return { el };
}

/** One shortcut: its keys (typed, or recorded from the next keys pressed) and Clear. */
function shortcutRow(
  actions: Actions,
  action: (typeof SHORTCUT_ACTIONS)[number],
  /** The four shortcuts as the fields show them (a change being saved included). */
  current: () => Shortcuts,
): { el: HTMLElement; set(keys: string): void; committed(): string } {
  const id = uid('keys');
  const input = h('input', {
    type: 'text',
    id,
    class: 'mono shortcut-keys',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Not set',
    'aria-describedby': action.hint ? `${id}-hint ${id}-status` : `${id}-status`,
  });
  const status = h('p', { class: 'hint shortcut-status', id: `${id}-status`, role: 'status' });
  const committed = () => input.dataset.drawn ?? '';
  const save = (keys: string) => {
    input.dataset.drawn = keys;
    void actions.saveSettings({ shortcuts: current() }, 'shortcuts');
  };
  input.addEventListener('change', () => {
    const keys = input.value.replace(/\s+/g, '');
    input.value = keys;
    if (keys !== committed()) save(keys);
  });

  const recordLabel = h('span', { class: 'label', text: 'Record' });
  const record = h(
    'button',
    { type: 'button', class: 'btn secondary small', 'aria-pressed': 'false' },
    icon('keyboard'),
    recordLabel,
    h('span', { class: 'sr-only', text: ` keys for ${action.label}` }),
  );
  const clear = h(
    'button',
    { type: 'button', class: 'btn ghost small' },
    h('span', { class: 'label', text: 'Clear' }),
    h('span', { class: 'sr-only', text: ` ${action.label}` }),
  );

  let recording = false;
  let before = '';
  const stop = (said: string) => {
    recording = false;
    window.removeEventListener('keydown', onKey, true);
    window.removeEventListener('keyup', onModifierUp, true);
    setAttr(record, 'aria-pressed', 'false');
    setText(recordLabel, 'Record');
    record.classList.remove('is-recording');
    setText(status, said);
  };
  const cancel = () => {
    input.value = before;
    stop('Not changed.');
  };
  /** A key released after it was recorded must not press the button it was recorded on. */
  const swallowRelease = (code: string) => {
    const onUp = (e: KeyboardEvent) => {
      if (e.code !== code) return;
      e.preventDefault();
      e.stopPropagation();
      window.removeEventListener('keyup', onUp, true);
    };
    window.addEventListener('keyup', onUp, true);
  };
  const press = (e: KeyboardEvent) =>
    recordKey({
      code: e.code,
      key: e.key,
      ctrlKey: e.ctrlKey,
      altKey: e.altKey,
      shiftKey: e.shiftKey,
      metaKey: e.metaKey,
      superKey: e.getModifierState('Super') || e.getModifierState('OS'),
    });
  /** A modifier let go before any key: the field shows what is still held. */
  const onModifierUp = (e: KeyboardEvent) => {
    const r = press(e);
    if (r.kind === 'held') input.value = r.text || before;
  };
  const onKey = (e: KeyboardEvent) => {
    // Tab alone leaves (keyboard users must be able to go on); nothing recorded.
    if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey) {
      cancel();
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    const r = press(e);
    if (r.kind === 'held') {
      input.value = r.text || before;
    } else if (r.kind === 'cancel') {
      swallowRelease(e.code);
      cancel();
    } else if (r.kind === 'problem') {
      input.value = before;
      setText(status, r.text);
    } else {
      swallowRelease(e.code);
      input.value = r.keys;
      stop(`Recorded ${r.keys}.`);
      if (r.keys !== committed()) save(r.keys);
    }
  };
  record.addEventListener('click', () => {
    if (recording) return cancel();
    recording = true;
    before = input.value;
    setAttr(record, 'aria-pressed', 'true');
    setText(recordLabel, 'Press keys…');
    record.classList.add('is-recording');
    setText(status, `Press the keys for ${action.label} now, for example Ctrl+Alt+M. Escape cancels.`);
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('keyup', onModifierUp, true);
  });
  // Clicking or tabbing elsewhere ends the recording.
  record.addEventListener('blur', () => {
    if (recording) cancel();
  });
  clear.addEventListener('click', () => {
    input.value = '';
    setText(status, '');
    if (committed() !== '') save('');
    input.focus();
  });

  const el = h(
    'div',
    { class: 'shortcut', 'data-action': action.key },
    h('label', { for: id, text: action.label }),
    h('div', { class: 'shortcut-controls' }, input, record, clear),
    action.hint ? h('p', { class: 'hint', id: `${id}-hint`, text: action.hint }) : null,
    status,
  );
  return {
    el,
    committed,
    set(keys) {
      if (!recording) setTyped(input, keys);
      setDisabled(clear, keys === '' && input.value === '');
    },
  };
}

/** "Global shortcuts": mute, answer, hang up and push to talk from any application. */
export function shortcutsSection(actions: Actions, watch: Watch): View {
  const alert = alertRegion();
  const current = (): Shortcuts => {
    const keys: Shortcuts = { toggle_mute: '', answer: '', hang_up: '', push_to_talk: '' };
    for (const { action, row } of rows) keys[action.key] = row.committed();
    return keys;
  };
  const rows = SHORTCUT_ACTIONS.map((action) => ({ action, row: shortcutRow(actions, action, current) }));
  const el = section(
    'Global shortcuts',
    h('p', {
      class: 'hint',
      text: 'They work from any application on X11 desktops. On Wayland they are not available yet. Type the keys, or choose Record and press them.',
    }),
    h('div', { class: 'shortcuts' }, ...rows.map((r) => r.row.el)),
    alert,
  );
  el.classList.add('shortcuts-section');
  watch((s) => s.errors.shortcuts ?? '', (error) => setText(alert, error));
  watchSettings(watch, (settings) => {
    for (const { action, row } of rows) row.set(settings.shortcuts[action.key]);
  });
  return { el };
}

/** "About Switchboard": the version and where its files are, for support. */
export function aboutSection(actions: Actions, watch: Watch): View & { focus(): void } {
  const alert = alertRegion();
  const version = h('dd');
  const logDir = h('dd', { class: 'mono' });
  const settingsFile = h('dd', { class: 'mono' });
  const dataDir = h('dd', { class: 'mono' });
  const openLogs = button('Open log folder', { cls: 'secondary small', icon: icon('folder'), onclick: () => void actions.openLogFolder() });
  const el = section(
    'About Switchboard',
    h(
      'dl',
      { class: 'facts' },
      h('dt', { text: 'Version' }),
      version,
      h('dt', { text: 'Log folder' }),
      logDir,
      h('dt', { text: 'Settings file' }),
      settingsFile,
      h('dt', { text: 'Data folder' }),
      dataDir,
    ),
    openLogs,
    h('p', { class: 'hint', text: 'When something goes wrong, the logs help whoever looks into it: send them the files in the log folder.' }),
    alert,
  );
  el.classList.add('about');
  const heading = el.querySelector('h3') as HTMLElement;
  heading.tabIndex = -1;
  watch((s) => s.errors.about ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ about: s.about, loading: !!s.pending.about }),
    ({ about, loading }) => {
      const none = loading ? 'Loading…' : '—';
      setText(version, about?.version ?? none);
      setText(logDir, about?.log_dir ?? none);
      setText(settingsFile, about?.settings_file ?? none);
      setText(dataDir, about?.data_dir ?? none);
    },
  );
  watch((s) => !!s.pending.open_log_folder, (opening) => setBusy(openLogs, opening, 'Open log folder', 'Opening…'));
  return {
    el,
    focus() {
      el.scrollIntoView({ block: 'start' });
      heading.focus();
    },
  };
}
