//! Webhooks for the CRM of record (issue 20), over real HTTP to a real local receiver:
//! signed deliveries of call events, retried when the receiver fails, a delivery log per
//! endpoint, and nothing lost when the server is killed with a delivery in flight. In
//! the PostgreSQL + Redis pass every test runs on two instances, each with its worker:
//! each attempt then still reaches the receiver once.

use crate::common;

use crate::common::{Client, TestServer, login_at};
use axum::body::Bytes;
use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_server::webhooks::verify;

const SECRET: &str = "whsec-0123456789abcdef";

/// How the receiver answers one request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Status(u16),
    /// Takes the request and never answers.
    Hold,
}

/// One request the receiver took.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A CRM's webhook endpoint on 127.0.0.1: records every request and answers as told
/// (200 once the planned answers run out).
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
}

impl Receiver {
    async fn start(answers: &[Answer]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!(
            "http://{}/hooks/switchboard",
            listener.local_addr().expect("addr")
        );
        let receiver = Receiver {
            url,
            got: Arc::default(),
            answers: Arc::new(Mutex::new(answers.iter().copied().collect())),
        };
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hooks/switchboard",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.got.lock().expect("lock").push(Received {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let answer = state.answers.lock().expect("lock").pop_front();
                    match answer.unwrap_or(Answer::Status(200)) {
                        Answer::Status(code) => (
                            axum::http::StatusCode::from_u16(code).expect("status"),
                            "receiver says so",
                        ),
                        Answer::Hold => std::future::pending().await,
                    }
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        receiver
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits until it has taken `n` requests (or fails the test after `within`).
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = std::time::Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < within,
                "the receiver took {} of {n} requests in {within:?}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Short waits, so retries happen within the test (the schedule itself is unit-tested
/// in `webhooks.rs`).
async fn server_with_quick_retries(names: &[&str]) -> TestServer {
    TestServer::start_with(names, |config| {
        config.webhooks.retry_base = Duration::from_millis(200);
        config.webhooks.poll = Duration::from_millis(50);
        config.webhooks.timeout = Duration::from_secs(5);
    })
    .await
}

async fn register(admin: &Client, url: &str, events: &[&str]) -> i64 {
    let (s, hook) = admin
        .post(
            "/api/webhooks/",
            json!({"url": url, "secret": SECRET, "events": events}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hook}");
    assert!(
        hook.get("secret").is_none(),
        "the secret is never shown: {hook}"
    );
    hook["id"].as_i64().expect("id")
}

fn check_signed(request: &Received) {
    let now = chrono::Utc::now().timestamp();
    assert!(
        verify(
            SECRET,
            request.header("switchboard-signature"),
            &request.body,
            now,
            300
        ),
        "signature {:?} does not verify",
        request.header("switchboard-signature")
    );
    assert!(!verify(
        "another-secret-0000",
        request.header("switchboard-signature"),
        &request.body,
        now,
        300
    ));
    assert_eq!(request.header("content-type"), "application/json");
}

#[tokio::test]
async fn only_administrators_register_endpoints_and_bad_ones_are_refused_in_words() {
    let server = TestServer::start(&["admin", "jane"]).await;
    let (admin, jane) = (server.login("admin").await, server.login("jane").await);
    let good =
        json!({"url": "https://crm.example/hooks", "secret": SECRET, "events": ["call.completed"]});
    let (s, body) = jane.post("/api/webhooks/", good.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _) = jane.get("/api/webhooks/").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (change, says) in [
        (
            json!({"url": "ftp://crm.example/hooks"}),
            "url must be an http:// or https:// address",
        ),
        (
            json!({"secret": "short"}),
            "secret must be 16 to 200 characters",
        ),
        (
            json!({"events": ["call.ended"]}),
            "\"call.ended\" is not a webhook event",
        ),
        (json!({"events": []}), "events must name at least one of"),
        (json!({"events": "call.completed"}), "events must be a list"),
    ] {
        let mut body = good.clone();
        if let (Some(body), Some(change)) = (body.as_object_mut(), change.as_object()) {
            body.extend(change.clone());
        }
        let (s, answer) = admin.post("/api/webhooks/", body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            message.to_lowercase().contains(&says.to_lowercase()),
            "{message} / {says}"
        );
    }
    let (_, list) = admin.get("/api/webhooks/").await;
    assert_eq!(list, json!([]), "nothing refused was stored");

    let id = register(
        &admin,
        "https://crm.example/hooks",
        &["call.missed", "call.completed", "call.missed"],
    )
    .await;
    let (_, list) = admin.get("/api/webhooks/").await;
    assert_eq!(
        list[0]["events"],
        json!(["call.completed", "call.missed"]),
        "sorted, once each"
    );
    assert_eq!(
        (list[0]["pending"].as_i64(), list[0]["failed"].as_i64()),
        (Some(0), Some(0))
    );
    let (s, _) = jane.delete(&format!("/api/webhooks/{id}/")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = admin.delete(&format!("/api/webhooks/{id}/")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = admin.delete(&format!("/api/webhooks/{id}/")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _) = admin.get(&format!("/api/webhooks/{id}/deliveries/")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn call_events_reach_the_crm_signed_and_are_retried_until_it_takes_them() {
    let server = server_with_quick_retries(&["admin", "jane", "tom"]).await;
    let (admin, jane, tom) = (
        server.login("admin").await,
        server.login("jane").await,
        server.login("tom").await,
    );
    // The CRM fails twice, then takes the delivery.
    let crm = Receiver::start(&[Answer::Status(500), Answer::Status(503)]).await;
    let hook = register(
        &admin,
        &crm.url,
        &["call.completed", "call.rejected", "call.logged"],
    )
    .await;
    // An endpoint for other events hears nothing of these.
    let other = Receiver::start(&[]).await;
    register(&admin, &other.url, &["call.missed"]).await;

    let deal = json!({"type": "deal", "id": "4711", "label": "ACME renewal"});
    let (s, made) = jane
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": tom.id, "regarding": deal}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{made}");
    let call_id = made["call_session"]["id"].as_i64().expect("id");
    assert_eq!(tom.act(call_id, "answer").await.0, StatusCode::OK);
    assert_eq!(jane.act(call_id, "end").await.0, StatusCode::OK);

    let got = crm.wait_for(3, Duration::from_secs(20)).await;
    let event_id = got[0].header("switchboard-event-id").to_owned();
    for (n, request) in got.iter().enumerate() {
        check_signed(request);
        assert_eq!(request.header("switchboard-event"), "call.completed");
        assert_eq!(
            request.header("switchboard-event-id"),
            event_id,
            "one event, retried"
        );
        assert_eq!(
            request.header("switchboard-delivery-attempt"),
            (n + 1).to_string()
        );
        assert_eq!(request.body, got[0].body, "the same body every time");
    }
    let body = got[0].json();
    assert_eq!(body["id"], event_id);
    assert_eq!(body["event"], "call.completed");
    let call = &body["data"];
    assert_eq!(call["id"], call_id);
    assert_eq!(call["status"], "completed");
    assert_eq!(call["regarding"]["label"], "ACME renewal");
    assert_eq!(call["participants"], json!([jane.id, tom.id]));
    assert_eq!(call["initiator_details"]["username"], "jane");
    assert!(call["duration_seconds"].is_i64(), "{call}");

    // The log says what happened.
    let (s, page) = admin
        .get(&format!("/api/webhooks/{hook}/deliveries/"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 1, "{page}");
    let delivery = &page["results"][0];
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["event"], "call.completed");
    assert_eq!(delivery["event_id"], event_id);
    assert_eq!(delivery["last_status"], 200);
    assert!(delivery["delivered_at"].is_string());

    // A log of the call, and a call declined with a message.
    let (s, logged) = tom
        .post(
            &format!("/api/jitsi-calls/{call_id}/log/"),
            json!({"outcome": "Resolved", "note": "Renewal agreed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{logged}");
    let got = crm.wait_for(4, Duration::from_secs(10)).await;
    check_signed(&got[3]);
    assert_eq!(got[3].header("switchboard-event"), "call.logged");
    assert_eq!(got[3].json()["data"]["logs"][0]["note"], "Renewal agreed");
    let declined = jane.call(&tom).await;
    let declined_id = declined["id"].as_i64().expect("id");
    let (s, _) = tom
        .post(
            &format!("/api/jitsi-calls/{declined_id}/update_status/"),
            json!({"action": "reject", "message": "In a meeting; I'll call you back"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let got = crm.wait_for(5, Duration::from_secs(10)).await;
    assert_eq!(got[4].header("switchboard-event"), "call.rejected");
    assert_eq!(
        got[4].json()["data"]["decline_message"],
        "In a meeting; I'll call you back"
    );

    // Call-backs: made, and done by the call back.
    let callbacks = Receiver::start(&[]).await;
    register(
        &admin,
        &callbacks.url,
        &["callback.created", "callback.completed"],
    )
    .await;
    let (s, made) = tom
        .post(
            "/api/callbacks/",
            json!({"user_id": jane.id, "due_in_seconds": 600, "call_id": declined_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let back = tom.call(&jane).await;
    let back_id = back["id"].as_i64().expect("id");
    assert_eq!(jane.act(back_id, "answer").await.0, StatusCode::OK);
    assert_eq!(tom.act(back_id, "end").await.0, StatusCode::OK);
    let got = callbacks.wait_for(2, Duration::from_secs(10)).await;
    // Both can fall due in one pass of the delivery worker (or, with two instances, one
    // in each), and deliveries are sent side by side: no order between them is promised.
    let event = |name: &str| {
        got.iter()
            .find(|r| r.header("switchboard-event") == name)
            .unwrap_or_else(|| panic!("no {name} among {} deliveries", got.len()))
    };
    assert_eq!(event("callback.created").json()["data"]["user_id"], jane.id);
    assert_eq!(
        event("callback.completed").json()["data"]["completed_by_call"],
        back_id
    );
    let got = crm.wait_for(6, Duration::from_secs(10)).await;
    assert_eq!(
        got[5].header("switchboard-event"),
        "call.completed",
        "the call back"
    );

    // Settled: nothing more arrives, from either instance.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(crm.received().len(), 6, "each attempt once");
    assert_eq!(callbacks.received().len(), 2);
    assert!(other.received().is_empty());
    let (_, list) = admin.get("/api/webhooks/").await;
    assert_eq!(
        (list[0]["pending"].as_i64(), list[0]["failed"].as_i64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn a_crm_that_never_takes_a_delivery_sees_it_marked_failed_with_the_last_answer() {
    let server = TestServer::start_with(&["admin", "jane", "tom"], |config| {
        config.webhooks.retry_base = Duration::from_millis(100);
        config.webhooks.poll = Duration::from_millis(50);
        config.webhooks.give_up_after = Duration::from_millis(700);
    })
    .await;
    let (admin, jane, tom) = (
        server.login("admin").await,
        server.login("jane").await,
        server.login("tom").await,
    );
    let crm = Receiver::start(&[Answer::Status(500); 100]).await;
    let hook = register(&admin, &crm.url, &["call.missed", "call.rejected"]).await;
    let call = jane.call(&tom).await;
    let (s, _) = tom.act(call["id"].as_i64().expect("id"), "reject").await;
    assert_eq!(s, StatusCode::OK);
    let start = std::time::Instant::now();
    let delivery = loop {
        let (_, page) = admin
            .get(&format!("/api/webhooks/{hook}/deliveries/"))
            .await;
        let delivery = page["results"][0].clone();
        if delivery["state"] == "failed" {
            break delivery;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(delivery["last_status"], 500);
    assert_eq!(delivery["last_error"], "HTTP 500: receiver says so");
    assert!(delivery.get("next_attempt_at").is_none(), "{delivery}");
    let attempts = delivery["attempts"].as_i64().expect("attempts");
    assert!(attempts >= 2, "{delivery}");
    assert_eq!(crm.received().len() as i64, attempts);
    let (_, list) = admin.get("/api/webhooks/").await;
    assert_eq!(
        (list[0]["pending"].as_i64(), list[0]["failed"].as_i64()),
        (Some(0), Some(1))
    );
}

/// `kill -9` of the real binary while the CRM holds a delivery's POST: once the server is
/// back, the delivery is sent again, with the same event id, and logged delivered.
#[tokio::test]
async fn a_server_killed_mid_delivery_sends_it_again_after_the_restart() {
    use common::process::{BIN, Served};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = switchboard_server::ServerConfig::new(dir.path().to_path_buf());
    config.database = common::fresh_database();
    common::seed_users(&config, &["admin", "jane", "tom"]);
    let serve = || {
        let mut command = std::process::Command::new(BIN);
        command
            .env_remove("SWITCHBOARD_DATA_DIR")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .env("SWITCHBOARD_WEBHOOK_TIMEOUT", "1")
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path());
        if let Some(url) = &config.database {
            command.env("SWITCHBOARD_DATABASE_URL", url);
        }
        Served::spawn(command)
    };
    let crm = Receiver::start(&[Answer::Hold]).await;
    let mut server = serve();
    let admin = login_at(&server.url, "admin").await;
    let (jane, tom) = (
        login_at(&server.url, "jane").await,
        login_at(&server.url, "tom").await,
    );
    let hook = register(&admin, &crm.url, &["call.completed"]).await;
    let call = jane.call(&tom).await;
    let call_id = call["id"].as_i64().expect("id");
    assert_eq!(tom.act(call_id, "answer").await.0, StatusCode::OK);
    assert_eq!(jane.act(call_id, "end").await.0, StatusCode::OK);
    // The POST is on the wire, unanswered: the server dies.
    let first = crm.wait_for(1, Duration::from_secs(10)).await;
    server.kill_9();

    let server = serve();
    let got = crm.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(
        got[1].header("switchboard-event-id"),
        first[0].header("switchboard-event-id")
    );
    assert_eq!(got[1].body, first[0].body);
    check_signed(&got[1]);
    let admin = login_at(&server.url, "admin").await;
    let start = std::time::Instant::now();
    loop {
        let (_, page) = admin
            .get(&format!("/api/webhooks/{hook}/deliveries/"))
            .await;
        if page["results"][0]["state"] == "delivered" {
            assert_eq!(page["count"], 1, "{page}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        crm.received().len(),
        2,
        "sent once more, not again and again"
    );
}
