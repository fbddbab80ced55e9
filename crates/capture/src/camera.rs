//! Cameras, through Video4Linux2 (the kernel's capture API, by the `v4l` crate).
//!
//! A thread of its own takes every picture the camera delivers and keeps only the newest:
//! the call's encoder asks at its own rate and never gets a stale picture from the
//! driver's queue, and a camera slower than asked (most slow down in dim light) only
//! repeats its last picture. Dropping the source stops the stream and closes the device,
//! which turns the camera's light off.
//!
//! Formats: raw YUYV, which every USB (UVC) webcam offers, is asked for first; when the
//! camera will not give it at the size wanted, Motion-JPEG, which most offer at the larger
//! sizes USB 2 cannot carry raw.

use crate::screen::CaptureError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use switchboard_video::camera_pixels::{jpeg_to_i420, yuyv_to_i420};
use switchboard_video::convert::scale_i420;
use switchboard_video::frame::{Frame, VideoError};
use switchboard_video::source::VideoSource;
use switchboard_video::vp8::EncoderSettings;
use v4l::buffer::{Flags as BufferFlags, Type};
use v4l::capability::Flags;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::video::capture::Parameters;
use v4l::{Device, FourCC};

/// A camera this machine has: its name as its driver gives it, and its device node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Camera {
    pub name: String,
    pub path: PathBuf,
}

/// Which camera to open: the first, or one by name (any part of it, any case) or path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraChoice {
    First,
    Named(String),
}

impl std::str::FromStr for CameraChoice {
    type Err = CaptureError;

    /// `camera`, or `camera:NAME` (`camera:/dev/video2`, `camera:logitech`).
    fn from_str(s: &str) -> Result<CameraChoice, CaptureError> {
        match s.strip_prefix("camera") {
            Some("") => Ok(CameraChoice::First),
            Some(rest) => match rest.strip_prefix(':') {
                Some(name) if !name.trim().is_empty() => {
                    Ok(CameraChoice::Named(name.trim().to_owned()))
                }
                _ => Err(CaptureError::BadCamera(s.to_owned())),
            },
            None => Err(CaptureError::BadCamera(s.to_owned())),
        }
    }
}

/// The cameras of this machine, by device node. A webcam has a second node for its
/// metadata; only nodes that capture pictures are listed.
pub fn cameras() -> Vec<Camera> {
    cameras_in(Path::new("/dev"))
}

