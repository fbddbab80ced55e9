//! The screen source against a real X server (Xvfb): test pattern pictures drawn on the
//! screen, or in one window, are read back from what the source captures, numbers and
//! time stamps intact, at the size the encoder gets.

use switchboard_capture::test_screen::VirtualScreen;
use switchboard_capture::{ScreenSource, ScreenTarget};
use switchboard_video::pattern::{TestPattern, read_stamp};
use switchboard_video::source::VideoSource;

#[test]
fn what_is_drawn_on_the_screen_is_what_the_source_captures() {
    let screen = VirtualScreen::start(1280, 720).expect("Xvfb");
    let mut source =
        ScreenSource::open(Some(screen.display()), ScreenTarget::Screen).expect("the screen");
    let s = source.settings();
    assert_eq!((s.width, s.height, s.fps), (1280, 720, 15));
    let mut pattern = TestPattern::new(1280, 720).expect("a size");
    for stamp in [1000, 2000, 3000] {
        let drawn = pattern.next_frame(stamp);
        screen.paint(screen.root(), &drawn).expect("drawn");
        let captured = source.capture().expect("captured");
        assert_eq!((captured.width(), captured.height()), (1280, 720));
        let read = read_stamp(&captured).expect("the pattern read back");
        assert_eq!(read.stamp, stamp);
    }
}

#[test]
fn a_bigger_screen_is_scaled_to_fit_and_still_reads() {
    let screen = VirtualScreen::start(1920, 1200).expect("Xvfb");
    let mut source =
        ScreenSource::open(Some(screen.display()), ScreenTarget::Screen).expect("the screen");
    let s = source.settings();
    assert_eq!((s.width, s.height), (1152, 720), "16:10 within 1280×720");
    let drawn = TestPattern::new(1920, 1200).expect("a size").next_frame(77);
    screen.paint(screen.root(), &drawn).expect("drawn");
    let captured = source.capture().expect("captured");
    assert_eq!(read_stamp(&captured).map(|r| r.stamp), Some(77));
}

#[test]
fn one_window_is_shared_alone() {
    let screen = VirtualScreen::start(1280, 720).expect("Xvfb");
    let window = screen.window(100, 50, 320, 240).expect("a window");
    let mut source =
        ScreenSource::open(Some(screen.display()), ScreenTarget::Window(window)).expect("window");
    let s = source.settings();
    assert_eq!(
        (s.width, s.height),
        (320, 240),
        "the window's size, not the screen's"
    );
    let drawn = TestPattern::new(320, 240).expect("a size").next_frame(555);
    screen.paint(window, &drawn).expect("drawn");
    let captured = source.capture().expect("captured");
    assert_eq!(read_stamp(&captured).map(|r| r.stamp), Some(555));
}

#[test]
fn a_missing_display_or_window_is_said_in_words() {
    let e = ScreenSource::open(Some(":4999"), ScreenTarget::Screen)
        .err()
        .expect("no such display");
    let text = e.to_string();
    assert!(text.contains("cannot reach the X display :4999"), "{text}");
    let screen = VirtualScreen::start(640, 480).expect("Xvfb");
    let e = ScreenSource::open(Some(screen.display()), ScreenTarget::Window(0x7fff_fff0))
        .err()
        .expect("no such window");
    assert!(e.to_string().contains("is not on this display"), "{e}");
}
