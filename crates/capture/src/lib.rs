//! Picture sources that touch the machine: cameras, and the screen for screen sharing. Each is a
//! [`VideoSource`](switchboard_video::source::VideoSource): the call's encoder asks it
//! for a picture at its rate, and it answers with an I420 frame of a fixed size.

pub mod camera;
pub mod screen;
#[cfg(feature = "test-screen")]
#[doc(hidden)]
pub mod test_screen;

pub use camera::{Camera, CameraChoice, CameraSource, cameras};
pub use screen::{CaptureError, ScreenSource, ScreenTarget};
