// Device pickers (microphone, speaker, ringtone, camera), used in Settings and in a call.
import type { Actions } from '../actions';
import { field, h, setOptions } from '../dom';
import type { ErrorArea, Watch } from '../state';
import type { DeviceList, Settings } from '../types';

export type DeviceKind = 'input' | 'output' | 'ring' | 'camera';

const KEY: Record<DeviceKind, keyof Settings> = {
  input: 'input_device',
  output: 'output_device',
  ring: 'ring_device',
  camera: 'camera',
};
const LABEL: Record<DeviceKind, string> = {
  input: 'Microphone',
  output: 'Speaker or headset',
  ring: 'Ringtone plays on',
  camera: 'Camera',
};

/** `[value, label]` options; "" stands for null (the default). A saved device that is
 * not plugged in stays listed, so the choice is not silently lost. */
export function deviceOptions(kind: DeviceKind, devices: DeviceList | null, current: string | null): [string, string][] {
  const names = (kind === 'input' ? devices?.inputs : kind === 'camera' ? devices?.cameras : devices?.outputs) ?? [];
  const opts: [string, string][] = [['', defaultLabel(kind, devices, names)]];
  for (const n of names) opts.push([n, n]);
  if (current && !names.includes(current)) opts.push([current, `${current} (not connected)`]);
  return opts;
}

/** What "" (no choice saved) means for each kind. */
function defaultLabel(kind: DeviceKind, devices: DeviceList | null, names: string[]): string {
  if (kind === 'ring') return 'Same as speaker';
  if (kind !== 'camera') return 'System default';
  if (devices && names.length === 0) return 'No camera found';
  return 'First camera found';
}

/** The pickers ask for the device list the first time they are drawn (so pass a watch
 * that draws only while they are shown). */
export function devicePickers(actions: Actions, watch: Watch, area: ErrorArea, kinds: DeviceKind[]): { el: HTMLElement } {
  const selects = kinds.map((kind) => {
    const select = h('select', { 'data-device': kind });
    select.addEventListener('change', () => {
      void actions.saveSettings({ [KEY[kind]]: select.value || null } as Partial<Settings>, area);
    });
    return { kind, select };
  });
  const el = h('div', { class: 'devices' }, ...selects.map(({ kind, select }) => field(LABEL[kind], select)));
  let requested = false;
  watch(
    (s) => ({ settings: s.app?.settings, devices: s.devices, loading: !!s.pending.devices, saving: !!s.pending.save_settings }),
    ({ settings, devices, loading, saving }) => {
      if (!settings) return;
      if (!devices && !requested && !loading) {
        requested = true;
        void actions.loadDevices(area);
      }
      for (const { kind, select } of selects) {
        const current = settings[KEY[kind]] as string | null;
        if (saving && document.activeElement === select) continue;
        setOptions(select, deviceOptions(kind, devices, current), current ?? '');
      }
    },
  );
  return { el };
}