fn cameras_in(dir: &Path) -> Vec<Camera> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<Camera> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("video"))
        })
        .filter_map(|path| {
            let name = capture_name(&path)?;
            Some(Camera { name, path })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The device's name, if the node captures video. (The `v4l` crate turns a driver's
/// name into a string with `unwrap`: a driver with a name that is not UTF-8 must not
/// take the app down with it.)
fn capture_name(path: &Path) -> Option<String> {
    let path = path.to_owned();
    std::panic::catch_unwind(move || {
        let device = Device::with_path(&path).ok()?;
        let caps = device.query_caps().ok()?;
        caps.capabilities
            .contains(Flags::VIDEO_CAPTURE)
            .then_some(caps.card)
    })
    .ok()
    .flatten()
}

/// What the capture thread hands over: the newest picture, still in the camera's format.
#[derive(Default)]
struct Newest {
    picture: Option<Vec<u8>>,
    /// Why the thread stopped, if it did.
    failed: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pixels {
    Yuyv { stride: usize },
    Mjpeg,
}

/// A camera as a [`VideoSource`].
pub struct CameraSource {
    camera: Camera,
    want: EncoderSettings,
    settings: EncoderSettings,
    pixels: Pixels,
    /// The size the device gives now: the stream's (`settings`) unless it came back from
    /// a hold or a failure at another, whose pictures are then scaled to the stream's.
    given: (u32, u32),
    /// `None` while paused (a call on hold: the device is closed, its light off) or
    /// after the camera failed.
    running: Option<Running>,
    paused: bool,
    /// After a failure, when to try opening the camera again (it may have been
    /// replugged, or the program that took it let it go).
    retry_at: Option<Instant>,
    last: Option<Frame>,
}

/// The device streaming, and the thread that reads it.
struct Running {
    newest: Arc<(Mutex<Newest>, Condvar)>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // Within one poll (200 ms; 3 s while a camera starts): the thread then drops
            // the stream and the device, and the light goes off.
            let _ = thread.join();
        }
    }
}

/// How long the capture thread waits for a picture before looking whether it should stop.
const POLL_MS: i32 = 200;
/// A camera that gives no picture at all in this long after starting is not working (or
/// another program holds it): said, and closed.
const FIRST_PICTURE: Duration = Duration::from_secs(3);
/// How long after a failure the camera is tried again.
const RETRY: Duration = Duration::from_secs(2);

impl CameraSource {
    /// Opens the camera `choice` names, asking for `want`'s size and rate; the camera
    /// may give another size (the nearest it has), which the pictures then have.
    pub fn open(
        choice: &CameraChoice,
        want: EncoderSettings,
    ) -> Result<CameraSource, CaptureError> {
        let camera = pick(&cameras(), choice)?.clone();
        let (running, format) = start(&camera, want)?;
        Ok(CameraSource {
            settings: EncoderSettings::sized(format.width, format.height),
            pixels: format.pixels,
            given: (format.width, format.height),
            camera,
            want,
            running: Some(running),
            paused: false,
            retry_at: None,
            last: None,
        })
    }

    fn convert(&self, picture: &[u8]) -> Result<Frame, VideoError> {
        let (width, height) = self.given;
        let frame = match self.pixels {
            Pixels::Yuyv { stride } => yuyv_to_i420(picture, width, height, stride)?,
            Pixels::Mjpeg => jpeg_to_i420(picture)?,
        };
        if (frame.width(), frame.height()) != (width, height) {
            return Err(VideoError::BadPicture(format!(
                "the camera sent a {}×{} picture where it had said {width}×{height}",
                frame.width(),
                frame.height()
            )));
        }
        // The encoder's size is fixed for the stream: a camera that came back at another
        // size is scaled to it rather than refused.
        scale_i420(frame, self.settings.width, self.settings.height)
    }
}

/// The camera `choice` names, without opening it (its light stays off): to say what is
/// wrong with a choice before a call needs it.
pub fn find(choice: &CameraChoice) -> Result<Camera, CaptureError> {
    pick(&cameras(), choice).cloned()
}

/// The camera `choice` names among `all`, or an error that says which there are.
fn pick<'a>(all: &'a [Camera], choice: &CameraChoice) -> Result<&'a Camera, CaptureError> {
    let found = match choice {
        CameraChoice::First => all.first(),
        CameraChoice::Named(name) => {
            let lower = name.to_lowercase();
            all.iter()
                .find(|c| c.path == Path::new(name))
                .or_else(|| all.iter().find(|c| c.name.to_lowercase().contains(&lower)))
        }
    };
    found.ok_or_else(|| match (choice, all.is_empty()) {
        (_, true) => CaptureError::NoCamera,
        (CameraChoice::Named(name), false) => CaptureError::CameraNotFound {
            asked: name.clone(),
            there: all
                .iter()
                .map(|c| format!("{} ({})", c.name, c.path.display()))
                .collect::<Vec<_>>()
                .join(", "),
        },
        (CameraChoice::First, false) => CaptureError::NoCamera,
    })
}

/// What a camera was set to give.
struct Given {
    width: u32,
    height: u32,
    pixels: Pixels,
}

