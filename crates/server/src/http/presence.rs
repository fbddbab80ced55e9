//! `/api/user-presence/` (SPEC §2).

use super::body::JsonObject;
use crate::app::AppState;
use crate::domain::presence::{self, StatusUpdate};
use crate::domain::require_user;
use crate::error::ApiError;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use switchboard_protocol::api;
use switchboard_protocol::api::UserPresence;

/// `GET /api/user-presence/`: everyone's presence.
#[utoipa::path(
    get,
    path = "/api/user-presence",
    tag = "presence",
    responses(
        (status = 200, description = "Everyone's presence, the caller's too.", body = Vec<api::UserPresence>),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn everyone(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> Result<Json<Vec<UserPresence>>, ApiError> {
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let list = state
        .store
        .read(move |tx| {
            let now = clock.now();
            let states: std::collections::HashMap<_, _> = tx.all_presence()?.into_iter().collect();
            let default = Default::default();
            Ok::<_, crate::store::StorageError>(
                tx.users()?
                    .iter()
                    .map(|u| {
                        presence::user_presence(
                            u,
                            states.get(&u.id).unwrap_or(&default),
                            now,
                            timeout,
                        )
                    })
                    .collect(),
            )
        })
        .await?;
    Ok(Json(list))
}

/// `GET online_users/`: online and available, without the caller.
#[utoipa::path(
    get,
    path = "/api/user-presence/online_users",
    tag = "presence",
    responses(
        (status = 200, description = "Users online and taking calls, without the caller.", body = Vec<api::UserPresence>),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn online_users(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<UserPresence>>, ApiError> {
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let list = state
        .store
        .read(move |tx| presence::online_users(tx, auth.id, clock.now(), timeout))
        .await?;
    Ok(Json(list))
}

/// `POST update_my_status/` `{status?, available_for_calls?, status_message?}`.
#[utoipa::path(
    post,
    path = "/api/user-presence/update_my_status",
    tag = "presence",
    request_body = api::StatusUpdate,
    responses(
        (status = 200, description = "The caller's presence after the change. During a call the chosen status is kept for after it.", body = api::UserPresence),
        super::responses::BadBody,
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn update_my_status(
    State(state): State<AppState>,
    auth: AuthUser,
    body: JsonObject,
) -> Result<Json<UserPresence>, ApiError> {
    let update = StatusUpdate {
        status: body.parsed("status")?,
        available_for_calls: body.bool("available_for_calls")?,
        status_message: body.string("status_message", 255)?,
    };
    respond(&state, auth.id, move |tx, now| {
        presence::update_status(tx, auth.id, update, now)
    })
    .await
}

/// `POST heartbeat/`: refreshes `last_seen`; offline becomes online.
#[utoipa::path(
    post,
    path = "/api/user-presence/heartbeat",
    tag = "presence",
    responses(
        (status = 200, description = "The caller's presence; an offline user is online again. Any body is ignored.", body = api::UserPresence),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn heartbeat(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<UserPresence>, ApiError> {
    respond(&state, auth.id, move |tx, now| {
        presence::heartbeat(tx, auth.id, now)
    })
    .await
}

async fn respond(
    state: &AppState,
    user_id: i64,
    change: impl FnOnce(
        &mut dyn crate::store::Tx,
        chrono::DateTime<Utc>,
    ) -> Result<switchboard_protocol::PresenceState, crate::domain::DomainError>
    + Send
    + 'static,
) -> Result<Json<UserPresence>, ApiError> {
    let (timeout, clock) = (state.rules.presence_timeout, state.rules.clock);
    let view = state
        .store
        // Keyed: each change locks the user's own presence first.
        .write_keyed(move |tx| {
            let now = clock.now();
            let user = require_user(tx, user_id)?;
            let p = change(tx, now)?;
            Ok::<_, crate::domain::DomainError>(presence::user_presence(&user, &p, now, timeout))
        })
        .await?;
    state.realtime.presence_changed();
    Ok(Json(view))
}
