//! A video picture on its way to the UI: which feed, and the frame (apart from video.rs,
//! so the shell's interface and the video sources need not import each other).

use switchboard_video::Frame;

/// Which picture it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VideoFeed {
    /// The other side's, in a call.
    Remote,
    /// This side's own, as it is sent (the preview), in a call or a meeting.
    Local,
    /// A meeting member's (their user id).
    Member(i64),
}

impl VideoFeed {
    /// The feed's kind as the UI's messages number it (0 remote, 1 local, 2 a member).
    pub fn kind(self) -> u8 {
        match self {
            VideoFeed::Remote => 0,
            VideoFeed::Local => 1,
            VideoFeed::Member(_) => 2,
        }
    }

    /// The member whose feed it is; 0 for a call's feeds.
    pub fn member(self) -> i64 {
        match self {
            VideoFeed::Member(user_id) => user_id,
            VideoFeed::Remote | VideoFeed::Local => 0,
        }
    }
}

/// A picture for the UI.
pub struct VideoPicture {
    pub feed: VideoFeed,
    pub frame: Frame,
}
