// Native video: the pictures of a call as the shell sends them (asked for one after the
// other with `next_video_picture`, see ipc.ts), drawn on the call card's canvases. A voice
// call has them too once either side turns a camera on or shares a screen.
// Each comes as a JPEG, which the page decodes (`createImageBitmap`): 20-90× fewer bytes
// across the IPC than RGBA (15-50 kB instead of 1.2 MB at 640×480), which in WebKitGTK
// took ~115 ms a picture, so only ~8 a second arrived, half a second late. Pictures can
// come faster than a slow or hidden window decodes and draws them: only the newest of each
// feed is kept, one decode of each feed at a time begins at an animation frame at most,
// and an old picture is never queued behind a newer one.

/** Whose picture: the other side's, or my own camera or screen (the preview). */
export type Feed = 'remote' | 'local';

export const FEEDS: readonly Feed[] = ['remote', 'local'];

/** What a feed shows in this call: nothing yet; its newest picture (`live`); or nothing
 * again (`stopped`), its pictures having stopped coming for STOPPED_AFTER_MS after at least
 * one was drawn (the other side turned its video off): its last picture would look like a
 * frozen call. The next picture drawn makes it `live` again. */
export type FeedState = 'none' | 'live' | 'stopped';

/** What each feed shows in this call. */
export type Shown = Record<Feed, FeedState>;

export const NONE_SHOWN: Shown = { remote: 'none', local: 'none' };

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

/** Bytes before the JPEG: the feed (0 remote, 1 local), three zeros, then the width and the
 * height (u32, little-endian) of the picture. */
export const FRAME_HEADER = 12;
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

/** One answer of the shell as a picture; null when it is not one (an unknown feed, an empty
 * or oversized picture, or a body that is not a JPEG: shorter than 4 bytes, or not starting
 * with the JPEG's FF D8). Whether the JPEG decodes is known only when it is drawn. */
export function readFrame(buf: ArrayBuffer): Picture | null {
  if (buf.byteLength < FRAME_HEADER + 4) return null;
  const view = new DataView(buf);
  const kind = view.getUint8(0);
  const feed: Feed | null = kind === 0 ? 'remote' : kind === 1 ? 'local' : null;
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  if (!feed || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) return null;
  if (view.getUint8(FRAME_HEADER) !== 0xff || view.getUint8(FRAME_HEADER + 1) !== 0xd8) return null;
  return { feed, width, height, jpeg: new Uint8Array(buf, FRAME_HEADER) };
}

/**
 * The call's pictures: the newest of each feed, decoded and drawn on the canvas given for
 * it (sized to the picture; CSS scales it). Pictures are taken only while `follow` names a
 * call; when that call ends (or another begins) the canvases clear, and each feed waits for
 * its first picture again (as a feed `forget` names does). `onShown` hears when a feed's
 * state changes: its first picture decoded and drawn, its pictures stopped, come again, or
 * cleared.
 *
 * Each feed has at most one decode under way. Pictures that come meanwhile wait, the newest
 * only, and the newest is decoded next (at the next animation frame). A decode that ends
 * after the call it was begun in is not drawn; one that fails is forgotten (the next
 * picture is drawn).
 */
export class VideoFeeds {
  /** Each feed's newest picture not decoded yet. */
  private latest: Record<Feed, Picture | null> = { remote: null, local: null };
  /** Whether each feed has a decode under way (maybe one begun in an earlier call). */
  private decoding: Record<Feed, boolean> = { remote: false, local: false };
  private shown: Shown = NONE_SHOWN;
  private canvases: Partial<Record<Feed, HTMLCanvasElement>> = {};
  private frame: number | null = null;
  private call: number | null = null;
  /** Each feed's: goes up with each call followed (or none), and when the feed is
   * forgotten: a decode begun before is not drawn. */
  private era: Record<Feed, number> = { remote: 0, local: 0 };
  /** Each feed's timer that says its pictures stopped, from its last picture drawn. */
  private stopping: Record<Feed, ReturnType<typeof setTimeout> | undefined> = { remote: undefined, local: undefined };

  constructor(private onShown: (shown: Shown) => void) {}

  /** Where the call card draws each feed (a new card replaces the old canvases). */
  attach(canvases: Record<Feed, HTMLCanvasElement>): void {
    this.canvases = { ...canvases };
  }

  /** The call whose pictures are taken (its id), or null. */
  get following(): number | null {
    return this.call;
  }

  /** The call in progress (its id), or null: pictures are taken only during one. */
  follow(callId: number | null): void {
    if (callId === this.call) return;
    this.call = callId;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const feed of FEEDS) this.clearFeed(feed);
    this.setShown(NONE_SHOWN);
  }

  /** `feed` starts again from its next picture, its last one gone (my preview, when what I
   * send changes: the camera's last picture is not the screen I share, nor what I send
   * once I turn it on again). */
  forget(feed: Feed): void {
    this.clearFeed(feed);
    this.setShown({ ...this.shown, [feed]: 'none' });
  }

  private clearFeed(feed: Feed): void {
    this.era[feed] += 1;
    this.latest[feed] = null;
    clearTimeout(this.stopping[feed]);
    this.stopping[feed] = undefined;
    const canvas = this.canvases[feed];
    if (canvas) clear(canvas);
  }

  /** One message from the shell: kept as its feed's newest picture until it is decoded. */
  push(buf: ArrayBuffer): void {
    if (this.call === null) return;
    videoPictureStats.taken += 1;
    const picture = readFrame(buf);
    if (!picture) {
      videoPictureStats.unreadable += 1;
      return;
    }
    this.latest[picture.feed] = picture;
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
    for (const feed of FEEDS) {
      const picture = this.latest[feed];
      if (!picture || this.decoding[feed]) continue;
      this.latest[feed] = null;
      void this.decode(picture);
    }
  }

  private async decode(picture: Picture): Promise<void> {
    const { feed } = picture;
    const era = this.era[feed];
    this.decoding[feed] = true;
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
    this.decoding[feed] = false;
    if (bitmap) {
      if (era === this.era[feed]) this.draw(picture, bitmap);
      bitmap.close();
    }
    // Pictures that came during the decode: the newest is next.
    if (this.latest[feed]) this.nextFrame();
  }

  private draw(picture: Picture, bitmap: ImageBitmap): void {
    const canvas = this.canvases[picture.feed];
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    if (canvas.width !== picture.width) canvas.width = picture.width;
    if (canvas.height !== picture.height) canvas.height = picture.height;
    context.drawImage(bitmap, 0, 0, picture.width, picture.height);
    videoPictureStats.drawn += 1;
    this.setFeed(picture.feed, 'live');
    // Stopped, unless another picture is drawn before this runs out.
    clearTimeout(this.stopping[picture.feed]);
    this.stopping[picture.feed] = setTimeout(() => this.setFeed(picture.feed, 'stopped'), STOPPED_AFTER_MS);
  }

  private setFeed(feed: Feed, state: FeedState): void {
    if (this.shown[feed] !== state) this.setShown({ ...this.shown, [feed]: state });
  }

  private setShown(shown: Shown): void {
    if (FEEDS.every((f) => shown[f] === this.shown[f])) return;
    this.shown = shown;
    this.onShown(shown);
  }
}

function clear(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}
