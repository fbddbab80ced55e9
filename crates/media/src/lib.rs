//! Switchboard's media engine: WebRTC audio (and VP8 video) calls in Rust (webrtc-rs 0.17.2, the classic
//! line: measured on our machines it connects over TURN in ~20 ms where 0.21 adds ~2 s of
//! setup and ~20 ms per relayed packet), Opus 48 kHz, 20 ms frames.
//!
//! [`peer::AudioPeer`] is the call-engine seam: SDP strings and candidate JSON in and out,
//! so the WebRTC line can change behind it.

pub mod audio;
mod capture;
pub mod codec;
pub mod congestion;
mod device_moves;
pub mod devices;
pub mod error;
mod hold;
pub mod mixer;
mod offered_codecs;
pub mod peer;
mod playout;
pub mod processing;
pub mod quality;
pub mod rate;
pub mod resample;
mod ring;
mod send_times;
mod sound_host;
pub mod tone;
pub mod uplink;
pub mod video;
mod video_coding;
pub mod video_uplink;
pub mod voice_path;

pub use mixer::Mixer;
pub use peer::{AudioPeer, Candidate, Hold, IceServer, MediaError, PeerConfig};
pub use uplink::Uplink;
pub use video_uplink::VideoUplink;
