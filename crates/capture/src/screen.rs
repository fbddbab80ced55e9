//! The screen as a video source, over X11: the whole screen (the root window) or one
//! window, read with `GetImage` each tick, scaled to fit 1280×720 and converted to I420.
//!
//! Works on an X11 session and on Xvfb. On Wayland, X11 clients see only XWayland's
//! windows (the rest reads black); sharing a Wayland screen needs the desktop portal and
//! PipeWire, which this does not do yet. The mouse pointer is not drawn in.

use std::time::Instant;
use switchboard_video::convert::{BgrxToI420, fit_within};
use switchboard_video::frame::{Frame, VideoError};
use switchboard_video::source::VideoSource;
use switchboard_video::vp8::EncoderSettings;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder, Window};
use x11rb::rust_connection::RustConnection;

/// The largest picture a screen share sends; larger screens are scaled down to fit.
pub const MAX_WIDTH: u32 = 1280;
pub const MAX_HEIGHT: u32 = 720;
/// Screens change less than faces and text wants sharpness more than motion: 15 a second.
pub const SCREEN_FPS: u32 = 15;

/// What to share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenTarget {
    /// The whole screen.
    Screen,
    /// One window, by its X11 id (as `xwininfo` or `xdotool search` print it). Parts of
    /// it that other windows cover show what covers them.
    Window(u32),
}

impl std::str::FromStr for ScreenTarget {
    type Err = CaptureError;

    /// `screen`, or `window:ID` with the id in decimal or `0x` hex.
    fn from_str(s: &str) -> Result<ScreenTarget, CaptureError> {
        if s == "screen" {
            return Ok(ScreenTarget::Screen);
        }
        let id = s
            .strip_prefix("window:")
            .ok_or_else(|| CaptureError::BadTarget(s.to_owned()))?;
        let parsed = match id.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => id.parse(),
        };
        parsed
            .map(ScreenTarget::Window)
            .map_err(|_| CaptureError::BadTarget(s.to_owned()))
    }
}

/// Why the screen cannot be shared, or a camera used.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(
        "cannot reach the X display {display}: {reason}. Screen sharing needs an X11 \
         session (or XWayland); check DISPLAY"
    )]
    NoDisplay { display: String, reason: String },
    #[error(
        "{0} is not something to share: say `screen`, or `window:ID` with the window's \
         X11 id (from `xwininfo` or `xdotool search`)"
    )]
    BadTarget(String),
    #[error("window {0:#x} is not on this display (closed, or a wrong id)")]
    NoWindow(u32),
    #[error(
        "this display's pictures are {depth}-bit at {bits_per_pixel} bits a pixel, \
         {order}; screen sharing reads 24- or 32-bit colour stored as 32 bits a pixel"
    )]
    Unsupported {
        depth: u8,
        bits_per_pixel: u8,
        order: &'static str,
    },
    #[error("the X server refused to give the picture: {0}")]
    Read(String),
    #[error(
        "{0} is not a camera: say `camera` for the first, or `camera:NAME` with part of its name or its device (camera:/dev/video2)"
    )]
    BadCamera(String),
    #[error(
        "no camera found: this machine has no video capture device (/dev/video*). Plug one in, or send `pattern` or `screen`"
    )]
    NoCamera,
    #[error("no camera called {asked}; the cameras here: {there}")]
    CameraNotFound { asked: String, there: String },
    #[error("cannot use the camera {name} ({path}): {detail}")]
    Camera {
        name: String,
        path: String,
        detail: String,
    },
    #[error(transparent)]
    Video(#[from] VideoError),
}

/// A screen or window, captured at [`SCREEN_FPS`] and scaled to fit [`MAX_WIDTH`]×[`MAX_HEIGHT`].
pub struct ScreenSource {
    conn: RustConnection,
    drawable: Window,
    converter: BgrxToI420,
    settings: EncoderSettings,
    /// How long the last `GetImage` took, for the log when it is slow.
    slowest_read_ms: u128,
}

