//! Where a call's pictures come from (a camera, a screen, the test pattern): the one
//! interface the encoder's thread asks for a picture at the source's rate.

use crate::frame::{Frame, VideoError};
use crate::pattern::{STAMP_MODULUS, TestPattern};
use crate::vp8::EncoderSettings;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of pictures, asked for one at its own rate by the encoder's thread.
pub trait VideoSource: Send {
    /// The size and rate it delivers.
    fn settings(&self) -> EncoderSettings;
    /// The picture to send now. An error skips this picture; the next is asked for at
    /// the next tick (a screen being resized, a camera that stalled).
    fn capture(&mut self) -> Result<Frame, VideoError>;
    /// Nothing will be asked for until [`VideoSource::resume`] (the call is on hold): a
    /// camera closes, so that its light goes off.
    fn pause(&mut self) {}
    /// Ready to be asked again after a pause (a camera opens again).
    fn resume(&mut self) -> Result<(), VideoError> {
        Ok(())
    }
}

/// The test pattern as a camera: each picture stamped with this machine's clock.
pub struct PatternSource {
    pattern: TestPattern,
    settings: EncoderSettings,
}

impl PatternSource {
    pub fn new(settings: EncoderSettings) -> Result<PatternSource, VideoError> {
        Ok(PatternSource {
            pattern: TestPattern::new(settings.width, settings.height)?,
            settings,
        })
    }
}

impl VideoSource for PatternSource {
    fn settings(&self) -> EncoderSettings {
        self.settings
    }

    fn capture(&mut self) -> Result<Frame, VideoError> {
        Ok(self.pattern.next_frame(clock_ms()))
    }
}

/// This machine's clock in ms, as the pattern's stamps carry it (mod 2^20): a receiver
/// on the same machine subtracts its stamp from this to get capture-to-picture delay.
pub fn clock_ms() -> u32 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    (ms % u128::from(STAMP_MODULUS)) as u32
}
