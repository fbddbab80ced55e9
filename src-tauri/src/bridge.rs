//! Engine events → the UI (one Tauri event, `engine`), the OS notification, the ringtone,
//! the window and the tray.

use crate::notify::{self, Choice};
use crate::tray::Tray;
use crate::windows;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use switchboard_app::ringtone::Ringtone;
use switchboard_app::{AppState, Controller, Shell};
use switchboard_client::{ConnectionState, Event, MediaState};
use switchboard_protocol::CallStatus;
use tauri::{AppHandle, Emitter, Manager};

/// The event name the UI listens to.
pub const ENGINE_EVENT: &str = "engine";

/// How long the notification stays up: the server's ring timeout (SPEC: 45 s).
const RING_SECONDS: u32 = 45;

/// The call ringing now.
struct Ringing {
    call_id: i64,
    caller: String,
    notification: Option<u32>,
    _ringtone: Option<Ringtone>,
}

/// An invite on its way to the screen.
struct InviteArrived {
    call_id: i64,
    at: Instant,
    /// The window it rings in and when the shell showed it, once it has.
    window: Option<(&'static str, Instant)>,
    /// Windows that drew it, and when (a page kept loaded may draw it before it is shown).
    drawn: Vec<(String, Instant)>,
}

impl InviteArrived {
    /// When it was on screen in the window it rings in: drawn there, and shown.
    fn on_screen(&self) -> Option<(&'static str, Instant)> {
        let (window, shown) = self.window?;
        let (_, drawn) = self.drawn.iter().find(|(w, _)| w == window)?;
        Some((window, shown.max(*drawn)))
    }
}

/// Takes the invite in `arrived` and logs its time to ring once it is on screen in the
/// window it rings in (docs/benchmarks.md).
fn log_time_to_ring(arrived: &mut Option<InviteArrived>) {
    let Some((window, drawn)) = arrived.as_ref().and_then(InviteArrived::on_screen) else {
        return;
    };
    if let Some(invite) = arrived.take() {
        // Tenths of a millisecond are plenty.
        let seconds = drawn.duration_since(invite.at).as_secs_f64();
        let since_invite_ms = (seconds * 10_000.0).round() / 10.0;
        tracing::info!(
            call_id = invite.call_id,
            window,
            since_invite_ms,
            "incoming call on screen"
        );
    }
}

pub struct TauriShell {
    app: AppHandle,
    tray: OnceLock<Option<Tray>>,
    ringing: Mutex<Option<Ringing>>,
    /// The last invite to reach the engine, when, and the window it rings in once the
    /// shell has chosen, until that window reports it drawn: the in-app part of the time
    /// to ring (docs/benchmarks.md).
    invite_arrived: Mutex<Option<InviteArrived>>,
    /// Video pictures waiting for the UI to take them.
    pub video: crate::video::VideoMailbox,
}

impl TauriShell {
    pub fn new(app: AppHandle) -> Arc<TauriShell> {
        Arc::new(TauriShell {
            app,
            tray: OnceLock::new(),
            ringing: Mutex::new(None),
            invite_arrived: Mutex::new(None),
            video: Default::default(),
        })
    }

    pub fn set_tray(&self, tray: Option<Tray>) {
        let _ = self.tray.set(tray);
    }

    fn tray(&self) -> Option<&Tray> {
        self.tray.get().and_then(Option::as_ref)
    }

    fn ring(self: &Arc<Self>, controller: &Arc<Controller>, call_id: i64, caller: String) {
        let (shell, controller) = (self.clone(), controller.clone());
        tauri::async_runtime::spawn(async move {
            if !controller.should_ring().await {
                tracing::info!(call_id, "not ringing: do not disturb");
                return;
            }
            // Ringing from now on, before anything is shown: an answer or a cancel that
            // arrives meanwhile finds it, and stops whatever is already set up.
            if let Ok(mut ringing) = shell.ringing.lock() {
                *ringing = Some(Ringing {
                    call_id,
                    caller: caller.clone(),
                    notification: None,
                    _ringtone: None,
                });
            }
            if crate::callbox::wanted(&shell.app, controller.settings().incoming_call_display) {
                crate::callbox::open(&shell.app);
                shell.rings_in(call_id, crate::callbox::LABEL);
            } else {
                windows::raise_for_call(&shell.app);
                shell.rings_in(call_id, windows::MAIN);
            }
            if shell.ringing.lock().is_ok_and(|r| r.is_none()) {
                // Stopped while the callbox was being shown.
                crate::callbox::close(&shell.app);
                return;
            }
            // Opening the sound device (the first time: ALSA's plugins and a connection
            // to the sound server) and the notification's D-Bus calls block: on the
            // blocking pool, not on the one async worker that serves the window's
            // commands, which the ringing page needs to draw the call.
            tauri::async_runtime::spawn_blocking(move || {
                shell.start_ringing_sound_and_notice(&controller, call_id, &caller)
            });
        });
    }

