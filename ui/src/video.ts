// Native video: the pictures of a call or a meeting as the shell sends them (asked for one
// after the other with `next_video_picture`, see ipc.ts), drawn on the call card's canvases
// or the meeting card's tiles. A voice call has them too once either side turns a camera on
// or shares a screen; a meeting, each member's while their camera is on, and my preview
// while mine is.
// Each comes as a JPEG, which the page decodes (`createImageBitmap`): 20-90× fewer bytes
// across the IPC than RGBA (15-50 kB instead of 1.2 MB at 640×480), which in WebKitGTK
// took ~115 ms a picture, so only ~8 a second arrived, half a second late. Pictures can
// come faster than a slow or hidden window decodes and draws them: only the newest of each
// feed is kept, one decode of each feed at a time begins at an animation frame at most,
// and an old picture is never queued behind a newer one.

/** Whose picture: the other side's in a 1:1 call, my own camera or screen (the preview), or
 * a meeting member's (by their user id). */
export type MemberFeed = `member:${number}`;
export type Feed = 'remote' | 'local' | MemberFeed;

/** The feeds every call has (a meeting's members' come and go with their pictures). */
export const FEEDS: readonly Feed[] = ['remote', 'local'];

/** The feed of meeting member `userId`'s pictures. */
export function memberFeed(userId: number): MemberFeed {
  return `member:${userId}`;
}

/** What a feed shows in this call: nothing yet; its newest picture (`live`); or nothing
 * again (`stopped`), its pictures having stopped coming for STOPPED_AFTER_MS after at least
 * one was drawn (the other side turned its video off): its last picture would look like a
 * frozen call. The next picture drawn makes it `live` again. */
export type FeedState = 'none' | 'live' | 'stopped';

/** What each feed shows in this call or meeting: the 1:1 call's two always, a meeting
 * member's only once something was drawn for it (absent: `none`; read it with `feedState`). */
export interface Shown {
  remote: FeedState;
  local: FeedState;
  [member: MemberFeed]: FeedState | undefined;
}

export const NONE_SHOWN: Shown = { remote: 'none', local: 'none' };

/** What `feed` shows (`none` for a member never drawn). */
export function feedState(shown: Shown, feed: Feed): FeedState {
  return shown[feed] ?? 'none';
}

/** `shown` with `feed` in `state` (a member's `none`: no entry). */
function withFeed(shown: Shown, feed: Feed, state: FeedState): Shown {
  const next: Shown = { ...shown };
  if (feed !== 'remote' && feed !== 'local' && state === 'none') delete next[feed];
  else next[feed] = state;
  return next;
}

function sameShown(a: Shown, b: Shown): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k as Feed] === b[k as Feed]);
}

/** A feed with no new picture drawn for this long has stopped (see FeedState). Pictures
 * come at 15-30 a second while a side sends, and the shell answers a request within a
 * second even without one: two seconds without one is not a slow picture. */
export const STOPPED_AFTER_MS = 2000;

export interface Picture {
  feed: Feed;
  width: number;
  height: number;
  /** A baseline JPEG file of width × height pixels (a view into the message). */
  jpeg: Uint8Array<ArrayBuffer>;
}

/** Bytes before the JPEG: the feed's kind (0 the 1:1 call's far end, 1 my preview, 2 a
 * meeting member), three zeros, the width and the height (u32, little-endian) of the
 * picture, then the member's user id (i64, little-endian; 0 for kinds 0 and 1). */
export const FRAME_HEADER = 20;
/** A picture is decoded at the next animation frame, or after this long without one. */
const DRAW_LATEST_MS = 100;
/** A decode that takes longer than this is given up. */
const DECODE_WITHIN_MS = 1000;

/** What became of the pictures taken, since the page loaded (the end-to-end test reads
 * it as `window.videoPictureStats` when the canvas shows nothing). */
export const videoPictureStats = { taken: 0, unreadable: 0, decoded: 0, undecoded: 0, drawn: 0 };
(globalThis as { videoPictureStats?: typeof videoPictureStats }).videoPictureStats = videoPictureStats;

/** No picture is bigger than this either way (the shell sends 1280×720 at most). */
const MAX_SIDE = 8192;

/** One answer of the shell as a picture; null when it is not one (an unknown feed, a member
 * picture without a user id, an empty or oversized picture, or a body that is not a JPEG:
 * shorter than 4 bytes, or not starting with the JPEG's FF D8). Whether the JPEG decodes is
 * known only when it is drawn. */
