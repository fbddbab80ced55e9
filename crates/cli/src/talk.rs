//! `call`, `listen` and `join-meeting`: real calls with audio from a tone, a WAV file or
//! the microphone, recorded to WAV or played; the talking itself is in `conversation`.

use crate::conversation::{Line, answered, converse, meet};
use crate::sound::AudioArgs;
use anyhow::{Result, anyhow, bail};
use std::time::Duration;
use switchboard_client::{Api, Engine, EngineConfig, Event};
use switchboard_protocol::CallType;
use switchboard_protocol::api::InitiateCall;
use switchboard_protocol::crm::Regarding;
use tokio::sync::broadcast;

/// `call USERNAME`.
pub async fn call(
    api: Api,
    username: &str,
    regarding: Option<Regarding>,
    audio: &AudioArgs,
    mute_after: Option<f64>,
) -> Result<()> {
    audio.check()?;
    let users = api.users().await?;
    let callee = users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
        .ok_or_else(|| {
            anyhow!("there is no user named {username:?}; `switchboard-cli users` lists everyone")
        })?;
    let name = if callee.full_name.is_empty() {
        callee.username.clone()
    } else {
        callee.full_name.clone()
    };
    let engine = Engine::start(api, EngineConfig::default()).await?;
    let mut events = engine.events();
    let about = regarding
        .as_ref()
        .map(|r| format!(" {}", about(r)))
        .unwrap_or_default();
    let call = engine
        .start_call(&InitiateCall {
            recipient_id: callee.id,
            call_type: Some(if audio.wants_video() {
                CallType::Video
            } else {
                CallType::Audio
            }),
            regarding,
        })
        .await?;
    println!("Calling {name}{about}…");
    let answered = answered(&mut events, call.id, &name).await?;
    converse(&engine, &mut events, answered, audio, mute_after).await
}

/// `about deal 4711: ACME renewal`: a call's record, as every command prints it.
pub fn about(r: &Regarding) -> String {
    format!("about {} {}: {}", r.kind, r.id, r.label)
}

/// What `listen` does with each call.
pub enum Answer {
    Accept,
    Decline,
    /// Decline with this message for the caller.
    DeclineSaying(String),
}

/// What `listen` was offered.
enum Offer {
    Call {
        call_id: i64,
        caller: String,
    },
    /// A meeting this user is in started (or a colleague added them to their call).
    Meeting {
        meeting_id: i64,
        said: String,
    },
}

/// `listen`: waits for calls and answers or declines them; with `join_meetings`, joins
/// the meetings this user is in as they start (counted like calls).
pub async fn listen(
    api: Api,
    answer: Answer,
    count: u32,
    join_meetings: bool,
    audio: &AudioArgs,
) -> Result<()> {
    audio.check()?;
    let engine = Engine::start(api, EngineConfig::default()).await?;
    let mut events = engine.events();
    println!("Listening for calls as {}.", engine.me().username);
    for _ in 0..count.max(1) {
        let offer = loop {
            match events.recv().await {
                Ok(Event::IncomingCall {
                    call_id,
                    caller_name,
                    regarding,
                    ..
                }) => {
                    let about = regarding
                        .map(|r| format!(" {}", about(&r)))
                        .unwrap_or_default();
                    let caller = format!("{caller_name}{about}");
                    break Offer::Call { call_id, caller };
                }
                Ok(Event::MeetingStarted { meeting, .. }) if join_meetings => {
                    let host = if meeting.host.full_name.is_empty() {
                        &meeting.host.username
                    } else {
                        &meeting.host.full_name
                    };
                    let said = format!("\"{}\" started (hosted by {host})", meeting.title);
                    break Offer::Meeting {
                        meeting_id: meeting.id,
                        said,
                    };
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => bail!("the engine stopped"),
            }
        };
        let (call_id, caller) = match offer {
            Offer::Call { call_id, caller } => (call_id, caller),
            Offer::Meeting { meeting_id, said } => {
                println!("Meeting {said}; joining it.");
                let line = Line::open(audio)?;
                let left = audio.duration.map(Duration::from_secs_f64);
                meet(engine.api(), meeting_id, &line, audio, left).await?;
                continue;
            }
        };
        println!("Incoming call from {caller}.");
        match &answer {
            Answer::Accept => {}
            Answer::Decline => {
                engine.reject(call_id).await?;
                println!("Rejected.");
                continue;
            }
            Answer::DeclineSaying(message) => {
                engine.decline(call_id, message).await?;
                println!("Rejected, saying \"{message}\".");
                continue;
            }
        }
        let call = engine.answer(call_id).await?;
        println!("Answered.");
        converse(&engine, &mut events, call, audio, None).await?;
    }
    Ok(())
}

/// `join-meeting ID`: talks in the meeting until the duration passes or Ctrl-C.
pub async fn join_meeting(api: Api, meeting_id: i64, audio: &AudioArgs) -> Result<()> {
    let line = Line::open(audio)?;
    let until = audio.duration.map(Duration::from_secs_f64);
    meet(&api, meeting_id, &line, audio, until).await
}
