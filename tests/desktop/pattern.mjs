// Switchboard's test pattern read back from a canvas in the app's window (as
// switchboard_video::pattern::read_stamp reads it from a decoded picture): two rows of 24
// black or white cells at the top, a 20-bit value and a 4-bit checksum each, the first
// the picture's number, the second the sender's clock in ms (mod 2^20).

/** Run in the page (WebDriver `execute`, the canvas's selector as its argument): each
 * cell's mean luma, number row then stamp row, or null when the canvas is empty. The band
 * is read back from the canvas once: a read-back per cell (48 of them) held the page's
 * main thread long enough that the canvas showed fewer pictures while it was looked at. */
export const CELL_LUMAS = `
  const canvas = document.querySelector(arguments[0]);
  if (!canvas || !canvas.width || canvas.hidden) return null;
  const [w, h] = [canvas.width, canvas.height];
  const band = Math.max(Math.floor(h / 8), 32) & ~3;
  const cell = Math.floor(w / 24);
  if (band > h) return null;
  const px = canvas.getContext('2d').getImageData(0, 0, w, band).data;
  const lumas = [];
  for (const [top, bottom] of [[0, band / 2], [band / 2, band]]) {
    const tall = bottom - top;
    for (let i = 0; i < 24; i++) {
      const [x0, x1] = [i * cell + Math.floor(cell / 4), (i + 1) * cell - Math.floor(cell / 4)];
      const [y0, y1] = [top + Math.floor(tall / 4), bottom - Math.floor(tall / 4)];
      if (x1 <= x0 || y1 <= y0) return null;
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let p = (y * w + x0) * 4, end = (y * w + x1) * 4; p < end; p += 4) {
          sum += 16 + 0.257 * px[p] + 0.504 * px[p + 1] + 0.098 * px[p + 2];
        }
      }
      lumas.push(sum / ((x1 - x0) * (y1 - y0)));
    }
  }
  return { width: w, height: h, lumas };`;

/** One row's value, or null when its checksum fails (not the pattern, or misread). */
function row(lumas) {
  const bits = lumas.map((l) => l > 125);
  const value = bits.slice(0, 20).reduce((n, b) => n * 2 + (b ? 1 : 0), 0);
  const check = bits.slice(20).reduce((n, b) => n * 2 + (b ? 1 : 0), 0);
  const ones = bits.slice(0, 20).filter(Boolean).length;
  return check === (ones + 5) % 16 ? value : null;
}

/** What `CELL_LUMAS` found, as the pattern's number, stamp and the delay to now (one
 * machine, one clock); null when the canvas does not show the pattern. */
export function readPattern(found) {
  if (!found?.lumas || found.lumas.length !== 48) return null;
  const [number, stamp] = [row(found.lumas.slice(0, 24)), row(found.lumas.slice(24))];
  if (number === null || stamp === null) return null;
  const delayMs = ((Date.now() % 2 ** 20) - stamp + 2 ** 20) % 2 ** 20;
  return { number, stamp, delayMs, width: found.width, height: found.height };
}