/// Sets `camera` up for `want` and starts its capture thread.
fn start(camera: &Camera, want: EncoderSettings) -> Result<(Running, Given), CaptureError> {
    let failed = |detail: String| CaptureError::Camera {
        name: camera.name.clone(),
        path: camera.path.display().to_string(),
        detail,
    };
    let device = Device::with_path(&camera.path).map_err(|e| failed(open_error(&e)))?;
    let mut wanted = device.format().map_err(|e| failed(e.to_string()))?;
    wanted.width = want.width;
    wanted.height = want.height;
    wanted.fourcc = FourCC::new(b"YUYV");
    let raw = device
        .set_format(&wanted)
        .map_err(|e| failed(e.to_string()))?;
    let format = if raw.fourcc == wanted.fourcc && raw.width == want.width {
        raw
    } else {
        // No raw pictures at that size: Motion-JPEG, if it comes nearer the size;
        // otherwise back to what the camera gave raw.
        wanted.fourcc = FourCC::new(b"MJPG");
        match device.set_format(&wanted) {
            Ok(mjpeg)
                if mjpeg.fourcc == wanted.fourcc
                    && (raw.fourcc != FourCC::new(b"YUYV")
                        || mjpeg.width.abs_diff(want.width) < raw.width.abs_diff(want.width)) =>
            {
                mjpeg
            }
            _ => device.set_format(&raw).map_err(|e| failed(e.to_string()))?,
        }
    };
    let pixels = match &format.fourcc.repr {
        b"YUYV" => Pixels::Yuyv {
            // Some drivers leave the row length out (0): rows are then packed.
            stride: (format.stride as usize).max(2 * format.width as usize),
        },
        b"MJPG" => Pixels::Mjpeg,
        other => {
            return Err(failed(format!(
                "it offers {}, and Switchboard reads YUYV or MJPG",
                String::from_utf8_lossy(other)
            )));
        }
    };
    if format.width % 2 == 1 || format.height % 2 == 1 || format.width == 0 {
        return Err(failed(format!(
            "it gives {}×{} pictures; a call needs an even size",
            format.width, format.height
        )));
    }
    // Not every camera takes a rate; it then runs at its own.
    let _ = device.set_params(&Parameters::with_fps(want.fps.max(1)));
    let mut stream =
        Stream::with_buffers(&device, Type::VideoCapture, 4).map_err(|e| failed(e.to_string()))?;
    stream.set_timeout(FIRST_PICTURE);
    let newest: Arc<(Mutex<Newest>, Condvar)> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let (to_fill, stopping) = (newest.clone(), stop.clone());
    let thread = std::thread::Builder::new()
        .name("camera".into())
        .spawn(move || capture_loop(device, stream, &to_fill, &stopping))
        .map_err(|e| failed(e.to_string()))?;
    tracing::info!(camera = %camera.name, width = format.width, height = format.height,
            fourcc = %String::from_utf8_lossy(&format.fourcc.repr), "camera opened");
    Ok((
        Running {
            newest,
            stop,
            thread: Some(thread),
        },
        Given {
            width: format.width,
            height: format.height,
            pixels,
        },
    ))
}

fn open_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "permission denied: add yourself to the `video` group (and sign in again)".into()
        }
        std::io::ErrorKind::ResourceBusy => "another program is using it".into(),
        _ => e.to_string(),
    }
}

fn capture_loop(
    _device: Device,
    mut stream: Stream<'static>,
    newest: &(Mutex<Newest>, Condvar),
    stop: &AtomicBool,
) {
    let (slot, ready) = newest;
    let fail = |why: String| {
        tracing::warn!(error = %why, "the camera stopped giving pictures");
        if let Ok(mut slot) = slot.lock() {
            slot.failed = Some(why);
        }
        ready.notify_all();
    };
    let mut started = false;
    while !stop.load(Ordering::Relaxed) {
        // Once streaming, wait for a picture here, in short steps, so that a stop is
        // seen: `next` itself must not time out then, since it hands the last buffer
        // back to the driver first, and after a timeout would hand it back twice.
        if started {
            match stream.handle().poll(libc::POLLIN, POLL_MS) {
                Ok(0) => continue,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return fail(e.to_string()),
            }
        }
        match stream.next() {
            Ok((buffer, meta)) => {
                started = true;
                let used = (meta.bytesused as usize).min(buffer.len());
                if used == 0 || meta.flags.contains(BufferFlags::ERROR) {
                    continue; // the driver says this picture is damaged
                }
                if let Ok(mut slot) = slot.lock() {
                    let picture = slot.picture.get_or_insert_with(Vec::new);
                    picture.clear();
                    picture.extend_from_slice(&buffer[..used]);
                }
                ready.notify_all();
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return fail(format!(
                    "no picture in {} s: is another program using it?",
                    FIRST_PICTURE.as_secs()
                ));
            }
            Err(e) => return fail(e.to_string()),
        }
    }
    // The stream is stopped and the device closed as they drop: the light goes off.
}