    /// The ringtone and the OS notification of ringing call `call_id`, kept with it until
    /// it stops ringing; if it already stopped while they were being set up, the
    /// ringtone stops and the notification is withdrawn at once.
    fn start_ringing_sound_and_notice(
        &self,
        controller: &Arc<Controller>,
        call_id: i64,
        caller: &str,
    ) {
        // Each step only if the call still rings: a call answered meanwhile must not have
        // its sound device taken by a ringtone, nor a notification pop up.
        if !self.rings_call(call_id) {
            return;
        }
        let settings = controller.settings();
        let ringtone = Ringtone::start(
            settings.ring_device.or(settings.output_device),
            controller.echo_reference(),
        );
        if !self.rings_call(call_id) {
            return;
        }
        let choice_controller = controller.clone();
        let app = self.app.clone();
        let notification = notify::incoming_call(caller, RING_SECONDS, move |choice| {
            let controller = choice_controller.clone();
            tauri::async_runtime::spawn(async move {
                let result = match choice {
                    Choice::Accept => controller.answer_call(call_id).await.map(|_| ()),
                    Choice::Reject => controller.reject_call(call_id).await.map(|_| ()),
                    Choice::Open => {
                        windows::show(&app);
                        Ok(())
                    }
                };
                if let Err(e) = result {
                    let message = e.to_string();
                    let _ = app.emit(ENGINE_EVENT, Event::Problem { message });
                }
            });
        });
        if let Ok(mut ringing) = self.ringing.lock()
            && let Some(ringing) = ringing.as_mut().filter(|r| r.call_id == call_id)
        {
            ringing.notification = notification;
            ringing._ringtone = ringtone;
            return;
        }
        // It stopped meanwhile: the notification is withdrawn (D-Bus calls) outside the
        // lock, and the ringtone stops as it is dropped here.
        drop(ringtone);
        if let Some(id) = notification {
            notify::withdraw(id);
        }
    }

    /// Call `call_id` rings in `window`, shown just now: the one whose drawing
    /// [`Self::ring_on_screen`] times (the main window also draws its dialog behind a
    /// callbox).
    fn rings_in(&self, call_id: i64, window: &'static str) {
        if let Ok(mut arrived) = self.invite_arrived.lock() {
            if let Some(invite) = arrived.as_mut().filter(|a| a.call_id == call_id) {
                invite.window = Some((window, Instant::now()));
            }
            log_time_to_ring(&mut arrived);
        }
    }

    /// Whether a call rings here now (until it is answered, rejected, cancelled or missed).
    pub fn rings(&self) -> bool {
        self.ringing.lock().is_ok_and(|r| r.is_some())
    }

    fn rings_call(&self, call_id: i64) -> bool {
        self.ringing
            .lock()
            .is_ok_and(|r| r.as_ref().is_some_and(|r| r.call_id == call_id))
    }

    /// `window` drew ringing call `call_id`: logged once per call, for the window it rings
    /// in, with the time since its invite reached the engine.
    pub fn ring_on_screen(&self, call_id: i64, window: &str) {
        if let Ok(mut arrived) = self.invite_arrived.lock() {
            if let Some(invite) = arrived.as_mut().filter(|a| a.call_id == call_id) {
                invite.drawn.push((window.to_owned(), Instant::now()));
            }
            log_time_to_ring(&mut arrived);
        }
    }

    /// The ringing call was answered, rejected, cancelled or missed. Answered here while
    /// the callbox showed it (its Accept, the shortcut, the notification): the main
    /// window comes forward with the call's controls.
    fn stop_ringing(&self, controller: &Arc<Controller>, call_id: i64, status: CallStatus) {
        let Ok(mut ringing) = self.ringing.lock() else {
            return;
        };
        if ringing.as_ref().is_none_or(|r| r.call_id != call_id) {
            return;
        }
        let missed = status == CallStatus::Missed;
        if crate::callbox::close(&self.app) && status == CallStatus::Active {
            let (app, controller) = (self.app.clone(), controller.clone());
            tauri::async_runtime::spawn(async move {
                if controller.in_call(call_id).await {
                    windows::show(&app);
                }
            });
        }
        if let Some(done) = ringing.take() {
            if missed {
                notify::missed_call(done.notification, &done.caller);
            } else if let Some(id) = done.notification {
                notify::withdraw(id);
            }
        }
    }
}

/// The `{ type: 'meeting', meeting }` payload of the `engine` event (`null`: left).
#[derive(Clone, serde::Serialize)]
#[serde(tag = "type", rename = "meeting")]
struct MeetingEvent<'a> {
    meeting: Option<&'a switchboard_app::MeetingView>,
}

