//! The main window: raised for a call, hidden (not closed) by its close button, so the
//! app keeps running in the tray and never drops a call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tauri::{AppHandle, Manager, UserAttentionType, WebviewWindow};

pub const MAIN: &str = "main";

fn main_window(app: &AppHandle) -> Option<WebviewWindow> {
    app.get_webview_window(MAIN)
}

/// Shows, un-minimises and focuses the window.
pub fn show(app: &AppHandle) {
    if let Some(window) = main_window(app) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// For an incoming call: show it and ask the window manager for urgent attention.
pub fn raise_for_call(app: &AppHandle) {
    show(app);
    if let Some(window) = main_window(app) {
        let _ = window.request_user_attention(Some(UserAttentionType::Critical));
    }
}

pub fn hide(window: &tauri::Window) {
    save_geometry(window.app_handle());
    let _ = window.hide();
}

/// Whether the main window is on screen, not minimised, and has the keyboard: a call
/// then rings in it (the full-window modal) rather than in the callbox.
pub fn main_in_front(app: &AppHandle) -> bool {
    main_window(app).is_some_and(|w| {
        w.is_visible().unwrap_or(false)
            && !w.is_minimized().unwrap_or(false)
            && w.is_focused().unwrap_or(false)
    })
}

/// The main window's size and position as they are now, for the next start (also
/// written when the app quits).
pub fn save_geometry(app: &AppHandle) {
    use tauri_plugin_window_state::AppHandleExt;
    if let Err(e) = app.save_window_state(geometry()) {
        tracing::info!(error = %e, "cannot save the window's size and position");
    }
}

/// The window was moved or resized: its geometry is written once it has been still for a
/// second, so a session that ends by killing the app (a log-out) still keeps it.
pub fn geometry_changed(app: &AppHandle) {
    static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mine = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if GENERATION.load(Ordering::Relaxed) == mine {
            save_geometry(&app);
        }
    });
}

/// What the window-state plugin restores: size, position and maximised; never whether
/// the window is shown (start-up decides that).
pub fn geometry() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// Autostarted with "start minimised" on: the window stays hidden at start-up (the tray
/// shows it).
static START_HIDDEN: AtomicBool = AtomicBool::new(false);

pub fn start_hidden() {
    START_HIDDEN.store(true, Ordering::Relaxed);
}

/// If the page has not loaded by then, the window is shown anyway (blank beats absent).
const SHOW_AT_THE_LATEST: Duration = Duration::from_secs(3);

/// The window starts hidden (tauri.conf.json) and is shown once the UI has loaded, so
/// nobody sees an empty window first. A window mapped before its first paint also makes
/// WebKit wait for a backing store: with `WEBKIT_DISABLE_COMPOSITING_MODE=1` (the
/// low-memory setting in docs/benchmarks.md) that delayed one start in two by 0.5 s.
pub fn show_when_loaded(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SHOW_AT_THE_LATEST).await;
        if !START_HIDDEN.load(Ordering::Relaxed) && !SHOWN.swap(true, Ordering::Relaxed) {
            tracing::warn!("the UI did not load within 3 s; showing the window anyway");
            show(&app);
        }
    });
}

/// Set once the window has been shown at start-up (by the page load or the fallback).
static SHOWN: AtomicBool = AtomicBool::new(false);
/// Set at the first page load: later loads (a reload) neither show nor log.
static LOADED: AtomicBool = AtomicBool::new(false);

/// On the first page load: shows the window and logs how long that took after the
/// process started (the start-up figure in docs/benchmarks.md comes from this line).
/// Returns whether this was that load.
pub fn page_loaded(
    webview: &tauri::Webview,
    started: Instant,
    payload: &tauri::webview::PageLoadPayload<'_>,
) -> bool {
    if webview.label() != MAIN {
        return false;
    }
    if payload.event() == tauri::webview::PageLoadEvent::Started {
        crate::startup::reached(crate::startup::Mark::PageStarted);
        return false;
    }
    if LOADED.swap(true, Ordering::Relaxed) {
        return false;
    }
    if !START_HIDDEN.load(Ordering::Relaxed) && !SHOWN.swap(true, Ordering::Relaxed) {
        show(webview.app_handle());
    }
    crate::startup::log_first_load(started.elapsed().as_millis() as u64);
    true
}
