//! Engine events → the UI (one Tauri event, `engine`), the OS notification, the ringtone,
//! the window and the tray.

use crate::core::{AppState, Core, Shell};
use crate::notify::{self, Choice};
use crate::ringer::Ringer;
use crate::tray::Tray;
use crate::windows;
use std::sync::{Arc, Mutex, OnceLock};
use switchboard_client::{ConnectionState, Event};
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
    _ringer: Option<Ringer>,
}

pub struct TauriShell {
    app: AppHandle,
    tray: OnceLock<Option<Tray>>,
    ringing: Mutex<Option<Ringing>>,
}

impl TauriShell {
    pub fn new(app: AppHandle) -> Arc<TauriShell> {
        Arc::new(TauriShell {
            app,
            tray: OnceLock::new(),
            ringing: Mutex::new(None),
        })
    }

    pub fn set_tray(&self, tray: Option<Tray>) {
        let _ = self.tray.set(tray);
    }

    fn tray(&self) -> Option<&Tray> {
        self.tray.get().and_then(Option::as_ref)
    }

    fn ring(self: &Arc<Self>, core: &Arc<Core>, call_id: i64, caller: String) {
        let (shell, core) = (self.clone(), core.clone());
        tauri::async_runtime::spawn(async move {
            if !core.should_ring().await {
                tracing::info!(call_id, "not ringing: do not disturb");
                return;
            }
            windows::raise_for_call(&shell.app);
            let ringer = Ringer::start(
                core.settings()
                    .ring_device
                    .or(core.settings().output_device),
            );
            let choice_core = core.clone();
            let app = shell.app.clone();
            let notification = notify::incoming_call(&caller, RING_SECONDS, move |choice| {
                let core = choice_core.clone();
                tauri::async_runtime::spawn(async move {
                    let result = match choice {
                        Choice::Accept => core.answer_call(call_id).await.map(|_| ()),
                        Choice::Reject => core.reject_call(call_id).await.map(|_| ()),
                        Choice::Open => {
                            windows::show(&app);
                            Ok(())
                        }
                    };
                    if let Err(message) = result {
                        let _ = app.emit(ENGINE_EVENT, Event::Problem { message });
                    }
                });
            });
            if let Ok(mut ringing) = shell.ringing.lock() {
                *ringing = Some(Ringing {
                    call_id,
                    caller,
                    notification,
                    _ringer: ringer,
                });
            }
        });
    }

    /// The ringing call was answered, rejected, cancelled or missed.
    fn stop_ringing(&self, call_id: i64, missed: bool) {
        let Ok(mut ringing) = self.ringing.lock() else {
            return;
        };
        if ringing.as_ref().is_none_or(|r| r.call_id != call_id) {
            return;
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

/// The `{ type: 'app_state', state }` payload of the `engine` event.
#[derive(Clone, serde::Serialize)]
#[serde(tag = "type", rename = "app_state")]
struct StateEvent<'a> {
    state: &'a AppState,
}

impl Shell for TauriShell {
    fn on_state(&self, state: &AppState) {
        if let Err(e) = self.app.emit(ENGINE_EVENT, StateEvent { state }) {
            tracing::warn!(error = %e, "cannot send the app state to the UI");
        }
    }

    fn on_event(&self, event: &Event, core: &Arc<Core>) {
        if let Err(e) = self.app.emit(ENGINE_EVENT, event) {
            tracing::warn!(error = %e, "cannot send an event to the UI");
        }
        match event {
            Event::IncomingCall {
                call_id,
                caller_name,
                ..
            } => {
                // `self` is behind an Arc in the app's state; find it there.
                if let Some(shell) = self.app.try_state::<Arc<TauriShell>>() {
                    shell.inner().ring(core, *call_id, caller_name.clone());
                }
            }
            Event::CallUpdated { call } => {
                use switchboard_protocol::CallStatus;
                if call.status != CallStatus::Pending && call.status != CallStatus::Ringing {
                    self.stop_ringing(call.id, call.status == CallStatus::Missed);
                }
            }
            Event::MissedCalls { count } => {
                if let Some(tray) = self.tray() {
                    tray.set_missed(*count);
                }
            }
            Event::Connection(state) => {
                let (shell, core, state) = (self.app.clone(), core.clone(), state.clone());
                tauri::async_runtime::spawn(async move {
                    let who = core.my_name().await.unwrap_or_else(|| "Switchboard".into());
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