/// The `{ type: 'app_state', state }` payload of the `engine` event.
#[derive(Clone, serde::Serialize)]
#[serde(tag = "type", rename = "app_state")]
struct StateEvent<'a> {
    state: &'a AppState,
}

impl Shell for TauriShell {
    fn on_video(&self, picture: switchboard_app::VideoPicture) {
        self.video.put(picture);
    }

    fn on_meeting(&self, meeting: Option<&switchboard_app::MeetingView>) {
        if meeting.is_none_or(|m| m.ended.is_some()) {
            // Out of the meeting: its last pictures must not open what comes next.
            self.video.clear();
        }
        if let Err(e) = self.app.emit(ENGINE_EVENT, MeetingEvent { meeting }) {
            tracing::warn!(error = %e, "cannot send the meeting to the UI");
        }
    }

    fn on_state(&self, state: &AppState) {
        if let Err(e) = self.app.emit(ENGINE_EVENT, StateEvent { state }) {
            tracing::warn!(error = %e, "cannot send the app state to the UI");
        }
    }

    fn on_event(&self, event: &Event, controller: &Arc<Controller>) {
        if let Event::Media {
            media: MediaState::Connecting | MediaState::Ended { .. },
            ..
        } = event
        {
            self.video.clear();
        }
        if let Err(e) = self.app.emit(ENGINE_EVENT, event) {
            tracing::warn!(error = %e, "cannot send an event to the UI");
        }
        match event {
            Event::IncomingCall {
                call_id,
                caller_name,
                ..
            } => {
                if let Ok(mut arrived) = self.invite_arrived.lock() {
                    *arrived = Some(InviteArrived {
                        call_id: *call_id,
                        at: Instant::now(),
                        window: None,
                        drawn: Vec::new(),
                    });
                }
                // `self` is behind an Arc in the app's state; find it there.
                if let Some(shell) = self.app.try_state::<Arc<TauriShell>>() {
                    shell
                        .inner()
                        .ring(controller, *call_id, caller_name.clone());
                }
            }
            Event::CallUpdated { call } => {
                // A call that connected may have done a call-back.
                if call.status == CallStatus::Active {
                    show_callbacks_due(&self.app, controller);
                    push_to_talk_starts_muted(controller, call.id);
                }
                if call.status != CallStatus::Pending && call.status != CallStatus::Ringing {
                    self.stop_ringing(controller, call.id, call.status);
                }
            }
            Event::CallbackDue { callback } => {
                let (app, id) = (self.app.clone(), callback.id);
                let about = callback.regarding.as_ref().map(|r| r.label.clone());
                let person = display_name(&callback.user_details);
                let (calling, reporting, opening) = (controller.clone(), app.clone(), app.clone());
                notify::callback_due(
                    &person,
                    about.as_deref(),
                    move || {
                        tauri::async_runtime::spawn(async move {
                            if let Err(e) = calling.call_back(id).await {
                                let message = e.to_string();
                                let _ = reporting.emit(ENGINE_EVENT, Event::Problem { message });
                            }
                        });
                    },
                    move || crate::windows::show(&opening),
                );
                show_callbacks_due(&app, controller);
            }
            Event::MeetingStarted {
                meeting,
                call,
                added_to_call,
            } => {
                let (joining, reporting, opening) =
                    (controller.clone(), self.app.clone(), self.app.clone());
                let meeting_id = meeting.id;
                let join = move || {
                    tauri::async_runtime::spawn(async move {
                        if let Err(e) = joining.join_meeting(meeting_id).await {
                            let message = e.to_string();
                            let _ = reporting.emit(ENGINE_EVENT, Event::Problem { message });
                        }
                    });
                };
                let open = move || crate::windows::show(&opening);
                match added_to_call {
                    // Whoever added them hosts the meeting. As a call rings: the window
                    // raised (its dialog asks), one ring, the notification.
                    Some(added) => {
                        ring_once(&self.app, controller);
                        notify::added_to_call(
                            &display_name(&meeting.host),
                            &display_name(&added.with),
                            join,
                            open,
                        )
                    }
                    None => {
                        notify::meeting_started(&meeting.title, &call.caller.full_name, join, open)
                    }
                }
            }
            Event::NoteReceived { note } => {
                let opening = self.app.clone();
                notify::note_received(&display_name(&note.from_details), &note.text, move || {
                    crate::windows::show(&opening)
                });
            }
            Event::ColleagueAvailable { camp_on } => {
                let (calling, reporting, opening) =
                    (controller.clone(), self.app.clone(), self.app.clone());
                let user_id = camp_on.user_id;
                notify::colleague_available(
                    &display_name(&camp_on.user_details),
                    move || {
                        tauri::async_runtime::spawn(async move {
                            if let Err(e) = calling.call_user(user_id, false).await {
                                let message = e.to_string();
                                let _ = reporting.emit(ENGINE_EVENT, Event::Problem { message });
                            }
                        });
                    },
                    move || crate::windows::show(&opening),
                );
            }
            Event::MissedCalls { count } => {
                if let Some(tray) = self.tray() {
                    tray.set_missed(*count);
                }
            }
            Event::Connection(state) => {
                let (shell, controller, state) =
                    (self.app.clone(), controller.clone(), state.clone());
                tauri::async_runtime::spawn(async move {
                    let who = controller
                        .my_name()
                        .await
                        .unwrap_or_else(|| "Switchboard".into());
                    let line = match state {
                        ConnectionState::Online { .. } => format!("{who} — online"),
                        ConnectionState::Connecting => format!("{who} — connecting…"),
                        ConnectionState::Reconnecting { .. } => format!("{who} — reconnecting…"),
                        ConnectionState::Offline { .. } => format!("{who} — offline"),
                    };
                    if let Some(shell) = shell.try_state::<Arc<TauriShell>>()
                        && let Some(tray) = shell.tray()
                    {
                        tray.set_status(&line);
                    }
                });
            }
            _ => {}
        }
    }
}

