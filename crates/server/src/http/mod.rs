//! The HTTP API: routes, shared state, authentication, and the layers that keep every
//! error a JSON `{"error": ...}` (SPEC §8).

mod accounts;
mod auth;
pub mod body;
mod busy_lamp;
mod callbacks;
mod calls;
mod meetings;
pub mod openapi;
pub mod origin;
mod paging;
mod presence;
mod responses;
mod users;
mod webhooks;

use crate::app::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// All routes. Paths are matched without their trailing slash (the seeds' clients send
/// one, others do not); `crate::server` strips it before routing.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/health", get(meetings::health))
        .route("/api/health/call/start", post(meetings::start_video_call))
        .route("/api/health/call/end", post(meetings::end_video_call))
        .route("/api/login", post(auth::login_with_username))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/logout", post(auth::logout))
        .route(
            "/api/auth/logout_everywhere",
            post(accounts::logout_everywhere),
        )
        .route("/api/auth/password", post(accounts::change_password))
        .route("/api/users", get(users::directory).post(users::create))
        .route("/api/users/{id}", get(users::one).delete(accounts::delete))
        .route("/api/users/{id}/disable", post(accounts::disable))
        .route("/api/users/{id}/enable", post(accounts::enable))
        .route(
            "/api/invites",
            get(accounts::list_invites).post(accounts::create_invite),
        )
        .route("/api/invites/redeem", post(accounts::redeem_invite))
        .route(
            "/api/invites/{id}",
            axum::routing::delete(accounts::revoke_invite),
        )
        .route("/api/user-presence", get(presence::everyone))
        .route(
            "/api/user-presence/online_users",
            get(presence::online_users),
        )
        .route(
            "/api/user-presence/update_my_status",
            post(presence::update_my_status),
        )
        .route("/api/user-presence/heartbeat", post(presence::heartbeat))
        .route("/api/jitsi-calls", get(calls::history))
        .route("/api/jitsi-calls/initiate_call", post(calls::initiate))
        .route("/api/jitsi-calls/active_calls", get(calls::active_calls))
        .route(
            "/api/jitsi-calls/my_active_call",
            get(calls::my_active_call),
        )
        .route("/api/jitsi-calls/{id}", get(calls::one))
        .route(
            "/api/jitsi-calls/{id}/update_status",
            post(calls::update_status),
        )
        .route("/api/jitsi-calls/{id}/transfer", post(calls::transfer))
        .route(
            "/api/jitsi-calls/{id}/add_participant",
            post(calls::add_participant),
        )
        .route("/api/jitsi-calls/{id}/join_info", get(calls::join_info))
        .route("/api/jitsi-calls/{id}/log", post(calls::log))
        .route(
            "/api/call-outcomes",
            get(calls::outcomes).put(calls::set_outcomes),
        )
        .route("/api/calls/invite", post(calls::invite))
        .route("/api/rtc/config", get(calls::rtc_config))
        .route("/api/meetings", get(meetings::list).post(meetings::create))
        .route(
            "/api/meetings/{id}",
            get(meetings::one).delete(meetings::delete),
        )
        .route(
            "/api/callbacks",
            get(callbacks::list).post(callbacks::create),
        )
        .route(
            "/api/callbacks/{id}",
            axum::routing::delete(callbacks::delete),
        )
        .route("/api/callbacks/{id}/complete", post(callbacks::complete))
        .route("/api/callbacks/{id}/snooze", post(callbacks::snooze))
        .route(
            "/api/notes",
            get(busy_lamp::inbox).post(busy_lamp::send_note),
        )
        .route(
            "/api/notes/{id}",
            axum::routing::delete(busy_lamp::delete_note),
        )
        .route("/api/notes/{id}/read", post(busy_lamp::mark_read))
        .route(
            "/api/camp-ons",
            get(busy_lamp::camp_ons).post(busy_lamp::camp_on),
        )
        .route(
            "/api/camp-ons/{id}",
            axum::routing::delete(busy_lamp::cancel_camp_on),
        )
        .route("/api/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/api/webhooks/{id}",
            axum::routing::delete(webhooks::delete),
        )
        .route("/api/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .merge(crate::realtime::router())
        .fallback(no_such_route);

    let origins =
        middleware::from_fn_with_state(state.allowed_origins.clone(), origin::check_socket_origin);
    let hosts = middleware::from_fn_with_state(origin::Hosts::of(&state), origin::check_host);
    // Around the router as a whole, not each route: `Router::layer` wraps every route in
    // its own boxed copy of these, and each request cloned one box per layer (and the
    // whole `AppState` for each middleware that held it).
    let layered = tower::ServiceBuilder::new()
        // Spans name the method and path only: query strings may carry tokens.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a request handler panicked").into_response()
        }))
        .layer(middleware::from_fn(json_errors))
        .layer(DefaultBodyLimit::max(body::MAX_BODY_BYTES))
        .layer(hosts)
        .layer(origins)
        .service(api.with_state(state));
    Router::new().fallback_service(layered)
}

async fn no_such_route(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "There is no API route {} {}; see the README's API section.",
        req.method(),
        req.uri().path()
    ))
}

/// Turns any error response that is not JSON yet (405, a body-limit 413, an extractor's
/// plain-text rejection) into `{"error": ...}`.
async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not accept {method}."),
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is larger than the 1 MiB limit.".into(),
        StatusCode::NOT_FOUND => format!("There is no API route {method} {path}."),
        other => format!(
            "The request was refused: {}.",
            other.canonical_reason().unwrap_or("client error")
        ),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut converted = ApiError::new(status, message).into_response();
    if let Some(allow) = allow {
        converted.headers_mut().insert(header::ALLOW, allow);
    }
    converted
}

/// `201 Created` with a JSON body.
pub fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

/// Runs CPU-heavy work (password hashing) off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("worker stopped: {e}")))
}

/// `Cache-Control: no-store` for responses that carry credentials.
pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
