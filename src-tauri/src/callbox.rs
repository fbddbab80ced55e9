//! The callbox: a small frameless window in the screen's corner that rings a call
//! without taking the keyboard from what the user is typing in. Always on top, on every
//! workspace, out of the taskbar; it closes when the call stops ringing here.

use switchboard_app::IncomingCallDisplay;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub const LABEL: &str = "callbox";
const WIDTH: f64 = 380.0;
const HEIGHT: f64 = 168.0;
/// From the screen's edges.
const MARGIN: f64 = 24.0;

/// Whether this ring goes to the callbox rather than raising the main window.
pub fn wanted(app: &AppHandle, display: IncomingCallDisplay) -> bool {
    match display {
        IncomingCallDisplay::Callbox => true,
        IncomingCallDisplay::Window => false,
        IncomingCallDisplay::Auto => !crate::windows::main_in_front(app),
    }
}

/// Opens the callbox (the page `callbox.html` draws the ringing call from the app's state
/// and events), or leaves an open one as it is.
pub fn open(app: &AppHandle) {
    if app.get_webview_window(LABEL).is_some() {
        return;
    }
    let mut builder = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("callbox.html".into()))
        .title("Incoming call — Switchboard")
        .inner_size(WIDTH, HEIGHT)
        .resizable(false)
        .decorations(false)
        .always_on_top(true)
        .visible_on_all_workspaces(true)
        .skip_taskbar(true)
        // Shown without the keyboard: typing elsewhere goes on; a click focuses it.
        .focused(false);
    if let Some((x, y)) = corner(app) {
        builder = builder.position(x, y);
    }
    match builder.build() {
        Ok(_) => tracing::info!("callbox open"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot open the callbox; raising the window instead");
            crate::windows::raise_for_call(app);
        }
    }
}

/// Closes the callbox; returns whether it was open.
pub fn close(app: &AppHandle) -> bool {
    match app.get_webview_window(LABEL) {
        Some(window) => {
            let _ = window.destroy();
            true
        }
        None => false,
    }
}

/// The bottom-right corner of the primary monitor's work area, in logical pixels.
fn corner(app: &AppHandle) -> Option<(f64, f64)> {
    let monitor = app.primary_monitor().ok().flatten()?;
    let scale = monitor.scale_factor();
    let area = monitor.work_area();
    let (x, y) = (
        f64::from(area.position.x) / scale,
        f64::from(area.position.y) / scale,
    );
    let (w, h) = (
        f64::from(area.size.width) / scale,
        f64::from(area.size.height) / scale,
    );
    Some((x + w - WIDTH - MARGIN, y + h - HEIGHT - MARGIN))
}
