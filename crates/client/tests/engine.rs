//! The client engine against the real server, in-process on 127.0.0.1 over HTTPS with its
//! own certificate pinned (as a teammate reaches a host): errors in words,
//! incoming calls and call state, reconnect with resync after a server restart, and the
//! polling fallback against a backend without WebSockets.

use crate::common::{PASSWORD, own_tls, pinned, serve, signed_in};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_client::{
    Api, ClientError, ConnectionState, Engine, EngineConfig, Event, Fingerprint, RealtimeMode,
};
use switchboard_protocol::{CallStatus, CallType};
use switchboard_server::{Server, ServerConfig};
use tokio::sync::broadcast;

/// A team server as a host runs it (HTTPS, its own certificate), which the test can stop
/// and start again on the same address, data and certificate.
struct Backend {
    server: Option<Server>,
    config: ServerConfig,
    addr: SocketAddr,
    fingerprint: Fingerprint,
    _dir: tempfile::TempDir,
}

impl Backend {
    async fn start(names: &[&str]) -> Backend {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = own_tls(&dir);
        let server = serve(config.clone(), names).await;
        Backend {
            addr: server.local_addr(),
            fingerprint: server.fingerprint().expect("serving https"),
            server: Some(server),
            config,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A client that pins this server's certificate.
    fn api(&self) -> Api {
        pinned(&self.url(), self.fingerprint)
    }

    async fn signed_in(&self, name: &str) -> Api {
        signed_in(&self.url(), self.fingerprint, name).await
    }

    async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("shutdown");
        }
    }

    /// Starts again on the same address and data, with the certificate clients pinned.
    async fn start_again(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Server::bind(self.addr, self.config.clone()).await {
                Ok(server) => {
                    assert_eq!(
                        server.fingerprint(),
                        Some(self.fingerprint),
                        "a restarted host keeps its certificate"
                    );
                    self.server = Some(server);
                    return;
                }
                // The old listener's port may take a moment to free up.
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("cannot restart on {}: {e}", self.addr),
            }
        }
    }
}

fn fast() -> EngineConfig {
    EngineConfig {
        poll_every: Duration::from_millis(300),
        ..EngineConfig::default()
    }
}

/// The next event matching `want`, within `wait`.
async fn wait_for(
    events: &mut broadcast::Receiver<Event>,
    wait: Duration,
    want: impl Fn(&Event) -> bool,
) -> Event {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(event)) if want(&event) => return event,
            Ok(Ok(event)) => seen.push(event),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(_)) | Err(_) => break,
        }
    }
    panic!("no matching event within {wait:?}; saw {seen:#?}");
}

fn online(mode: RealtimeMode) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Connection(ConnectionState::Online { mode: m }) if *m == mode)
}

fn call_status(call_id: i64, status: CallStatus) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::CallUpdated { call } if call.id == call_id && call.status == status)
}

#[tokio::test]
async fn errors_say_what_went_wrong() {
    let backend = Backend::start(&["alice"]).await;
    let mut api = backend.api();
    let err = api
        .login("alice", "not-the-password")
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("Wrong username or password."));

    let mut nowhere = Api::new("http://127.0.0.1:1").expect("url");
    let err = nowhere
        .login("alice", PASSWORD)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("The server is unreachable at http://127.0.0.1:1"),
        "{err}"
    );

    assert!(matches!(
        Api::new("localhost:8000"),
        Err(ClientError::BadUrl(_))
    ));
    let anonymous = backend.api();
    assert!(matches!(anonymous.me().await, Err(ClientError::NoToken)));

    let api = backend.signed_in("alice").await;
    let err = api
        .initiate_call(99, CallType::Audio)
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("There is no user with id 99."));
    api.logout().await.expect("logout");
    assert!(matches!(api.me().await, Err(ClientError::SignedOut(_))));
}