export function readFrame(buf: ArrayBuffer): Picture | null {
  if (buf.byteLength < FRAME_HEADER + 4) return null;
  const view = new DataView(buf);
  const kind = view.getUint8(0);
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  let feed: Feed | null = null;
  if (kind === 0) feed = 'remote';
  else if (kind === 1) feed = 'local';
  else if (kind === 2) {
    const userId = view.getBigInt64(12, true);
    if (userId > 0n && userId <= BigInt(Number.MAX_SAFE_INTEGER)) feed = memberFeed(Number(userId));
  }
  if (!feed || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) return null;
  if (view.getUint8(FRAME_HEADER) !== 0xff || view.getUint8(FRAME_HEADER + 1) !== 0xd8) return null;
  return { feed, width, height, jpeg: new Uint8Array(buf, FRAME_HEADER) };
}

/** What pictures are taken for: a 1:1 call (`call:<CallSession id>`) or the meeting this
 * app is in (`meeting:<its call_id>`, or `meeting:-<meeting_id>` while its view names no
 * call). The prefix keeps the two apart: a meeting's call (a video call session) is
 * numbered apart from 1:1 calls, and the same number may name both. */
export type VideoKey = `call:${number}` | `meeting:${number}`;

/** Where pictures are drawn: the call card's canvases during a 1:1 call, the meeting
 * card's during a meeting (each card keeps its own canvas for my preview). */
export type VideoScope = 'call' | 'meeting';

function scopeOf(key: VideoKey): VideoScope {
  return key.startsWith('meeting:') ? 'meeting' : 'call';
}

/** One feed's pictures: the newest not decoded yet, whether a decode is under way (maybe
 * one begun in an earlier call), its era (goes up with each call followed, or none, and
 * when the feed is forgotten: a decode begun before is not drawn), and the timer that says
 * its pictures stopped, from its last picture drawn. Kept for the page's life (a meeting
 * has a handful of members): a decode that ends late finds its feed's era moved on. */
interface FeedRecord {
  latest: Picture | null;
  decoding: boolean;
  era: number;
  stopping: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The pictures of the call or meeting followed: the newest of each feed, decoded and drawn
 * on the canvas given for it where they are shown (the call card's or the meeting card's;
 * sized to the picture; CSS scales it). Pictures are taken only while `follow` names a
 * call or meeting; when it ends (or another begins) the canvases clear, and each feed waits
 * for its first picture again (as a feed `forget` names does). `onShown` hears when a
 * feed's state changes: its first picture decoded and drawn, its pictures stopped, come
 * again, or cleared. A member's pictures are drawn only once the meeting card gave a canvas
 * for them (it does for each member its view lists).
 *
 * Each feed has at most one decode under way. Pictures that come meanwhile wait, the newest
 * only, and the newest is decoded next (at the next animation frame). A decode that ends
 * after the call it was begun in is not drawn; one that fails is forgotten (the next
 * picture is drawn).
 */
export class VideoFeeds {
  private feeds = new Map<Feed, FeedRecord>();
  private shown: Shown = NONE_SHOWN;
  private canvases: Record<VideoScope, Map<Feed, HTMLCanvasElement>> = { call: new Map(), meeting: new Map() };
  private frame: number | null = null;
  private key: VideoKey | null = null;

  constructor(private onShown: (shown: Shown) => void) {
    for (const feed of FEEDS) this.record(feed);
  }

  private record(feed: Feed): FeedRecord {
    let r = this.feeds.get(feed);
    if (!r) {
      r = { latest: null, decoding: false, era: 0, stopping: undefined };
      this.feeds.set(feed, r);
    }
    return r;
  }

  /** Where a card draws feeds (`null`: no longer there); a canvas given again for a feed
   * replaces the last. The call card gives its two at once; the meeting card its preview,
   * and a canvas for each member as they appear in its view (and null as they go). A canvas
   * let go is cleared: its last picture is never seen again. */
  attach(scope: VideoScope, canvases: Partial<Record<Feed, HTMLCanvasElement | null>>): void {
    const place = this.canvases[scope];
    for (const [feed, canvas] of Object.entries(canvases) as [Feed, HTMLCanvasElement | null][]) {
      const old = place.get(feed);
      if (old && old !== canvas) clear(old);
      if (canvas) place.set(feed, canvas);
      else place.delete(feed);
    }
  }

