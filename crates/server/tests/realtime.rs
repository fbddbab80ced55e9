//! Realtime over real sockets (SPEC §2–4): tokio-tungstenite clients against the real
//! server — invites, call_status, ring timeout, live presence, signaling rooms, limits,
//! and reconciliation after a restart.

use crate::common;

use crate::common::ws::{
    connect, expect, expect_status, next_json, next_non_presence, notifications,
    one_told_of_the_other, refused, send, ws_url,
};
use crate::common::{Client, TestServer};
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

async fn call_status_of(client: &Client, call_id: i64) -> String {
    let (_, call) = client.get(&format!("/api/jitsi-calls/{call_id}/")).await;
    call["status"].as_str().unwrap_or_default().to_owned()
}

async fn wait_for_status(client: &Client, call_id: i64, status: &str, wait: Duration) {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if call_status_of(client, call_id).await == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "call {call_id} is {} after {wait:?}, not {status}",
        call_status_of(client, call_id).await
    );
}

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn the_invite_reaches_every_device_of_the_callee_and_the_call_rings() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut alice_ws = notifications(&alice).await;
    let mut bob_phone = notifications(&bob).await;
    let mut bob_desk = notifications(&bob).await;

    let call = alice.call(&bob).await;
    let call_id = call["id"].as_i64().expect("id");
    for device in [&mut bob_phone, &mut bob_desk] {
        let invite = expect(device, "call_invite", 5 * SECOND).await;
        assert_eq!(invite["from_user_id"], alice.id);
        assert_eq!(invite["caller_name"], "Alice Example");
        assert_eq!(invite["call_id"], call_id);
        assert_eq!(invite["call_type"], "audio");
        assert_eq!(invite["room_name"], call["room_name"]);
        assert!(invite["timestamp"].is_string());
    }
    wait_for_status(&alice, call_id, "ringing", 5 * SECOND).await;
    // Both parties learn of every transition.
    expect_status(&mut alice_ws, call_id, "ringing", 5 * SECOND).await;
    let (s, _) = bob.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    for ws in [&mut alice_ws, &mut bob_phone, &mut bob_desk] {
        expect_status(ws, call_id, "active", 5 * SECOND).await;
    }
    alice.act(call_id, "end").await;
    for ws in [&mut alice_ws, &mut bob_phone, &mut bob_desk] {
        let done = expect_status(ws, call_id, "completed", 5 * SECOND).await;
        assert!(done["call_session"]["duration_seconds"].is_number());
    }
}

#[tokio::test]
async fn an_invite_sent_while_offline_rings_when_the_device_connects() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    assert_eq!(
        call_status_of(&alice, call_id).await,
        "pending",
        "no device has it yet"
    );
    let mut bob_ws = notifications(&bob).await;
    let invite = expect(&mut bob_ws, "call_invite", 5 * SECOND).await;
    assert_eq!(invite["call_id"], call_id);
    wait_for_status(&alice, call_id, "ringing", 5 * SECOND).await;
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_call_is_missed_after_the_ring_timeout() {
    let server = TestServer::start_in_simulated_time(&["alice", "bob"], |c| {
        c.ring_timeout = Duration::from_secs(2)
    })
    .await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut alice_ws = notifications(&alice).await;
    let mut bob_ws = notifications(&bob).await;
    let started = Instant::now();
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    for ws in [&mut alice_ws, &mut bob_ws] {
        expect_status(ws, call_id, "missed", 6 * SECOND).await;
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let p = alice.presence_of(alice.id).await;
    assert_eq!(
        (p["status"].as_str(), &p["current_call"]),
        (Some("online"), &Value::Null)
    );
    // An answered call is not missed.
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    bob.act(call_id, "answer").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(call_status_of(&alice, call_id).await, "active");
}

#[tokio::test]
async fn notification_sockets_are_only_for_their_owner() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    // Bob's path with Alice's token: refused with 1008.
    let mut ws = connect(&alice, &format!("/api/ws/{}", bob.id)).await;
    let error = expect(&mut ws, "error", 5 * SECOND).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("another user"),
        "{error}"
    );
    let close = loop {
        match tokio::time::timeout(5 * SECOND, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1008));

    // No token, or a bad one: the handshake is refused.
    let anon = server.anonymous();
    let url = format!(
        "{}/api/ws/{}",
        anon.base.replacen("http://", "ws://", 1),
        bob.id
    );
    assert!(tokio_tungstenite::connect_async(url.clone()).await.is_err());
    assert!(
        tokio_tungstenite::connect_async(format!("{url}?token=nonsense"))
            .await
            .is_err()
    );
    // The Authorization header works too.
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .expect("request");
    let header = format!("Bearer {}", bob.token.as_deref().unwrap_or_default());
    request
        .headers_mut()
        .insert("Authorization", header.parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("header auth");
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(
        expect(&mut ws, "pong", 5 * SECOND).await,
        json!({"type": "pong"})
    );
    ws.send(Message::Ping(b"hi".to_vec().into()))
        .await
        .expect("ping");
    let pong = loop {
        match tokio::time::timeout(5 * SECOND, ws.next()).await {
            Ok(Some(Ok(Message::Pong(p)))) => break p,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a pong, got {other:?}"),
        }
    };
    assert_eq!(&pong[..], b"hi");
}

