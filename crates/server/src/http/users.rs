//! `/api/users/`: the directory, and admin-only account creation.

use super::body::{JsonObject, path_id};
use super::created;
use crate::accounts::NewAccount;
use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::users;
use crate::error::ApiError;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use switchboard_protocol::api::DirectoryEntry;
use switchboard_protocol::api::{self, ErrorBody};

/// `GET /api/users/`: everyone, with presence.
#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    responses(
        (status = 200, description = "Everyone, with presence.", body = Vec<api::DirectoryEntry>),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn directory(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> Result<Json<Vec<DirectoryEntry>>, ApiError> {
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let entries = state
        .store
        .read(move |tx| users::directory(tx, clock.now(), timeout))
        .await?;
    Ok(Json(entries))
}

/// `GET /api/users/{id}/`.
#[utoipa::path(
    get,
    path = "/api/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id; anything else is a 404.")),
    responses(
        (status = 200, body = api::DirectoryEntry),
        (status = 404, description = "No such user.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn one(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let id = path_id(&raw, "user")?;
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let entry = state
        .store
        .read(move |tx| {
            users::directory(tx, clock.now(), timeout)?
                .into_iter()
                .find(|entry| entry.id == id)
                .ok_or_else(|| DomainError::NotFound(format!("There is no user with id {id}.")))
        })
        .await?;
    Ok(Json(entry))
}

/// `POST /api/users/` (admins only): `{username, password, email?, full_name?, is_admin?}`.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "users",
    request_body = api::NewAccount,
    responses(
        (status = 201, description = "The new account.", body = api::UserInfo),
        (status = 403, description = "Only an administrator can create accounts.", body = ErrorBody),
        (status = 409, description = "The username or email is taken.", body = ErrorBody),
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
    let admin_id = auth.id;
    let is_admin = state
        .store
        .read(move |tx| crate::domain::require_user(tx, admin_id).map(|u| u.is_admin))
        .await?;
    if !is_admin {
        return Err(ApiError::forbidden(
            "Only an administrator can create accounts.",
        ));
    }
    let account = NewAccount {
        username: body.required_string("username", 150)?,
        password: body.required_string("password", 1024)?,
        email: body.string("email", 254)?.unwrap_or_default(),
        full_name: body.string("full_name", 200)?.unwrap_or_default(),
        is_admin: body.bool("is_admin")?.unwrap_or(false),
    };
    let info = state.accounts.create(account).await?;
    tracing::info!(
        user_id = info.id,
        by = admin_id,
        "account created by an admin"
    );
    Ok(created(info))
}
