//! Call-backs (issue 20) over real HTTP and sockets, in simulated time: a task made from
//! a declined call, its due notice on the owner's socket at the due time and not before,
//! a snooze, and the call back that completes it. On the cluster pass (real time) the
//! same with seconds for minutes.

use crate::common;

use crate::common::ws::{expect, next_json, notifications};
use crate::common::{TestServer, shares_a_bus};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// A minute of the story: simulated, or a real second on the cluster pass.
fn minute() -> Duration {
    if shares_a_bus() {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(60)
    }
}

/// Reads the socket for `wait` (answering the server's pings), failing at a due notice.
async fn nothing_due_within(ws: &mut common::ws::Ws, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
        match next_json(ws, left).await {
            Some(frame) => assert_ne!(frame["type"], "callback_due", "early: {frame}"),
            None => break,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_call_back_is_due_on_time_snoozes_and_is_done_by_the_call_back() {
    // Pings every hour: a socket held through simulated minutes is not what is tested
    // here (a jump of the paused clock can outrun a pong on the loopback wire).
    let server = TestServer::start_in_simulated_time(&["admin", "jane", "tom"], |c| {
        c.socket_ping_interval = Duration::from_secs(3600);
    })
    .await;
    let (jane, tom) = (server.login("jane").await, server.login("tom").await);
    let mut tom_ws = notifications(&tom).await;

    // Jane calls about a deal; Tom declines and will call back in 10 minutes.
    let deal = json!({"type": "deal", "id": "4711", "label": "ACME renewal"});
    let (s, made) = jane
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": tom.id, "regarding": deal}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{made}");
    let declined = made["call_session"]["id"].as_i64().expect("id");
    let (s, _) = tom
        .post(
            &format!("/api/jitsi-calls/{declined}/update_status/"),
            json!({"action": "reject", "message": "In a meeting; I'll call you back"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let ten = (10 * minute()).as_secs();
    let (s, created) = tom
        .post(
            "/api/callbacks/",
            json!({"user_id": jane.id, "due_in_seconds": ten, "call_id": declined, "note": "Discount question"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["owner"], tom.id);
    assert_eq!(created["user_id"], jane.id);
    assert_eq!(created["user_details"]["username"], "jane");
    assert_eq!(created["regarding"], deal, "carried over from the call");
    assert_eq!(created["call_id"], declined);
    let id = created["id"].as_i64().expect("id");

    // Not before it is due; then once, to Tom.
    nothing_due_within(&mut tom_ws, 9 * minute()).await;
    let due = expect(&mut tom_ws, "callback_due", 2 * minute()).await;
    assert_eq!(due["callback"]["id"], id);
    assert_eq!(due["callback"]["regarding"]["label"], "ACME renewal");
    let (_, mine) = tom.get("/api/callbacks/").await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert!(mine[0].get("completed_at").is_none());
    let (_, hers) = jane.get("/api/callbacks/").await;
    assert_eq!(hers, json!([]), "Tom's task, not Jane's");
    let (s, _) = jane
        .post(&format!("/api/callbacks/{id}/complete/"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Snoozed 5 minutes: due again then, not at once.
    let five = (5 * minute()).as_secs();
    let (s, snoozed) = tom
        .post(
            &format!("/api/callbacks/{id}/snooze/"),
            json!({"due_in_seconds": five}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{snoozed}");
    nothing_due_within(&mut tom_ws, 4 * minute()).await;
    let again = expect(&mut tom_ws, "callback_due", 2 * minute()).await;
    assert_eq!(again["callback"]["id"], id);

    // Tom calls Jane back (she is at her desk again); when she answers, the task is done.
    let (s, _) = jane.post("/api/user-presence/heartbeat/", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let back = tom.call(&jane).await;
    let back_id = back["id"].as_i64().expect("id");
    assert_eq!(jane.act(back_id, "answer").await.0, StatusCode::OK);
    let (_, mine) = tom.get("/api/callbacks/").await;
    assert_eq!(mine[0]["completed_by_call"], back_id, "{mine}");
    assert!(mine[0]["completed_at"].is_string());
    assert_eq!(tom.act(back_id, "end").await.0, StatusCode::OK);
    let (s, body) = tom
        .post(
            &format!("/api/callbacks/{id}/snooze/"),
            json!({"due_in_seconds": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, _) = tom.delete(&format!("/api/callbacks/{id}/")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, mine) = tom.get("/api/callbacks/").await;
    assert_eq!(mine, json!([]));
}

#[tokio::test]
async fn a_call_back_needs_a_time_someone_else_and_a_call_between_the_two() {
    let server = TestServer::start(&["admin", "jane", "tom", "eve"]).await;
    let (jane, tom, eve) = (
        server.login("jane").await,
        server.login("tom").await,
        server.login("eve").await,
    );
    let call = jane.call(&tom).await;
    let call_id = call["id"].as_i64().expect("id");
    assert_eq!(jane.act(call_id, "cancel").await.0, StatusCode::OK);
    for (body, status, says) in [
        (
            json!({"user_id": jane.id}),
            StatusCode::BAD_REQUEST,
            "Give due_at or due_in_seconds",
        ),
        (
            json!({"user_id": jane.id, "due_in_seconds": 60, "due_at": "2030-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
            "not both",
        ),
        (
            json!({"user_id": jane.id, "due_in_seconds": -5}),
            StatusCode::BAD_REQUEST,
            "due_in_seconds must be from 0",
        ),
        (
            json!({"user_id": jane.id, "due_in_seconds": "soon"}),
            StatusCode::BAD_REQUEST,
            "due_in_seconds must be a whole number",
        ),
        (
            json!({"user_id": tom.id, "due_in_seconds": 60}),
            StatusCode::BAD_REQUEST,
            "someone else",
        ),
        (
            json!({"user_id": 999, "due_in_seconds": 60}),
            StatusCode::NOT_FOUND,
            "no user with id 999",
        ),
        (
            json!({"user_id": eve.id, "due_in_seconds": 60, "call_id": call_id}),
            StatusCode::NOT_FOUND,
            "between you and user",
        ),
        (
            json!({"user_id": jane.id, "due_in_seconds": 60, "regarding": {"type": "deal"}}),
            StatusCode::BAD_REQUEST,
            "regarding",
        ),
    ] {
        let (s, answer) = tom.post("/api/callbacks/", body.clone()).await;
        assert_eq!(s, status, "{body} → {answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            message.to_lowercase().contains(&says.to_lowercase()),
            "{message} / {says}"
        );
    }
    let (_, mine) = tom.get("/api/callbacks/").await;
    assert_eq!(mine, json!([]), "nothing refused was stored");
    // Eve cannot see, snooze or delete Tom's.
    let (s, made) = tom
        .post(
            "/api/callbacks/",
            json!({"user_id": jane.id, "due_at": "2030-01-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "beyond a year: {made}");
    let (s, made) = tom
        .post(
            "/api/callbacks/",
            json!({"user_id": jane.id, "due_in_seconds": 3600}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().expect("id");
    assert_eq!(
        eve.delete(&format!("/api/callbacks/{id}/")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, done) = tom
        .post(&format!("/api/callbacks/{id}/complete/"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(done["completed_at"].is_string());
    assert!(done.get("completed_by_call").is_none());
}
