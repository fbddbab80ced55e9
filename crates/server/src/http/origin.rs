//! Which web pages may open a socket, and which host names a loopback server answers to.
//!
//! Which web pages may open a socket. A browser lets any page open a WebSocket to any
//! address it can reach, with the visitor's cookies and whatever the page knows, and
//! says which page asked in `Origin`. Native clients (the app, the CLI) send none. A page
//! from this server's own address may; so may the origins an admin allows (a CRM's web
//! app); any other page is refused before the upgrade.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `scheme://host[:port]`, lower case, without a trailing slash: how origins compare.
pub fn normalised(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Whether a socket upgrade from `origin` (the header; `None`: not a browser) to a
/// server reached as `host` (the Host header) may go ahead.
pub fn allows(allowed: &[String], origin: Option<&str>, host: Option<&str>) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let origin = normalised(origin);
    let same_origin = host.is_some_and(|host| {
        origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority == host.to_ascii_lowercase())
    });
    same_origin || allowed.contains(&origin)
}

/// Refuses WebSocket upgrades from pages this server does not allow (403, in words).
pub async fn check_socket_origin(
    State(allowed_origins): State<Arc<Vec<String>>>,
    req: Request,
    next: Next,
) -> Response {
    let is_upgrade = req
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
    if !is_upgrade {
        return next.run(req).await;
    }
    // Copied out: a borrow of the request may not live across the await (its body is
    // not Sync).
    let (origin, host) = {
        let text = |name| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        (text(header::ORIGIN), text(header::HOST))
    };
    if allows(&allowed_origins, origin.as_deref(), host.as_deref()) {
        return next.run(req).await;
    }
    let origin = origin.unwrap_or_default();
    tracing::info!(%origin, "socket refused: a web page from another origin");
    ApiError::forbidden(format!(
        "A web page from {origin} may not open Switchboard sockets. If it is your CRM, the \
         server's administrator can allow it with --allowed-origin {origin}."
    ))
    .into_response()
}

/// Whether a server bound to loopback answers a request for `host` (the Host header).
/// A page on a name the attacker controls can point that name at 127.0.0.1 (DNS
/// rebinding) and then talk to a loopback server as its own origin: sign-in attempts
/// without any preflight. IP literals and `localhost` cannot be rebound; a proxy in front
/// that passes its own public name is named with `--allowed-host`.
pub fn host_allowed(allowed: &[String], host: Option<&str>) -> bool {
    let Some(host) = host else {
        // HTTP/1.0 without Host: no browser sends that.
        return true;
    };
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(v6) = host.strip_prefix('[') {
        return v6
            .split(']')
            .next()
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host.as_str(), |(name, _)| name)
    };
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || allowed.iter().any(|a| a == name)
}

/// What [`check_host`] needs of the server's state.
#[derive(Clone)]
pub struct Hosts {
    check: bool,
    allowed: Arc<Vec<String>>,
}

impl Hosts {
    pub fn of(state: &AppState) -> Hosts {
        Hosts {
            check: state.check_host,
            allowed: state.allowed_hosts.clone(),
        }
    }
}

/// On a server bound to loopback, refuses requests for host names it was not told about
/// (403, in words).
pub async fn check_host(State(hosts): State<Hosts>, req: Request, next: Next) -> Response {
    if !hosts.check {
        return next.run(req).await;
    }
    let allowed = &hosts.allowed;
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if host_allowed(allowed, host.as_deref()) {
        return next.run(req).await;
    }
    let host = host.unwrap_or_default();
    tracing::info!(%host, "request refused: a host name this loopback server does not serve");
    ApiError::forbidden(format!(
        "This server listens on this computer only and does not answer to {host}. If a proxy forwards that name to it, start the server with --allowed-host {}.",
        host.rsplit_once(':').map_or(host.as_str(), |(name, _)| name)
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_server_answers_to_addresses_and_named_hosts_only() {
        let allowed = vec!["crm.example.com".to_owned()];
        for host in [
            "127.0.0.1:8000",
            "127.0.0.1",
            "[::1]:8000",
            "localhost:8000",
            "app.localhost",
            "CRM.example.com:443",
            "10.0.0.5:8000",
        ] {
            assert!(host_allowed(&allowed, Some(host)), "{host}");
        }
        assert!(host_allowed(&allowed, None));
        for host in [
            "evil.example:8000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[not-an-ip]:80",
            "crm.example.com.evil.example",
        ] {
            assert!(!host_allowed(&allowed, Some(host)), "{host}");
        }
    }

    #[test]
    fn pages_from_elsewhere_are_refused_and_native_clients_are_not() {
        let allowed = vec![normalised("https://crm.example.com/")];
        let host = Some("10.0.0.5:8000");
        assert!(
            allows(&allowed, None, host),
            "the app and the CLI send no Origin"
        );
        assert!(
            allows(&allowed, Some("https://10.0.0.5:8000"), host),
            "the server's own page"
        );
        assert!(
            allows(&allowed, Some("HTTPS://CRM.example.com"), host),
            "an allowed CRM"
        );
        assert!(!allows(&allowed, Some("http://evil.example"), host));
        assert!(
            !allows(&allowed, Some("null"), host),
            "a sandboxed page or a file"
        );
        assert!(
            !allows(&allowed, Some("https://10.0.0.5:8001"), host),
            "another port"
        );
        assert!(
            !allows(&[], Some("https://10.0.0.5:8000"), None),
            "no Host to compare"
        );
    }
}
