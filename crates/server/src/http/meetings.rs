//! `/api/meetings/` and seed 002's health and video-call routes (SPEC §5).

use super::body::{JsonObject, path_id};
use super::created;
use crate::app::AppState;
use crate::domain::meetings::{self, NewMeeting};
use crate::error::ApiError;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_protocol::api::{Health, Meeting, VideoCallSession};

/// `GET /api/health/` (public).
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "healthy".into(),
        message: "Switchboard API is running".into(),
        timestamp: crate::now(),
    })
}

/// `POST /api/meetings/` `{title, participant_ids, scheduled_at?}`; the creator hosts.
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
    let meeting = state
        .store
        .write(move |tx| meetings::create(tx, auth.id, new, crate::now()))
        .await?;
    Ok(created(meeting))
}

/// `GET /api/meetings/`: meetings the user hosts or takes part in.
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<Meeting>>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |tx| meetings::list(tx, auth.id))
            .await?,
    ))
}

/// `GET /api/meetings/{id}/`.
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
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw, "meeting")?;
    state
        .store
        .write(move |tx| meetings::delete(tx, id, auth.id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/health/call/start` `{meeting_id}` → 201.
pub async fn start_video_call(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let meeting_id = body.required_id("meeting_id")?;
    let call = state
        .store
        .write(move |tx| meetings::start_video_call(tx, meeting_id, auth.id, crate::now()))
        .await?;
    Ok(created(call))
}

/// `POST /api/health/call/end` `{call_id}` → 200 with `ended_at` and `duration`.
pub async fn end_video_call(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Json<VideoCallSession>, ApiError> {
    let call_id = body.required_id("call_id")?;
    let call = state
        .store
        .write(move |tx| meetings::end_video_call(tx, call_id, auth.id, crate::now()))
        .await?;
    Ok(Json(call))
}