/// Puts how many call-backs are due now in the tray (asked of the server, off the
/// caller's thread).
pub fn show_callbacks_due(app: &AppHandle, controller: &Arc<Controller>) {
    let (app, controller) = (app.clone(), controller.clone());
    tauri::async_runtime::spawn(async move {
        match controller.callbacks_due().await {
            Ok(count) => {
                if let Some(shell) = app.try_state::<Arc<TauriShell>>()
                    && let Some(tray) = shell.tray()
                {
                    tray.set_callbacks_due(count);
                }
            }
            Err(e) => tracing::info!(error = %e, "cannot count the call-backs due"),
        }
    });
}

/// With a push-to-talk key set, a call this app is in starts muted: the microphone is
/// open only while the key is held.
fn push_to_talk_starts_muted(controller: &Arc<Controller>, call_id: i64) {
    if controller
        .settings()
        .shortcuts
        .push_to_talk
        .trim()
        .is_empty()
    {
        return;
    }
    let controller = controller.clone();
    tauri::async_runtime::spawn(async move {
        if controller.in_call(call_id).await
            && let Err(e) = controller.set_muted(true).await
        {
            tracing::info!(error = %e, "cannot mute for push-to-talk");
        }
    });
}

/// A sentence for the UI's problem banner, from outside any command (a shortcut, the
/// callbox's window, a notification's button).
pub fn problem(app: &AppHandle, message: String) {
    let _ = app.emit(ENGINE_EVENT, Event::Problem { message });
}

/// How long being added to a call rings: one ring of the ringtone (two seconds of chord,
/// then silence); the dialog and the banner stay until Join or Decline.
const ADDED_RING: Duration = Duration::from_secs(3);

/// Raises the window and rings once, unless the user takes no calls now.
fn ring_once(app: &AppHandle, controller: &Arc<Controller>) {
    let (app, controller) = (app.clone(), controller.clone());
    tauri::async_runtime::spawn(async move {
        if !controller.should_ring().await {
            return;
        }
        windows::raise_for_call(&app);
        // Opening the device blocks: on the blocking pool, as for an incoming call.
        let settings = controller.settings();
        let echo = controller.echo_reference().clone();
        let ringtone = tauri::async_runtime::spawn_blocking(move || {
            Ringtone::start(settings.ring_device.or(settings.output_device), &echo)
        })
        .await
        .ok()
        .flatten();
        tokio::time::sleep(ADDED_RING).await;
        drop(ringtone);
    });
}

/// The full name, or the username when there is none.
fn display_name(user: &switchboard_protocol::api::UserSummary) -> String {
    if user.full_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.full_name.clone()
    }
}
