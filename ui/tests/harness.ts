// Test harness, loaded into the page before the app: a scriptable fake shell behind
// `mockIPC`, reachable from the test as `window.__test`.
//
// Video pictures (`next_video_picture`): the test queues pictures with `picture`, and the
// fake shell answers each request with the first one queued, at once; with none, the
// request waits for one (a picture queued then answers it at once) up to the reply's
// `pictures` milliseconds (the real shell: 1 s), and is then answered with an empty
// ArrayBuffer, as the real one is. mockIPC hands the page what the fake returns as it is:
// the page gets the very ArrayBuffer queued, as it gets an ArrayBuffer from the real shell
// (`tauri::ipc::Response`), never a JSON copy of it.
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';

/** How the fake shell answers a command: a value, a rejection sentence, an argument back,
 * or (`next_video_picture`) the next picture queued, waiting up to `pictures` ms for one;
 * `delayMs` holds the answer back (to see a busy state). */
export type Reply = ({ ok: unknown } | { err: string } | { echo: string } | { pictures: number }) & { delayMs?: number };

interface Invoked {
  cmd: string;
  args: Record<string, unknown>;
}

interface TestApi {
  invoked: Invoked[];
  calls(cmd: string): Invoked[];
  respond(cmd: string, reply: Reply | Reply[]): void;
  emit(payload: unknown): Promise<void>;
  /** Queue a picture for `next_video_picture` (a request waiting for one takes it at once). */
  picture(message: ArrayBuffer): void;
  /** Pictures queued and not taken yet. */
  queued(): number;
  /** `next_video_picture` requests waiting for a picture. */
  waiting(): number;
}

declare global {
  interface Window {
    __testInit?: { responses: Record<string, Reply | Reply[]> };
    __test: TestApi;
  }
}

const defaults: Record<string, Reply | Reply[]> = {
  set_status: { ok: null },
  set_muted: { ok: null },
  set_video: { ok: null },
  hang_up: { ok: null },
  list_devices: { ok: { inputs: ['Built-in Microphone', 'USB Headset'], outputs: ['Built-in Speakers', 'USB Headset'], cameras: ['HD Pro Webcam C920'] } },
  save_settings: { echo: 'settings' },
  call_history: { ok: { count: 0, next: null, previous: null, results: [] } },
  list_invites: { ok: [] },
  call_outcomes: { ok: { outcomes: ['Resolved', 'Follow-up needed', 'No decision', 'Wrong person'] } },
  callbacks: { ok: [] },
  notes: { ok: [] },
  camp_ons: { ok: [] },
  webhooks: { ok: [] },
  // The Connect screen searches the network when it opens: here, nobody answers.
  find_hosts: { ok: [] },
  // A call link's Cancel; a test that presses Call gives the CallSession to answer with.
  confirm_link_call: { ok: null },
  about: {
    ok: {
      version: '0.1.0',
      log_dir: '/home/alice/.local/state/switchboard/logs',
      settings_file: '/home/alice/.config/switchboard/settings.json',
      data_dir: '/home/alice/.local/share/switchboard',
    },
  },
  open_log_folder: { ok: null },
  show_main_window: { ok: null },
  close_callbox: { ok: null },
  ring_shown: { ok: null },
  // The main window asks for a video call's pictures; a test queues them with `picture`.
  next_video_picture: { pictures: 1000 },
};

const responses: Record<string, Reply | Reply[]> = { ...defaults, ...(window.__testInit?.responses ?? {}) };
const invoked: Invoked[] = [];
/** Pictures queued for `next_video_picture`, and the requests waiting for one. */
const pictures: ArrayBuffer[] = [];
const waiting: ((picture: ArrayBuffer) => void)[] = [];

function nextPicture(withinMs: number): Promise<ArrayBuffer> {
  const queued = pictures.shift();
  if (queued) return Promise.resolve(queued);
  return new Promise((done) => {
    const give = (picture: ArrayBuffer): void => {
      clearTimeout(timer);
      waiting.splice(waiting.indexOf(give), 1);
      done(picture);
    };
    const timer = setTimeout(() => give(new ArrayBuffer(0)), withinMs);
    waiting.push(give);
  });
}

function answer(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  // As the shell sees them: JSON.
  const seen = JSON.parse(JSON.stringify(args ?? {})) as Record<string, unknown>;
  invoked.push({ cmd, args: seen });
  const entry = responses[cmd];
  // A list answers in turn; its last reply keeps answering.
  const r: Reply | undefined = Array.isArray(entry) ? (entry.length > 1 ? entry.shift() : entry[0]) : entry;
  if (!r) return Promise.reject(`The test shell has no answer for ${cmd}.`);
  const reply = (): Promise<unknown> => {
    if ('err' in r) return Promise.reject(r.err);
    if ('echo' in r) return Promise.resolve(args[r.echo]);
    if ('pictures' in r) return nextPicture(r.pictures);
    return Promise.resolve(structuredClone(r.ok));
  };
  if (!r.delayMs) return reply();
  return new Promise((done) => setTimeout(done, r.delayMs)).then(reply);
}

mockIPC((cmd, args) => answer(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });

window.__test = {
  invoked,
  calls: (cmd) => invoked.filter((c) => c.cmd === cmd),
  respond: (cmd, reply) => {
    responses[cmd] = reply;
  },
  emit: (payload) => emit('engine', payload),
  picture: (message) => {
    const request = waiting[0];
    if (request) request(message);
    else pictures.push(message);
  },
  queued: () => pictures.length,
  waiting: () => waiting.length,
};