  /** The call or meeting whose pictures are taken, or null. */
  get following(): VideoKey | null {
    return this.key;
  }

  /** The call in progress or the meeting this app is in (see VideoKey), or null:
   * pictures are taken only during one. */
  follow(key: VideoKey | null): void {
    if (key === this.key) return;
    this.key = key;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const feed of this.feeds.keys()) this.clearFeed(feed);
    this.setShown(NONE_SHOWN);
  }

  /** `feed` starts again from its next picture, its last one gone (my preview, when what I
   * send changes: the camera's last picture is not the screen I share, nor what I send
   * once I turn it on again). */
  forget(feed: Feed): void {
    this.clearFeed(feed);
    this.setFeed(feed, 'none');
  }

  private clearFeed(feed: Feed): void {
    const r = this.record(feed);
    r.era += 1;
    r.latest = null;
    clearTimeout(r.stopping);
    r.stopping = undefined;
    for (const place of Object.values(this.canvases)) {
      const canvas = place.get(feed);
      if (canvas) clear(canvas);
    }
  }

  /** One message from the shell: kept as its feed's newest picture until it is decoded. */
  push(buf: ArrayBuffer): void {
    if (this.key === null) return;
    videoPictureStats.taken += 1;
    const picture = readFrame(buf);
    if (!picture) {
      videoPictureStats.unreadable += 1;
      return;
    }
    this.record(picture.feed).latest = picture;
    this.nextFrame();
  }

  private nextFrame(): void {
    if (this.frame !== null) return;
    // At the next animation frame, or after DRAW_LATEST_MS if the webview gives none (a
    // window it thinks hidden): a picture must never wait for a frame that may not come.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      if (this.frame === null) return;
      cancelAnimationFrame(this.frame);
      clearTimeout(timer);
      this.frame = null;
      this.decodeLatest();
    };
    this.frame = requestAnimationFrame(run);
    timer = setTimeout(run, DRAW_LATEST_MS);
  }

  /** At an animation frame: the newest picture of each feed not decoding is decoded. */
  private decodeLatest(): void {
    this.frame = null;
    for (const r of this.feeds.values()) {
      const picture = r.latest;
      if (!picture || r.decoding) continue;
      r.latest = null;
      void this.decode(picture, r);
    }
  }

  private async decode(picture: Picture, r: FeedRecord): Promise<void> {
    const era = r.era;
    r.decoding = true;
    let bitmap: ImageBitmap | null = null;
    try {
      // A decode that never ends must not stop the feed: after DECODE_WITHIN_MS it is
      // given up (its bitmap closed whenever it comes).
      const decoding = createImageBitmap(new Blob([picture.jpeg], { type: 'image/jpeg' }));
      bitmap = await Promise.race([
        decoding,
        new Promise<null>((done) => setTimeout(() => done(null), DECODE_WITHIN_MS)),
      ]);
      if (!bitmap) void decoding.then((late) => late.close(), () => {});
    } catch {
      // Not a JPEG after all (damaged): forgotten, the next picture is drawn.
    }
    videoPictureStats[bitmap ? 'decoded' : 'undecoded'] += 1;
    r.decoding = false;
    if (bitmap) {
      if (era === r.era) this.draw(picture, bitmap, r);
      bitmap.close();
    }
    // Pictures that came during the decode: the newest is next.
    if (r.latest) this.nextFrame();
  }

  private draw(picture: Picture, bitmap: ImageBitmap, r: FeedRecord): void {
    const { feed } = picture;
    const canvas = this.key === null ? undefined : this.canvases[scopeOf(this.key)].get(feed);
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    if (canvas.width !== picture.width) canvas.width = picture.width;
    if (canvas.height !== picture.height) canvas.height = picture.height;
    context.drawImage(bitmap, 0, 0, picture.width, picture.height);
    videoPictureStats.drawn += 1;
    this.setFeed(feed, 'live');
    // Stopped, unless another picture is drawn before this runs out.
    clearTimeout(r.stopping);
    r.stopping = setTimeout(() => this.setFeed(feed, 'stopped'), STOPPED_AFTER_MS);
  }

  private setFeed(feed: Feed, state: FeedState): void {
    if (feedState(this.shown, feed) !== state) this.setShown(withFeed(this.shown, feed, state));
  }

  private setShown(shown: Shown): void {
    if (sameShown(shown, this.shown)) return;
    this.shown = shown;
    this.onShown(shown);
  }
}

function clear(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}
