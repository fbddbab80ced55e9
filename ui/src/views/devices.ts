// Sound device pickers (microphone, speaker, ringtone), used in Settings and in a call.
import type { Actions } from '../actions';
import { field, h, setOptions } from '../dom';
import type { ErrorArea, UiState } from '../state';
import type { DeviceList, Settings } from '../types';

export type DeviceKind = 'input' | 'output' | 'ring';

const KEY: Record<DeviceKind, keyof Settings> = {
  input: 'input_device',
  output: 'output_device',
  ring: 'ring_device',
};
const LABEL: Record<DeviceKind, string> = {
  input: 'Microphone',
  output: 'Speaker or headset',
  ring: 'Ringtone plays on',
};

/** `[value, label]` options; "" stands for null (the default). A saved device that is
 * not plugged in stays listed, so the choice is not silently lost. */
export function deviceOptions(kind: DeviceKind, devices: DeviceList | null, current: string | null): [string, string][] {
  const names = kind === 'input' ? devices?.inputs ?? [] : devices?.outputs ?? [];
  const opts: [string, string][] = [['', kind === 'ring' ? 'Same as speaker' : 'System default']];
  for (const n of names) opts.push([n, n]);
  if (current && !names.includes(current)) opts.push([current, `${current} (not connected)`]);
  return opts;
}

export function devicePickers(
  actions: Actions,
  area: ErrorArea,
  kinds: DeviceKind[],
): { el: HTMLElement; update(s: UiState): void } {
  const selects = kinds.map((kind) => {
    const select = h('select', { 'data-device': kind });
    select.addEventListener('change', () => {
      void actions.saveSettings({ [KEY[kind]]: select.value || null } as Partial<Settings>, area);
    });
    return { kind, select };
  });
  const el = h('div', { class: 'devices' }, ...selects.map(({ kind, select }) => field(LABEL[kind], select)));
  let requested = false;
  return {
    el,
    update(s: UiState) {
      const settings = s.app?.settings;
      if (!settings) return;
      if (!s.devices && !requested && !s.pending.devices) {
        requested = true;
        void actions.loadDevices(area);
      }
      for (const { kind, select } of selects) {
        const current = settings[KEY[kind]] as string | null;
        if (s.pending.save_settings && document.activeElement === select) continue;
        setOptions(select, deviceOptions(kind, s.devices, current), current ?? '');
      }
    },
  };
}
