//! The controller: the state the app keeps across sign-in, hosting and calls, and the
//! engine events it notes before handing them to the shell.

use crate::directory::Directory;
use crate::error::AppError;
use crate::hosting::Host;
use crate::links::Invite;
use crate::settings::{Saved, Settings};
use crate::state::AppState;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use switchboard_client::phone::Phone;
use switchboard_client::token_store::TokenStore;
use switchboard_client::{ConnectionState, Event, MediaState};
use switchboard_media::devices::{DeviceHandle, EchoReference, VoicePath};
use tokio::sync::{broadcast, watch};

/// Where the app keeps its files.
#[derive(Clone, Debug)]
pub struct Paths {
    pub settings_file: PathBuf,
    pub data_dir: PathBuf,
}

/// Receives every engine event after the controller has noted it (the shell's glue).
pub trait Shell: Send + Sync + 'static {
    fn on_event(&self, event: &Event, controller: &Arc<Controller>);
    /// The controller changed the phase or the user list by itself (start-up sign-in
    /// done, a teammate added): the UI redraws from `state`.
    fn on_state(&self, state: &AppState);
    /// A picture of a video call to draw (the far end's, or this side's preview). Called
    /// on the video threads, up to 30 times a second: keep it, do not wait.
    fn on_video(&self, _picture: crate::picture::VideoPicture) {}
    /// The meeting this app is in changed (people, levels: up to five times a second);
    /// `None` once it has left. A view with `ended` set says why it is out of it.
    fn on_meeting(&self, _meeting: Option<&crate::meeting_view::MeetingView>) {}
}

/// One signed-in user.
pub(crate) struct Session {
    pub phone: Arc<Phone>,
    pub server_url: String,
    pub forward: tokio::task::JoinHandle<()>,
}

/// What the event stream last said, for redrawing the UI from scratch.
#[derive(Default)]
pub(crate) struct Live {
    pub connection: Option<ConnectionState>,
    pub media: Option<(i64, MediaState)>,
    pub directory: Directory,
    /// An invite link opened and not used yet: the sign-in form fills itself from it.
    pub invite: Option<Invite>,
    /// A call link opened and not yet confirmed or cancelled.
    pub link_call: Option<crate::state::LinkCall>,
    /// The call ringing here now (the engine's last invite, until its status moves on),
    /// for the callbox and the global "answer" shortcut.
    pub ringing: Option<crate::state::RingingCall>,
}

pub struct Controller {
    pub(crate) paths: Paths,
    saved: Mutex<Saved>,
    pub(crate) tokens: TokenStore,
    pub(crate) session: tokio::sync::Mutex<Option<Session>>,
    pub(crate) host: tokio::sync::Mutex<Option<Host>>,
    /// The meeting this app is in, if any.
    pub(crate) meeting: tokio::sync::Mutex<Option<crate::meeting_view::InMeeting>>,
    live: Mutex<Live>,
    /// The sound devices of the call in progress, for switching mid-call.
    pub(crate) devices: Arc<Mutex<Option<[DeviceHandle; 2]>>>,
    /// The microphone's processing settings and what the speakers play (the call and
    /// the ringtone), for as long as the app runs; each call's microphone runs one stage
    /// with them, however many peers the call has.
    pub(crate) voice: VoicePath,
    /// True once `resume` has finished, so the first `app_state` does not show the
    /// sign-in screen for a moment before the saved sign-in completes.
    resumed: watch::Sender<bool>,
    pub(crate) shell: Arc<dyn Shell>,
    /// Whether "away" is auto-away's doing and what it replaced, and when it last looked.
    pub(crate) auto_away: Mutex<(crate::auto_away::AutoAway, Option<std::time::Instant>)>,
}

impl Controller {
    pub fn new(paths: Paths, tokens: TokenStore, shell: Arc<dyn Shell>) -> Arc<Controller> {
        let saved = Saved::load(&paths.settings_file);
        let voice = VoicePath::new(saved.settings.voice);
        Arc::new(Controller {
            paths,
            saved: Mutex::new(saved),
            tokens,
            session: tokio::sync::Mutex::new(None),
            host: tokio::sync::Mutex::new(None),
            meeting: tokio::sync::Mutex::new(None),
            live: Mutex::new(Live::default()),
            devices: Arc::new(Mutex::new(None)),
            voice,
            resumed: watch::Sender::new(false),
            shell,
            auto_away: Mutex::new(Default::default()),
        })
    }

