//! Video calls in the app: the pictures this side sends (chosen by `SWITCHBOARD_CAMERA`
//! until cameras are picked in the settings), and every picture, the far end's and a
//! preview of our own, handed to the shell for the UI to draw (it converts only those
//! the UI has time for).

use crate::controller::{Controller, Shell};
use crate::error::AppError;
use crate::picture::{VideoFeed, VideoPicture};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use switchboard_capture::{CameraChoice, CameraSource, ScreenSource, ScreenTarget};
use switchboard_client::meeting::VideoSinkFor;
use switchboard_client::phone::{CallVideo, OpenVideo};
use switchboard_media::video::{PatternSource, VideoSink, VideoSource};
use switchboard_protocol::CallType;
use switchboard_video::Frame;
use switchboard_video::frame::VideoError;
use switchboard_video::vp8::EncoderSettings;

/// What this app sends in a video call: unset, the first camera if the machine has one;
/// `camera:NAME`, the camera whose name (or device) has NAME in it; `none`, nothing (it
/// still sees the other side); `pattern`, the test pattern (a camera for tests and
/// demos); `screen` or `window:ID`, the X11 screen or one window.
pub const CAMERA_ENV: &str = "SWITCHBOARD_CAMERA";

/// What this side sends in a call, as the call card's buttons choose it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VideoSend {
    /// Nothing: the camera or share stops (the far end keeps sending if it does).
    Off,
    /// The camera ([`CAMERA_ENV`] says which source that is).
    Camera,
    /// The whole screen.
    Screen,
}

/// The preview is offered at most this often (one sent picture in this many): a
/// thumbnail needs no more.
const PREVIEW_EVERY: u32 = 2;

impl Controller {
    /// Opens a call's pictures when it connects: the camera in a video call, none in a
    /// voice call; the far end's pictures go to the shell in both, should it send any.
    pub(crate) fn open_video(self: &Arc<Self>) -> OpenVideo {
        let shell = self.shell.clone();
        let controller = Arc::downgrade(self);
        Arc::new(move |call_type| CallVideo {
            source: match call_type {
                CallType::Video => {
                    let picked = controller.upgrade().and_then(|c| c.settings().camera);
                    camera(picked.as_deref())
                        .map(|source| source.map(|inner| previewed(inner, shell.clone())))
                }
                CallType::Audio => Ok(None),
            },
            sink: Some(Box::new(ToShell::new(shell.clone(), VideoFeed::Remote, 1))),
        })
    }

    /// Where each meeting member's pictures go: to the shell, as that member's feed.
    pub(crate) fn meeting_pictures(&self) -> VideoSinkFor {
        let shell = self.shell.clone();
        Arc::new(move |member| {
            Some(
                Box::new(ToShell::new(shell.clone(), VideoFeed::Member(member), 1))
                    as Box<dyn VideoSink>,
            )
        })
    }

    /// The camera, opened to send, with its preview going to the shell; refused in words
    /// when none is set up.
    pub(crate) fn camera_for_sending(&self) -> Result<Box<dyn VideoSource>, AppError> {
        let picked = self.settings().camera;
        let camera = camera(picked.as_deref())
            .map_err(AppError::Invalid)?
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "No camera found: plug one in, or set {CAMERA_ENV} to `pattern`, `screen` \
                 or `window:ID`."
                ))
            })?;
        Ok(previewed(camera, self.shell.clone()))
    }

    /// Sends the camera or the screen in the current call from now on, or nothing: a
    /// voice call becomes a video call, a camera gives way to a share and back.
    pub async fn set_video(&self, send: VideoSend) -> Result<(), AppError> {
        let source = match send {
            VideoSend::Off => None,
            VideoSend::Camera => Some(self.camera_for_sending()?),
            VideoSend::Screen => Some(
                ScreenSource::open(None, ScreenTarget::Screen)
                    .map(|s| previewed(Box::new(s), self.shell.clone()))
                    .map_err(|e| AppError::Invalid(format!("Your screen cannot be shared: {e}")))?,
            ),
        };
        self.phone().await?.set_video(source).await?;
        Ok(())
    }
}

/// The camera the environment names (see [`CAMERA_ENV`]).
/// What a video call sends: [`CAMERA_ENV`] when set, else the camera picked in the
/// settings (`picked`), else the first camera, if there is one.
fn camera(picked: Option<&str>) -> Result<Option<Box<dyn VideoSource>>, String> {
    let set = std::env::var(CAMERA_ENV).ok();
    match (set.as_deref().map(str::trim), picked) {
        (Some(choice), _) if !choice.is_empty() => chosen_source(Some(choice)),
        (_, Some(name)) => {
            CameraSource::open(&CameraChoice::Named(name.to_owned()), EncoderSettings::VGA)
                .map(|c| Some(Box::new(c) as Box<dyn VideoSource>))
                .map_err(|e| e.to_string())
        }
        _ => chosen_source(None),
    }
}

/// Whether a video call starts by sending something, as the UI is told: [`CAMERA_ENV`]
/// names a source, or is unset and the machine has a camera.
pub(crate) fn camera_set_up() -> bool {
    match std::env::var(CAMERA_ENV).ok().as_deref().map(str::trim) {
        None | Some("") => has_a_camera(),
        Some(choice) => names_a_source(Some(choice)),
    }
}

