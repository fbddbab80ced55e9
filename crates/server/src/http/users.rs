//! `/api/users/`: the directory, and admin-only account creation.

use super::body::{JsonObject, path_id};
use super::{blocking, created};
use crate::app::AppState;
use crate::auth::{hash_password, password_problem};
use crate::domain::users;
use crate::error::ApiError;
use crate::session::AuthUser;
use crate::store::{NewUser, StoreError};
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
                .ok_or_else(|| StoreError::NotFound(format!("There is no user with id {id}.")))
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
    let username = body.required_string("username", 150)?;
    let password = body.required_string("password", 1024)?;
    if let Some(problem) = password_problem(&password) {
        return Err(ApiError::bad_request(problem));
    }
    let email = body.string("email", 254)?.unwrap_or_default();
    let full_name = body.string("full_name", 200)?.unwrap_or_default();
    let make_admin = body.bool("is_admin")?.unwrap_or(false);
    if let Some(problem) =
        users::username_problem(&username).or_else(|| users::email_problem(&email))
    {
        return Err(ApiError::bad_request(problem));
    }
    let password_hash = blocking(move || hash_password(&password)).await??;
    let user = NewUser {
        username,
        email,
        full_name,
        password_hash,
        is_admin: make_admin,
    };
    let info = state
        .store
        .write(move |tx| users::create(tx, user, crate::now()))
        .await?;
    tracing::info!(user_id = info.id, by = admin_id, "account created");
    Ok(created(info))
}
