// The call card: "Calling Bob…" while it rings, the in-call controls once answered,
// and how the call ended afterwards.
import type { Actions } from '../actions';
import { otherParty } from '../calls';
import { alertRegion, h, setAttr, setText, show } from '../dom';
import { displayName, durationWords, formatDuration, initials } from '../format';
import { icon } from '../icons';
import type { UiState } from '../state';
import type { MediaState } from '../types';
import { button, setBusy, type View } from './common';
import { devicePickers } from './devices';
import { levelMeter, qualityIndicator } from './meters';

function mediaWords(m: MediaState | null, video: boolean): string {
  if (!m || m.state === 'connecting') return 'Connecting audio…';
  // Switchboard carries voice only; a video call from a CRM client is taken as audio.
  if (m.state === 'connected') return video ? 'Connected, audio only' : 'Connected';
  if (m.reason === 'lost') return 'Connection lost';
  if (m.reason === 'failed') return m.message ?? 'Audio failed';
  return 'Ended';
}

export function callPanelView(actions: Actions): View & { focusMain(): void } {
  // Ringing out.
  const ringAvatar = h('span', { class: 'avatar large ringing', 'aria-hidden': 'true' });
  const ringTitle = h('h2', { class: 'call-title' });
  const cancel = button('Cancel', { cls: 'danger', icon: icon('phone-off'), onclick: () => void actions.hangUp() });
  const ringing = h(
    'div',
    { class: 'call-ringing' },
    ringAvatar,
    h('div', { class: 'call-head' }, ringTitle, h('p', { class: 'call-sub', text: 'Ringing. They will see who is calling.' })),
    cancel,
  );

  // In the call.
  const avatarEl = h('span', { class: 'avatar large', 'aria-hidden': 'true' });
  const peer = h('h2', { class: 'call-title' });
  const timer = h('span', { class: 'timer', role: 'timer', 'aria-live': 'off' });
  const mediaText = h('span', { class: 'media-state' });
  const muteLabel = h('span', { class: 'label', text: 'Mute' });
  const mute = h('button', { type: 'button', class: 'btn mute', 'aria-pressed': 'false' });
  const micIcon = icon('mic', 'icon i-mic');
  const micOffIcon = icon('mic-off', 'icon i-mic-off');
  mute.append(micIcon, micOffIcon, muteLabel);
  const mutedBadge = h('span', { class: 'muted-badge', role: 'status' });
  const end = button('End call', { cls: 'danger', icon: icon('phone-off'), onclick: () => void actions.hangUp() });
  mute.addEventListener('click', () => void actions.setMuted(mute.getAttribute('aria-pressed') !== 'true'));
  const quality = qualityIndicator();
  const micLevel = levelMeter('Microphone level');
  const spkLevel = levelMeter('Speaker level');
  const pickers = devicePickers(actions, 'call', ['input', 'output']);
  const callAlert = alertRegion();
  const active = h(
    'div',
    { class: 'call-active' },
    h(
      'div',
      { class: 'call-top' },
      avatarEl,
      h('div', { class: 'call-head' }, peer, h('p', { class: 'call-sub' }, timer, h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }), mediaText)),
      h('div', { class: 'call-controls' }, mutedBadge, mute, end),
    ),
    h(
      'div',
      { class: 'call-details' },
      h('div', { class: 'call-detail' }, h('h3', { text: 'Call quality' }), quality.el),
      h('div', { class: 'call-detail' }, h('h3', { text: 'Levels' }), micLevel.el, spkLevel.el),
      h('div', { class: 'call-detail' }, h('h3', { text: 'Devices' }), pickers.el),
    ),
  );

  // Afterwards.
  // Said once: the visible sentence is hidden from screen readers, the live copy is not.
  const outcomeText = h('p', { class: 'outcome-text', 'aria-hidden': 'true' });
  const dismiss = button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('outcome') });
  const outcome = h('div', { class: 'call-outcome' }, icon('phone-off'), outcomeText, dismiss);
  // Kept in the page so that the sentence is announced when it appears.
  const outcomeLive = h('div', { role: 'status', class: 'sr-only' });

  const el = h('section', { class: 'call-card', 'aria-label': 'Call' }, ringing, active, callAlert, outcome, outcomeLive);

  const tick = (s: UiState) => {
    const secs = s.callStartedAt != null ? (Date.now() - s.callStartedAt) / 1000 : 0;
    setText(timer, formatDuration(secs));
    setAttr(timer, 'aria-label', `Call time ${durationWords(secs)}`);
  };

  return {
    el,
    focusMain() {
      const target = [cancel, mute, dismiss].find((b) => b.offsetParent !== null);
      target?.focus();
    },
    update(s: UiState) {
      const app = s.app;
      const call = app?.active_call ?? null;
      const meId = app?.me?.id ?? null;
      const isRingingOut = !!call && call.initiator === meId && (call.status === 'ringing' || call.status === 'pending');
      const isActive = !!call && call.status === 'active';
      show(ringing, isRingingOut);
      show(active, isActive);
      show(outcome, !call && !!s.outcome);
      show(el, isRingingOut || isActive || (!call && !!s.outcome));
      el.dataset.mode = isRingingOut ? 'ringing' : isActive ? 'active' : s.outcome ? 'outcome' : 'none';

      if (call) {
        const other = displayName(otherParty(call, meId));
        setText(ringTitle, `Calling ${other}…`);
        setText(ringAvatar, initials(other));
        setText(avatarEl, initials(other));
        setText(peer, other);
        setAttr(el, 'aria-label', isActive ? `Call with ${other}` : `Calling ${other}`);
        setBusy(cancel, !!s.pending.hang_up, 'Cancel', 'Cancelling…');
        setBusy(end, !!s.pending.hang_up, 'End call', 'Ending…');
      }
      if (isActive && app) {
        tick(s);
        setText(mediaText, mediaWords(app.media, call?.call_type === 'video'));
        setAttr(mediaText, 'data-state', app.media?.state ?? 'connecting');
        const muted = app.muted;
        setAttr(mute, 'aria-pressed', muted ? 'true' : 'false');
        setText(muteLabel, muted ? 'Unmute' : 'Mute');
        mute.classList.toggle('is-on', muted);
        setText(mutedBadge, muted ? 'Muted: they cannot hear you' : '');
        quality.set(s.quality);
        micLevel.set(muted ? 0 : s.levels.input);
        spkLevel.set(s.levels.output);
        pickers.update(s);
      }
      setText(callAlert, s.errors.call ?? '');
      const text = !call && s.outcome ? s.outcome.text : '';
      setText(outcomeText, text);
      setText(outcomeLive, text);
      if (s.outcome) outcome.dataset.kind = s.outcome.kind;
    },
  };
}