/// With `presence_push = Subscribers`, presence goes only to sockets opened with
/// `?presence=1`; the others still get everything else (here: an invite).
#[tokio::test]
async fn presence_goes_only_to_subscribed_sockets_when_configured() {
    let server = TestServer::start_with(&["alice", "bob", "carol"], |c| {
        c.presence_push = switchboard_server::realtime::PresencePush::Subscribers
    })
    .await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let url = ws_url(&alice, &format!("/api/ws/{}", alice.id));
    let (mut shows_presence, _) = tokio_tungstenite::connect_async(format!("{url}&presence=1"))
        .await
        .expect("alice connects asking for presence");
    let mut headless = notifications(&alice).await;
    let _bob_ws = notifications(&bob).await;
    carol
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "away"}),
        )
        .await;
    loop {
        let u = expect(&mut shows_presence, "presence_update", 5 * SECOND).await;
        if u["user_id"] == carol.id && u["status"] == "away" {
            break;
        }
    }
    let invite = bob
        .post("/api/calls/invite", json!({"receiver_id": alice.id}))
        .await;
    assert_eq!(invite.0, StatusCode::OK, "{}", invite.1);
    let mut kinds = Vec::new();
    while let Some(frame) = next_json(&mut headless, 2 * SECOND).await {
        kinds.push(frame["type"].as_str().unwrap_or_default().to_owned());
        if frame["type"] == "call_invite" {
            break;
        }
    }
    assert_eq!(
        kinds,
        ["call_invite"],
        "a socket that did not ask gets the invite and no presence"
    );
}

#[tokio::test(start_paused = true)]
async fn presence_is_pushed_on_connect_and_after_disconnect_and_timeout() {
    let server = TestServer::start_in_simulated_time(&["alice", "carol"], |c| {
        c.presence_timeout = Duration::from_secs(1)
    })
    .await;
    let alice = server.login("alice").await;
    let carol = server.login("carol").await;
    let mut alice_ws = notifications(&alice).await;
    // Carol's login lapses: offline after the presence timeout, pushed.
    let lapsed_at = Instant::now();
    loop {
        let u = expect(&mut alice_ws, "presence_update", 5 * SECOND).await;
        if u["user_id"] == carol.id && u["status"] == "offline" {
            break;
        }
    }
    assert!(
        lapsed_at.elapsed() >= Duration::from_millis(500),
        "{:?}",
        lapsed_at.elapsed()
    );

    // Connecting her notification socket brings her online.
    let mut carol_ws = notifications(&carol).await;
    let update = loop {
        let u = expect(&mut alice_ws, "presence_update", 5 * SECOND).await;
        if u["user_id"] == carol.id {
            break u;
        }
    };
    assert_eq!(
        update,
        json!({"type": "presence_update", "user_id": carol.id, "status": "online", "available_for_calls": true, "status_message": ""})
    );

    // An open socket keeps her online with no heartbeats, well past the timeout.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(alice.presence_of(carol.id).await["is_online"], true);
    carol
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "away"}),
        )
        .await;
    let update = expect(&mut alice_ws, "presence_update", 5 * SECOND).await;
    assert_eq!(
        (update["user_id"].as_i64(), update["status"].as_str()),
        (Some(carol.id), Some("away"))
    );
    // A new status message alone is news too.
    carol
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status_message": "At the Leeds office"}),
        )
        .await;
    let update = expect(&mut alice_ws, "presence_update", 5 * SECOND).await;
    assert_eq!(
        (
            update["user_id"].as_i64(),
            update["status"].as_str(),
            update["status_message"].as_str()
        ),
        (Some(carol.id), Some("away"), Some("At the Leeds office"))
    );

    // Socket closed: offline once the presence timeout passes, pushed to everyone.
    carol_ws.close(None).await.expect("close");
    let closed_at = Instant::now();
    let update = expect(&mut alice_ws, "presence_update", 5 * SECOND).await;
    assert_eq!(
        (update["user_id"].as_i64(), update["status"].as_str()),
        (Some(carol.id), Some("offline"))
    );
    assert!(
        closed_at.elapsed() >= Duration::from_millis(900),
        "not before the timeout: {:?}",
        closed_at.elapsed()
    );
}

/// On real time: whether a socket answers pings is up to the client library reading it,
/// and in paused time the ping and the reader's wake-up can land on either side of a
/// clock jump.
#[tokio::test]
async fn a_socket_that_stops_answering_pings_is_dropped() {
    let server = TestServer::start_with(&["alice", "bob"], |c| {
        c.presence_timeout = Duration::from_secs(1);
        c.socket_ping_interval = Duration::from_millis(300);
    })
    .await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut alive = notifications(&alice).await;
    let _silent = notifications(&bob).await; // never read: never answers a ping
    let deadline = Instant::now() + 10 * SECOND;
    loop {
        // Reading keeps alice's socket answering pings.
        let _ = next_json(&mut alive, Duration::from_millis(200)).await;
        if alice.presence_of(bob.id).await["is_online"] == false {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bob's dead socket was never dropped"
        );
    }
    assert_eq!(
        alice.presence_of(alice.id).await["is_online"],
        true,
        "a live socket stays"
    );
}

