//! The UI's commands (docs/desktop.md): each forwards to the controller and returns its
//! answer, or one sentence saying what went wrong (an `AppError` serialises as that).

use std::sync::Arc;
use std::time::Duration;
use switchboard_app::devices::DeviceList;
use switchboard_app::links::Invite;
use switchboard_app::{
    About, AppError, AppState, Controller, FoundHost, JoinRequest, MeetingView, ServerCheck,
    Settings, TeamInvite, VideoRoom, VideoSend,
};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::Page;
use switchboard_protocol::api::{CallSession, InviteCode, Meeting, NewMeeting, UserInfo};
use switchboard_protocol::busy_lamp::{CampOn, NewNote, Note};
use switchboard_protocol::callbacks::{Callback, NewCallback};
use switchboard_protocol::crm::{CallOutcomes, NewCallLog};
use switchboard_protocol::webhooks::{NewWebhook, Webhook, WebhookDelivery};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

type Shared<'a> = State<'a, Arc<Controller>>;

#[tauri::command]
pub async fn app_state(controller: Shared<'_>) -> Result<AppState, AppError> {
    controller.wait_resumed(Duration::from_secs(3)).await;
    Ok(controller.app_state().await)
}

#[tauri::command]
pub async fn add_teammate(
    controller: Shared<'_>,
    full_name: String,
    username: String,
    email: String,
    password: String,
) -> Result<UserInfo, AppError> {
    controller
        .add_teammate(full_name, username, email, password)
        .await
}

#[tauri::command]
pub async fn host_team(
    controller: Shared<'_>,
    username: String,
    password: String,
    full_name: String,
    listen: Option<String>,
) -> Result<AppState, AppError> {
    controller
        .host_team(username, password, full_name, listen)
        .await
}

#[tauri::command]
pub async fn sign_in(
    controller: Shared<'_>,
    server_url: String,
    username: String,
    password: String,
    fingerprint: Option<String>,
) -> Result<AppState, AppError> {
    controller
        .sign_in(server_url, username, password, fingerprint)
        .await
}

#[tauri::command]
pub async fn check_server(
    controller: Shared<'_>,
    server_url: String,
) -> Result<ServerCheck, AppError> {
    controller.check_server(server_url).await
}

#[tauri::command]
pub async fn open_invite(controller: Shared<'_>, link: String) -> Result<Invite, AppError> {
    controller.open_invite(link).await
}

#[tauri::command]
pub async fn sign_out(controller: Shared<'_>) -> Result<AppState, AppError> {
    controller.sign_out().await
}

#[tauri::command]
pub async fn sign_out_everywhere(controller: Shared<'_>) -> Result<AppState, AppError> {
    controller.sign_out_everywhere().await
}

#[tauri::command]
pub async fn change_password(
    controller: Shared<'_>,
    current_password: String,
    new_password: String,
) -> Result<AppState, AppError> {
    controller
        .change_password(current_password, new_password)
        .await
}

#[tauri::command]
pub async fn join_team(controller: Shared<'_>, join: JoinRequest) -> Result<AppState, AppError> {
    controller.join_team(join).await
}

#[tauri::command]
pub async fn create_invite(
    controller: Shared<'_>,
    hours: Option<u32>,
) -> Result<TeamInvite, AppError> {
    controller.create_invite(hours).await
}

#[tauri::command]
pub async fn list_invites(controller: Shared<'_>) -> Result<Vec<InviteCode>, AppError> {
    controller.invites().await
}

#[tauri::command]
pub async fn revoke_invite(controller: Shared<'_>, id: i64) -> Result<InviteCode, AppError> {
    controller.revoke_invite(id).await
}

#[tauri::command]
pub async fn set_account_active(
    controller: Shared<'_>,
    user_id: i64,
    active: bool,
) -> Result<UserInfo, AppError> {
    controller.set_account_active(user_id, active).await
}

#[tauri::command]
pub async fn delete_account(controller: Shared<'_>, user_id: i64) -> Result<(), AppError> {
    controller.delete_account(user_id).await
}

#[tauri::command]
pub async fn set_status(
    controller: Shared<'_>,
    status: PresenceStatus,
    message: String,
) -> Result<(), AppError> {
    controller.set_status(status, message).await
}

#[tauri::command]
pub async fn call_user(
    controller: Shared<'_>,
    user_id: i64,
    video: bool,
) -> Result<CallSession, AppError> {
    controller.call_user(user_id, video).await
}

#[tauri::command]
pub async fn confirm_link_call(
    controller: Shared<'_>,
    call: bool,
    always: bool,
) -> Result<Option<CallSession>, AppError> {
    controller.confirm_link_call(call, always).await
}