/// A colleague whose account is created after sign-in shows up in the directory as
/// soon as they come online, without reconnecting.
#[tokio::test]
async fn a_colleague_added_later_joins_the_directory_when_they_come_online() {
    let backend = Backend::start(&["alice", "bob"]).await;
    let bob = Engine::start(backend.signed_in("bob").await, fast())
        .await
        .expect("engine");
    let mut events = bob.events();
    wait_for(
        &mut events,
        Duration::from_secs(5),
        online(RealtimeMode::WebSocket),
    )
    .await;
    let admin = backend.signed_in("alice").await;
    let account = switchboard_protocol::api::NewAccount {
        username: "zoe".into(),
        password: "zoe-password".into(),
        email: String::new(),
        full_name: "Zoe New".into(),
        is_admin: false,
    };
    let zoe = admin
        .create_user(&account)
        .await
        .expect("the admin adds zoe");
    let mut zoe_api = backend.api();
    zoe_api
        .login("zoe", "zoe-password")
        .await
        .expect("zoe signs in");
    let directory = wait_for(
        &mut events,
        Duration::from_secs(10),
        |e| matches!(e, Event::Directory { users } if users.iter().any(|u| u.id == zoe.id)),
    )
    .await;
    let Event::Directory { users } = directory else {
        unreachable!("matched above");
    };
    assert_eq!(users.len(), 3, "alice, bob and zoe");
}

#[tokio::test]
async fn an_incoming_call_and_its_states_reach_the_engine() {
    let backend = Backend::start(&["alice", "bob"]).await;
    let alice = backend.signed_in("alice").await;
    let bob = Engine::start(backend.signed_in("bob").await, fast())
        .await
        .expect("engine");
    let mut events = bob.events();
    wait_for(
        &mut events,
        Duration::from_secs(5),
        online(RealtimeMode::WebSocket),
    )
    .await;

    let call = alice
        .initiate_call(bob.me().id, CallType::Audio)
        .await
        .expect("call");
    let incoming = wait_for(&mut events, Duration::from_secs(5), |e| {
        matches!(e, Event::IncomingCall { .. })
    })
    .await;
    assert_eq!(
        incoming,
        Event::IncomingCall {
            call_id: call.id,
            from_user_id: call.initiator,
            caller_name: "Alice Example".into(),
            call_type: CallType::Audio,
            room_name: call.room_name.clone(),
            regarding: None,
        }
    );
    wait_for(
        &mut events,
        Duration::from_secs(5),
        call_status(call.id, CallStatus::Ringing),
    )
    .await;
    bob.answer(call.id).await.expect("answer");
    wait_for(
        &mut events,
        Duration::from_secs(5),
        call_status(call.id, CallStatus::Active),
    )
    .await;
    alice
        .update_call(call.id, switchboard_protocol::CallAction::End)
        .await
        .expect("end");
    wait_for(
        &mut events,
        Duration::from_secs(5),
        call_status(call.id, CallStatus::Completed),
    )
    .await;

    // A refusal is a sentence the UI can show as it is.
    let err = bob
        .call(999, CallType::Audio)
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("There is no user with id 999."));
}

#[tokio::test]
async fn after_a_server_restart_the_engine_is_back_within_5_s_and_misses_no_invite() {
    let mut backend = Backend::start(&["alice", "bob"]).await;
    let bob = Engine::start(backend.signed_in("bob").await, fast())
        .await
        .expect("engine");
    let mut events = bob.events();
    wait_for(
        &mut events,
        Duration::from_secs(5),
        online(RealtimeMode::WebSocket),
    )
    .await;

    backend.stop().await;
    wait_for(&mut events, Duration::from_secs(5), |e| {
        matches!(e, Event::Connection(ConnectionState::Reconnecting { .. }))
    })
    .await;
    backend.start_again().await;
    let restarted = Instant::now();
    // Alice calls at once, maybe before bob's engine is back: the invite must reach it
    // exactly once either way.
    let alice = backend.signed_in("alice").await;
    let call = alice
        .initiate_call(bob.me().id, CallType::Audio)
        .await
        .expect("call");
    wait_for(
        &mut events,
        Duration::from_secs(5),
        online(RealtimeMode::WebSocket),
    )
    .await;
    assert!(
        restarted.elapsed() < Duration::from_secs(5),
        "back online in {:?}",
        restarted.elapsed()
    );
    let incoming = wait_for(&mut events, Duration::from_secs(5), |e| {
        matches!(e, Event::IncomingCall { .. })
    })
    .await;
    assert!(matches!(incoming, Event::IncomingCall { call_id, .. } if call_id == call.id));
    // ...and not twice (the server's resend on connect and the engine's resync agree).
    let again = tokio::time::timeout(Duration::from_millis(700), async {
        loop {
            if let Ok(Event::IncomingCall { .. }) = events.recv().await {
                return;
            }
        }
    })
    .await;
    assert!(again.is_err(), "the invite was announced twice");
    // A call then works end to end.
    bob.answer(call.id).await.expect("answer after reconnect");
}

