//! A synthetic camera for tests: colour bars that move a little each frame (so the
//! encoder has motion to code) under a band of black and white cells that spell the
//! frame's number. The cells are wide and flat, so the number survives VP8 at any
//! bitrate a call uses, and a receiver reads it back from decoded pixels: which frame
//! arrived, in what order, and (with the sender's clock) how long it took.

use crate::frame::{Frame, VideoError};

/// Bits of the frame number: 2^20 frames is over nine hours at 30 frames a second.
const NUMBER_BITS: u32 = 20;
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

    /// The next frame, numbered one more than the last (from 0).
    pub fn next_frame(&mut self) -> Frame {
        let number = self.next;
        self.next = (self.next + 1) % (1 << NUMBER_BITS);
        let mut frame = match Frame::black(self.width, self.height) {
            Ok(f) => f,
            // The size was checked in `new`.
            Err(_) => return self.next_frame(),
        };
        let (w, h) = (self.width as usize, self.height as usize);
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
        for row in band..h {
            for x in 0..w {
                y[row * w + x] = bar_of(x).0;
            }
        }
        for row in band / 2..h / 2 {
            for x in 0..w / 2 {
                let (_, cb, cr) = bar_of(2 * x);
                u[row * (w / 2) + x] = cb;
                v[row * (w / 2) + x] = cr;
            }
        }
        let bits = cells(number);
        let cell = w / CELLS as usize;
        for row in 0..band {
            for (i, bit) in bits.iter().enumerate() {
                let luma = if *bit { WHITE } else { BLACK };
                y[row * w + i * cell..row * w + (i + 1) * cell].fill(luma);
            }
        }
        frame
    }
}

/// The band of cells: an eighth of the picture, at least 16 rows, an even number.
fn band_height(height: u32) -> u32 {
    (height / 8).max(16) & !1
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

/// The number a test pattern frame carries, read from its pixels (the middle of each
/// cell, so edges smeared by the codec do not count); `None` if the checksum does not
/// match: not a pattern frame, or one too damaged to trust.
pub fn read_frame_number(frame: &Frame) -> Option<u32> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let band = band_height(frame.height()) as usize;
    let cell = w / CELLS as usize;
    if cell < 4 || h < band {
        return None;
    }
    let luma = frame.luma();
    let bits: Vec<bool> = (0..CELLS as usize)
        .map(|i| {
            let (x0, x1) = (i * cell + cell / 4, (i + 1) * cell - cell / 4);
            let (y0, y1) = (band / 4, band - band / 4);
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
    fn each_frame_carries_its_number() {
        let mut pattern = TestPattern::new(640, 480).expect("a size");
        for n in 0..40 {
            assert_eq!(read_frame_number(&pattern.next_frame()), Some(n));
        }
    }

    #[test]
    fn a_picture_that_is_not_the_pattern_reads_as_none() {
        let mut black = Frame::black(640, 480).expect("a size");
        assert_eq!(read_frame_number(&black), None);
        let (y, _, _) = black.planes_mut();
        y.fill(WHITE);
        assert_eq!(read_frame_number(&black), None, "all white");
        // Frame 1 with its top bit flipped as well: the checksum catches it.
        let mut pattern = TestPattern::new(640, 480).expect("a size");
        pattern.next_frame();
        let mut frame = pattern.next_frame();
        let (y, _, _) = frame.planes_mut();
        let cell = 640 / CELLS as usize;
        for row in 0..60 {
            y[row * 640..row * 640 + cell].fill(WHITE);
        }
        assert_eq!(read_frame_number(&frame), None);
    }

    #[test]
    fn small_pictures_are_refused() {
        assert!(TestPattern::new(64, 480).is_err());
        assert!(TestPattern::new(640, 30).is_err());
        assert!(TestPattern::new(641, 480).is_err());
    }
}