async fn meeting(host: &Client, guests: &[&Client]) -> i64 {
    let ids: Vec<i64> = guests.iter().map(|g| g.id).collect();
    let (s, m) = host
        .post(
            "/api/meetings/",
            json!({"title": "sync", "participant_ids": ids}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    m["id"].as_i64().expect("id")
}

#[tokio::test]
async fn meeting_signaling_follows_seed_002_message_for_message() {
    let server = TestServer::start(&["host", "guest"]).await;
    let host = server.login("host").await;
    let guest = server.login("guest").await;
    let id = meeting(&host, &[&guest]).await;
    let path = format!("/ws/meeting/{id}/");

    let mut host_ws = connect(&host, &path).await;
    assert_eq!(
        next_json(&mut host_ws, Duration::from_millis(300)).await,
        None,
        "nobody to greet the first member"
    );
    let mut guest_ws = connect(&guest, &path).await;
    let joined = expect(&mut host_ws, "user_joined", 5 * SECOND).await;
    assert_eq!(joined["user_id"], guest.id);
    assert_eq!(joined["email"], "guest@example.com");
    assert_eq!(joined["full_name"], "Guest Example");
    assert!(joined["message"].as_str().unwrap_or("").contains("joined"));
    assert_eq!(
        next_json(&mut guest_ws, Duration::from_millis(300)).await,
        None,
        "never echoed to the joiner"
    );

    // The existing member offers to the newcomer; the payload arrives byte for byte.
    let offer = r#"{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n","zeta":1,"alpha":[1.50,{"k":null}]}"#;
    let text = format!(
        r#"{{"type":"offer","offer":{offer},"target_id":{}}}"#,
        guest.id
    );
    host_ws
        .send(Message::Text(text.into()))
        .await
        .expect("send");
    let raw = match tokio::time::timeout(5 * SECOND, guest_ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => t.to_string(),
        other => panic!("no offer: {other:?}"),
    };
    assert!(
        raw.contains(&format!(r#""offer":{offer}"#)),
        "payload passed through unchanged: {raw}"
    );
    let got: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(got["type"], "webrtc_offer");
    assert_eq!(
        got["from_user"],
        joined["user_id"].as_i64().map(|_| host.id).unwrap_or(0)
    );
    assert!(
        got["from_user"].is_i64() && joined["user_id"].is_i64(),
        "same JSON type as user_joined.user_id"
    );
    assert_eq!(got["from_email"], "host@example.com");

    send(
        &mut guest_ws,
        json!({"type": "answer", "answer": {"type": "answer", "sdp": "v=0"}, "target_id": host.id}),
    )
    .await;
    let answer = expect(&mut host_ws, "webrtc_answer", 5 * SECOND).await;
    assert_eq!(
        (
            answer["from_user"].as_i64(),
            answer["answer"]["sdp"].as_str()
        ),
        (Some(guest.id), Some("v=0"))
    );

    // Candidates without a target go to all others, in the sender's order, never back.
    for n in 0..50 {
        send(&mut host_ws, json!({"type": "ice-candidate", "candidate": {"candidate": format!("candidate:{n}"), "sdpMLineIndex": 0}})).await;
    }
    for n in 0..50 {
        let c = expect(&mut guest_ws, "ice_candidate", 5 * SECOND).await;
        assert_eq!(c["candidate"]["candidate"], format!("candidate:{n}"));
        assert_eq!(c["from_user"], host.id);
    }
    assert_eq!(
        next_json(&mut host_ws, Duration::from_millis(200)).await,
        None,
        "nothing echoed"
    );

    // join-call / leave-call reach everyone, the sender included.
    send(&mut guest_ws, json!({"type": "join-call"})).await;
    for ws in [&mut host_ws, &mut guest_ws] {
        let j = expect(ws, "call_joined", 5 * SECOND).await;
        assert_eq!(j["user_id"], guest.id);
    }
    send(&mut guest_ws, json!({"type": "leave-call"})).await;
    for ws in [&mut host_ws, &mut guest_ws] {
        assert_eq!(
            expect(ws, "call_left", 5 * SECOND).await["user_id"],
            guest.id
        );
    }

    // Leaving: user_left reaches the others promptly.
    drop(guest_ws);
    let left_at = Instant::now();
    let left = expect(&mut host_ws, "user_left", 5 * SECOND).await;
    assert_eq!(left["user_id"], guest.id);
    assert!(left_at.elapsed() < SECOND, "{:?}", left_at.elapsed());
}

#[tokio::test]
async fn strangers_are_refused_from_meeting_and_call_rooms() {
    let server = TestServer::start(&["alice", "bob", "eve"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let eve = server.login("eve").await;
    let meeting_id = meeting(&alice, &[&bob]).await;
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    for path in [
        format!("/ws/meeting/{meeting_id}/"),
        format!("/ws/call/{call_id}/"),
        "/ws/meeting/99999/".to_owned(),
        "/ws/call/abc/".to_owned(),
    ] {
        let mut ws = connect(&eve, &path).await;
        let error = expect(&mut ws, "error", 5 * SECOND).await;
        assert!(
            error["message"]
                .as_str()
                .unwrap_or("")
                .contains("not a participant"),
            "{path}: {error}"
        );
        assert!(
            next_json(&mut ws, SECOND).await.is_none(),
            "{path}: the socket closes"
        );
    }
    // The call's own users get in; after the call ends, nobody does.
    let mut alice_ws = connect(&alice, &format!("/ws/call/{call_id}/")).await;
    let mut bob_ws = connect(&bob, &format!("/ws/call/{call_id}/")).await;
    one_told_of_the_other(&mut alice_ws, alice.id, &mut bob_ws, bob.id).await;
    alice.act(call_id, "cancel").await;
    let mut late = connect(&bob, &format!("/ws/call/{call_id}/")).await;
    let error = expect(&mut late, "error", 5 * SECOND).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("already ended"),
        "{error}"
    );
}

/// Skips text until the server closes `ws`: the close frame's code and reason.
async fn close_frame(ws: &mut common::ws::Ws, wait: Duration) -> Option<(u16, String)> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => {
                return frame.map(|f| (u16::from(f.code), f.reason.to_string()));
            }
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

#[tokio::test]
async fn rooms_close_when_their_call_ends_or_their_meeting_is_deleted() {
    let server = TestServer::start(&["alice", "bob", "carol", "dave"]).await;
    let [alice, bob, carol, dave] = [
        server.login("alice").await,
        server.login("bob").await,
        server.login("carol").await,
        server.login("dave").await,
    ];
    // A call: both sides' room sockets close with 1000 once it ends, so clients stop
    // instead of reconnecting to a room that refuses them.
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    let (s, _) = bob.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    let mut alice_ws = connect(&alice, &format!("/ws/call/{call_id}/")).await;
    let mut bob_ws = connect(&bob, &format!("/ws/call/{call_id}/")).await;
    one_told_of_the_other(&mut alice_ws, alice.id, &mut bob_ws, bob.id).await;
    // An unrelated call's room stays open.
    let other_call = carol.call(&dave).await["id"].as_i64().expect("id");
    let mut carol_ws = connect(&carol, &format!("/ws/call/{other_call}/")).await;
    let (s, _) = bob.act(call_id, "end").await;
    assert_eq!(s, StatusCode::OK);
    for ws in [&mut alice_ws, &mut bob_ws] {
        assert_eq!(
            close_frame(ws, 5 * SECOND).await,
            Some((1000, "the call ended".to_owned()))
        );
    }
    send(&mut carol_ws, json!({"type": "ping"})).await;
    assert_eq!(
        expect(&mut carol_ws, "pong", 5 * SECOND).await["type"],
        "pong"
    );

    // A meeting: its room closes when the host deletes it, not when its call ends.
    let meeting_id = meeting(&alice, &[&bob]).await;
    let mut host_ws = connect(&alice, &format!("/ws/meeting/{meeting_id}/")).await;
    let mut guest_ws = connect(&bob, &format!("/ws/meeting/{meeting_id}/")).await;
    one_told_of_the_other(&mut host_ws, alice.id, &mut guest_ws, bob.id).await;
    let (s, session) = alice
        .post("/api/health/call/start", json!({"meeting_id": meeting_id}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let (s, _) = alice
        .post("/api/health/call/end", json!({"call_id": session["id"]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    send(&mut guest_ws, json!({"type": "ping"})).await;
    assert_eq!(
        expect(&mut guest_ws, "pong", 5 * SECOND).await["type"],
        "pong"
    );
    let (s, _) = alice.delete(&format!("/api/meetings/{meeting_id}/")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for ws in [&mut host_ws, &mut guest_ws] {
        assert_eq!(
            close_frame(ws, 5 * SECOND).await,
            Some((1000, "the meeting was deleted".to_owned()))
        );
    }
}

#[tokio::test]
async fn messages_never_cross_rooms() {
    let server = TestServer::start(&["a", "b", "c", "d"]).await;
    let [a, b, c, d] = [
        server.login("a").await,
        server.login("b").await,
        server.login("c").await,
        server.login("d").await,
    ];
    let m1 = meeting(&a, &[&b, &c, &d]).await;
    let m2 = meeting(&c, &[&d, &a, &b]).await;
    let mut a1 = connect(&a, &format!("/ws/meeting/{m1}/")).await;
    let mut b1 = connect(&b, &format!("/ws/meeting/{m1}/")).await;
    let mut c2 = connect(&c, &format!("/ws/meeting/{m2}/")).await;
    let mut d2 = connect(&d, &format!("/ws/meeting/{m2}/")).await;
    one_told_of_the_other(&mut a1, a.id, &mut b1, b.id).await;
    one_told_of_the_other(&mut c2, c.id, &mut d2, d.id).await;
    send(&mut a1, json!({"type": "offer", "offer": {"sdp": "m1"}})).await;
    send(&mut c2, json!({"type": "offer", "offer": {"sdp": "m2"}})).await;
    // A target in another room is not reachable from here.
    send(
        &mut a1,
        json!({"type": "offer", "offer": {"sdp": "x"}, "target_id": c.id}),
    )
    .await;
    assert_eq!(
        expect(&mut b1, "webrtc_offer", 5 * SECOND).await["offer"]["sdp"],
        "m1"
    );
    assert_eq!(
        expect(&mut d2, "webrtc_offer", 5 * SECOND).await["offer"]["sdp"],
        "m2"
    );
    let refused = expect(&mut a1, "error", 5 * SECOND).await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or("")
            .contains("not in this room"),
        "{refused}"
    );
    assert_eq!(next_json(&mut b1, Duration::from_millis(300)).await, None);
    assert_eq!(next_json(&mut d2, Duration::from_millis(300)).await, None);
}

#[tokio::test]
async fn malformed_and_unknown_messages_get_errors_on_an_open_socket() {
    let server = TestServer::start(&["host", "guest"]).await;
    let host = server.login("host").await;
    let guest = server.login("guest").await;
    let id = meeting(&host, &[&guest]).await;
    let mut ws = connect(&host, &format!("/ws/meeting/{id}/")).await;
    let cases = [
        ("not json", "not valid JSON"),
        ("[1,2]", "wrong shape"),
        (r#"{"offer": {}}"#, "needs a \"type\""),
        (r#"{"type": "bogus"}"#, "Unknown message type"),
        (r#"{"type": "offer"}"#, "needs an \"offer\""),
        (r#"{"type": "offer", "offer": null}"#, "needs an \"offer\""),
        (
            r#"{"type": "ice-candidate", "candidate": null}"#,
            "needs an \"candidate\"",
        ),
        (
            r#"{"type": "answer", "answer": {}}"#,
            "needs a \"target_id\"",
        ),
        (
            r#"{"type": "offer", "offer": {}, "target_id": "abc"}"#,
            "must be a user id",
        ),
        (
            r#"{"type": "offer", "offer": {}, "target_id": 424242}"#,
            "not in this room",
        ),
    ];
    for (text, why) in cases {
        ws.send(Message::Text(text.into())).await.expect("send");
        let error = expect(&mut ws, "error", 5 * SECOND).await;
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.contains(why), "{text}: {message}");
    }
    send(&mut ws, json!({"type": "ping"})).await;
    expect(&mut ws, "pong", 5 * SECOND).await;
    let mut note = notifications(&host).await;
    send(&mut note, json!({"type": "answer_call"})).await;
    assert_eq!(
        expect(&mut note, "error", 5 * SECOND).await["type"],
        "error"
    );
    send(&mut note, json!({"type": "ping"})).await;
    expect(&mut note, "pong", 5 * SECOND).await;
}

#[tokio::test]
async fn a_flood_is_limited_and_closed_while_other_sockets_carry_on() {
    let server = TestServer::start(&["flooder", "victim", "x", "y"]).await;
    let [flooder, victim, x, y] = [
        server.login("flooder").await,
        server.login("victim").await,
        server.login("x").await,
        server.login("y").await,
    ];
    let m1 = meeting(&flooder, &[&victim]).await;
    let m2 = meeting(&x, &[&y]).await;
    let mut victim_ws = connect(&victim, &format!("/ws/meeting/{m1}/")).await;
    let mut flood_ws = connect(&flooder, &format!("/ws/meeting/{m1}/")).await;
    let mut x_ws = connect(&x, &format!("/ws/meeting/{m2}/")).await;
    let mut y_ws = connect(&y, &format!("/ws/meeting/{m2}/")).await;
    one_told_of_the_other(&mut victim_ws, victim.id, &mut flood_ws, flooder.id).await;
    one_told_of_the_other(&mut x_ws, x.id, &mut y_ws, y.id).await;

    let frame = json!({"type": "ice-candidate", "candidate": {"candidate": "spam"}}).to_string();
    let sent_at = Instant::now();
    let mut sent = 0;
    for _ in 0..3000 {
        if flood_ws
            .send(Message::Text(frame.clone().into()))
            .await
            .is_err()
        {
            break;
        }
        sent += 1;
    }
    // Meanwhile another room works normally.
    send(
        &mut x_ws,
        json!({"type": "offer", "offer": {"sdp": "fine"}}),
    )
    .await;
    assert_eq!(
        expect(&mut y_ws, "webrtc_offer", 5 * SECOND).await["offer"]["sdp"],
        "fine"
    );

    // The flooder is told to slow down, then closed with 1008.
    let mut warned = false;
    let close = loop {
        match tokio::time::timeout(10 * SECOND, flood_ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => warned |= t.contains("Too many messages"),
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            other => panic!("flooder not closed: {other:?}"),
        }
    };
    assert!(warned, "the flooder was warned");
    assert_eq!(close, Some(1008));
    // The victim got at most what the limit allows, not the flood.
    let mut relayed = 0;
    while let Some(v) = next_json(&mut victim_ws, Duration::from_millis(500)).await {
        if v["type"] == "ice_candidate" {
            relayed += 1;
        }
    }
    let allowed = 200.0 + 50.0 * sent_at.elapsed().as_secs_f64();
    assert!(
        relayed > 0 && f64::from(relayed) <= allowed,
        "relayed {relayed} of {sent}, allowed {allowed}"
    );
}

#[tokio::test]
async fn frames_over_64_kib_are_refused() {
    let server = TestServer::start(&["host", "guest"]).await;
    let host = server.login("host").await;
    let guest = server.login("guest").await;
    let id = meeting(&host, &[&guest]).await;
    let mut ws = connect(&host, &format!("/ws/meeting/{id}/")).await;
    // Just under the limit passes.
    let fits = json!({"type": "offer", "offer": {"sdp": "x".repeat(60_000)}}).to_string();
    ws.send(Message::Text(fits.into())).await.expect("send");
    send(&mut ws, json!({"type": "ping"})).await;
    expect(&mut ws, "pong", 5 * SECOND).await;
    let big = json!({"type": "offer", "offer": {"sdp": "x".repeat(70_000)}}).to_string();
    let _ = ws.send(Message::Text(big.into())).await;
    let closed = loop {
        match tokio::time::timeout(5 * SECOND, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_))) | Ok(None) => break None,
            Err(_) => panic!("an oversized frame left the socket open"),
        }
    };
    assert_eq!(closed, Some(1009));
}

/// After a restart: ringing calls are missed (at once on SQLite, which no other instance
/// shares; at the end of their ring time on a shared database, where another instance may
/// still ring them); active calls whose people come back stay active, and those whose
/// people do not are failed once the presence timeout passes.
#[tokio::test(start_paused = true)]
async fn a_restart_reconciles_calls_left_behind() {
    let mut server = TestServer::start_in_simulated_time(&["a", "b", "c", "d", "e", "f"], |c| {
        c.presence_timeout = Duration::from_secs(1);
        c.ring_timeout = Duration::from_secs(3);
    })
    .await;
    let mut users = Vec::new();
    for name in ["a", "b", "c", "d", "e", "f"] {
        users.push(server.login(name).await);
    }
    let ringing = users[0].call(&users[1]).await["id"].as_i64().expect("id");
    let abandoned = users[2].call(&users[3]).await["id"].as_i64().expect("id");
    users[3].act(abandoned, "answer").await;
    let kept = users[4].call(&users[5]).await["id"].as_i64().expect("id");
    users[5].act(kept, "answer").await;

    server.restart().await;
    for user in &mut users {
        user.base = server.url.clone();
    }
    // e and f come back (their sockets and heartbeats keep them online); c and d do not.
    let mut e_ws = notifications(&users[4]).await;
    let mut f_ws = notifications(&users[5]).await;
    if server.config.postgres_url().is_none() {
        assert_eq!(call_status_of(&users[0], ringing).await, "missed");
    } else {
        assert_eq!(call_status_of(&users[0], ringing).await, "pending");
        wait_for_status(&users[0], ringing, "missed", 4 * SECOND).await;
    }
    let p = users[0].presence_of(users[0].id).await;
    assert_eq!(p["current_call"], Value::Null);

    wait_for_status(&users[2], abandoned, "failed", 10 * SECOND).await;
    for user in &users[2..4] {
        let p = users[4].presence_of(user.id).await;
        assert_eq!(p["current_call"], Value::Null, "nobody stays busy forever");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = next_non_presence(&mut e_ws, Duration::from_millis(10)).await;
    let _ = next_non_presence(&mut f_ws, Duration::from_millis(10)).await;
    assert_eq!(
        call_status_of(&users[4], kept).await,
        "active",
        "a call whose people are back goes on"
    );
}

/// A socket open when the server stops stops counting: its user, kept online by it
/// alone, shows offline a presence timeout after the restart unless they come back.
#[tokio::test(start_paused = true)]
async fn a_socket_open_at_a_restart_stops_counting() {
    let mut server = TestServer::start_in_simulated_time(&["watcher", "gone"], |c| {
        c.presence_timeout = Duration::from_secs(1);
    })
    .await;
    let mut watcher = server.login("watcher").await;
    let gone = server.login("gone").await;
    let gone_ws = notifications(&gone).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        watcher.presence_of(gone.id).await["is_online"],
        true,
        "the socket alone keeps them online"
    );

    server.restart().await;
    watcher.base = server.url.clone();
    drop(gone_ws);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(watcher.presence_of(gone.id).await["is_online"], false);
}

/// A presence change is pushed once it has held for a quarter second: a call hung up at
/// once never blinks the caller busy in everyone's list; a call that lasts does.
#[tokio::test(start_paused = true)]
async fn presence_flickers_are_not_pushed_but_lasting_changes_are() {
    let server = TestServer::start_in_simulated_time(&["watcher", "alice", "bob"], |_| {}).await;
    let watcher = server.login("watcher").await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut watch = notifications(&watcher).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    while next_json(&mut watch, Duration::from_millis(100))
        .await
        .is_some()
    {}

    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    alice.act(call_id, "cancel").await;
    // A flicker would show alice busy. (With two instances, one may still repeat her
    // sign-in's `online` once its sweep notices it: that is not a flicker.)
    let mut flickers = Vec::new();
    while let Some(v) = next_json(&mut watch, Duration::from_millis(1200)).await {
        if v["type"] == "presence_update" && v["user_id"] == alice.id && v["status"] != "online" {
            flickers.push(v);
        }
    }
    assert_eq!(
        flickers,
        Vec::<Value>::new(),
        "a call hung up at once is not pushed"
    );

    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    let status_of_alice = |v: &Value| {
        (v["type"] == "presence_update" && v["user_id"] == alice.id)
            .then(|| v["status"].as_str().unwrap_or_default().to_owned())
    };
    let mut seen = Vec::new();
    while !seen.iter().any(|s| s == "busy") {
        let v = expect(&mut watch, "presence_update", 5 * SECOND).await;
        seen.extend(status_of_alice(&v));
    }
    alice.act(call_id, "cancel").await;
    // Back online, pushed (`expect` fails the test if it never comes).
    loop {
        let v = expect(&mut watch, "presence_update", 5 * SECOND).await;
        if status_of_alice(&v).as_deref() == Some("online") {
            break;
        }
    }
}

/// Two people opening a call room at the same instant: exactly one of them is told the
/// other joined (and offers); the other waits for the offer (SPEC §4).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_joiners_are_announced_to_one_side_only() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    for round in 0..10 {
        let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
        let path = format!("/ws/call/{call_id}/");
        let (mut a, mut b) = tokio::join!(connect(&alice, &path), connect(&bob, &path));
        let (ja, jb) = tokio::join!(
            next_json(&mut a, Duration::from_millis(500)),
            next_json(&mut b, Duration::from_millis(500))
        );
        let told = [ja, jb]
            .iter()
            .filter(|m| m.as_ref().is_some_and(|m| m["type"] == "user_joined"))
            .count();
        assert_eq!(
            told, 1,
            "round {round}: exactly one side learns of the other"
        );
        alice.act(call_id, "cancel").await;
    }
}

#[tokio::test]
async fn shutting_the_server_down_closes_sockets_with_1001() {
    let mut server = TestServer::start(&["alice"]).await;
    let alice = server.login("alice").await;
    let mut ws = notifications(&alice).await;
    let stopping = Instant::now();
    if let Some(running) = server.server.take() {
        running.shutdown().await.expect("shutdown");
    }
    let code = loop {
        match tokio::time::timeout(5 * SECOND, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame: {other:?}"),
        }
    };
    assert_eq!(code, Some(1001));
    assert!(stopping.elapsed() < 2 * SECOND, "{:?}", stopping.elapsed());
}

/// Signing out closes the sockets opened with that token (1008), and only those.
#[tokio::test]
async fn signing_out_closes_the_sockets_of_that_token() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let laptop = server.login("alice").await;
    let phone = server.login("alice").await;
    let bob = server.login("bob").await;
    let meeting_id = meeting(&laptop, &[&bob]).await;
    let mut laptop_notes = notifications(&laptop).await;
    let mut laptop_room = connect(&laptop, &format!("/ws/meeting/{meeting_id}/")).await;
    let mut phone_notes = notifications(&phone).await;

    let (s, _) = laptop.post("/api/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    for ws in [&mut laptop_notes, &mut laptop_room] {
        let code = loop {
            match tokio::time::timeout(5 * SECOND, ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => {}
                other => panic!("no close frame after sign-out: {other:?}"),
            }
        };
        assert_eq!(code, Some(1008));
    }
    // The phone's sign-in is another token: its socket stays.
    send(&mut phone_notes, json!({"type": "ping"})).await;
    expect(&mut phone_notes, "pong", 5 * SECOND).await;
    // And the revoked token cannot open a new one.
    let url = ws_url(&laptop, &format!("/api/ws/{}", laptop.id));
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

/// One account holds at most 16 sockets by default, signaling rooms included: one more
/// is refused with a 429 sentence, another account still connects, and a closed
/// socket's place comes back.
#[tokio::test]
async fn one_account_holds_at_most_sixteen_sockets() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut held = Vec::new();
    for _ in 0..15 {
        held.push(notifications(&alice).await);
    }
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    let room = format!("/ws/call/{call_id}/");
    held.push(connect(&alice, &room).await);
    let own = format!("/api/ws/{}/", alice.id);
    for path in [&own, &room] {
        let (s, body) = refused(&alice, path).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{path}: {body}");
        assert_eq!(
            body["error"],
            "This account already has 16 connections open, the most one account may hold; close Switchboard in other tabs or on other devices, then try again."
        );
    }
    let _bob = notifications(&bob).await;

    let mut first = held.remove(0);
    first.close(None).await.expect("close");
    let deadline = Instant::now() + 5 * SECOND;
    loop {
        match tokio_tungstenite::connect_async(ws_url(&alice, &own)).await {
            Ok((ws, _)) => {
                held.push(ws);
                break;
            }
            Err(e) if Instant::now() > deadline => panic!("the place never came back: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A socket closes with 1008 and a sentence once its token has expired: at the first
/// ping tick after expiry (a socket outlives its token by at most one ping interval),
/// never before. Notification and signaling sockets alike. On the cluster pass, which
/// runs on real time, the same at a smaller scale.
#[tokio::test(start_paused = true)]
async fn sockets_close_once_their_token_expires() {
    // Token lifetimes are whole seconds: a token of `ttl` lasts between ttl - 1 s and ttl.
    let (ttl, ping) = if common::shares_a_bus() {
        (Duration::from_secs(2), Duration::from_millis(500))
    } else {
        (Duration::from_secs(60), Duration::from_secs(40))
    };
    let server = TestServer::start_in_simulated_time(&["alice", "bob"], |c| {
        c.token_ttl = ttl;
        c.socket_ping_interval = ping;
    })
    .await;
    // Before the first token is issued: the bounds below count from its start.
    let opened = Instant::now();
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut own = notifications(&alice).await;
    let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
    // Answered: an unanswered call would be missed (and its room closed) first.
    let (s, _) = bob.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    let mut room = connect(&bob, &format!("/ws/call/{call_id}/")).await;
    // Both read at once: a socket nobody reads does not answer pings.
    let (own_closed, room_closed) = tokio::join!(
        until_closed(&mut own, opened),
        until_closed(&mut room, opened)
    );
    for (frame, at) in [own_closed, room_closed] {
        let frame = frame.expect("a close frame with a reason");
        assert_eq!(
            (u16::from(frame.code), frame.reason.as_str()),
            (1008, "Your session has expired; sign in again.")
        );
        // Not before the token could have expired; by the first tick after it did
        // (plus the sign-ins between `opened` and the sockets, on real time).
        assert!(
            at >= ttl - SECOND && at <= ttl + ping + SECOND,
            "closed after {at:?}"
        );
    }
}

/// Reads `socket` until its close frame; returns it and when it came, since `since`.
async fn until_closed(
    socket: &mut common::ws::Ws,
    since: Instant,
) -> (
    Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>,
    Duration,
) {
    loop {
        match tokio::time::timeout(300 * SECOND, socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return (frame, since.elapsed()),
            Ok(Some(Ok(_))) => {} // pushes and pings
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    }
}

/// Calls started and rejected in a loop leave no ring timers behind: each timer is
/// cancelled with its call, instead of sleeping out the ring time (45 s) for nothing.
#[tokio::test]
async fn ended_calls_leave_no_ring_timers_behind() {
    // A hundred calls in a row: more than one account may start by hand.
    let server = TestServer::start_with(&["alice", "bob"], |c| c.call_burst = 0).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let alive = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    // Bob rejects: in the cluster he is on the other instance than the one holding the
    // timer, which hears of the end over the bus.
    let call_and_cancel = || async {
        let call_id = alice.call(&bob).await["id"].as_i64().expect("id");
        let (s, _) = bob.act(call_id, "reject").await;
        assert_eq!(s, StatusCode::OK);
    };
    call_and_cancel().await; // connections and pools settle first
    let before = alive();
    for _ in 0..100 {
        call_and_cancel().await;
    }
    // Aborted tasks are gone once the runtime has run them once more.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = alive();
    assert!(
        after < before + 10,
        "tasks alive: {before} before, {after} after 100 calls"
    );
}

/// A web page from another origin cannot open a socket (a browser sends any page's
/// socket with the visitor's address and whatever the page knows); the server's own
/// pages, an origin the admin allows and native clients (no Origin) can.
#[tokio::test]
async fn pages_from_other_origins_cannot_open_sockets() {
    let server = TestServer::start_with(&["bob"], |c| {
        c.allowed_origins = vec!["https://CRM.example.com/".into()];
    })
    .await;
    let bob = server.login("bob").await;
    let url = ws_url(&bob, &format!("/api/ws/{}", bob.id));
    let open = |origin: Option<&str>| {
        let mut request =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                url.clone(),
            )
            .expect("request");
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().expect("header"));
        }
        tokio_tungstenite::connect_async(request)
    };
    match open(Some("http://evil.example")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            let said = body["error"].as_str().unwrap_or_default();
            assert!(
                said.contains("http://evil.example may not open Switchboard sockets")
                    && said.contains("--allowed-origin"),
                "{body}"
            );
        }
        other => panic!("a page from elsewhere got a socket: {other:?}"),
    }
    for origin in [
        None,
        Some(server.url.as_str()),
        Some("https://crm.example.com"),
    ] {
        let (mut ws, _) = open(origin)
            .await
            .unwrap_or_else(|e| panic!("origin {origin:?} refused: {e}"));
        send(&mut ws, json!({"type": "ping"})).await;
        expect(&mut ws, "pong", 5 * SECOND).await;
    }
}
