//! The UI's commands (docs/desktop.md): each forwards to the core and returns its answer,
//! or one sentence saying what went wrong.

use crate::core::{AppState, Core};
use crate::settings::Settings;
use std::sync::Arc;
use std::time::Duration;
use switchboard_media::devices::{DeviceList, list_devices as system_devices};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::Page;
use switchboard_protocol::api::{CallSession, UserInfo};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

type Shared<'a> = State<'a, Arc<Core>>;

#[tauri::command]
pub async fn app_state(core: Shared<'_>) -> Result<AppState, String> {
    core.wait_resumed(Duration::from_secs(3)).await;
    Ok(core.app_state().await)
}

#[tauri::command]
pub async fn add_teammate(
    core: Shared<'_>,
    full_name: String,
    username: String,
    email: String,
    password: String,
) -> Result<UserInfo, String> {
    core.add_teammate(full_name, username, email, password)
        .await
}

#[tauri::command]
pub async fn host_team(
    core: Shared<'_>,
    username: String,
    password: String,
    full_name: String,
    listen: Option<String>,
) -> Result<AppState, String> {
    core.host_team(username, password, full_name, listen).await
}

#[tauri::command]
pub async fn sign_in(
    core: Shared<'_>,
    server_url: String,
    username: String,
    password: String,
) -> Result<AppState, String> {
    core.sign_in(server_url, username, password).await
}

#[tauri::command]
pub async fn sign_out(core: Shared<'_>) -> Result<AppState, String> {
    core.sign_out().await
}

#[tauri::command]
pub async fn set_status(
    core: Shared<'_>,
    status: PresenceStatus,
    message: String,
) -> Result<(), String> {
    core.set_status(status, message).await
}

#[tauri::command]
pub async fn call_user(core: Shared<'_>, user_id: i64) -> Result<CallSession, String> {
    core.call_user(user_id).await
}

#[tauri::command]
pub async fn answer_call(core: Shared<'_>, call_id: i64) -> Result<CallSession, String> {
    core.answer_call(call_id).await
}

#[tauri::command]
pub async fn reject_call(core: Shared<'_>, call_id: i64) -> Result<CallSession, String> {
    core.reject_call(call_id).await
}

#[tauri::command]
pub async fn hang_up(core: Shared<'_>) -> Result<(), String> {
    core.hang_up().await
}

#[tauri::command]
pub async fn set_muted(core: Shared<'_>, muted: bool) -> Result<(), String> {
    core.set_muted(muted).await
}

#[tauri::command]
pub async fn call_history(core: Shared<'_>, page: u32) -> Result<Page<CallSession>, String> {
    core.call_history(page).await
}

/// Device enumeration can take a moment (ALSA probes each card): off the async workers.
#[tauri::command]
pub async fn list_devices() -> Result<DeviceList, String> {
    tokio::task::spawn_blocking(system_devices)
        .await
        .map_err(|e| format!("Cannot list the sound devices: {e}"))
}

#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    core: Shared<'_>,
    settings: Settings,
) -> Result<Settings, String> {
    let saved = core.save_settings(settings)?;
    let autolaunch = app.autolaunch();
    let applied = if saved.autostart {
        autolaunch.enable()
    } else {
        autolaunch.disable()
    };
    if let Err(e) = applied {
        // Disabling what was never enabled fails on some systems: only enabling matters.
        if saved.autostart {
            return Err(format!(
                "Settings saved, but starting with the system could not be turned on: {e}"
            ));
        }
    }
    Ok(saved)
}
