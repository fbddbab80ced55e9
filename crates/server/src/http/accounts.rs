//! Accounts people control: changing one's password, signing out everywhere, an
//! administrator disabling, enabling or deleting an account, and invite codes with
//! which teammates make their own accounts.

use super::auth::{JsonOnly, check_password, start_session, too_many_tries};
use super::body::{JsonObject, path_id};
use super::created;
use crate::accounts::NewAccount;
use crate::app::AppState;
use crate::domain::invites;
use crate::domain::users::{self, AccountAction};
use crate::error::ApiError;
use crate::realtime::BusEvent;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::net::SocketAddr;
use switchboard_protocol::api::{self, ErrorBody, InviteCode, UserInfo};
use tokio::time::Instant;

/// `POST /api/auth/password` `{current_password, new_password}`.
#[utoipa::path(
    post,
    path = "/api/auth/password",
    tag = "auth",
    request_body = api::PasswordChange,
    responses(
        (status = 200, description = "Changed. Every other session is signed out and its sockets closed; this answer carries the one new token. Sent with `Cache-Control: no-store`.", body = api::LoginResponse),
        (status = 403, description = "The current password is wrong.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn change_password(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let current = body.required_secret("current_password", 1024)?;
    let new_password = body.required_secret("new_password", 1024)?;
    let user_id = auth.id;
    let record = state
        .store
        .read(move |tx| tx.user(user_id))
        .await?
        .ok_or_else(|| ApiError::not_found("Your account no longer exists."))?;
    if !check_password(&state, current, record.password_hash).await? {
        // 403, not 401: the session is fine, and a client must not sign out over it.
        return Err(ApiError::forbidden(
            "The current password is wrong; nothing was changed.",
        ));
    }
    let epoch = state
        .accounts
        .change_password(user_id, new_password)
        .await?;
    state.realtime.publish(BusEvent::CutOff {
        user_id,
        before_epoch: Some(epoch),
    });
    start_session(&state, record.info, epoch).await
}

/// `POST /api/auth/logout_everywhere`.
#[utoipa::path(
    post,
    path = "/api/auth/logout_everywhere",
    tag = "auth",
    responses(
        (status = 200, description = "Every token of this account, this one too, is refused from now on, and their sockets close.", body = api::MessageBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<api::MessageBody>, ApiError> {
    let user_id = auth.id;
    let epoch = state
        .store
        .write(move |tx| {
            let epoch = tx.bump_token_epoch(user_id)?;
            let mut p = tx.presence(user_id)?;
            if p.current_call.is_none() {
                p.status = switchboard_protocol::PresenceStatus::Offline;
                tx.save_presence(user_id, &p)?;
            }
            Ok::<_, crate::store::StorageError>(epoch)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("Your account no longer exists."))?;
    state.realtime.publish(BusEvent::CutOff {
        user_id,
        before_epoch: Some(epoch),
    });
    state.realtime.presence_changed();
    tracing::info!(user_id, "signed out everywhere");
    Ok(Json(api::MessageBody {
        message: "Signed out on every device".into(),
    }))
}

async fn administer(
    state: AppState,
    auth: AuthUser,
    raw: String,
    action: AccountAction,
) -> Result<UserInfo, ApiError> {
    let target = path_id(&raw, "user")?;
    let admin_id = auth.id;
    let user = state
        .store
        .write(move |tx| users::administer(tx, admin_id, target, action))
        .await?;
    if action != AccountAction::Enable {
        state.realtime.publish(BusEvent::CutOff {
            user_id: target,
            before_epoch: None,
        });
        state.realtime.presence_changed();
    }
    tracing::info!(
        user_id = target,
        by = admin_id,
        ?action,
        "account administered"
    );
    Ok(user)
}

/// `POST /api/users/{id}/disable` (admins only).
#[utoipa::path(
    post,
    path = "/api/users/{id}/disable",
    tag = "users",
    params(("id" = i64, Path, description = "The account to disable.")),
    responses(
        (status = 200, description = "Disabled: it cannot sign in, its tokens are refused and its sockets close.", body = api::UserInfo),
        (status = 403, description = "Only an administrator can disable accounts.", body = ErrorBody),
        (status = 404, description = "No such user.", body = ErrorBody),
        (status = 409, description = "Your own account.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn disable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<UserInfo>, ApiError> {
    administer(state, auth, raw, AccountAction::Disable)
        .await
        .map(Json)
}

/// `POST /api/users/{id}/enable` (admins only).
#[utoipa::path(
    post,
    path = "/api/users/{id}/enable",
    tag = "users",
    params(("id" = i64, Path, description = "The account to enable again.")),
    responses(
        (status = 200, description = "Enabled: it can sign in again. Tokens from before it was disabled stay refused.", body = api::UserInfo),
        (status = 403, description = "Only an administrator can enable accounts.", body = ErrorBody),
        (status = 404, description = "No such user.", body = ErrorBody),
        (status = 409, description = "Your own account.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn enable(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<UserInfo>, ApiError> {
    administer(state, auth, raw, AccountAction::Enable)
        .await
        .map(Json)
}

/// `DELETE /api/users/{id}` (admins only).
#[utoipa::path(
    delete,
    path = "/api/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The account to delete.")),
    responses(
        (status = 204, description = "Deleted: gone from the directory, its username and email free again; calls with it stay in the history under its full name."),
        (status = 403, description = "Only an administrator can delete accounts.", body = ErrorBody),
        (status = 404, description = "No such user.", body = ErrorBody),
        (status = 409, description = "Your own account.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    administer(state, auth, raw, AccountAction::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/invites` `{expires_in_hours?}` (admins only).
#[utoipa::path(
    post,
    path = "/api/invites",
    tag = "users",
    request_body = api::InviteCodeRequest,
    responses(
        (status = 201, description = "The invite and its code, shown this once. Sent with `Cache-Control: no-store`.", body = api::IssuedInviteCode),
        (status = 403, description = "Only an administrator can manage invites.", body = ErrorBody),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn create_invite(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let hours = match body.id("expires_in_hours")? {
        None => invites::DEFAULT_HOURS,
        Some(hours) => u32::try_from(hours).unwrap_or(u32::MAX),
    };
    let invite = state.accounts.invite(auth.id, hours).await?;
    Ok(super::no_store(created(invite)))
}

/// `GET /api/invites` (admins only).
#[utoipa::path(
    get,
    path = "/api/invites",
    tag = "users",
    responses(
        (status = 200, description = "Every invite, newest first, without codes.", body = Vec<api::InviteCode>),
        (status = 403, description = "Only an administrator can manage invites.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn list_invites(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<InviteCode>>, ApiError> {
    let (admin_id, now) = (auth.id, state.rules.clock.now());
    let list = state
        .store
        .read(move |tx| invites::list(tx, admin_id, now))
        .await?;
    Ok(Json(list))
}

/// `DELETE /api/invites/{id}` (admins only).
#[utoipa::path(
    delete,
    path = "/api/invites/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The invite to withdraw.")),
    responses(
        (status = 200, description = "Withdrawn: its code no longer works.", body = api::InviteCode),
        (status = 403, description = "Only an administrator can manage invites.", body = ErrorBody),
        (status = 404, description = "No such invite.", body = ErrorBody),
        (status = 409, description = "It has been used already.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn revoke_invite(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<InviteCode>, ApiError> {
    let id = path_id(&raw, "invite")?;
    let (admin_id, now) = (auth.id, state.rules.clock.now());
    let invite = state
        .store
        .write(move |tx| invites::revoke(tx, admin_id, id, now))
        .await?;
    tracing::info!(invite = id, by = admin_id, "invite withdrawn");
    Ok(Json(invite))
}

/// `POST /api/invites/redeem` `{code, username, password, email?, full_name?}`: no token.
#[utoipa::path(
    post,
    path = "/api/invites/redeem",
    tag = "auth",
    request_body = api::RedeemInvite,
    responses(
        (status = 200, description = "The account is made and signed in. Sent with `Cache-Control: no-store`.", body = api::LoginResponse),
        (status = 404, description = "No such invite code.", body = ErrorBody),
        (status = 409, description = "The code was used, withdrawn or has expired; or the username or email is taken.", body = ErrorBody),
        (status = 415, description = "The body was not sent as `Content-Type: application/json`.", body = ErrorBody),
        (status = 429, description = "Too many wrong codes from this address: wait the `Retry-After` seconds.", body = ErrorBody),
        super::responses::BadBody,
    ),
)]
pub async fn redeem_invite(
    State(state): State<AppState>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    _json: JsonOnly,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let code = body.required_string("code", 128)?;
    let account = NewAccount {
        username: body.required_string("username", 150)?,
        password: body.required_secret("password", 1024)?,
        email: body.string("email", 254)?.unwrap_or_default(),
        full_name: body.string("full_name", 200)?.unwrap_or_default(),
        is_admin: false,
    };
    // Wrong codes are guesses like wrong passwords: the same per-address throttle.
    const GUESSES: &str = "an invite code";
    if let Err(wait) = state
        .login_throttle
        .attempt(GUESSES, from.ip(), Instant::now())
    {
        return Ok(too_many_tries("wrong invite codes", wait));
    }
    // Every try that does not make an account counts: five free ones per address.
    let user = state.accounts.redeem(&code, account).await?;
    state.login_throttle.succeeded(GUESSES, from.ip());
    start_session(&state, user, 0).await
}
