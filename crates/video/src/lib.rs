//! Video for calls: I420 frames, VP8 encoding and decoding through libvpx, and a test
//! pattern whose frame counter survives the codec, so a test can read from decoded
//! pixels which frame arrived and when it was made.

pub mod camera_pixels;
pub mod convert;
pub mod frame;
pub mod pattern;
pub mod source;
pub mod vp8;

pub use frame::Frame;