/// A CRM backend with the seeds' REST API but no WebSocket: a proxy to the real server
/// that answers 404 for `/api/ws/...`. It stands for a CRM's own backend, which would
/// have an authority's certificate; here it is plain HTTP on loopback, and it reaches
/// the host over HTTPS, pinning `fingerprint`.
async fn rest_only_proxy(target: String, fingerprint: Fingerprint) -> SocketAddr {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use axum::response::IntoResponse;
    switchboard_tls::install_default_provider();
    let tls =
        switchboard_tls::client_config(&switchboard_tls::Trust::Pinned(fingerprint)).expect("tls");
    let http = reqwest::Client::builder()
        .use_preconfigured_tls((*tls).clone())
        // Under the server's 60 s for an idle connection, as the apps' client.
        .pool_idle_timeout(Duration::from_secs(45))
        .build()
        .expect("http client");
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (http, target) = (http.clone(), target.clone());
            async move {
                if uri.path().starts_with("/api/ws/") {
                    return (StatusCode::NOT_FOUND, "no websockets here").into_response();
                }
                let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let mut req = http.request(method, format!("{target}{path}")).body(body);
                for name in ["authorization", "content-type"] {
                    if let Some(value) = headers.get(name) {
                        req = req.header(name, value.as_bytes());
                    }
                }
                match req.send().await {
                    Ok(resp) => {
                        let status = StatusCode::from_u16(resp.status().as_u16())
                            .unwrap_or(StatusCode::BAD_GATEWAY);
                        let body = resp.bytes().await.unwrap_or_default();
                        (status, [("content-type", "application/json")], body).into_response()
                    }
                    Err(_) => StatusCode::BAD_GATEWAY.into_response(),
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn without_websockets_the_engine_polls_and_still_hears_calls() {
    let backend = Backend::start(&["alice", "bob"]).await;
    let proxy = rest_only_proxy(backend.url(), backend.fingerprint).await;
    let mut bob = Api::new(&format!("http://{proxy}")).expect("url");
    bob.login("bob", PASSWORD)
        .await
        .expect("login through the proxy");
    let bob = Engine::start(bob, fast()).await.expect("engine");
    let mut events = bob.events();
    wait_for(
        &mut events,
        Duration::from_secs(5),
        online(RealtimeMode::Polling),
    )
    .await;

    let alice = backend.signed_in("alice").await;
    let call = alice
        .initiate_call(bob.me().id, CallType::Video)
        .await
        .expect("call");
    let incoming = wait_for(&mut events, Duration::from_secs(5), |e| {
        matches!(e, Event::IncomingCall { .. })
    })
    .await;
    assert!(
        matches!(incoming, Event::IncomingCall { call_id, call_type: CallType::Video, .. } if call_id == call.id)
    );
    alice
        .update_call(call.id, switchboard_protocol::CallAction::Cancel)
        .await
        .expect("cancel");
    wait_for(
        &mut events,
        Duration::from_secs(5),
        call_status(call.id, CallStatus::Cancelled),
    )
    .await;
}
