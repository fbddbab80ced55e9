// Native video: the pictures of a video call as the shell decodes them (asked for one
// after the other with `next_video_picture`, see ipc.ts), drawn on the call card's
// canvases. Pictures can come faster than a slow or hidden window draws: only the newest
// of each feed is kept, and drawn at the next animation frame at most, so an old picture
// is never queued behind a newer one.

/** Whose picture: the other side's, or my own camera or screen (the preview). */
export type Feed = 'remote' | 'local';

export const FEEDS: readonly Feed[] = ['remote', 'local'];

/** Whether each feed has a picture on screen in this call. */
export type Shown = Record<Feed, boolean>;

export const NONE_SHOWN: Shown = { remote: false, local: false };

export interface Picture {
  feed: Feed;
  width: number;
  height: number;
  /** RGBA, row after row: width × height × 4 bytes (a view into the message). */
  pixels: Uint8ClampedArray<ArrayBuffer>;
}

/** Bytes before the pixels: the feed (0 remote, 1 local), three zeros, then the width and
 * the height (u32, little-endian). */
export const FRAME_HEADER = 12;
/** No picture is bigger than this either way (the shell sends 1280×720 at most). */
const MAX_SIDE = 8192;

/** One answer of the shell as a picture; null when it is not one (an unknown feed, an empty
 * or oversized picture, or fewer pixels than its size says). */
export function readFrame(buf: ArrayBuffer): Picture | null {
  if (buf.byteLength < FRAME_HEADER) return null;
  const view = new DataView(buf);
  const kind = view.getUint8(0);
  const feed: Feed | null = kind === 0 ? 'remote' : kind === 1 ? 'local' : null;
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  if (!feed || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) return null;
  const size = width * height * 4;
  if (buf.byteLength < FRAME_HEADER + size) return null;
  return { feed, width, height, pixels: new Uint8ClampedArray(buf, FRAME_HEADER, size) };
}

/**
 * The call's pictures: the newest of each feed, drawn on the canvas given for it (sized to
 * the picture; CSS scales it). Pictures are taken only while `follow` names a call; when
 * that call ends (or another begins) the canvases clear, and each feed waits for its
 * first picture again. `onShown` hears when a feed gets its first picture or loses it.
 */
export class VideoFeeds {
  private latest: Record<Feed, Picture | null> = { remote: null, local: null };
  private shown: Shown = NONE_SHOWN;
  private canvases: Partial<Record<Feed, HTMLCanvasElement>> = {};
  private frame: number | null = null;
  private call: number | null = null;

  constructor(private onShown: (shown: Shown) => void) {}

  /** Where the call card draws each feed (a new card replaces the old canvases). */
  attach(canvases: Record<Feed, HTMLCanvasElement>): void {
    this.canvases = { ...canvases };
  }

  /** The video call whose pictures are taken (its id), or null. */
  get following(): number | null {
    return this.call;
  }

  /** The video call in progress (its id), or null: pictures are taken only during one. */
  follow(callId: number | null): void {
    if (callId === this.call) return;
    this.call = callId;
    this.latest = { remote: null, local: null };
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    for (const feed of FEEDS) {
      const canvas = this.canvases[feed];
      if (canvas) clear(canvas);
    }
    this.setShown(NONE_SHOWN);
  }

  /** One message from the shell: kept as its feed's newest picture until the next frame. */
  push(buf: ArrayBuffer): void {
    if (this.call === null) return;
    const picture = readFrame(buf);
    if (!picture) return;
    this.latest[picture.feed] = picture;
    this.frame ??= requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frame = null;
    let shown = this.shown;
    for (const feed of FEEDS) {
      const picture = this.latest[feed];
      const canvas = this.canvases[feed];
      this.latest[feed] = null;
      if (!picture || !canvas) continue;
      if (canvas.width !== picture.width) canvas.width = picture.width;
      if (canvas.height !== picture.height) canvas.height = picture.height;
      canvas.getContext('2d')?.putImageData(new ImageData(picture.pixels, picture.width, picture.height), 0, 0);
      if (!shown[feed]) shown = { ...shown, [feed]: true };
    }
    this.setShown(shown);
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