fn names_a_source(choice: Option<&str>) -> bool {
    !matches!(choice.map(str::trim), None | Some("" | "none"))
}

/// Whether a camera is plugged in, looked at no more than every few seconds (each view
/// the UI gets asks, and a look opens every video device node).
fn has_a_camera() -> bool {
    static LOOKED: std::sync::Mutex<Option<(std::time::Instant, bool)>> =
        std::sync::Mutex::new(None);
    let Ok(mut looked) = LOOKED.lock() else {
        return false;
    };
    match *looked {
        Some((at, found)) if at.elapsed() < std::time::Duration::from_secs(3) => found,
        _ => {
            let found = !switchboard_capture::cameras().is_empty();
            *looked = Some((std::time::Instant::now(), found));
            found
        }
    }
}

/// `inner`, with a preview of what it sends handed to the shell.
fn previewed(inner: Box<dyn VideoSource>, shell: Arc<dyn Shell>) -> Box<dyn VideoSource> {
    Box::new(Previewed {
        inner,
        preview: ToShell::new(shell, VideoFeed::Local, PREVIEW_EVERY),
    })
}

/// The source `choice` names (see [`CAMERA_ENV`]).
fn chosen_source(choice: Option<&str>) -> Result<Option<Box<dyn VideoSource>>, String> {
    let choice = choice.map(str::trim).unwrap_or("");
    let camera = |which: CameraChoice| {
        CameraSource::open(&which, EncoderSettings::VGA)
            .map(|c| Some(Box::new(c) as Box<dyn VideoSource>))
            .map_err(|e| e.to_string())
    };
    match choice {
        // Unset: the first camera, if there is one; no camera is not an error here.
        "" if switchboard_capture::cameras().is_empty() => Ok(None),
        "" => camera(CameraChoice::First),
        "none" => Ok(None),
        "pattern" => PatternSource::new(EncoderSettings::VGA)
            .map(|p| Some(Box::new(p) as Box<dyn VideoSource>))
            .map_err(|e| e.to_string()),
        other if other.starts_with("camera") => camera(
            other
                .parse()
                .map_err(|e: switchboard_capture::CaptureError| e.to_string())?,
        ),
        other => {
            let target: ScreenTarget = other.parse().map_err(|_| {
                format!(
                    "{CAMERA_ENV}={other} is not a video source: use `camera`, \
                     `camera:NAME`, `pattern`, `screen`, `window:ID` or `none`"
                )
            })?;
            ScreenSource::open(None, target)
                .map(|s| Some(Box::new(s) as Box<dyn VideoSource>))
                .map_err(|e| e.to_string())
        }
    }
}

/// Hands one picture in `every` to the shell.
struct ToShell {
    shell: Arc<dyn Shell>,
    feed: VideoFeed,
    every: u32,
    count: u32,
}

impl ToShell {
    fn new(shell: Arc<dyn Shell>, feed: VideoFeed, every: u32) -> ToShell {
        ToShell {
            shell,
            feed,
            every: every.max(1),
            count: 0,
        }
    }
}

impl VideoSink for ToShell {
    fn show(&mut self, frame: &Frame) {
        self.count = self.count.wrapping_add(1);
        if !self.count.is_multiple_of(self.every) {
            return;
        }
        self.shell.on_video(VideoPicture {
            feed: self.feed,
            frame: frame.clone(),
        });
    }
}

/// A source whose pictures are also shown here, as they are sent.
struct Previewed {
    inner: Box<dyn VideoSource>,
    preview: ToShell,
}

impl VideoSource for Previewed {
    fn settings(&self) -> EncoderSettings {
        self.inner.settings()
    }

    fn capture(&mut self) -> Result<Frame, VideoError> {
        let frame = self.inner.capture()?;
        self.preview.show(&frame);
        Ok(frame)
    }

    fn pause(&mut self) {
        self.inner.pause();
    }

    fn resume(&mut self) -> Result<(), VideoError> {
        self.inner.resume()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_chosen_in_words() {
        assert!(matches!(chosen_source(Some("none")), Ok(None)));
        if switchboard_capture::cameras().is_empty() {
            // Unset, with no camera: nothing sent, and no error; asked for, one is.
            assert!(matches!(chosen_source(None), Ok(None)));
            assert!(matches!(chosen_source(Some(" ")), Ok(None)));
            let e = chosen_source(Some("camera")).err().expect("no camera");
            assert!(e.contains("no camera found"), "{e}");
        }
        let e = chosen_source(Some("camera:")).err().expect("refused");
        assert!(e.contains("camera:NAME"), "{e}");
        assert!(!names_a_source(None) && !names_a_source(Some(" none ")));
        assert!(names_a_source(Some("pattern")) && names_a_source(Some("window:42")));
        let pattern = chosen_source(Some("pattern"))
            .ok()
            .flatten()
            .expect("a pattern");
        assert_eq!(pattern.settings(), EncoderSettings::VGA);
        let e = chosen_source(Some("webcam")).err().expect("refused");
        assert!(
            e.contains("SWITCHBOARD_CAMERA=webcam is not a video source"),
            "{e}"
        );
        let e = chosen_source(Some("screen")).err();
        // With no display here (or one), either the screen opens or it says why.
        if let Some(e) = e {
            assert!(e.contains("X display"), "{e}");
        }
    }
}
