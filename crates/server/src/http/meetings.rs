//! `/api/meetings/` and seed 002's health and video-call routes (SPEC §5).

use super::body::{JsonObject, path_id};
use super::created;
use super::paging::PageRequest;
use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::meetings::{self, NewMeeting};
use crate::error::ApiError;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use switchboard_protocol::api::{self, ErrorBody};
use switchboard_protocol::api::{Health, Meeting, Page, VideoCallSession};

/// `GET /api/health/` (public).
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "meetings",
    responses(
        (status = 200, description = "The server is up.", body = api::Health),
    ),
)]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "healthy".into(),
        message: "Switchboard API is running".into(),
        timestamp: crate::now(),
    })
}

/// `POST /api/meetings/` `{title, participant_ids, scheduled_at?}`; the creator hosts.
#[utoipa::path(
    post,
    path = "/api/meetings",
    tag = "meetings",
    request_body = api::NewMeeting,
    responses(
        (status = 201, description = "The meeting, `scheduled`, hosted by the caller.", body = api::Meeting),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let new = NewMeeting {
        title: body.required_string("title", 200)?,
        participant_ids: body.id_list("participant_ids")?.unwrap_or_default(),
        scheduled_at: body.time("scheduled_at")?,
    };
    let clock = state.rules.clock;
    let meeting = state
        .store
        .write(move |tx| meetings::create(tx, auth.id, new, clock.now()))
        .await?;
    state.realtime.meeting_scheduled(&meeting);
    Ok(created(meeting))
}

/// `GET /api/meetings/?page=&page_size=`: meetings the user hosts or takes part in,
/// newest first, a page at a time (a host with 50,000 meetings cannot make one request
/// hold the database for everyone).
#[utoipa::path(
    get,
    path = "/api/meetings",
    tag = "meetings",
    params(("page" = Option<i64>, Query, minimum = 1, description = "From 1 (the default)."),
        ("page_size" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100; 20 by default.")),
    responses(
        (status = 200, description = "Meetings the caller hosts or takes part in, newest first.", body = api::Page<api::Meeting>),
        (status = 400, description = "A query parameter is out of range.", body = ErrorBody),
        (status = 404, description = "No such page.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Page<Meeting>>, ApiError> {
    let request = PageRequest::parse(&params)?;
    let page = state
        .store
        .read(move |tx| meetings::list(tx, auth.id, request.offset(), request.page_size))
        .await?;
    Ok(Json(request.respond(
        &state,
        &headers,
        "/api/meetings/",
        "",
        page,
        "your meetings",
    )?))
}

/// `GET /api/meetings/{id}/`.
#[utoipa::path(
    get,
    path = "/api/meetings/{id}",
    tag = "meetings",
    params(("id" = i64, Path, description = "The meeting's id; anything else is a 404.")),
    responses(
        (status = 200, body = api::Meeting),
        (status = 404, description = "No such meeting, or not one of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn one(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<Meeting>, ApiError> {
    let id = path_id(&raw, "meeting")?;
    Ok(Json(
        state
            .store
            .read(move |tx| meetings::get(tx, id, auth.id))
            .await?,
    ))
}

/// `DELETE /api/meetings/{id}/` → 204, also after a call (the seeds answered 500).
#[utoipa::path(
    delete,
    path = "/api/meetings/{id}",
    tag = "meetings",
    params(("id" = i64, Path, description = "The meeting's id; anything else is a 404.")),
    responses(
        (status = 204, description = "Deleted, with its calls."),
        (status = 404, description = "No such meeting, or not one of yours.", body = ErrorBody),
        (status = 403, description = "Only the host may delete a meeting.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw, "meeting")?;
    // In a task of its own: a client that goes away mid-request still has the room of
    // the meeting it deleted closed, and its members told.
    let (store, realtime) = (state.store.clone(), state.realtime.clone());
    tokio::spawn(async move {
        let meeting = store
            .write(move |tx| meetings::delete(tx, id, auth.id))
            .await?;
        realtime.meeting_deleted(&meeting);
        Ok::<_, ApiError>(())
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/health/call/start` `{meeting_id}` → 201.
#[utoipa::path(
    post,
    path = "/api/health/call/start",
    tag = "meetings",
    request_body = api::StartVideoCall,
    responses(
        (status = 201, description = "The meeting's call started; the meeting is `ongoing`.", body = api::VideoCallSession),
        (status = 404, description = "No such meeting, or not one of yours.", body = ErrorBody),
        (status = 409, description = "The meeting already has a call in progress.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn start_video_call(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let meeting_id = body.required_id("meeting_id")?;
    let clock = state.rules.clock;
    let (call, meeting) = state
        .store
        .write(move |tx| {
            let call = meetings::start_video_call(tx, meeting_id, auth.id, clock.now())?;
            Ok::<_, DomainError>((call, meetings::get(tx, meeting_id, auth.id)?))
        })
        .await?;
    state.realtime.meeting_started(&meeting, &call);
    Ok(created(call))
}

/// `POST /api/health/call/end` `{call_id}` → 200 with `ended_at` and `duration`.
#[utoipa::path(
    post,
    path = "/api/health/call/end",
    tag = "meetings",
    request_body = api::EndVideoCall,
    responses(
        (status = 200, description = "The call ended, with its duration; the meeting is `completed`.", body = api::VideoCallSession),
        (status = 404, description = "No such video call, or not one of yours.", body = ErrorBody),
        (status = 409, description = "The call has already ended.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn end_video_call(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Json<VideoCallSession>, ApiError> {
    let call_id = body.required_id("call_id")?;
    let clock = state.rules.clock;
    let (call, meeting) = state
        .store
        .write(move |tx| {
            let call = meetings::end_video_call(tx, call_id, auth.id, clock.now())?;
            Ok::<_, DomainError>((call.clone(), meetings::get(tx, call.meeting, auth.id)?))
        })
        .await?;
    state.realtime.meeting_ended(&meeting, &call);
    Ok(Json(call))
}
