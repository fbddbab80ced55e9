//! `switchboard://call/<username>` (and `tel:`-style `switchboard:<username>`): opening
//! such a link shows the app and calls that colleague.

use crate::core::Core;
use crate::windows;
use std::sync::Arc;
use switchboard_client::Event;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_deep_link::DeepLinkExt;

/// The username a link asks to call, if it is one of ours.
pub fn username_in(link: &str) -> Option<String> {
    let rest = link.trim().strip_prefix("switchboard:")?;
    let rest = rest.trim_start_matches('/');
    let name = rest.strip_prefix("call/").unwrap_or(rest);
    let name = name.trim_end_matches('/');
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c));
    valid.then(|| name.to_owned())
}

/// Links opened while the app runs (on Linux they arrive through the single-instance
/// plugin; elsewhere through the deep-link plugin).
pub fn listen(app: &AppHandle) {
    #[cfg(target_os = "linux")]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!(error = %e, "cannot register the switchboard:// scheme");
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            open(&handle, url.as_str());
        }
    });
}

/// Shows the app and calls the user the link names.
pub fn open(app: &AppHandle, link: &str) {
    windows::show(app);
    let Some(username) = username_in(link) else {
        tracing::warn!(%link, "not a switchboard call link");
        return;
    };
    let (app, core) = (app.clone(), app.state::<Arc<Core>>().inner().clone());
    tauri::async_runtime::spawn(async move {
        if let Err(message) = core.call_username(&username).await {
            let _ = app.emit(crate::bridge::ENGINE_EVENT, Event::Problem { message });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::username_in;

    #[test]
    fn call_links_name_a_user_and_nothing_else() {
        assert_eq!(username_in("switchboard://call/bob"), Some("bob".into()));
        assert_eq!(username_in("switchboard://call/bob/"), Some("bob".into()));
        assert_eq!(username_in("switchboard:ann.lee"), Some("ann.lee".into()));
        assert_eq!(username_in("switchboard://call/"), None);
        assert_eq!(username_in("switchboard://call/bob;rm -rf"), None);
        assert_eq!(username_in("https://call/bob"), None);
    }
}
