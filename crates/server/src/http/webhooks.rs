//! `/api/webhooks/`: the endpoints the CRM of record is told about calls on, and each
//! one's delivery log. Administrators only.

use super::body::{JsonObject, path_id};
use super::paging::PageRequest;
use crate::app::AppState;
use crate::domain::webhooks;
use crate::error::ApiError;
use crate::session::AuthUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use switchboard_protocol::api::{ErrorBody, Page};
use switchboard_protocol::webhooks::{
    NewWebhook, SECRET_MAX, WEBHOOK_URL_MAX, Webhook, WebhookDelivery, WebhookEvent,
};

/// `GET /api/webhooks/`: every endpoint, oldest first, with its pending and failed
/// deliveries.
#[utoipa::path(
    get,
    path = "/api/webhooks",
    tag = "webhooks",
    responses(
        (status = 200, body = Vec<Webhook>),
        (status = 403, description = "Only an administrator can manage webhooks.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |tx| webhooks::list(tx, auth.id))
            .await?,
    ))
}

/// `POST /api/webhooks/` `{url, secret, events}`.
#[utoipa::path(
    post,
    path = "/api/webhooks",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, body = Webhook),
        (status = 403, description = "Only an administrator can manage webhooks.", body = ErrorBody),
        (status = 409, description = "The team has 50 webhooks already.", body = ErrorBody),
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
    let new = NewWebhook {
        url: body.required_string("url", WEBHOOK_URL_MAX)?,
        secret: body.required_secret("secret", SECRET_MAX)?,
        events: body
            .list::<String>("events")?
            .ok_or_else(|| ApiError::bad_request("events is required"))?
            .iter()
            .map(|e| e.parse::<WebhookEvent>())
            .collect::<Result<_, _>>()
            .map_err(|e| ApiError::bad_request(format!("events: {e}")))?,
    };
    let now = state.rules.clock.now();
    let hook = state
        .store
        .write(move |tx| webhooks::create(tx, auth.id, new, now))
        .await?;
    tracing::info!(webhook = hook.id, by = auth.id, url = %hook.url, "webhook registered");
    Ok(super::created(hook))
}

/// `DELETE /api/webhooks/{id}/`: the endpoint and its delivery log; what it had pending
/// is not sent.
#[utoipa::path(
    delete,
    path = "/api/webhooks/{id}",
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint to delete.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "Only an administrator can manage webhooks.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw, "webhook")?;
    state
        .store
        .write(move |tx| webhooks::delete(tx, auth.id, id))
        .await?;
    tracing::info!(webhook = id, by = auth.id, "webhook deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/webhooks/{id}/deliveries/?page=&page_size=`: newest first.
#[utoipa::path(
    get,
    path = "/api/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = i64, Path, description = "The endpoint."),
        ("page" = Option<i64>, Query, minimum = 1, description = "From 1 (the default)."),
        ("page_size" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100; 20 by default.")),
    responses(
        (status = 200, description = "Its deliveries, newest first: state, attempts, the last answer or error.", body = Page<WebhookDelivery>),
        (status = 400, description = "A query parameter is out of range.", body = ErrorBody),
        (status = 403, description = "Only an administrator can manage webhooks.", body = ErrorBody),
        (status = 404, description = "No such webhook, or no such page.", body = ErrorBody),
        super::responses::SignedIn,
    ),
    security(("token" = [])),
)]
pub async fn deliveries(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Page<WebhookDelivery>>, ApiError> {
    let id = path_id(&raw, "webhook")?;
    let request = PageRequest::parse(&params)?;
    let page = state
        .store
        .read(move |tx| webhooks::deliveries(tx, auth.id, id, request.offset(), request.page_size))
        .await?;
    Ok(Json(request.respond(
        &state,
        &headers,
        &format!("/api/webhooks/{id}/deliveries/"),
        "",
        page,
        "this webhook's deliveries",
    )?))
}
