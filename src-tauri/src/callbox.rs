//! The callbox: a small frameless window in the screen's corner that rings a call
//! without taking the keyboard from what the user is typing in. Always on top, on every
//! workspace, out of the taskbar; it goes when the call stops ringing here.
//!
//! It is built hidden once the main window has loaded and only ever hidden after that,
//! so a ring shows a page that is already there: building the webview and loading its
//! page when the call came took some 400 ms of the time to ring (docs/benchmarks.md).

use std::sync::Arc;
use switchboard_app::{Controller, IncomingCallDisplay};
use tauri::{AppHandle, LogicalPosition, Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

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

/// Builds the callbox, hidden, for the calls to come; not when calls ring in the main
/// window by choice (a later change of mind builds it at the first ring).
pub fn prepare(app: &AppHandle) {
    let display = app
        .try_state::<Arc<Controller>>()
        .map(|c| c.settings().incoming_call_display);
    if app.get_webview_window(LABEL).is_some() || display == Some(IncomingCallDisplay::Window) {
        return;
    }
    build(app, false);
}

/// Shows the callbox (the page `callbox.html` draws the ringing call from the app's state
/// and events), building it first if it is not there.
pub fn open(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(LABEL) {
        if let Some((x, y)) = corner(app) {
            let _ = window.set_position(LogicalPosition::new(x, y));
        }
        match window.show() {
            Ok(()) => tracing::info!("callbox shown"),
            Err(e) => {
                tracing::warn!(error = %e, "cannot show the callbox; raising the window instead");
                crate::windows::raise_for_call(app);
            }
        }
        return;
    }
    build(app, true);
}

/// Hides the callbox, kept for the next call; returns whether it was on screen.
pub fn close(app: &AppHandle) -> bool {
    match app.get_webview_window(LABEL) {
        Some(window) if window.is_visible().unwrap_or(false) => {
            let _ = window.hide();
            true
        }
        _ => false,
    }
}

/// Builds the callbox, shown or hidden, in the main window's web process: one of its own
/// costs some 70 MB PSS for as long as the app runs (docs/benchmarks.md). The related
/// view is reached on the main thread, so the window is built there.
fn build(app: &AppHandle, visible: bool) {
    let handle = app.clone();
    let shared = app.get_webview_window(crate::windows::MAIN).map(|main| {
        main.with_webview(move |webview| {
            // A ring may have come while this waited for the main thread.
            if let Some(window) = handle.get_webview_window(LABEL) {
                if visible {
                    let _ = window.show();
                }
                return;
            }
            #[cfg(target_os = "linux")]
            let builder = builder(&handle).with_related_view(webview.inner());
            #[cfg(not(target_os = "linux"))]
            let builder = {
                let _ = webview;
                builder(&handle)
            };
            built(&handle, builder.visible(visible).build(), visible);
        })
    });
    match shared {
        Some(Ok(())) => {}
        Some(Err(e)) => {
            tracing::warn!(error = %e, "cannot reach the main window's webview; the callbox gets a web process of its own");
            built(app, builder(app).visible(visible).build(), visible);
        }
        None => built(app, builder(app).visible(visible).build(), visible),
    }
}

fn built(app: &AppHandle, window: tauri::Result<WebviewWindow>, visible: bool) {
    match window {
        Ok(window) => {
            keep_focus_where_it_is(&window);
            tracing::info!(visible, "callbox built");
        }
        Err(e) if visible => {
            tracing::warn!(error = %e, "cannot open the callbox; raising the window instead");
            crate::windows::raise_for_call(app);
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot build the callbox ahead; it is built when a call rings")
        }
    }
}

fn builder(app: &AppHandle) -> WebviewWindowBuilder<'_, tauri::Wry, AppHandle> {
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
    builder
}

/// Every time it is shown, not only the first (`focused(false)` holds until the first
/// paint): the window manager is asked not to give it the keyboard as it maps. GTK is
/// called on the main thread.
fn keep_focus_where_it_is(window: &WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let on_main = window.clone();
        let queued = window.run_on_main_thread(move || {
            use gtk::prelude::GtkWindowExt;
            match on_main.gtk_window() {
                Ok(gtk_window) => gtk_window.set_focus_on_map(false),
                Err(e) => tracing::debug!(error = %e, "no GTK window for the callbox"),
            }
        });
        if let Err(e) = queued {
            tracing::debug!(error = %e, "cannot reach the main thread for the callbox");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
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
