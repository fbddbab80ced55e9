//! The phone's media: one call's sound (and pictures) from opening the devices to the
//! end, driven by the controls the phone keeps (mute, hold, video).

use super::{CONNECT_WITHIN, CallVideo, MediaHandle, Shared, VideoChange};
use crate::call::{MediaCall, MediaEnd};
use crate::events::{EndReason, Event, MediaState};
use std::any::Any;
use std::sync::Arc;
use switchboard_media::Hold;
use switchboard_media::video::VideoOptions;
use switchboard_protocol::CallType;
use switchboard_protocol::api::CallSession;
use tokio::sync::{mpsc, oneshot, watch};

pub(super) fn start_media(
    shared: Arc<Shared>,
    call: CallSession,
    muted: bool,
    hold: Hold,
) -> MediaHandle {
    let (stop, stop_rx) = oneshot::channel();
    let (muted_tx, muted_rx) = watch::channel(muted);
    let (hold_tx, hold_rx) = watch::channel(hold);
    let (video, video_rx) = mpsc::unbounded_channel();
    let controls = Controls {
        muted: muted_rx,
        hold: hold_rx,
        video: video_rx,
    };
    let task = tokio::spawn(run_media(shared, call, stop_rx, controls));
    MediaHandle {
        stop,
        muted: muted_tx,
        hold: hold_tx,
        video,
        task,
    }
}

/// What the user (and the server, for hold) changes in a running call.
struct Controls {
    muted: watch::Receiver<bool>,
    hold: watch::Receiver<Hold>,
    video: mpsc::UnboundedReceiver<VideoChange>,
}

impl Controls {
    /// Applies mute and hold: on hold, nothing is sent either way, whatever mute says.
    fn apply(&mut self, media: &MediaCall) {
        let hold = *self.hold.borrow_and_update();
        media.set_muted(*self.muted.borrow_and_update() || hold != Hold::Off);
        media.set_hold(hold);
    }
}

/// One call's media, from opening the devices to the end.
async fn run_media(
    shared: Arc<Shared>,
    call: CallSession,
    mut stop: oneshot::Receiver<()>,
    mut controls: Controls,
) {
    let call_id = call.id;
    shared.emit_media(call_id, MediaState::Connecting);
    let failure = match connect(&shared, &call, &mut stop, &mut controls).await {
        Ok(Some(media)) => return talk(&shared, call_id, media, stop, controls).await,
        // Stopped before it connected: whoever stopped it reports the end.
        Ok(None) => return,
        Err(message) => message,
    };
    tracing::warn!(call_id, %failure, "call media failed");
    give_up(&shared, call_id, EndReason::Failed, failure).await;
}

/// Opens the sound and connects; `Ok(None)` if told to stop first.
async fn connect(
    shared: &Shared,
    call: &CallSession,
    stop: &mut oneshot::Receiver<()>,
    controls: &mut Controls,
) -> Result<Option<(MediaCall, Box<dyn Any + Send>)>, String> {
    let audio = (shared.open_audio)().map_err(|e| format!("The sound devices failed: {e}"))?;
    let engine = &shared.engine;
    let mut media = MediaCall::start_with_video(
        engine.api(),
        engine.me().id,
        call,
        audio.source,
        audio.sink,
        shared.options.clone(),
        open_video(shared, call),
    )
    .await
    .map_err(|e| e.to_string())?;
    controls.apply(&media);
    media.report_to(call.id, engine.emitter());
    tokio::select! {
        connected = media.connected(CONNECT_WITHIN) => match connected {
            Ok(setup) => {
                shared.emit_media(call.id, MediaState::Connected { setup_ms: setup.as_millis() as u64 });
                Ok(Some((media, audio.keep)))
            }
            Err(e) => {
                media.hang_up().await;
                Err(format!("The audio could not connect ({e}); check your network and try again."))
            }
        },
        _ = &mut *stop => {
            media.hang_up().await;
            Ok(None)
        }
    }
}

/// A call's pictures, if this phone does video: a video call sends and receives from the
/// start, a voice call is ready for either side to turn video on. A camera that will not
/// open is said, and the call goes on: this side still sees and hears the other.
fn open_video(shared: &Shared, call: &CallSession) -> VideoOptions {
    let Some(open) = shared.open_video.as_ref() else {
        return VideoOptions::default();
    };
    let CallVideo { source, sink } = open(call.call_type);
    let source = source.unwrap_or_else(|e| {
        shared.emit(Event::Problem {
            message: format!("Your video could not start ({e}); you still see and hear them."),
        });
        None
    });
    VideoOptions {
        source,
        receive: call.call_type == CallType::Video,
        later: true,
        sink,
        ..Default::default()
    }
}

/// Runs a connected call until either side ends it.
async fn talk(
    shared: &Arc<Shared>,
    call_id: i64,
    (mut media, _keep): (MediaCall, Box<dyn Any + Send>),
    mut stop: oneshot::Receiver<()>,
    mut controls: Controls,
) {
    loop {
        tokio::select! {
            _ = &mut stop => {
                media.hang_up().await;
                return;
            }
            Some(source) = controls.video.recv() => {
                if let Err(e) = media.set_video(source).await {
                    shared.emit(Event::Problem {
                        message: format!("Your video could not change ({e}); the call goes on."),
                    });
                }
            }
            Ok(()) = controls.muted.changed() => controls.apply(&media),
            Ok(()) = controls.hold.changed() => controls.apply(&media),
            end = media.remote_end() => {
                media.hang_up().await;
                let (reason, message) = match end {
                    MediaEnd::RemoteLeft => (EndReason::Remote, None),
                    MediaEnd::MediaLost => (
                        EndReason::Lost,
                        Some("The connection to the other side was lost.".to_owned()),
                    ),
                    // Ended on the server: by the other side (its app may have gone
                    // before it could say goodbye), or a refusal to let us back in.
                    MediaEnd::Closed(why) if why == "the call ended" => (EndReason::Remote, None),
                    MediaEnd::Closed(why) => (
                        EndReason::Lost,
                        Some(format!("The server ended the call: {why}")),
                    ),
                };
                finish(shared, call_id, reason, message).await;
                return;
            }
        }
    }
}

/// The media ended by itself: forget the call, record the end, tell the UI.
async fn finish(shared: &Shared, call_id: i64, reason: EndReason, message: Option<String>) {
    {
        let mut current = shared.current.lock().await;
        // Whoever took the call from here (a hang-up, a transfer, the server's end)
        // stops the media and reports the end; and during a transfer, the transfer does.
        if current.transferring == Some(call_id)
            || current.call.as_ref().is_none_or(|c| c.id != call_id)
        {
            return;
        }
        current.call = None;
        current.media = None;
        current.ended = Some(call_id);
    }
    // The other side usually recorded the end already; this covers a lost link.
    if let Err(e) = shared.engine.end(call_id).await {
        tracing::debug!(call_id, error = %e, "end after the media stopped");
    }
    shared.emit_media(call_id, MediaState::Ended { reason, message });
}

async fn give_up(shared: &Shared, call_id: i64, reason: EndReason, message: String) {
    finish(shared, call_id, reason, Some(message.clone())).await;
    shared.emit(Event::Problem { message });
}
