//! A video picture on its way to the UI: which feed, and the frame (apart from video.rs,
//! so the shell's interface and the video sources need not import each other).

use switchboard_video::Frame;

/// Which picture it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoFeed {
    /// The other side's.
    Remote = 0,
    /// This side's own, as it is sent (the preview).
    Local = 1,
}

/// A picture for the UI.
pub struct VideoPicture {
    pub feed: VideoFeed,
    pub frame: Frame,
}
