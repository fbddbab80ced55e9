//! The main window: raised for a call, hidden (not closed) by its close button, so the
//! app keeps running in the tray and never drops a call.

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
    let _ = window.hide();
}

/// Logs how long the window took to show the UI after the process started (the
/// start-up figure in docs/benchmarks.md comes from this line).
pub fn log_page_loaded(started: std::time::Instant, payload: &tauri::webview::PageLoadPayload<'_>) {
    if payload.event() == tauri::webview::PageLoadEvent::Finished {
        tracing::info!(
            since_start_ms = started.elapsed().as_millis() as u64,
            "window loaded"
        );
    }
}
