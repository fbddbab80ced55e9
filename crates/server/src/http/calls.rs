//! `/api/jitsi-calls/` and seed 004's `/api/calls/invite` (SPEC §3, §6).

use super::body::{JsonObject, path_id};
use super::paging::{PageRequest, encode_query};
use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::calls::{self, Actor, InitiateError};
use crate::domain::handover;
use crate::domain::require_user;
use crate::error::ApiError;
use crate::session::AuthUser;
use crate::store::HistoryQuery;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use std::collections::HashMap;
use switchboard_protocol::api::{self, ErrorBody};
use switchboard_protocol::api::{CallEnvelope, CallSession, JoinInfo, MaybeCall, Page};
use switchboard_protocol::crm::{self, DECLINE_MESSAGE_MAX, Regarding};
use switchboard_protocol::{CallAction, CallStatus, CallType};
use tokio::time::Instant;

impl From<InitiateError> for ApiError {
    fn from(err: InitiateError) -> Self {
        match err {
            InitiateError::Domain(e) => e.into(),
            InitiateError::SelfCall => ApiError::bad_request(err.to_string()).with_code("self"),
            other => {
                let code = other.code().unwrap_or("refused");
                ApiError::conflict(other.to_string()).with_code(code)
            }
        }
    }
}

/// The optional `regarding` of a body: the CRM record the call is about, checked.
fn regarding(body: &JsonObject) -> Result<Option<Regarding>, ApiError> {
    let regarding = body.object::<Regarding>("regarding")?;
    if let Some(problem) = regarding.as_ref().and_then(Regarding::problem) {
        return Err(ApiError::bad_request(problem));
    }
    Ok(regarding)
}

async fn start_call(
    state: &AppState,
    caller: i64,
    recipient: i64,
    call_type: CallType,
    regarding: Option<Regarding>,
) -> Result<CallSession, ApiError> {
    let received = Instant::now();
    if let Err(wait) = state.call_throttle.attempt(caller, received) {
        tracing::info!(caller, recipient, "call refused: too many calls started");
        return Err(ApiError::too_many(wait, |seconds| {
            format!(
                "You have started many calls in a short time; wait {seconds} s before calling again."
            )
        }));
    }
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let random = rand::random::<u32>();
    let (store, realtime) = (state.store.clone(), state.realtime.clone());
    // Write and push in a task of their own: if the client goes away mid-request, the
    // committed call still gets its invite and its ring timer.
    let work = tokio::spawn(async move {
        let call = store
            .write_keyed(move |tx| {
                // A refusal (busy, offline, ...) is an answer: nothing was written, and it
                // goes back as it is. A failure of the rule itself rolls the call back.
                let call = calls::NewCall {
                    caller_id: caller,
                    recipient_id: recipient,
                    call_type,
                    regarding,
                };
                match calls::initiate(tx, call, clock.now(), timeout, random) {
                    Err(InitiateError::Domain(e)) => Err(e),
                    answer => Ok(answer),
                }
            })
            .await??;
        tracing::info!(call_id = call.id, caller, recipient, room = %call.room_name, "call initiated");
        realtime.call_created(&call);
        crate::metrics::invite_handled(received.elapsed());
        Ok::<_, ApiError>(call)
    });
    work.await.map_err(ApiError::internal)?
}