impl VideoSource for CameraSource {
    fn settings(&self) -> EncoderSettings {
        self.settings
    }

    fn capture(&mut self) -> Result<Frame, VideoError> {
        if self.paused {
            return Err(VideoError::Capture(format!(
                "the camera {} is paused",
                self.camera.name
            )));
        }
        if self.running.is_none() {
            self.restart()?;
        }
        let Some(running) = self.running.as_ref() else {
            return Err(VideoError::Capture(format!(
                "the camera {} is not running",
                self.camera.name
            )));
        };
        let (slot, ready) = &*running.newest;
        let wait = Duration::from_secs_f64(1.5 / f64::from(self.settings.fps.max(1)));
        let taken = {
            let guard = slot
                .lock()
                .map_err(|_| VideoError::Capture("the camera's thread failed".into()))?;
            let (mut guard, _) = ready
                .wait_timeout_while(guard, wait, |n| n.picture.is_none() && n.failed.is_none())
                .map_err(|_| VideoError::Capture("the camera's thread failed".into()))?;
            match guard.failed.take() {
                Some(why) => Err(why),
                None => Ok(guard.picture.take()),
            }
        };
        let name = &self.camera.name;
        match taken {
            Err(why) => {
                // Its thread has ended: try again in a while, not thirty times a second.
                self.running = None;
                self.retry_at = Some(Instant::now() + RETRY);
                Err(VideoError::Capture(format!(
                    "the camera {name} stopped: {why}"
                )))
            }
            Ok(Some(picture)) => {
                let frame = self.convert(&picture)?;
                self.last = Some(frame.clone());
                Ok(frame)
            }
            // Nothing new in time (a camera slowed by dim light): show the last again.
            Ok(None) => self.last.clone().ok_or_else(|| {
                VideoError::Capture(format!("the camera {name} has given no picture yet"))
            }),
        }
    }

    /// Closes the device (its light goes off) until `resume`.
    fn pause(&mut self) {
        self.paused = true;
        self.running = None;
    }

    /// Opens the device again, set up as before. If that fails (another program took
    /// it meanwhile), pictures are asked for in vain and it is tried again every few
    /// seconds. If it now gives another size (a different camera under the same name),
    /// its pictures are scaled to the stream's.
    fn resume(&mut self) -> Result<(), VideoError> {
        self.paused = false;
        self.retry_at = None;
        if self.running.is_some() {
            return Ok(());
        }
        self.restart()
    }
}

