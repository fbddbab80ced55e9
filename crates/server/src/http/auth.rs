//! Sign-in, sign-out, `me`, and the [`AuthUser`] extractor every protected route uses.

use super::body::JsonObject;
use super::{blocking, no_store};
use crate::app::AppState;
use crate::auth::{decoy_hash, verify_password};
use crate::domain::presence;
use crate::error::ApiError;
use crate::session::AuthUser;
use crate::store::AccountState;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use switchboard_protocol::api::{self, LoginResponse, UserInfo};
use tokio::time::Instant;

/// `POST /api/login/` `{"username","password"}` (seed 003).
#[utoipa::path(
    post,
    path = "/api/login",
    tag = "auth",
    request_body = api::LoginRequest,
    responses(
        (status = 200, description = "Signed in (seed 003). Sent with `Cache-Control: no-store`.", body = api::LoginResponse),
        super::responses::SignInRefused,
        super::responses::BadBody,
    ),
)]
pub async fn login_with_username(
    State(state): State<AppState>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    _json: JsonOnly,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let username = body.required_string("username", 254)?;
    let password = body.required_secret("password", 1024)?;
    sign_in(&state, from.ip(), username, password).await
}

/// `POST /api/auth/login` `{"email"|"username","password"}` (seed 002).
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    request_body = api::EmailLoginRequest,
    responses(
        (status = 200, description = "Signed in (seed 002). Sent with `Cache-Control: no-store`.", body = api::LoginResponse),
        super::responses::SignInRefused,
        super::responses::BadBody,
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    _json: JsonOnly,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let name = match body.string("email", 254)? {
        Some(email) => email,
        None => body
            .string("username", 254)?
            .ok_or_else(|| ApiError::bad_request("email or username is required"))?,
    };
    let password = body.required_secret("password", 1024)?;
    sign_in(&state, from.ip(), name, password).await
}

/// 429 with `Retry-After`: the next try must wait `wait`. `what` names what was wrong
/// too often ("wrong passwords for jane").
pub(super) fn too_many_tries(what: &str, wait: std::time::Duration) -> Response {
    ApiError::too_many(wait, |seconds| {
        format!("Too many {what} from this address; wait {seconds} s before trying again.")
    })
    .into_response()
}

/// Sign-in takes JSON only. Any web page may send a `text/plain` or form POST to a
/// server on the user's network without asking first; `application/json` needs the
/// browser's CORS preflight, which this server never grants, so a page cannot try
/// passwords here in a visitor's name.
/// (Checked before the body is read, so a form body gets this answer too.)
pub struct JsonOnly;

impl<S: Send + Sync> FromRequestParts<S> for JsonOnly {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let is_json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if is_json {
            Ok(JsonOnly)
        } else {
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Sign-in takes a JSON body: send it with `Content-Type: application/json`.",
            ))
        }
    }
}

async fn sign_in(
    state: &AppState,
    from: IpAddr,
    login: String,
    password: String,
) -> Result<Response, ApiError> {
    // Counted before the check, so guesses sent all at once are counted at once.
    if let Err(wait) = state.login_throttle.attempt(&login, from, Instant::now()) {
        return Ok(too_many_tries(
            &format!("wrong passwords for {login}"),
            wait,
        ));
    }
    let name = login.clone();
    let found = state.store.read(move |tx| tx.user_by_login(&name)).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |r| r.password_hash.clone());
    if !check_password(state, password, hash).await? {
        return Err(wrong_password());
    }
    let Some(record) = found else {
        return Err(wrong_password());
    };
    // Said only to someone who knows the password.
    if record.state == AccountState::Disabled {
        return Err(crate::auth::TokenProblem::Disabled.into());
    }
    state.login_throttle.succeeded(&login, from);
    tracing::info!(user_id = record.info.id, "signed in");
    start_session(state, record.info, record.token_epoch).await
}

fn wrong_password() -> ApiError {
    ApiError::unauthorized("Wrong username or password; check both and try again.")
}

/// Verifies `password` against `hash`, at most one check per core at a time.
pub(super) async fn check_password(
    state: &AppState,
    password: String,
    hash: String,
) -> Result<bool, ApiError> {
    // The permit goes with the work: if the client leaves, the handler is dropped but
    // the blocking check runs on, and must keep its place until it ends.
    let turn = state
        .password_checks
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("password checks have stopped"))?;
    blocking(move || {
        let _turn = turn;
        verify_password(&password, &hash)
    })
    .await
}

/// Marks `user` online and answers with a new token of token epoch `epoch`.
pub(super) async fn start_session(
    state: &AppState,
    user: UserInfo,
    epoch: i64,
) -> Result<Response, ApiError> {
    let now = state.rules.clock.now();
    let user_id = user.id;
    state
        .store
        .write_keyed(move |tx| presence::heartbeat(tx, user_id, now))
        .await?;
    state.realtime.presence_changed();
    let token = state.tokens.issue(user.id, epoch, now)?;
    Ok(no_store(
        Json(LoginResponse {
            access: token.clone(),
            token,
            user,
        })
        .into_response(),
    ))
}

/// `GET /api/auth/me`.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in user.", body = api::UserInfo),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn me(State(state): State<AppState>, auth: AuthUser) -> Result<Json<UserInfo>, ApiError> {
    let user = state
        .store
        .read(move |tx| crate::domain::require_user(tx, auth.id))
        .await?;
    Ok(Json(user))
}

/// `POST /api/auth/logout`: revokes this token; the user appears offline unless another
/// device of theirs holds a notification socket.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "auth",
    responses(
        (status = 200, description = "The token is revoked and its sockets closed.", body = api::MessageBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn logout(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<api::MessageBody>, ApiError> {
    let AuthUser { id, token } = auth;
    let jti = token.jti.clone();
    state
        .store
        .write(move |tx| {
            tx.revoke_token(&token.jti, token.expires_at)?;
            let mut p = tx.presence(id)?;
            if p.open_sockets == 0 && p.current_call.is_none() {
                p.status = switchboard_protocol::PresenceStatus::Offline;
                tx.save_presence(id, &p)?;
            }
            Ok::<_, crate::store::StorageError>(())
        })
        .await?;
    // Sockets opened with this token close now (notification and signaling alike).
    state
        .realtime
        .publish(crate::realtime::BusEvent::Revoked { jti });
    state.realtime.presence_changed();
    tracing::info!(user_id = id, "signed out");
    Ok(Json(api::MessageBody {
        message: "Signed out".into(),
    }))
}