/// `POST initiate_call/` `{recipient_id, call_type}`.
#[utoipa::path(
    post,
    path = "/api/jitsi-calls/initiate_call",
    tag = "calls",
    request_body = api::InitiateCall,
    responses(
        (status = 200, description = "The call, `pending`; the recipient's devices get `call_invite`.", body = api::CallEnvelope),
        super::responses::CallRefused,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn initiate(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Json<CallEnvelope>, ApiError> {
    let recipient = body.required_id("recipient_id")?;
    let call_type = body.parsed::<CallType>("call_type")?.unwrap_or_default();
    let call = start_call(&state, auth.id, recipient, call_type, regarding(&body)?).await?;
    Ok(Json(CallEnvelope {
        message: "Call initiated successfully".into(),
        call_session: call,
    }))
}

/// `POST /api/calls/invite` `{receiver_id, call_type?}` (seed 004): the same call, with
/// its id at the top level as that seed's client reads it.
#[utoipa::path(
    post,
    path = "/api/calls/invite",
    tag = "calls",
    request_body = api::InviteRequest,
    responses(
        (status = 200, description = "As `initiate_call`, with the call's id at the top (seed 004).", body = api::InviteResponse),
        super::responses::CallRefused,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn invite(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Json<api::InviteResponse>, ApiError> {
    let recipient = body.required_id("receiver_id")?;
    let call_type = body.parsed::<CallType>("call_type")?.unwrap_or_default();
    let call = start_call(&state, auth.id, recipient, call_type, regarding(&body)?).await?;
    Ok(Json(api::InviteResponse {
        message: "Call initiated successfully".into(),
        call_id: call.id,
        call_session: call,
    }))
}

/// `POST {id}/update_status/` `{"action": "answer|reject|cancel|end"}`.
#[utoipa::path(
    post,
    path = "/api/jitsi-calls/{id}/update_status",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id; anything else is a 404.")),
    request_body = api::CallActionRequest,
    responses(
        (status = 200, description = "The call after the action; both parties get `call_status`.", body = api::CallEnvelope),
        (status = 404, description = "No such call, or not one of yours.", body = ErrorBody),
        (status = 403, description = "Not this participant's action (only the callee answers).", body = ErrorBody),
        (status = 409, description = "The call is not in a state that allows it (already ended, say).", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn update_status(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
    body: JsonObject,
) -> Result<Json<CallEnvelope>, ApiError> {
    let call_id = path_id(&raw, "call")?;
    let action: CallAction = body
        .parsed("action")?
        .ok_or_else(|| ApiError::bad_request("action is required"))?;
    let message = body.string("message", DECLINE_MESSAGE_MAX)?;
    if message.is_some() && action != CallAction::Reject {
        return Err(ApiError::bad_request(
            "message goes with action \"reject\" only",
        ));
    }
    let message = message.filter(|m| !m.trim().is_empty());
    let (store, realtime, clock) = (
        state.store.clone(),
        state.realtime.clone(),
        state.rules.clock,
    );
    // As for initiation: a committed change is always pushed, even if the client left.
    let work = tokio::spawn(async move {
        let done = store
            .write_keyed(move |tx| {
                calls::apply(
                    tx,
                    call_id,
                    Actor::User(auth.id),
                    action,
                    message,
                    clock.now(),
                )
            })
            .await?;
        tracing::info!(call_id, user_id = auth.id, action = action.as_str(), status = %done.call.status, "call updated");
        if done.changed {
            realtime.call_changed(&done.call);
        }
        Ok::<_, ApiError>(done)
    });
    let done = work.await.map_err(ApiError::internal)??;
    Ok(Json(CallEnvelope {
        message: action.done_message().into(),
        call_session: done.call,
    }))
}

/// `POST {id}/transfer/` `{to_user_id}`: a blind transfer by a participant of an active
/// call. The other party's call to `to_user_id` rings at once; the caller's call ends.
/// `{to_call_id}`: an attended transfer; the other party and the one consulted in
/// `to_call_id` are joined in a new call, already active, and both calls end.
#[utoipa::path(
    post,
    path = "/api/jitsi-calls/{id}/transfer",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id; anything else is a 404.")),
    request_body = api::TransferRequest,
    responses(
        (status = 200, description = "The new call, `pending` (the other party calls `to_user_id`, who gets `call_invite`) or, attended, `active`; and the old one, `completed`; both parties of each call get `call_status`.", body = api::TransferResponse),
        (status = 404, description = "No such call, or not one of yours.", body = ErrorBody),
        super::responses::CallRefused,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn transfer(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
    body: JsonObject,
) -> Result<Json<api::TransferResponse>, ApiError> {
    let call_id = path_id(&raw, "call")?;
    // A blind transfer names a person; an attended one the call with them.
    let to = match (body.id("to_user_id")?, body.id("to_call_id")?) {
        (Some(user), None) => Ok(user),
        (None, Some(call)) => Err(call),
        _ => {
            return Err(ApiError::bad_request(
                "Give either to_user_id (a blind transfer) or to_call_id (the call to join this one with).",
            ));
        }
    };
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let random = rand::random::<u32>();
    let (store, realtime) = (state.store.clone(), state.realtime.clone());
    // As for initiation: what is committed is pushed, even if the client left.
    let work = tokio::spawn(async move {
        let done = store
            .write_keyed(move |tx| {
                let now = clock.now();
                let answer = match to {
                    Ok(user) => {
                        handover::transfer(tx, call_id, auth.id, user, now, timeout, random)
                    }
                    Err(call) => {
                        handover::transfer_attended(tx, call_id, auth.id, call, now, random)
                    }
                };
                match answer {
                    Err(InitiateError::Domain(e)) => Err(e),
                    answer => Ok(answer),
                }
            })
            .await??;
        tracing::info!(
            call_id,
            by = auth.id,
            new_call = done.ringing.id,
            attended = to.is_err(),
            "call transferred"
        );
        realtime.call_changed(&done.ended);
        match &done.consulted {
            Some(consulted) => {
                // Attended: the consultation ends too, and the new call is under way.
                realtime.call_changed(consulted);
                realtime.call_changed(&done.ringing);
            }
            None => realtime.call_created(&done.ringing),
        }
        Ok::<_, ApiError>(done)
    });
    let done = work.await.map_err(ApiError::internal)??;
    Ok(Json(api::TransferResponse {
        message: "Call transferred".into(),
        call_session: done.ringing,
        transferred_call: done.ended,
    }))
}

/// `POST {id}/add_participant/` `{user_id}`: a participant of an active call adds a
/// colleague. The call grows into a meeting of the three (hosted by the one who added);
/// the 1:1 call ends pointing at it, and both its parties' apps move there.
#[utoipa::path(
    post,
    path = "/api/jitsi-calls/{id}/add_participant",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id; anything else is a 404.")),
    request_body = api::AddParticipantRequest,
    responses(
        (status = 200, description = "The meeting, `ongoing`, and its call; the 1:1 call `completed` with `escalated_to_meeting` (both parties get `call_status`; the added colleague gets `meeting_started`).", body = api::AddParticipantResponse),
        (status = 404, description = "No such call, or not one of yours.", body = ErrorBody),
        super::responses::CallRefused,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn add_participant(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
    body: JsonObject,
) -> Result<Json<api::AddParticipantResponse>, ApiError> {
    let call_id = path_id(&raw, "call")?;
    let user_id = body.required_id("user_id")?;
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let (store, realtime) = (state.store.clone(), state.realtime.clone());
    // As for initiation: what is committed is pushed, even if the client left.
    let work = tokio::spawn(async move {
        let done = store
            .write_keyed(move |tx| {
                match handover::add_participant(tx, call_id, auth.id, user_id, clock.now(), timeout)
                {
                    Err(InitiateError::Domain(e)) => Err(e),
                    answer => Ok(answer),
                }
            })
            .await??;
        tracing::info!(
            call_id,
            by = auth.id,
            added = user_id,
            meeting = done.meeting.id,
            "call grew into a meeting"
        );
        realtime.call_changed(&done.ended);
        realtime.meeting_started_for(
            &done.meeting,
            &done.meeting_call,
            &[user_id],
            Some(done.added_to_call.clone()),
        );
        Ok::<_, ApiError>(done)
    });
    let done = work.await.map_err(ApiError::internal)??;
    Ok(Json(api::AddParticipantResponse {
        message: "Participant added".into(),
        meeting: done.meeting,
        meeting_call: done.meeting_call,
        call_session: done.ended,
    }))
}

/// `GET {id}/`.
#[utoipa::path(
    get,
    path = "/api/jitsi-calls/{id}",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id; anything else is a 404.")),
    responses(
        (status = 200, body = api::CallSession),
        (status = 404, description = "No such call, or not one of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn one(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<CallSession>, ApiError> {
    let call_id = path_id(&raw, "call")?;
    let call = state
        .store
        .read(move |tx| calls::get(tx, call_id, auth.id))
        .await?;
    Ok(Json(call))
}

/// `GET active_calls/`: the caller's ringing or ongoing calls.
#[utoipa::path(
    get,
    path = "/api/jitsi-calls/active_calls",
    tag = "calls",
    responses(
        (status = 200, description = "The caller's pending, ringing or active call, if any.", body = Vec<api::CallSession>),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn active_calls(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<CallSession>>, ApiError> {
    let call = state
        .store
        .read(move |tx| calls::live_call_of(tx, auth.id))
        .await?;
    Ok(Json(call.into_iter().collect()))
}

/// `GET my_active_call/`: `{"call_session": null}` when there is none.
#[utoipa::path(
    get,
    path = "/api/jitsi-calls/my_active_call",
    tag = "calls",
    responses(
        (status = 200, description = "The caller's live call, or `{\"call_session\": null}`.", body = api::MaybeCall),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn my_active_call(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<MaybeCall>, ApiError> {
    let call = state
        .store
        .read(move |tx| calls::live_call_of(tx, auth.id))
        .await?;
    Ok(Json(MaybeCall { call_session: call }))
}

/// `GET /api/jitsi-calls/?page=&page_size=&status=`: both directions, newest first.
#[utoipa::path(
    get,
    path = "/api/jitsi-calls",
    tag = "calls",
    params(("page" = Option<i64>, Query, minimum = 1, description = "From 1 (the default)."),
        ("page_size" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100; 20 by default."),
        ("status" = Option<CallStatus>, Query, description = "Only calls with this status."),
        ("regarding_type" = Option<String>, Query, description = "With `regarding_id`: only calls about this CRM record."),
        ("regarding_id" = Option<String>, Query, description = "With `regarding_type`."),
        ("outcome" = Option<String>, Query, description = "Only calls a participant logged with this outcome."),
        ("q" = Option<String>, Query, description = "Only calls whose notes contain this text.")),
    responses(
        (status = 200, description = "The caller's calls in both directions, newest first.", body = api::Page<api::CallSession>),
        (status = 400, description = "A query parameter is out of range.", body = ErrorBody),
        (status = 404, description = "No such page.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn history(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Page<CallSession>>, ApiError> {
    let request = PageRequest::parse(&params)?;
    let status = params
        .get("status")
        .map(|s| s.parse::<CallStatus>().map_err(ApiError::bad_request))
        .transpose()?;
    let text = |key: &str, max: usize| -> Result<Option<String>, ApiError> {
        match params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
                Err(ApiError::bad_request(format!(
                    "{key} must be at most {max} characters, on one line"
                )))
            }
            other => Ok(other.map(str::to_owned)),
        }
    };
    let regarding = match (text("regarding_type", 40)?, text("regarding_id", 100)?) {
        (Some(kind), Some(id)) => Some((kind, id)),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "regarding_type and regarding_id go together",
            ));
        }
    };
    let query = HistoryQuery {
        user_id: auth.id,
        status,
        regarding,
        outcome: text("outcome", 60)?,
        note_text: text("q", 200)?,
        offset: request.offset(),
        limit: request.page_size,
    };
    let page = state
        .store
        .read(move |tx| calls::history(tx, &query))
        .await?;
    let extra: String = ["status", "regarding_type", "regarding_id", "outcome", "q"]
        .iter()
        .filter_map(|key| {
            params
                .get(*key)
                .map(|v| format!("&{key}={}", encode_query(v)))
        })
        .collect();
    Ok(Json(request.respond(
        &state,
        &headers,
        "/api/jitsi-calls/",
        &extra,
        page,
        "your call history",
    )?))
}

/// `POST {id}/log/` `{outcome?, note?}`: the signed-in participant's log of an ended call.
#[utoipa::path(
    post,
    path = "/api/jitsi-calls/{id}/log",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id; anything else is a 404.")),
    request_body = crm::NewCallLog,
    responses(
        (status = 200, description = "The call with everyone's logs.", body = api::CallSession),
        (status = 404, description = "No such call, or not one of yours.", body = ErrorBody),
        (status = 403, description = "The log was written more than 24 hours ago.", body = ErrorBody),
        (status = 409, description = "The call has not ended yet.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn log(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
    body: JsonObject,
) -> Result<Json<CallSession>, ApiError> {
    let call_id = path_id(&raw, "call")?;
    let outcome = body.string("outcome", crm::OUTCOME_MAX)?;
    let note = body.text("note", crm::NOTE_MAX)?;
    let now = state.rules.clock.now();
    let call = state
        .store
        .write(move |tx| calls::log(tx, call_id, auth.id, outcome, note, now))
        .await?;
    tracing::info!(call_id, user_id = auth.id, "call logged");
    Ok(Json(call))
}

/// `GET /api/call-outcomes/`: what a call can be logged with, in order.
#[utoipa::path(
    get,
    path = "/api/call-outcomes",
    tag = "calls",
    responses(
        (status = 200, body = crm::CallOutcomes),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn outcomes(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> Result<Json<crm::CallOutcomes>, ApiError> {
    Ok(Json(state.store.read(calls::outcomes).await?))
}

/// `PUT /api/call-outcomes/` `{outcomes: [...]}`: administrators set the team's list.
#[utoipa::path(
    put,
    path = "/api/call-outcomes",
    tag = "calls",
    request_body = crm::CallOutcomes,
    responses(
        (status = 200, body = crm::CallOutcomes),
        (status = 403, description = "Only administrators change the list.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn set_outcomes(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Json<crm::CallOutcomes>, ApiError> {
    let list = crm::CallOutcomes {
        outcomes: body
            .list::<String>("outcomes")?
            .ok_or_else(|| ApiError::bad_request("outcomes is required"))?,
    };
    let saved = list.clone();
    state
        .store
        .write(move |tx| calls::set_outcomes(tx, auth.id, &saved))
        .await?;
    Ok(Json(list))
}

/// `GET /api/rtc/config`: ICE servers in `RTCConfiguration` shape, TURN credentials
/// minted for the caller.
#[utoipa::path(
    get,
    path = "/api/rtc/config",
    tag = "calls",
    responses(
        (status = 200, description = "ICE servers in `RTCConfiguration` shape; TURN credentials are minted for the caller.", body = api::RtcConfig),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn rtc_config(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Json<switchboard_protocol::api::RtcConfig> {
    Json(crate::rtc::config_for(
        &state.rules.rtc,
        auth.id,
        crate::now().timestamp(),
    ))
}

/// `GET {id}/join_info/`: the call's Jitsi room, with a JaaS token when 8x8 is set up.
#[utoipa::path(
    get,
    path = "/api/jitsi-calls/{id}/join_info",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id; anything else is a 404.")),
    responses(
        (status = 200, description = "The call's Jitsi room, with a JaaS token when 8x8 is set up.", body = api::JoinInfo),
        (status = 404, description = "No such call, or not one of yours.", body = ErrorBody),
        (status = 409, description = "The call has ended.", body = ErrorBody),
        (status = 503, description = "Video rooms are not available on this server.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn join_info(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<JoinInfo>, ApiError> {
    let call_id = path_id(&raw, "call")?;
    let (call, user) = state
        .store
        .read(move |tx| {
            Ok::<_, DomainError>((
                calls::get(tx, call_id, auth.id)?,
                require_user(tx, auth.id)?,
            ))
        })
        .await?;
    if call.status.is_final() {
        return Err(DomainError::Conflict(format!(
            "This call has already ended ({}).",
            call.status
        ))
        .into());
    }
    // Both people in a 1:1 call moderate, so the room opens whichever of them joins first.
    let info = state
        .jitsi
        .join_info(&call.room_name, &user, true, crate::now())
        .map_err(|problem| ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, problem))?;
    Ok(Json(info))
}
