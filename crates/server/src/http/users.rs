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

/// `GET /api/users/`: everyone, with presence.
pub async fn directory(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> Result<Json<Vec<DirectoryEntry>>, ApiError> {
    let timeout = state.rules.presence_timeout;
    let entries = state
        .store
        .read(move |tx| users::directory(tx, crate::now(), timeout))
        .await?;
    Ok(Json(entries))
}

/// `GET /api/users/{id}/`.
pub async fn one(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let id = path_id(&raw, "user")?;
    let timeout = state.rules.presence_timeout;
    let entry = state
        .store
        .read(move |tx| {
            users::directory(tx, crate::now(), timeout)?
                .into_iter()
                .find(|entry| entry.id == id)
                .ok_or_else(|| DomainError::NotFound(format!("There is no user with id {id}.")))
        })
        .await?;
    Ok(Json(entry))
}

/// `POST /api/users/` (admins only): `{username, password, email?, full_name?, is_admin?}`.
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
