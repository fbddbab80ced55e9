// Settings: hosting, the team (admins: invites, accounts), the team's call outcomes and
// webhooks (admins), my account (server, sign out, password, sign out everywhere), calls,
// incoming calls (callbox or window), sound devices, audio (voice processing), away,
// global shortcuts, startup, and About Switchboard.
import type { Actions } from '../actions';
import { alertRegion, h, setDisabled, setText, show } from '../dom';
import { displayName, plainText } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { VoiceSettings } from '../types';
import { button, setBusy, type View } from './common';
import { devicePickers } from './devices';
import { hostAddresses } from './hostInfo';
import { accountSecurity } from './account';
import { teamView } from './team';
import { outcomesAdmin, webhooksAdmin } from './admin';
import { aboutSection, awaySection, incomingCallsSection, shortcutsSection } from './desktopSettings';
import { section, toggle } from './settingsParts';

export function settingsView(actions: Actions, watch: Watch): View {
  const alert = alertRegion();
  const notice = h('p', { class: 'notice', role: 'status' });

  const who = h('dd', { dir: 'auto' });
  const server = h('dd', { class: 'mono' });
  const signOut = button('Sign out', { cls: 'secondary', onclick: () => void actions.signOut() });
  const security = accountSecurity(actions, watch);
  const account = section(
    'Account',
    h('dl', { class: 'facts' }, h('dt', { text: 'Signed in as' }), who, h('dt', { text: 'Server' }), server),
    signOut,
    security.el,
  );

  const available = toggle(
    'Available for calls',
    'When off, nobody can ring you (like Do not disturb). You can still call others.',
    (on) => void actions.saveSettings({ available_for_calls: on }),
  );
  const linksAtOnce = toggle(
    'Call at once when a call link is opened',
    'Off: Switchboard asks first, because any web page or message can hold such a link.',
    (on) => void actions.saveSettings({ call_links_without_asking: on }),
  );
  const calls = section('Calls', available.el, linksAtOnce.el);

  const pickers = devicePickers(actions, watch, 'settings', ['input', 'output', 'ring', 'camera']);
  const refresh = button('Refresh device list', { cls: 'ghost small', icon: icon('refresh'), onclick: () => void actions.loadDevices() });
  const devices = section('Devices', pickers.el, refresh);

  // Voice processing on the microphone. What is saved is what the switches show, so a
  // second change made while the first is being saved keeps the first. "Raw audio" is
  // not a setting of its own: it is on exactly when all three are off.
  const saveVoice = () => {
    raw.input.checked = !echo.input.checked && !noise.input.checked && !gain.input.checked;
    const voice: VoiceSettings = {
      echo_cancel: echo.input.checked,
      noise_suppression: noise.input.checked,
      auto_gain: gain.input.checked,
    };
    void actions.saveSettings({ voice });
  };
  const echo = toggle(
    'Echo cancellation',
    'Removes your speakers’ sound from your microphone. Not needed with a headset.',
    saveVoice,
  );
  const noise = toggle('Noise suppression', 'Removes steady background noise such as fans.', saveVoice);
  const gain = toggle('Automatic gain', 'Keeps your voice at a steady level.', saveVoice);
  const raw = toggle(
    'Raw audio (for music)',
    'Turns the three above off, so music and instruments come through as they are.',
    (on) => {
      for (const t of [echo, noise, gain]) t.input.checked = !on;
      saveVoice();
    },
  );
  raw.el.classList.add('toggle-raw');
  const audio = section(
    'Audio',
    h('p', { class: 'hint', text: 'How your microphone is cleaned up before others hear it. Changes apply at once, also during a call.' }),
    echo.el,
    noise.el,
    gain.el,
    raw.el,
  );

  const autostart = toggle(
    'Start Switchboard when I log in',
    'So that colleagues can reach you without you opening it.',
    (on) => void actions.saveSettings({ autostart: on }),
  );
  const startMinimised = toggle(
    'Start minimised to the tray',
    'Only when Switchboard starts as you log in (the switch above): it then waits in the tray without opening its window.',
    (on) => void actions.saveSettings({ start_minimised: on }),
  );
  const startup = section('Startup', autostart.el, startMinimised.el);
  const incomingCalls = incomingCallsSection(actions, watch);
  const away = awaySection(actions, watch);
  const shortcuts = shortcutsSection(actions, watch);
  const about = aboutSection(actions, watch);
  const toAbout = button('About Switchboard', { cls: 'ghost small', icon: icon('info'), onclick: () => about.focus() });

  const addresses = hostAddresses(watch, { invites: 'all' });
  const hostUrl = h('dd', { class: 'mono' });
  const hostAdmin = h('dd', { class: 'mono' });
  const hostDir = h('dd', { class: 'mono' });
  const hosting = section(
    'Hosting for your team',
    h('p', { class: 'banner-text', text: 'This computer runs your team’s server. Teammates connect to:' }),
    addresses.el,
    h(
      'dl',
      { class: 'facts' },
      h('dt', { text: 'On this computer' }),
      hostUrl,
      h('dt', { text: 'Admin username' }),
      hostAdmin,
      h('dt', { text: 'Data folder' }),
      hostDir,
    ),
  );
  hosting.classList.add('hosting');

  const team = teamView(actions, watch);
  const outcomes = outcomesAdmin(actions, watch);
  const webhooks = webhooksAdmin(actions, watch);

  const el = h(
    'section',
    { class: 'panel settings', 'aria-labelledby': 'settings-title' },
    h('div', { class: 'toolbar' }, h('h2', { id: 'settings-title', text: 'Settings', tabindex: '-1' }), toAbout),
    alert,
    notice,
    hosting,
    team.el,
    outcomes.el,
    webhooks.el,
    account,
    calls,
    incomingCalls.el,
    devices,
    audio,
    away.el,
    shortcuts.el,
    startup,
    about.el,
  );

  watch((s) => s.errors.settings ?? '', (error) => setText(alert, error));
  watch((s) => s.notice ?? '', (text) => setText(notice, text));
  watch(
    (s) => ({ me: s.app?.me ?? null, serverUrl: s.app?.server_url ?? null }),
    ({ me, serverUrl }) => {
      setText(who, me ? `${displayName(me)} (${plainText(me.username)})` : '—');
      setText(server, serverUrl ?? '—');
    },
  );
  watch((s) => !!s.pending.sign_out, (busy) => setBusy(signOut, busy, 'Sign out', 'Signing out…'));
  watch(
    (s) => ({ settings: s.app?.settings, saving: !!s.pending.save_settings }),
    ({ settings, saving }) => {
      // While a change is being saved, the switch shows what the user chose.
      if (!settings || saving) return;
      available.input.checked = settings.available_for_calls;
      linksAtOnce.input.checked = settings.call_links_without_asking;
      autostart.input.checked = settings.autostart;
      startMinimised.input.checked = settings.start_minimised;
      // Without autostart it does nothing: shown as it is, but off to the touch.
      setDisabled(startMinimised.input, !settings.autostart);
      const { echo_cancel, noise_suppression, auto_gain } = settings.voice;
      echo.input.checked = echo_cancel;
      noise.input.checked = noise_suppression;
      gain.input.checked = auto_gain;
      raw.input.checked = !echo_cancel && !noise_suppression && !auto_gain;
    },
  );
  watch((s) => !!s.pending.devices, (loading) => setDisabled(refresh, loading));
  watch(
    (s) => s.app?.hosting ?? null,
    (host) => {
      show(hosting, !!host);
      if (!host) return;
      setText(hostUrl, host.url);
      setText(hostAdmin, host.admin_username);
      setText(hostDir, host.data_dir);
    },
  );
  return { el };
}
