//! What can go wrong in a call's media.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("WebRTC: {0}")]
    WebRtc(#[from] webrtc::Error),
    #[error("{0}")]
    Codec(#[from] crate::codec::CodecError),
    #[error("the call did not connect within {0:?}")]
    ConnectTimeout(Duration),
    #[error("the connection failed")]
    Failed,
    #[error("video: {0}")]
    Video(String),
}
