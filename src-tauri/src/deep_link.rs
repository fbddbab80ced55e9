//! `switchboard://call/<username>` (and `tel:`-style `switchboard:<username>`): opening
//! such a link shows the app and asks whether to call that colleague (or calls at once,
//! if the user chose so). `switchboard://join?server=…&fp=…`
//! (an invite) fills the sign-in form with the team's server and its certificate.

use crate::windows;
use std::sync::Arc;
use switchboard_app::Controller;
use switchboard_app::links::{call_link_in, invite_in};
use switchboard_client::Event;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

/// Links opened while the app runs (on Linux they arrive through the single-instance
/// plugin; elsewhere through the deep-link plugin).
pub fn listen(app: &AppHandle) {
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            open(&handle, url.as_str());
        }
    });
}

/// Makes this binary the desktop's handler of `switchboard://` links, on a thread of its
/// own once the window has loaded: it runs `update-desktop-database` and `xdg-mime` (a
/// shell script), 15-25 ms of the start's main thread here and more on a desktop with
/// many applications. Links keep working meanwhile if an earlier run registered them.
pub fn register_scheme(app: &AppHandle) {
    #[cfg(target_os = "linux")]
    {
        let app = app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(e) = app.deep_link().register_all() {
                tracing::warn!(error = %e, "cannot register the switchboard:// scheme");
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// Shows the app and offers to call the user the link names, or, for an invite link,
/// fills the sign-in form with the server and its certificate.
pub fn open(app: &AppHandle, link: &str) {
    windows::show(app);
    let (app, controller) = (app.clone(), app.state::<Arc<Controller>>().inner().clone());
    if invite_in(link).is_some() {
        let link = link.to_owned();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = controller.open_invite(link).await {
                let message = e.to_string();
                let _ = app.emit(crate::bridge::ENGINE_EVENT, Event::Problem { message });
            }
        });
        return;
    }
    let call = match call_link_in(link) {
        Some(Ok(call)) => call,
        Some(Err(message)) => {
            let _ = app.emit(crate::bridge::ENGINE_EVENT, Event::Problem { message });
            return;
        }
        None => {
            tracing::warn!(%link, "not a switchboard call or invite link");
            return;
        }
    };
    tauri::async_runtime::spawn(async move {
        let opened = controller
            .open_call_link_about(&call.username, call.regarding)
            .await;
        if let Err(e) = opened {
            let message = e.to_string();
            let _ = app.emit(crate::bridge::ENGINE_EVENT, Event::Problem { message });
        }
    });
}