#[tauri::command]
pub async fn answer_call(controller: Shared<'_>, call_id: i64) -> Result<CallSession, AppError> {
    controller.answer_call(call_id).await
}

#[tauri::command]
pub async fn reject_call(controller: Shared<'_>, call_id: i64) -> Result<CallSession, AppError> {
    controller.reject_call(call_id).await
}

#[tauri::command]
pub async fn decline_call(
    controller: Shared<'_>,
    call_id: i64,
    message: String,
) -> Result<CallSession, AppError> {
    controller.decline_call(call_id, message).await
}

#[tauri::command]
pub async fn log_call(
    controller: Shared<'_>,
    call_id: i64,
    log: NewCallLog,
) -> Result<CallSession, AppError> {
    controller.log_call(call_id, log).await
}

#[tauri::command]
pub async fn call_outcomes(controller: Shared<'_>) -> Result<CallOutcomes, AppError> {
    controller.call_outcomes().await
}

/// My call-backs: open ones by due time, then the last 50 done.
#[tauri::command]
pub async fn callbacks(controller: Shared<'_>) -> Result<Vec<Callback>, AppError> {
    controller.callbacks().await
}

#[tauri::command]
pub async fn create_callback(
    app: AppHandle,
    controller: Shared<'_>,
    new: NewCallback,
) -> Result<Callback, AppError> {
    let made = controller.create_callback(new).await?;
    crate::bridge::show_callbacks_due(&app, controller.inner());
    Ok(made)
}

#[tauri::command]
pub async fn complete_callback(
    app: AppHandle,
    controller: Shared<'_>,
    id: i64,
) -> Result<Callback, AppError> {
    let done = controller.complete_callback(id).await?;
    crate::bridge::show_callbacks_due(&app, controller.inner());
    Ok(done)
}

/// Due again `seconds` from now.
#[tauri::command]
pub async fn snooze_callback(
    app: AppHandle,
    controller: Shared<'_>,
    id: i64,
    seconds: i64,
) -> Result<Callback, AppError> {
    let snoozed = controller.snooze_callback(id, seconds).await?;
    crate::bridge::show_callbacks_due(&app, controller.inner());
    Ok(snoozed)
}

#[tauri::command]
pub async fn delete_callback(
    app: AppHandle,
    controller: Shared<'_>,
    id: i64,
) -> Result<(), AppError> {
    controller.delete_callback(id).await?;
    crate::bridge::show_callbacks_due(&app, controller.inner());
    Ok(())
}

/// Replaces the team's call outcomes (administrators only).
#[tauri::command]
pub async fn set_call_outcomes(
    controller: Shared<'_>,
    outcomes: CallOutcomes,
) -> Result<CallOutcomes, AppError> {
    controller.set_call_outcomes(outcomes).await
}

/// The team's webhook endpoints (administrators only).
#[tauri::command]
pub async fn webhooks(controller: Shared<'_>) -> Result<Vec<Webhook>, AppError> {
    controller.webhooks().await
}

#[tauri::command]
pub async fn create_webhook(controller: Shared<'_>, new: NewWebhook) -> Result<Webhook, AppError> {
    controller.create_webhook(new).await
}

#[tauri::command]
pub async fn delete_webhook(controller: Shared<'_>, id: i64) -> Result<(), AppError> {
    controller.delete_webhook(id).await
}

/// An endpoint's newest deliveries.
#[tauri::command]
pub async fn webhook_deliveries(
    controller: Shared<'_>,
    id: i64,
) -> Result<Vec<WebhookDelivery>, AppError> {
    controller.webhook_deliveries(id).await
}

/// Notes left for me, newest first.
#[tauri::command]
pub async fn notes(controller: Shared<'_>) -> Result<Vec<Note>, AppError> {
    controller.notes().await
}

/// Leaves a note for a colleague who cannot take a call now.
#[tauri::command]
pub async fn leave_note(controller: Shared<'_>, note: NewNote) -> Result<Note, AppError> {
    controller.leave_note(note).await
}

#[tauri::command]
pub async fn mark_note_read(controller: Shared<'_>, id: i64) -> Result<Note, AppError> {
    controller.mark_note_read(id).await
}

#[tauri::command]
pub async fn delete_note(controller: Shared<'_>, id: i64) -> Result<(), AppError> {
    controller.delete_note(id).await
}

/// Whom I wait for.
#[tauri::command]
pub async fn camp_ons(controller: Shared<'_>) -> Result<Vec<CampOn>, AppError> {
    controller.camp_ons().await
}

