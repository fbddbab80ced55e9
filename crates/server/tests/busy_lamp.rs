//! The busy lamp's offers (issue 20 §4) over real HTTP and sockets: a note left for a
//! colleague who cannot take a call reaches their socket and inbox with its record; a
//! camp-on tells the caller once, when the colleague can take calls again, and not
//! after it has run out.

use crate::common;

use crate::common::ws::{expect, next_json, notifications};
use crate::common::{TestServer, shares_a_bus};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn a_note_reaches_the_colleague_at_once_and_waits_in_their_inbox() {
    let server = TestServer::start(&["admin", "jane", "tom", "eve"]).await;
    let (jane, tom, eve) = (
        server.login("jane").await,
        server.login("tom").await,
        server.login("eve").await,
    );
    let mut tom_ws = notifications(&tom).await;
    let deal = json!({"type": "deal", "id": "4711", "label": "ACME renewal"});
    let (s, note) = jane
        .post(
            "/api/notes/",
            json!({"user_id": tom.id, "text": "Call me about the renewal\nbefore Friday", "regarding": deal}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{note}");
    let pushed = expect(&mut tom_ws, "note_received", 5 * SECOND).await;
    assert_eq!(pushed["note"]["id"], note["id"]);
    assert_eq!(pushed["note"]["from_details"]["username"], "jane");
    assert_eq!(pushed["note"]["regarding"], deal);
    let id = note["id"].as_i64().expect("id");

    let (_, inbox) = tom.get("/api/notes/").await;
    assert_eq!(inbox[0]["text"], "Call me about the renewal\nbefore Friday");
    assert!(inbox[0].get("read_at").is_none());
    let (_, jane_inbox) = jane.get("/api/notes/").await;
    assert_eq!(
        jane_inbox,
        json!([]),
        "the sender keeps no copy in her inbox"
    );
    // Only Tom reads or deletes it.
    let (s, _) = eve.post(&format!("/api/notes/{id}/read/"), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, read) = tom.post(&format!("/api/notes/{id}/read/"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(read["read_at"].is_string());
    assert_eq!(
        eve.delete(&format!("/api/notes/{id}/")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        tom.delete(&format!("/api/notes/{id}/")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, inbox) = tom.get("/api/notes/").await;
    assert_eq!(inbox, json!([]));

    for (body, status, says) in [
        (
            json!({"user_id": tom.id, "text": "  "}),
            StatusCode::BAD_REQUEST,
            "text is required",
        ),
        (
            json!({"user_id": jane.id, "text": "hi"}),
            StatusCode::BAD_REQUEST,
            "someone else",
        ),
        (
            json!({"user_id": 999, "text": "hi"}),
            StatusCode::NOT_FOUND,
            "no user with id 999",
        ),
        (
            json!({"user_id": tom.id, "text": "x".repeat(1001)}),
            StatusCode::BAD_REQUEST,
            "1000",
        ),
    ] {
        let (s, answer) = jane.post("/api/notes/", body.clone()).await;
        assert_eq!(s, status, "{body} → {answer}");
        let message = answer["error"].as_str().unwrap_or_default().to_lowercase();
        assert!(message.contains(&says.to_lowercase()), "{message} / {says}");
    }
}

/// Minutes of the story: simulated, or real seconds on the cluster pass.
fn minute() -> Duration {
    if shares_a_bus() {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(60)
    }
}

#[tokio::test(start_paused = true)]
async fn a_camp_on_tells_the_caller_once_when_the_colleague_is_free() {
    // Sockets here are held through simulated minutes: pings hourly (see callbacks.rs).
    let server = TestServer::start_in_simulated_time(&["admin", "jane", "tom"], |c| {
        c.socket_ping_interval = Duration::from_secs(3600);
    })
    .await;
    let (jane, tom) = (server.login("jane").await, server.login("tom").await);
    let mut jane_ws = notifications(&jane).await;
    let _tom_ws = notifications(&tom).await;
    // Tom can take calls: nothing to wait for.
    let (s, body) = jane
        .post("/api/camp-ons/", json!({"user_id": tom.id}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("can take calls now")
    );

    // Tom goes do-not-disturb; Jane waits for him.
    let (s, _) = tom
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "dnd"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, camp) = jane
        .post("/api/camp-ons/", json!({"user_id": tom.id}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{camp}");
    assert_eq!(camp["user_details"]["username"], "tom");
    let (_, mine) = jane.get("/api/camp-ons/").await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));

    // Nothing while he stays away; told once he is back.
    quiet_for(&mut jane_ws, 2 * minute()).await;
    let (s, _) = tom
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "online"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let told = expect(&mut jane_ws, "colleague_available", minute()).await;
    assert_eq!(told["camp_on"]["user_id"], tom.id);
    let (_, mine) = jane.get("/api/camp-ons/").await;
    assert_eq!(mine, json!([]), "told once, then gone");
    // Away and back again: not told a second time.
    tom.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "dnd"}),
    )
    .await;
    quiet_for(&mut jane_ws, minute()).await;
    tom.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "online"}),
    )
    .await;
    quiet_for(&mut jane_ws, minute()).await;

    // One that runs out says nothing (a camp-on lasts a minute at least: simulated time
    // only); one cancelled neither.
    if !shares_a_bus() {
        tom.post(
            "/api/user-presence/update_my_status/",
            json!({"status": "dnd"}),
        )
        .await;
        let (s, short) = jane
            .post(
                "/api/camp-ons/",
                json!({"user_id": tom.id, "expires_in_seconds": 60}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{short}");
        quiet_for(&mut jane_ws, 2 * minute()).await;
        let (_, mine) = jane.get("/api/camp-ons/").await;
        assert_eq!(mine, json!([]), "run out");
        tom.post(
            "/api/user-presence/update_my_status/",
            json!({"status": "online"}),
        )
        .await;
        quiet_for(&mut jane_ws, minute()).await;
    }
    tom.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "dnd"}),
    )
    .await;
    quiet_for(&mut jane_ws, minute()).await;
    let (_, cancelled) = jane
        .post("/api/camp-ons/", json!({"user_id": tom.id}))
        .await;
    let id = cancelled["id"].as_i64().expect("id");
    assert_eq!(
        tom.delete(&format!("/api/camp-ons/{id}/")).await.0,
        StatusCode::NOT_FOUND,
        "Jane's"
    );
    assert_eq!(
        jane.delete(&format!("/api/camp-ons/{id}/")).await.0,
        StatusCode::NO_CONTENT
    );
    tom.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "online"}),
    )
    .await;
    quiet_for(&mut jane_ws, minute()).await;
    let (s, body) = jane
        .post(
            "/api/camp-ons/",
            json!({"user_id": tom.id, "expires_in_seconds": 5}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    // And the socket heard all along: one more, told.
    tom.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "dnd"}),
    )
    .await;
    let (s, _) = jane
        .post("/api/camp-ons/", json!({"user_id": tom.id}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    quiet_for(&mut jane_ws, minute()).await;
    tom.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "online"}),
    )
    .await;
    expect(&mut jane_ws, "colleague_available", minute()).await;
}

/// Reads the socket for `wait` (answering pings), failing at a `colleague_available`.
async fn quiet_for(ws: &mut common::ws::Ws, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
        match next_json(ws, left).await {
            Some(frame) => assert_ne!(frame["type"], "colleague_available", "{frame}"),
            None => break,
        }
    }
}
