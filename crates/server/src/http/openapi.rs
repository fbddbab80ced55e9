//! The OpenAPI 3.1 description of the REST API, served at `GET /api/openapi.json`.
//!
//! Generated from the handlers' `#[utoipa::path]` attributes and the protocol types'
//! schemas; `tests/openapi.rs` checks real responses of every route against it, so a
//! change to a handler or a type that the document does not follow fails the tests.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;
use switchboard_protocol::api::{self, ErrorBody};
use switchboard_protocol::{CallStatus, CallType, PresenceStatus};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard",
        description = "The REST API of a Switchboard server: sign-in, the staff directory with live presence, calls and meetings. Realtime pushes and WebRTC signaling run over the WebSocket routes listed here (their frames are described in SPEC §4). Paths may also be written with a trailing slash, as the seeds' clients do."
    ),
    paths(
        super::meetings::health,
        super::auth::login_with_username,
        super::auth::login,
        super::auth::me,
        super::auth::logout,
        super::accounts::logout_everywhere,
        super::accounts::change_password,
        super::users::directory,
        super::users::create,
        super::users::one,
        super::accounts::disable,
        super::accounts::enable,
        super::accounts::delete,
        super::accounts::create_invite,
        super::accounts::list_invites,
        super::accounts::revoke_invite,
        super::accounts::redeem_invite,
        super::presence::everyone,
        super::presence::online_users,
        super::presence::update_my_status,
        super::presence::heartbeat,
        super::calls::history,
        super::calls::initiate,
        super::calls::invite,
        super::calls::active_calls,
        super::calls::my_active_call,
        super::calls::one,
        super::calls::update_status,
        super::calls::transfer,
        super::calls::add_participant,
        super::calls::join_info,
        super::calls::log,
        super::calls::outcomes,
        super::calls::set_outcomes,
        super::calls::rtc_config,
        super::meetings::list,
        super::meetings::create,
        super::meetings::one,
        super::meetings::delete,
        super::meetings::start_video_call,
        super::meetings::end_video_call,
        super::busy_lamp::inbox,
        super::busy_lamp::send_note,
        super::busy_lamp::mark_read,
        super::busy_lamp::delete_note,
        super::busy_lamp::camp_ons,
        super::busy_lamp::camp_on,
        super::busy_lamp::cancel_camp_on,
        super::callbacks::list,
        super::callbacks::create,
        super::callbacks::complete,
        super::callbacks::snooze,
        super::callbacks::delete,
        super::webhooks::list,
        super::webhooks::create,
        super::webhooks::delete,
        super::webhooks::deliveries,
        crate::realtime::notify::handler,
        crate::realtime::signal::call_room,
        crate::realtime::signal::meeting_room,
    ),
    components(schemas(
        ErrorBody,
        api::Page<api::CallSession>,
        api::Page<api::Meeting>,
        api::Page<switchboard_protocol::webhooks::WebhookDelivery>,
        switchboard_protocol::webhooks::WebhookBody,
        CallStatus,
        CallType,
        PresenceStatus,
    )),
    modifiers(&TokenAuth),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "users", description = "The staff directory"),
        (name = "presence", description = "Who is online and reachable"),
        (name = "calls", description = "One-to-one calls"),
        (name = "meetings", description = "Meetings and their video calls (seed 002)"),
        (name = "webhooks", description = "Telling the CRM of record about calls: signed POSTs from a durable outbox (docs/crm.md)"),
        (name = "realtime", description = "WebSocket routes: notifications and signaling rooms"),
    )
)]
pub struct ApiDoc;

/// The `token` security scheme every signed-in route names.
struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The token from a sign-in, as `Authorization: Bearer <token>` or \
                         `Authorization: Token <token>`; WebSocket routes also take `?token=`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, built once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| match ApiDoc::openapi().to_json() {
    Ok(json) => json,
    Err(e) => {
        tracing::error!(error = %e, "the OpenAPI document cannot be serialised");
        String::from("{}")
    }
});

/// `GET /api/openapi.json` (public).
pub async fn document() -> Response {
    let mut response = DOCUMENT.as_str().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