/// Tell me once when `user_id` can take calls.
#[tauri::command]
pub async fn camp_on(controller: Shared<'_>, user_id: i64) -> Result<CampOn, AppError> {
    controller.camp_on(user_id).await
}

#[tauri::command]
pub async fn cancel_camp_on(controller: Shared<'_>, id: i64) -> Result<(), AppError> {
    controller.cancel_camp_on(id).await
}

/// Calls the person back, about the call-back's record.
#[tauri::command]
pub async fn call_back(controller: Shared<'_>, id: i64) -> Result<CallSession, AppError> {
    controller.call_back(id).await
}

/// Opens a CRM record's page in the user's browser: http and https addresses only, as
/// the server checked them when the call was made.
#[tauri::command]
pub async fn open_record_page(app: AppHandle, url: String) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let web = url::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    let Some(web) = web else {
        return Err(AppError::invalid(format!(
            "{url} is not a web address; only http and https pages are opened."
        )));
    };
    app.opener()
        .open_url(web.as_str(), None::<&str>)
        .map_err(|e| AppError::invalid(format!("The browser could not be opened: {e}")))
}

#[tauri::command]
pub async fn hang_up(controller: Shared<'_>) -> Result<(), AppError> {
    controller.hang_up().await
}

#[tauri::command]
pub async fn set_muted(controller: Shared<'_>, muted: bool) -> Result<(), AppError> {
    controller.set_muted(muted).await
}

/// Team hosts answering on the local network (mDNS), for the Connect screen.
#[tauri::command]
pub async fn find_hosts(controller: Shared<'_>) -> Result<Vec<FoundHost>, AppError> {
    controller.find_hosts().await
}

/// Puts the other party of the current call through to `user_id` (a blind transfer).
#[tauri::command]
pub async fn transfer_call(controller: Shared<'_>, user_id: i64) -> Result<CallSession, AppError> {
    controller.transfer_call(user_id).await
}

/// An attended transfer: holds the call and calls `user_id` about it.
#[tauri::command]
pub async fn consult_call(controller: Shared<'_>, user_id: i64) -> Result<CallSession, AppError> {
    controller.consult_call(user_id).await
}

/// Joins the held call's other party with the colleague consulted.
#[tauri::command]
pub async fn complete_transfer(controller: Shared<'_>) -> Result<CallSession, AppError> {
    controller.complete_transfer().await
}

/// Ends the consultation and takes the held call back.
#[tauri::command]
pub async fn back_to_held(controller: Shared<'_>) -> Result<CallSession, AppError> {
    controller.back_to_held().await
}

/// Puts the current call on hold (`on`), or takes it back.
#[tauri::command]
pub async fn hold_call(controller: Shared<'_>, on: bool) -> Result<CallSession, AppError> {
    controller.hold_call(on).await
}

/// Adds a colleague to the call in progress: it grows into a meeting of the three.
#[tauri::command]
pub async fn add_to_call(controller: Shared<'_>, user_id: i64) -> Result<Meeting, AppError> {
    controller.add_to_call(user_id).await
}

/// One page (from 1) of my meetings, newest first.
#[tauri::command]
pub async fn meetings(controller: Shared<'_>, page: u32) -> Result<Page<Meeting>, AppError> {
    controller.meetings(page).await
}

/// Creates a meeting I host.
#[tauri::command]
pub async fn create_meeting(controller: Shared<'_>, new: NewMeeting) -> Result<Meeting, AppError> {
    controller.create_meeting(new).await
}

/// Deletes a meeting I host.
#[tauri::command]
pub async fn delete_meeting(controller: Shared<'_>, meeting_id: i64) -> Result<(), AppError> {
    controller.delete_meeting(meeting_id).await
}

/// Joins a meeting's audio, starting its call if nobody has.
#[tauri::command]
pub async fn join_meeting(
    controller: Shared<'_>,
    meeting_id: i64,
) -> Result<MeetingView, AppError> {
    controller.join_meeting(meeting_id).await
}

/// Leaves the meeting; the others carry on.
#[tauri::command]
pub async fn leave_meeting(controller: Shared<'_>) -> Result<(), AppError> {
    controller.leave_meeting().await
}

/// Ends the meeting for everyone in it.
#[tauri::command]
pub async fn end_meeting(controller: Shared<'_>) -> Result<(), AppError> {
    controller.end_meeting().await
}

#[tauri::command]
pub async fn set_meeting_muted(
    controller: Shared<'_>,
    muted: bool,
) -> Result<MeetingView, AppError> {
    controller.set_meeting_muted(muted).await
}

/// Turns my camera on or off in the meeting I am in.
#[tauri::command]
pub async fn set_meeting_camera(controller: Shared<'_>, on: bool) -> Result<MeetingView, AppError> {
    controller.set_meeting_camera(on).await
}

