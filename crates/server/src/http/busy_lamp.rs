//! `/api/notes/` and `/api/camp-ons/`: what a caller does instead of ringing someone who
//! cannot take a call now — leave a note (pushed to them as `note_received`), or camp on
//! (told with `colleague_available` once they can take calls).

use super::body::{JsonObject, path_id};
use crate::app::AppState;
use crate::domain::busy_lamp;
use crate::error::ApiError;
use crate::realtime::{BusEvent, frame};
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_protocol::api::ErrorBody;
use switchboard_protocol::busy_lamp::{CampOn, NOTE_TEXT_MAX, NewCampOn, NewNote, Note};
use switchboard_protocol::crm::Regarding;
use switchboard_protocol::ws::Notification;

/// `GET /api/notes/`: the newest 100 notes left for me.
#[utoipa::path(
    get,
    path = "/api/notes",
    tag = "calls",
    responses((status = 200, body = Vec<Note>), super::responses::SignedIn),
    security(("token" = [])),
)]
pub async fn inbox(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<Note>>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |tx| busy_lamp::inbox(tx, auth.id))
            .await?,
    ))
}

/// `POST /api/notes/` `{user_id, text, regarding?}`: pushed to them at once.
#[utoipa::path(
    post,
    path = "/api/notes",
    tag = "calls",
    request_body = NewNote,
    responses(
        (status = 201, body = Note),
        (status = 404, description = "No such user.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn send_note(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let new = NewNote {
        user_id: body.required_id("user_id")?,
        text: body
            .text("text", NOTE_TEXT_MAX)?
            .ok_or_else(|| ApiError::bad_request("text is required"))?,
        regarding: body.object::<Regarding>("regarding")?,
    };
    let now = state.rules.clock.now();
    let note = state
        .store
        .write(move |tx| busy_lamp::send_note(tx, auth.id, new, now))
        .await?;
    state.realtime.publish(BusEvent::ToUser {
        user_id: note.to_user_id,
        frame: frame(&Notification::NoteReceived {
            note: Box::new(note.clone()),
        }),
        invite_call: None,
    });
    Ok(super::created(note))
}

/// `POST /api/notes/{id}/read/`.
#[utoipa::path(
    post,
    path = "/api/notes/{id}/read",
    tag = "calls",
    params(("id" = i64, Path, description = "A note left for you.")),
    responses(
        (status = 200, body = Note),
        (status = 404, description = "No such note of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn mark_read(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<Note>, ApiError> {
    let id = path_id(&raw, "note")?;
    let now = state.rules.clock.now();
    Ok(Json(
        state
            .store
            .write(move |tx| busy_lamp::mark_read(tx, auth.id, id, now))
            .await?,
    ))
}

/// `DELETE /api/notes/{id}/`.
#[utoipa::path(
    delete,
    path = "/api/notes/{id}",
    tag = "calls",
    params(("id" = i64, Path, description = "A note left for you.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such note of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn delete_note(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw, "note")?;
    state
        .store
        .write(move |tx| busy_lamp::delete_note(tx, auth.id, id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/camp-ons/`: whom I wait for.
#[utoipa::path(
    get,
    path = "/api/camp-ons",
    tag = "calls",
    responses((status = 200, body = Vec<CampOn>), super::responses::SignedIn),
    security(("token" = [])),
)]
pub async fn camp_ons(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<CampOn>>, ApiError> {
    let now = state.rules.clock.now();
    Ok(Json(
        state
            .store
            .read(move |tx| busy_lamp::camp_ons(tx, auth.id, now))
            .await?,
    ))
}

/// `POST /api/camp-ons/` `{user_id, expires_in_seconds?}`: tell me once they can take
/// calls (a second one on the same person replaces the first).
#[utoipa::path(
    post,
    path = "/api/camp-ons",
    tag = "calls",
    request_body = NewCampOn,
    responses(
        (status = 201, body = CampOn),
        (status = 404, description = "No such user.", body = ErrorBody),
        (status = 409, description = "They can take calls now.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn camp_on(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let new = NewCampOn {
        user_id: body.required_id("user_id")?,
        expires_in_seconds: body.integer("expires_in_seconds")?,
    };
    let (now, timeout) = (state.rules.clock.now(), state.rules.presence_timeout);
    let camp_on = state
        .store
        .write(move |tx| busy_lamp::camp_on(tx, auth.id, new, now, timeout))
        .await?;
    Ok(super::created(camp_on))
}

/// `DELETE /api/camp-ons/{id}/`: stop waiting.
#[utoipa::path(
    delete,
    path = "/api/camp-ons/{id}",
    tag = "calls",
    params(("id" = i64, Path, description = "One of your camp-ons.")),
    responses(
        (status = 204, description = "Cancelled."),
        (status = 404, description = "No such camp-on of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn cancel_camp_on(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw, "camp-on")?;
    state
        .store
        .write(move |tx| busy_lamp::cancel_camp_on(tx, auth.id, id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
