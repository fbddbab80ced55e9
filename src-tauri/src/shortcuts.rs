//! Global shortcuts (Settings → Shortcuts): mute, answer, hang up and push-to-talk from
//! any application, through the global-shortcut plugin (X11 key grabs; Wayland has no
//! way for an app to grab keys without a portal the plugin does not use yet).

use std::sync::Arc;
use switchboard_app::{AppError, Controller, ShortcutAction, Shortcuts};
use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

/// The plugin, with one handler that looks the pressed keys up in the settings.
pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event| {
            let Some(controller) = app.try_state::<Arc<Controller>>() else {
                return;
            };
            let controller = controller.inner().clone();
            let Some(action) = action_for(&controller.settings().shortcuts, shortcut) else {
                return;
            };
            let pressed = event.state() == ShortcutState::Pressed;
            let app = app.clone();
            tauri::async_runtime::spawn(
                async move { act(&app, &controller, action, pressed).await },
            );
        })
        .build()
}

fn action_for(shortcuts: &Shortcuts, pressed: &Shortcut) -> Option<ShortcutAction> {
    shortcuts
        .bound()
        .into_iter()
        .find(|(_, keys)| keys.parse::<Shortcut>().is_ok_and(|s| s == *pressed))
        .map(|(action, _)| action)
}

async fn act(app: &AppHandle, controller: &Arc<Controller>, action: ShortcutAction, pressed: bool) {
    use ShortcutAction::*;
    let result = match (action, pressed) {
        (PushToTalk, pressed) => controller.set_muted(!pressed).await,
        (_, false) => return,
        (ToggleMute, true) => controller.toggle_mute().await.map(|_| ()),
        (Answer, true) => controller.answer_ringing().await.map(|_| ()),
        // Ends a call in progress, cancels one still ringing, rejects an incoming one.
        (HangUp, true) => controller.hang_up().await,
    };
    tracing::info!(?action, pressed, ok = result.is_ok(), "global shortcut");
    // Success shows itself through the engine's events (muted, call updated).
    match result {
        Ok(()) | Err(AppError::NotSignedIn) => {}
        Err(e) => crate::bridge::problem(app, e.to_string()),
    }
}

/// Checks the keys (each readable, no two actions on the same keys) before anything is
/// saved; the sentence names what to change.
pub fn check(shortcuts: &Shortcuts) -> Result<(), AppError> {
    for (action, keys) in shortcuts.bound() {
        if let Err(e) = keys.parse::<Shortcut>() {
            return Err(AppError::invalid(format!(
                "\"{keys}\" for {} is not a shortcut ({e}): write modifiers and one key, like Ctrl+Alt+M.",
                action.label()
            )));
        }
    }
    match shortcuts.conflict() {
        Some(sentence) => Err(AppError::invalid(sentence)),
        None => Ok(()),
    }
}

/// At start-up, once the main window has loaded: registers the saved shortcuts on a
/// thread of their own. Each X11 grab waits on the main thread for the hotkey thread's
/// next look (every 50 ms), so registering them in setup held the window's first load
/// back by about 200 ms (docs/benchmarks.md, cold start).
pub fn apply_at_start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let Some(controller) = app.try_state::<Arc<Controller>>() else {
            tracing::warn!("global shortcuts not registered: the app has no controller");
            return;
        };
        // Under the lock a settings save takes too, with the settings as they are then:
        // whichever runs last registers what is saved.
        let _one_at_a_time = APPLYING.lock().unwrap_or_else(|e| e.into_inner());
        let shortcuts = controller.settings().shortcuts;
        if let Err(e) = register(&app, &shortcuts) {
            tracing::warn!(error = %e, "global shortcuts at start-up");
        }
    });
}

/// Held while shortcuts are registered, so that the start-up's registration and a
/// settings save never interleave their grabs.
static APPLYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Replaces the registered shortcuts with these. Keys another application holds are
/// named in the error; the others still work.
pub fn apply(app: &AppHandle, shortcuts: &Shortcuts) -> Result<(), AppError> {
    let _one_at_a_time = APPLYING.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = app.global_shortcut().unregister_all() {
        tracing::warn!(error = %e, "cannot release the previous global shortcuts");
    }
    register(app, shortcuts)
}

/// Registers each bound shortcut; the error names those another application holds.
fn register(app: &AppHandle, shortcuts: &Shortcuts) -> Result<(), AppError> {
    let manager = app.global_shortcut();
    let mut taken = Vec::new();
    for (action, keys) in shortcuts.bound() {
        let registered = keys
            .parse::<Shortcut>()
            .map_err(|e| e.to_string())
            .and_then(|shortcut| manager.register(shortcut).map_err(|e| e.to_string()));
        if let Err(e) = registered {
            tracing::warn!(?action, keys, error = %e, "global shortcut not available");
            taken.push(format!("{} ({})", keys.trim(), action.label()));
        }
    }
    if taken.is_empty() {
        return Ok(());
    }
    Err(AppError::Settings(format!(
        "Settings saved, but {} {} taken by another application or the desktop: choose other keys.",
        taken.join(" and "),
        if taken.len() == 1 { "is" } else { "are" }
    )))
}