/// Sends the camera or the screen in the current call, or nothing.
#[tauri::command]
pub async fn set_video(controller: Shared<'_>, send: VideoSend) -> Result<(), AppError> {
    controller.set_video(send).await
}

#[tauri::command]
pub async fn call_history(
    controller: Shared<'_>,
    page: u32,
) -> Result<Page<CallSession>, AppError> {
    controller.call_history(page).await
}

#[tauri::command]
pub async fn list_devices() -> Result<DeviceList, AppError> {
    switchboard_app::devices::list_devices().await
}

#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    controller: Shared<'_>,
    settings: Settings,
) -> Result<Settings, AppError> {
    crate::shortcuts::check(&settings.shortcuts)?;
    let before = controller.settings().shortcuts;
    let saved = controller.save_settings(settings)?;
    if saved.shortcuts != before {
        crate::shortcuts::apply(&app, &saved.shortcuts)?;
    }
    let autolaunch = app.autolaunch();
    let applied = if saved.autostart {
        autolaunch.enable()
    } else {
        autolaunch.disable()
    };
    if let Err(e) = applied {
        // Disabling what was never enabled fails on some systems: only enabling matters.
        if saved.autostart {
            return Err(AppError::Settings(format!(
                "Settings saved, but starting with the system could not be turned on: {e}"
            )));
        }
    }
    Ok(saved)
}

/// Version and the app's folders, for the about box.
#[tauri::command]
pub async fn about(controller: Shared<'_>) -> Result<About, AppError> {
    Ok(controller.about(crate::logs::dir()))
}

/// Opens the log folder in the file manager, for support.
#[tauri::command]
pub async fn open_log_folder(app: AppHandle) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt;
    let dir = crate::logs::dir();
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::invalid(format!(
                "The log folder {} could not be opened ({e}); open it in a file manager.",
                dir.display()
            ))
        })
}

/// Opens the call's video room (its Jitsi room from `join_info`) in the browser.
#[tauri::command]
pub async fn open_video_room(
    app: AppHandle,
    controller: Shared<'_>,
    call_id: i64,
) -> Result<VideoRoom, AppError> {
    use tauri_plugin_opener::OpenerExt;
    let room = controller.video_room(call_id).await?;
    app.opener()
        .open_url(room.url.as_str(), None::<&str>)
        .map_err(|e| AppError::invalid(format!("The browser could not be opened: {e}")))?;
    tracing::info!(call_id, domain = %room.domain, "video room opened in the browser");
    Ok(room)
}

/// Shows and focuses the main window (the callbox, after answering there).
#[tauri::command]
pub async fn show_main_window(app: AppHandle) -> Result<(), AppError> {
    crate::windows::show(&app);
    Ok(())
}

/// The page drew ringing call `call_id` (the callbox, or the main window's dialog): the
/// shell logs how long after the invite arrived (the time to ring, docs/benchmarks.md).
#[tauri::command]
pub async fn ring_shown(
    app: AppHandle,
    window: tauri::Window,
    call_id: i64,
) -> Result<(), AppError> {
    use tauri::Manager;
    if let Some(shell) = app.try_state::<Arc<crate::bridge::TauriShell>>() {
        shell.ring_on_screen(call_id, window.label());
    }
    Ok(())
}

/// Hides the callbox, kept for the next call (its page asks, once nothing rings there any
/// more). Not while a call rings: a page that saw a call end late must not hide the next
/// one; the shell hides it itself when the ringing stops.
#[tauri::command]
pub async fn close_callbox(app: AppHandle) -> Result<(), AppError> {
    use tauri::Manager;
    let rings = app
        .try_state::<Arc<crate::bridge::TauriShell>>()
        .is_some_and(|shell| shell.rings());
    if !rings {
        let _ = crate::callbox::close(&app);
    }
    Ok(())
}

/// The next picture of the call or meeting (the far end's, a member's, or our own
/// preview), as raw bytes (see video.rs), as soon as there is one; empty after a second
/// without any.
#[tauri::command]
pub async fn next_video_picture(app: AppHandle) -> Result<tauri::ipc::Response, AppError> {
    use tauri::Manager;
    let Some(shell) = app.try_state::<Arc<crate::bridge::TauriShell>>() else {
        // Not set up yet: answer after the usual wait, not at once (the page asks again).
        tokio::time::sleep(crate::video::WAIT).await;
        return Ok(tauri::ipc::Response::new(Vec::new()));
    };
    let shell = shell.inner().clone();
    Ok(tauri::ipc::Response::new(
        shell.video.next(crate::video::WAIT).await,
    ))
}
