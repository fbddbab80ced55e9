//! A synthetic camera for tests: colour bars that move a little each frame (so the
//! encoder has motion to code) under two rows of black and white cells, one spelling the
//! frame's number and one a time stamp the sender chose (its clock, in ms, mod 2^20).
//! The cells are wide and flat, so both survive VP8 at any bitrate a call uses, and a
//! receiver reads them back from decoded pixels: which frame arrived, in what order, and
//! (on one machine, one clock) how long it took from capture to picture.

use crate::frame::{Frame, VideoError};

/// Bits of each row's value: 2^20 frames is over nine hours at 30 frames a second, and
/// 2^20 ms over seventeen minutes, ample for a delay.
const NUMBER_BITS: u32 = 20;
/// What the stamp row wraps at.
pub const STAMP_MODULUS: u32 = 1 << NUMBER_BITS;
/// A checksum of the number's set bits (plus 5, mod 16: an all-black or all-white picture
/// fails it), so a misread is caught, not believed.
const CHECK_BITS: u32 = 4;
const CHECK_OFFSET: u32 = 5;
const CELLS: u32 = NUMBER_BITS + CHECK_BITS;
/// Luma of a cell that is 1 and of one that is 0 (video range).
const WHITE: u8 = 235;
const BLACK: u8 = 16;

/// The test pattern, a frame at a time.
pub struct TestPattern {
    width: u32,
    height: u32,
    next: u32,
}

impl TestPattern {
    /// A pattern of `width`×`height`: at least 96 wide (four pixels a cell) and 32 high.
    pub fn new(width: u32, height: u32) -> Result<TestPattern, VideoError> {
        Frame::black(width, height)?;
        if width < 4 * CELLS || height < 32 {
            return Err(VideoError::BadSize { width, height });
        }
        Ok(TestPattern {
            width,
            height,
            next: 0,
        })
    }

    /// The next frame, numbered one more than the last (from 0), carrying `stamp`
    /// (mod [`STAMP_MODULUS`]).
    pub fn next_frame(&mut self, stamp: u32) -> Frame {
        let number = self.next;
        self.next = (self.next + 1) % (1 << NUMBER_BITS);
        let mut frame = match Frame::black(self.width, self.height) {
            Ok(f) => f,
            // The size was checked in `new`.
            Err(_) => return self.next_frame(stamp),
        };
        let w = self.width as usize;
        let band = band_height(self.height) as usize;
        let (y, u, v) = frame.planes_mut();
        // Eight colour bars moving 4 pixels a frame, below the band.
        const BARS: [(u8, u8, u8); 8] = [
            (235, 128, 128),
            (210, 16, 146),
            (170, 166, 16),
            (145, 54, 34),
            (106, 202, 222),
            (81, 90, 240),
            (41, 240, 110),
            (16, 128, 128),
        ];
        let shift = (number as usize * 4) % w;
        let bar_of = |x: usize| BARS[((x + shift) % w) * BARS.len() / w];
        // One row of each plane, copied down: the bars are vertical.
        let luma_row: Vec<u8> = (0..w).map(|x| bar_of(x).0).collect();
        let cb_row: Vec<u8> = (0..w / 2).map(|x| bar_of(2 * x).1).collect();
        let cr_row: Vec<u8> = (0..w / 2).map(|x| bar_of(2 * x).2).collect();
        for row in y.chunks_exact_mut(w).skip(band) {
            row.copy_from_slice(&luma_row);
        }
        for row in u.chunks_exact_mut(w / 2).skip(band / 2) {
            row.copy_from_slice(&cb_row);
        }
        for row in v.chunks_exact_mut(w / 2).skip(band / 2) {
            row.copy_from_slice(&cr_row);
        }
        let cell = w / CELLS as usize;
        for (bits, rows) in [
            (cells(number), 0..band / 2),
            (cells(stamp % STAMP_MODULUS), band / 2..band),
        ] {
            for row in rows {
                for (i, bit) in bits.iter().enumerate() {
                    let luma = if *bit { WHITE } else { BLACK };
                    y[row * w + i * cell..row * w + (i + 1) * cell].fill(luma);
                }
            }
        }
        frame
    }
}