impl ScreenSource {
    /// Opens `display` (`None`: `$DISPLAY`) and checks that `target` can be read.
    pub fn open(display: Option<&str>, target: ScreenTarget) -> Result<ScreenSource, CaptureError> {
        let name = display
            .map(str::to_owned)
            .or_else(|| std::env::var("DISPLAY").ok())
            .unwrap_or_else(|| "(DISPLAY unset)".to_owned());
        let (conn, screen_num) =
            RustConnection::connect(display).map_err(|e| CaptureError::NoDisplay {
                display: name.clone(),
                reason: e.to_string(),
            })?;
        let setup = conn.setup();
        let screen = setup
            .roots
            .get(screen_num)
            .ok_or_else(|| CaptureError::NoDisplay {
                display: name,
                reason: format!("it has no screen {screen_num}"),
            })?;
        let depth = screen.root_depth;
        let bits_per_pixel = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .map_or(0, |f| f.bits_per_pixel);
        let lsb = setup.image_byte_order == ImageOrder::LSB_FIRST;
        if !(depth == 24 || depth == 32) || bits_per_pixel != 32 || !lsb {
            return Err(CaptureError::Unsupported {
                depth,
                bits_per_pixel,
                order: if lsb {
                    "least significant byte first"
                } else {
                    "most significant byte first"
                },
            });
        }
        let drawable = match target {
            ScreenTarget::Screen => screen.root,
            ScreenTarget::Window(id) => id,
        };
        let (width, height) = size_of(&conn, drawable, target)?;
        let (width, height) = fit_within(width, height, MAX_WIDTH, MAX_HEIGHT);
        let settings = EncoderSettings {
            width,
            height,
            fps: SCREEN_FPS,
            // About 0.08 bits a pixel: text stays legible at 15 pictures a second.
            bitrate_kbps: (width * height * SCREEN_FPS / 12_500).clamp(300, 2500),
        };
        Ok(ScreenSource {
            conn,
            drawable,
            converter: BgrxToI420::new(width, height)?,
            settings,
            slowest_read_ms: 0,
        })
    }

    fn read(&mut self) -> Result<Frame, CaptureError> {
        let target = ScreenTarget::Window(self.drawable);
        // Asked each time: a screen can be resized, a window moved or resized mid-share.
        let (width, height) = size_of(&self.conn, self.drawable, target)?;
        let started = Instant::now();
        let image = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.drawable,
                0,
                0,
                width as u16,
                height as u16,
                u32::MAX,
            )
            .map_err(|e| CaptureError::Read(e.to_string()))?
            .reply()
            .map_err(|e| CaptureError::Read(e.to_string()))?;
        let took = started.elapsed().as_millis();
        if took > self.slowest_read_ms {
            self.slowest_read_ms = took;
            tracing::debug!(ms = took, width, height, "slowest screen read so far");
        }
        Ok(self
            .converter
            .convert(&image.data, width, height, 4 * width as usize)?)
    }
}

/// The drawable's size now; a window that is gone is said so.
fn size_of(
    conn: &RustConnection,
    drawable: Window,
    target: ScreenTarget,
) -> Result<(u32, u32), CaptureError> {
    let gone = || match target {
        ScreenTarget::Window(id) => CaptureError::NoWindow(id),
        ScreenTarget::Screen => CaptureError::Read("the screen has no size".to_owned()),
    };
    let geometry = conn
        .get_geometry(drawable)
        .map_err(|e| CaptureError::Read(e.to_string()))?
        .reply()
        .map_err(|_| gone())?;
    if geometry.width == 0 || geometry.height == 0 {
        return Err(gone());
    }
    Ok((u32::from(geometry.width), u32::from(geometry.height)))
}

impl VideoSource for ScreenSource {
    fn settings(&self) -> EncoderSettings {
        self.settings
    }

    fn capture(&mut self) -> Result<Frame, VideoError> {
        self.read().map_err(|e| match e {
            CaptureError::Video(v) => v,
            other => VideoError::Capture(other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_from_words() {
        assert_eq!(
            "screen".parse::<ScreenTarget>().ok(),
            Some(ScreenTarget::Screen)
        );
        assert_eq!(
            "window:0x3a00007".parse::<ScreenTarget>().ok(),
            Some(ScreenTarget::Window(0x3a00007))
        );
        assert_eq!(
            "window:1234".parse::<ScreenTarget>().ok(),
            Some(ScreenTarget::Window(1234))
        );
        for bad in ["", "screens", "window:", "window:0xzz", "window:-1"] {
            let e = bad.parse::<ScreenTarget>().unwrap_err();
            assert!(e.to_string().contains("is not something to share"), "{e}");
        }
    }
}