    pub(crate) fn saved(&self) -> Saved {
        self.saved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn update_saved(&self, change: impl FnOnce(&mut Saved)) -> Result<(), AppError> {
        let snapshot = {
            let mut saved = self.saved.lock().unwrap_or_else(PoisonError::into_inner);
            change(&mut saved);
            saved.clone()
        };
        snapshot
            .save(&self.paths.settings_file)
            .map_err(AppError::Settings)
    }

    pub fn settings(&self) -> Settings {
        self.saved().settings
    }

    /// Where anything played on the speakers during a call (the ringtone of a second call)
    /// must go, so the echo canceller knows it.
    pub fn echo_reference(&self) -> &EchoReference {
        &self.voice.reference
    }

    /// What the event stream last said; a panic elsewhere leaves it readable.
    pub(crate) fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// At start: hosts again if this app hosted before (or `embedded` asks), and signs
    /// in again with the keyring's token. Failures leave the app on the sign-in screen.
    pub async fn resume(self: &Arc<Self>, embedded: Option<std::net::SocketAddr>) {
        if let Err(e) = self.resume_saved(embedded).await {
            self.problem(e.to_string());
        }
        self.resumed.send_replace(true);
        let state = self.app_state().await;
        self.shell.on_state(&state);
    }

    /// Waits (at most `limit`) for `resume` to finish: a start-up sign-in normally takes
    /// a few milliseconds, and an unreachable server must not keep the window blank.
    pub async fn wait_resumed(&self, limit: Duration) {
        let mut resumed = self.resumed.subscribe();
        let _ = tokio::time::timeout(limit, resumed.wait_for(|done| *done)).await;
    }

    pub(crate) fn problem(self: &Arc<Self>, message: String) {
        tracing::warn!(%message, "problem");
        // Before any session there is no engine stream: the shell shows it directly.
        self.shell.on_event(&Event::Problem { message }, self);
    }

    pub(crate) async fn phone(&self) -> Result<Arc<Phone>, AppError> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| s.phone.clone())
            .ok_or(AppError::NotSignedIn)
    }

    /// Ends calls and stops hosting, before the process exits.
    pub async fn shut_down(&self) {
        self.sign_out_quietly().await;
        if let Some(host) = self.host.lock().await.take() {
            host.stop().await;
        }
    }

    /// Whether this app ran `call_id`'s media (another device of the user may have).
    fn ran_media_of(&self, call_id: i64) -> bool {
        self.live()
            .media
            .as_ref()
            .is_some_and(|(id, _)| *id == call_id)
    }

    fn remember(&self, event: &Event) {
        let mut live = self.live();
        match event {
            Event::Connection(state) => live.connection = Some(state.clone()),
            Event::Media { call_id, media } => live.media = Some((*call_id, media.clone())),
            Event::Directory { .. } | Event::Presence { .. } => live.directory.apply(event),
            Event::IncomingCall {
                call_id,
                from_user_id,
                caller_name,
                call_type,
                regarding,
                ..
            } => {
                live.ringing = Some(crate::state::RingingCall {
                    call_id: *call_id,
                    from_user_id: *from_user_id,
                    caller_name: caller_name.clone(),
                    call_type: *call_type,
                    regarding: regarding.clone(),
                });
            }
            Event::CallUpdated { call }
                if live.ringing.as_ref().is_some_and(|r| r.call_id == call.id)
                    && !matches!(
                        call.status,
                        switchboard_protocol::CallStatus::Pending
                            | switchboard_protocol::CallStatus::Ringing
                    ) =>
            {
                live.ringing = None;
            }
            _ => {}
        }
    }
}

/// Hands every engine event to the shell, after noting what the UI redraws from.
pub(crate) async fn forward(controller: Arc<Controller>, mut events: broadcast::Receiver<Event>) {
    loop {
        match events.recv().await {
            Ok(event) => {
                if let Event::IncomingCall { call_id, .. } = &event
                    && controller.in_meeting().await
                {
                    // One thing at a time: the caller hears why at once.
                    let (controller, call_id) = (controller.clone(), *call_id);
                    tokio::spawn(async move {
                        let message = crate::meeting_view::IN_A_MEETING.to_owned();
                        if let Err(e) = controller.decline_call(call_id, message).await {
                            tracing::warn!(call_id, error = %e, "cannot decline a call during a meeting");
                        }
                    });
                    continue;
                }
                controller.meeting_event(&event).await;
                if let Event::CallUpdated { call } = &event
                    && let Some(meeting_id) = call.escalated_to_meeting
                    && call.status.is_final()
                    && controller.ran_media_of(call.id)
                {
                    controller.follow_call_into_meeting(call.id, meeting_id);
                }
                controller.remember(&event);
                controller.shell.on_event(&event, &controller);
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(skipped = n, "the UI fell behind the engine's events");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
