// The call quality indicator (1–5 bars and words) and the audio level meters.
import { h, setAttr, setText } from '../dom';
import { levelFraction, qualitySummary } from '../format';
import type { CallQuality } from '../types';

export function qualityIndicator(): { el: HTMLElement; set(q: CallQuality | null): void } {
  const bars = h(
    'span',
    { class: 'bars', 'aria-hidden': 'true' },
    ...[1, 2, 3, 4, 5].map((i) => h('span', { class: `bar bar-${i}` })),
  );
  const word = h('span', { class: 'quality-word' });
  const details = h('span', { class: 'quality-details' });
  const el = h('div', { class: 'quality', role: 'img' }, bars, h('span', { class: 'quality-text' }, word, details));
  return {
    el,
    set(q) {
      if (!q) {
        setAttr(el, 'data-score', '0');
        setText(word, 'Measuring…');
        setText(details, 'Quality shows a few seconds into the call.');
        setAttr(el, 'aria-label', 'Call quality: measuring');
        return;
      }
      const sum = qualitySummary(q);
      setAttr(el, 'data-score', String(q.score));
      setText(word, `${sum.word} (${q.score} of 5)`);
      // Wrap between the measures, never inside one.
      const parts = sum.details.split(' · ');
      if (details.textContent !== sum.details) {
        details.replaceChildren(
          ...parts.flatMap((p, i) => [i ? ' · ' : '', h('span', { class: 'nowrap', text: p })]).filter(Boolean),
        );
      }
      setAttr(el, 'aria-label', `Call quality ${sum.word}, ${q.score} of 5 bars: ${sum.details.replace(/ · /g, ', ')}`);
    },
  };
}

export function levelMeter(label: string): { el: HTMLElement; set(rms: number): void } {
  const fill = h('span', { class: 'level-fill' });
  const track = h(
    'span',
    { class: 'level-track', role: 'meter', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' },
    fill,
  );
  const el = h('div', { class: 'level' }, h('span', { class: 'level-label', text: label.replace(' level', '') }), track);
  let last = -1;
  return {
    el,
    set(rms) {
      const pct = Math.round(levelFraction(rms) * 100);
      if (pct === last) return;
      last = pct;
      fill.style.transform = `scaleX(${pct / 100})`;
      track.setAttribute('aria-valuenow', String(pct));
    },
  };
}