impl CameraSource {
    /// Starts the camera again, unless a failed start was too recent.
    fn restart(&mut self) -> Result<(), VideoError> {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return Err(VideoError::Capture(format!(
                "the camera {} is not working; trying again shortly",
                self.camera.name
            )));
        }
        match start(&self.camera, self.want) {
            Ok((running, given)) => {
                if (given.width, given.height) != (self.settings.width, self.settings.height) {
                    tracing::info!(
                        camera = %self.camera.name,
                        given = format!("{}×{}", given.width, given.height),
                        stream = format!("{}×{}", self.settings.width, self.settings.height),
                        "the camera came back at another size; its pictures are scaled to the stream's"
                    );
                }
                self.given = (given.width, given.height);
                self.pixels = given.pixels;
                self.last = None;
                self.running = Some(running);
                self.retry_at = None;
                Ok(())
            }
            Err(e) => {
                self.retry_at = Some(Instant::now() + RETRY);
                Err(VideoError::Capture(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Vec<Camera> {
        vec![
            Camera {
                name: "Integrated Camera: Integrated C".into(),
                path: "/dev/video0".into(),
            },
            Camera {
                name: "HD Pro Webcam C920".into(),
                path: "/dev/video2".into(),
            },
        ]
    }

    /// A source as `open` leaves it, without a device: what `convert` needs.
    fn source_streaming(stream: (u32, u32), given: (u32, u32), pixels: Pixels) -> CameraSource {
        CameraSource {
            camera: two().remove(0),
            want: EncoderSettings::sized(stream.0, stream.1),
            settings: EncoderSettings::sized(stream.0, stream.1),
            pixels,
            given,
            running: None,
            paused: false,
            retry_at: None,
            last: None,
        }
    }

    #[test]
    fn a_camera_back_at_another_size_is_scaled_to_the_stream() {
        // Back from a hold at 320×240 in a 640×480 stream: a light picture, YUYV.
        let (w, h) = (320u32, 240u32);
        let picture: Vec<u8> = (0..w * h / 2)
            .flat_map(|_| [180u8, 128, 180, 128])
            .collect();
        let source = source_streaming(
            (640, 480),
            (w, h),
            Pixels::Yuyv {
                stride: 2 * w as usize,
            },
        );
        let frame = source.convert(&picture).expect("scaled, not refused");
        assert_eq!((frame.width(), frame.height()), (640, 480));
        assert!(
            frame.luma().iter().all(|&y| y == 180),
            "the picture is the camera's"
        );
        // At the stream's own size it passes as it is.
        let same = source_streaming(
            (w, h),
            (w, h),
            Pixels::Yuyv {
                stride: 2 * w as usize,
            },
        );
        assert_eq!(same.convert(&picture).expect("converted").width(), w);
        // A picture that does not match what the camera said is still refused in words.
        let err = source
            .convert(&picture[..picture.len() / 2])
            .expect_err("short picture");
        assert!(!err.to_string().is_empty());
    }

    #[test]
    fn a_camera_is_named_by_path_or_any_part_of_its_name() {
        let all = two();
        let pick_named =
            |n: &str| pick(&all, &CameraChoice::Named(n.into())).map(|c| c.path.clone());
        assert_eq!(pick(&all, &CameraChoice::First).ok(), all.first());
        assert_eq!(pick_named("/dev/video2").ok(), Some("/dev/video2".into()));
        assert_eq!(pick_named("c920").ok(), Some("/dev/video2".into()));
        assert_eq!(pick_named("integrated").ok(), Some("/dev/video0".into()));
        let e = pick_named("brio").expect_err("not there").to_string();
        assert!(
            e.contains("brio") && e.contains("HD Pro Webcam C920 (/dev/video2)"),
            "says which there are: {e}"
        );
        let none = pick(&[], &CameraChoice::First)
            .expect_err("none")
            .to_string();
        assert!(none.contains("no camera"), "{none}");
    }

    #[test]
    fn camera_choices_parse_and_bad_ones_say_how_to_write_them() {
        assert_eq!(
            "camera".parse::<CameraChoice>().ok(),
            Some(CameraChoice::First)
        );
        assert_eq!(
            "camera:HD Pro".parse::<CameraChoice>().ok(),
            Some(CameraChoice::Named("HD Pro".into()))
        );
        for bad in ["camera:", "cameras", "webcam"] {
            let e = bad.parse::<CameraChoice>().expect_err(bad).to_string();
            assert!(e.contains("camera:NAME"), "{bad}: {e}");
        }
    }

    /// Files named like device nodes that are not devices are not cameras.
    #[test]
    fn only_nodes_that_capture_are_listed() {
        let dir = std::env::temp_dir().join(format!("not-cameras-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        std::fs::write(dir.join("video0"), b"not a device").expect("a file");
        std::fs::create_dir_all(dir.join("video1")).expect("a directory");
        assert_eq!(cameras_in(&dir), Vec::new());
        assert_eq!(cameras_in(&dir.join("missing")), Vec::new());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// On a machine with no camera (the test machines: no /dev/video*), opening one
    /// says so in words.
    #[test]
    fn with_no_camera_opening_one_says_there_is_none() {
        if !cameras().is_empty() {
            return; // a machine with a camera: its own test is the CLI's, by hand
        }
        for choice in [CameraChoice::First, CameraChoice::Named("c920".into())] {
            let e = CameraSource::open(&choice, EncoderSettings::VGA)
                .err()
                .expect("no camera to open")
                .to_string();
            assert!(
                e.contains("no camera found") && e.contains("pattern"),
                "{e}"
            );
        }
    }
}