/// The band of cells (two rows): an eighth of the picture, at least 32 rows, a multiple
/// of four.
fn band_height(height: u32) -> u32 {
    (height / 8).max(32) & !3
}

/// What a test pattern frame says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The frame's number (from 0).
    pub number: u32,
    /// The value the sender stamped it with (mod [`STAMP_MODULUS`]).
    pub stamp: u32,
}

/// The frame number's bits, most significant first, then the checksum's.
fn cells(number: u32) -> Vec<bool> {
    let check = checksum(number);
    (0..NUMBER_BITS)
        .rev()
        .map(|b| number >> b & 1 == 1)
        .chain((0..CHECK_BITS).rev().map(|b| check >> b & 1 == 1))
        .collect()
}

fn checksum(number: u32) -> u32 {
    (number.count_ones() + CHECK_OFFSET) % (1 << CHECK_BITS)
}

/// The number and stamp a test pattern frame carries, read from its pixels (the middle
/// of each cell, so edges smeared by the codec do not count); `None` if a checksum does
/// not match: not a pattern frame, or one too damaged to trust.
pub fn read_stamp(frame: &Frame) -> Option<Stamp> {
    let band = band_height(frame.height()) as usize;
    Some(Stamp {
        number: read_row(frame, 0, band / 2)?,
        stamp: read_row(frame, band / 2, band)?,
    })
}

/// The number in the row of cells between rows `top` and `bottom`.
fn read_row(frame: &Frame, top: usize, bottom: usize) -> Option<u32> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let cell = w / CELLS as usize;
    if cell < 4 || h < bottom {
        return None;
    }
    let luma = frame.luma();
    let tall = bottom - top;
    let bits: Vec<bool> = (0..CELLS as usize)
        .map(|i| {
            let (x0, x1) = (i * cell + cell / 4, (i + 1) * cell - cell / 4);
            let (y0, y1) = (top + tall / 4, bottom - tall / 4);
            let mut sum = 0u64;
            for row in y0..y1 {
                sum += luma[row * w + x0..row * w + x1]
                    .iter()
                    .map(|&p| u64::from(p))
                    .sum::<u64>();
            }
            let mean = sum / ((x1 - x0) * (y1 - y0)) as u64;
            mean > u64::from(WHITE / 2 + BLACK / 2)
        })
        .collect();
    let number = bits[..NUMBER_BITS as usize]
        .iter()
        .fold(0u32, |n, &b| n << 1 | u32::from(b));
    let check = bits[NUMBER_BITS as usize..]
        .iter()
        .fold(0u32, |n, &b| n << 1 | u32::from(b));
    (check == checksum(number)).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_carries_its_number_and_stamp() {
        let mut pattern = TestPattern::new(640, 480).expect("a size");
        for n in 0..40 {
            let stamp = 1_000_000 + 33 * n;
            assert_eq!(
                read_stamp(&pattern.next_frame(stamp)),
                Some(Stamp {
                    number: n,
                    stamp: stamp % STAMP_MODULUS
                })
            );
        }
    }

    #[test]
    fn a_picture_that_is_not_the_pattern_reads_as_none() {
        let mut black = Frame::black(640, 480).expect("a size");
        assert_eq!(read_stamp(&black), None);
        let (y, _, _) = black.planes_mut();
        y.fill(WHITE);
        assert_eq!(read_stamp(&black), None, "all white");
        // Frame 1 with its top bit flipped as well: the checksum catches it.
        let mut pattern = TestPattern::new(640, 480).expect("a size");
        pattern.next_frame(0);
        let mut frame = pattern.next_frame(0);
        let (y, _, _) = frame.planes_mut();
        let cell = 640 / CELLS as usize;
        for row in 0..30 {
            y[row * 640..row * 640 + cell].fill(WHITE);
        }
        assert_eq!(read_stamp(&frame), None);
    }

    #[test]
    fn small_pictures_are_refused() {
        assert!(TestPattern::new(64, 480).is_err());
        assert!(TestPattern::new(640, 30).is_err());
        assert!(TestPattern::new(641, 480).is_err());
    }
}
