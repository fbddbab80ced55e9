//! `/api/callbacks/`: the signed-in user's call-backs — list, create, complete, snooze,
//! delete. Each is its owner's alone: anyone else's is a 404.

use super::body::{JsonObject, path_id};
use crate::app::AppState;
use crate::domain::callbacks;
use crate::error::ApiError;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_protocol::api::ErrorBody;
use switchboard_protocol::callbacks::{Callback, Due, NewCallback};
use switchboard_protocol::crm::{NOTE_MAX, Regarding};

/// `due_at` and `due_in_seconds` from a body, as the request gave them.
fn due_fields(
    body: &JsonObject,
) -> Result<(Option<chrono::DateTime<chrono::Utc>>, Option<i64>), ApiError> {
    Ok((body.time("due_at")?, body.integer("due_in_seconds")?))
}

/// `GET /api/callbacks/`: mine, open ones first by due time, then the last 50 done.
#[utoipa::path(
    get,
    path = "/api/callbacks",
    tag = "calls",
    responses(
        (status = 200, body = Vec<Callback>),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<Callback>>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |tx| callbacks::list(tx, auth.id))
            .await?,
    ))
}

/// `POST /api/callbacks/` `{user_id, due_at | due_in_seconds, regarding?, note?, call_id?}`.
#[utoipa::path(
    post,
    path = "/api/callbacks",
    tag = "calls",
    request_body = NewCallback,
    responses(
        (status = 201, body = Callback),
        (status = 404, description = "No such user, or no such call between the two.", body = ErrorBody),
        (status = 409, description = "Too many open call-backs.", body = ErrorBody),
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
    let (due_at, due_in_seconds) = due_fields(&body)?;
    let new = NewCallback {
        user_id: body.required_id("user_id")?,
        due_at,
        due_in_seconds,
        regarding: body.object::<Regarding>("regarding")?,
        note: body.text("note", NOTE_MAX)?,
        call_id: body.id("call_id")?,
    };
    let now = state.rules.clock.now();
    let callback = state
        .store
        .write(move |tx| callbacks::create(tx, auth.id, new, now))
        .await?;
    state.callback_wake.notify_one();
    tracing::info!(callback = callback.id, owner = auth.id, "call-back created");
    Ok(super::created(callback))
}

/// `POST /api/callbacks/{id}/complete/`: done by hand (a call that connects does it too).
#[utoipa::path(
    post,
    path = "/api/callbacks/{id}/complete",
    tag = "calls",
    params(("id" = i64, Path, description = "One of your call-backs.")),
    responses(
        (status = 200, body = Callback),
        (status = 404, description = "No such call-back of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn complete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<Callback>, ApiError> {
    let id = path_id(&raw, "call-back")?;
    let now = state.rules.clock.now();
    Ok(Json(
        state
            .store
            .write(move |tx| callbacks::complete(tx, auth.id, id, now))
            .await?,
    ))
}

/// `POST /api/callbacks/{id}/snooze/` `{due_at | due_in_seconds}`: due again later.
#[utoipa::path(
    post,
    path = "/api/callbacks/{id}/snooze",
    tag = "calls",
    params(("id" = i64, Path, description = "One of your open call-backs.")),
    request_body(content = Object, description = "`due_at` (a time) or `due_in_seconds`."),
    responses(
        (status = 200, body = Callback),
        (status = 404, description = "No such call-back of yours.", body = ErrorBody),
        (status = 409, description = "It is done already.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn snooze(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
    body: JsonObject,
) -> Result<Json<Callback>, ApiError> {
    let id = path_id(&raw, "call-back")?;
    let due = match due_fields(&body)? {
        (Some(at), None) => Due::At(at),
        (None, Some(seconds)) => Due::In(seconds),
        (None, None) => return Err(ApiError::bad_request("Give due_at or due_in_seconds.")),
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "Give due_at or due_in_seconds, not both.",
            ));
        }
    };
    let now = state.rules.clock.now();
    let callback = state
        .store
        .write(move |tx| callbacks::snooze(tx, auth.id, id, due, now))
        .await?;
    state.callback_wake.notify_one();
    Ok(Json(callback))
}

/// `DELETE /api/callbacks/{id}/`.
#[utoipa::path(
    delete,
    path = "/api/callbacks/{id}",
    tag = "calls",
    params(("id" = i64, Path, description = "One of your call-backs.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such call-back of yours.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw, "call-back")?;
    state
        .store
        .write(move |tx| callbacks::delete(tx, auth.id, id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
