//! Calls over real HTTP (SPEC §3): the seed 000 lifecycle, every refusal, presence side
//! effects, history, and no double booking under concurrent requests.

use crate::common;

use crate::common::ws::{expect, next_non_presence, notifications};
use crate::common::{Client, TestServer, while_time_stands_still};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use switchboard_protocol::call::is_room_name;

fn id(call: &Value) -> i64 {
    call["id"].as_i64().expect("call id")
}

fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| panic!("not an RFC 3339 time: {value}"))
}

/// Seed 000, step by step: initiate → my_active_call → answer → end, with its checks.
#[tokio::test(start_paused = true)]
async fn seed_000_lifecycle() {
    let server = TestServer::start_in_simulated_time(&["sahel", "hasel"], |_| {}).await;
    let sahel = server.login("sahel").await;
    let hasel = server.login("hasel").await;

    // 1. Initiate.
    let (status, body) = sahel
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": hasel.id, "call_type": "video"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["message"], "Call initiated successfully");
    let call = &body["call_session"];
    let call_id = id(call);
    assert!(
        uuid::Uuid::parse_str(call["session_id"].as_str().unwrap_or("")).is_ok(),
        "{call}"
    );
    assert!(
        is_room_name(call["room_name"].as_str().unwrap_or("")),
        "{call}"
    );
    assert_eq!(call["call_type"], "video");
    assert_eq!(call["status"], "pending");
    assert_eq!(call["initiator"], sahel.id);
    assert_eq!(call["recipient"], hasel.id);
    assert_eq!(call["participants"], json!([sahel.id, hasel.id]));
    assert_eq!(call["started_at"], Value::Null);
    assert!(
        call["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{call}"
    );
    let created = time(&call["created_at"]);
    assert!((chrono::Utc::now() - created).num_seconds().abs() < 5);
    // Initiator presence is busy; the recipient sees the call via my_active_call.
    let p = sahel.presence_of(sahel.id).await;
    assert_eq!(
        (p["status"].clone(), p["current_call"].clone()),
        (json!("busy"), json!(call_id))
    );
    let (_, mine) = hasel.get("/api/jitsi-calls/my_active_call/").await;
    assert_eq!(mine["call_session"]["id"], call_id);
    assert_eq!(mine["call_session"]["room_name"], call["room_name"]);

    // 2. Answer.
    let (status, body) = hasel.act(call_id, "answer").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["message"], "Call answered");
    assert_eq!(body["call_session"]["status"], "active");
    assert_eq!(body["call_session"]["is_active"], true);
    let started = time(&body["call_session"]["started_at"]);
    let p = hasel.presence_of(hasel.id).await;
    assert_eq!(
        (p["status"].clone(), p["current_call"].clone()),
        (json!("busy"), json!(call_id))
    );

    // 3. End, after a measurable while.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = sahel.act(call_id, "end").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["message"], "Call ended");
    let ended_call = &body["call_session"];
    assert_eq!(ended_call["status"], "completed");
    assert_eq!(ended_call["is_active"], false);
    let ended = time(&ended_call["ended_at"]);
    let expected = (ended - started).num_seconds();
    assert!((2..=4).contains(&expected), "{ended_call}");
    assert_eq!(ended_call["duration_seconds"], expected);
    assert_eq!(
        ended_call["duration_formatted"],
        format!("00:{expected:02}")
    );
    assert_eq!(ended_call["started_at"], body["call_session"]["started_at"]);
    // Both users' presence cleared and back to online.
    for user in [&sahel, &hasel] {
        let p = user.presence_of(user.id).await;
        assert_eq!(p["current_call"], Value::Null, "{}", user.username);
        assert_eq!(p["status"], "online", "{}", user.username);
    }
    let (_, mine) = hasel.get("/api/jitsi-calls/my_active_call/").await;
    assert_eq!(mine, json!({"call_session": null}));
}

#[tokio::test]
async fn initiate_refusals_have_the_spec_status_codes_and_reasons() {
    let server = TestServer::start(&["alice", "bob", "carol", "dave"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;

    let initiate = |c: &Client, body: Value| {
        let c = c.clone();
        async move { c.post("/api/jitsi-calls/initiate_call/", body).await }
    };

    let (s, b) = initiate(&alice, json!({"recipient_id": 9999, "call_type": "audio"})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::NOT_FOUND,
            Some("There is no user with id 9999.")
        )
    );

    let (s, b) = initiate(&alice, json!({"recipient_id": alice.id})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("self"))
    );

    // dave never signed in: offline.
    let (s, b) = initiate(&alice, json!({"recipient_id": 4})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(b["code"], "offline");
    assert_eq!(b["error"], "Dave Example is offline.");

    // Unavailable: dnd, or available_for_calls off.
    bob.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "dnd"}),
    )
    .await;
    let (s, b) = initiate(&alice, json!({"recipient_id": bob.id})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("unavailable"))
    );
    bob.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "online", "available_for_calls": false}),
    )
    .await;
    let (s, b) = initiate(&alice, json!({"recipient_id": bob.id})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("unavailable"))
    );
    assert_eq!(b["error"], "Bob Example is not taking calls right now.");
    bob.post(
        "/api/user-presence/update_my_status/",
        json!({"available_for_calls": true}),
    )
    .await;

    // Busy: bob is ringing with carol's call; alice cannot call him.
    let call = carol.call(&bob).await;
    let (s, b) = initiate(&alice, json!({"recipient_id": bob.id})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("busy"))
    );
    assert_eq!(b["error"], "Bob Example is busy.");
    // ...and carol, already calling, cannot start a second call.
    let (s, b) = initiate(&carol, json!({"recipient_id": alice.id})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("caller_busy"))
    );
    // A manual "busy" status refuses calls too.
    carol.act(id(&call), "cancel").await;
    bob.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "busy"}),
    )
    .await;
    let (s, b) = initiate(&alice, json!({"recipient_id": bob.id})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("busy"))
    );

    // Bad input.
    let (s, b) = initiate(&alice, json!({"call_type": "audio"})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("recipient_id is required"))
    );
    let (s, b) = initiate(&alice, json!({"recipient_id": bob.id, "call_type": "fax"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        b["error"]
            .as_str()
            .unwrap_or("")
            .contains("\"audio\" or \"video\""),
        "{b}"
    );
    let (s, _) = initiate(&alice, json!({"recipient_id": [1]})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn who_may_do_what_to_a_call() {
    let server = TestServer::start(&["alice", "bob", "eve"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let eve = server.login("eve").await;
    let call_id = id(&alice.call(&bob).await);

    // A stranger sees nothing: 404 for reads and actions alike.
    for (s, _) in [
        eve.get(&format!("/api/jitsi-calls/{call_id}/")).await,
        eve.act(call_id, "end").await,
        eve.get(&format!("/api/jitsi-calls/{call_id}/join_info/"))
            .await,
    ] {
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = alice.act(424242, "end").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = alice.get("/api/jitsi-calls/not-a-number/").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Wrong role: 403. Unknown action: 400.
    let (s, b) = alice.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, _) = bob.act(call_id, "cancel").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = bob.act(call_id, "timeout").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = bob
        .post(
            &format!("/api/jitsi-calls/{call_id}/update_status/"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("action is required"))
    );

    // State forbids: 409.
    let (s, _) = bob.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = bob.act(call_id, "answer").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("Cannot answer a call that is active.")
        )
    );
    let (s, _) = bob.act(call_id, "reject").await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, b) = bob.act(call_id, "end").await;
    assert_eq!(
        (s, b["call_session"]["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
    // Final states never change.
    for (user, action) in [
        (&alice, "end"),
        (&bob, "end"),
        (&alice, "cancel"),
        (&bob, "answer"),
    ] {
        let (s, b) = user.act(call_id, action).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action}: {b}");
        assert_eq!(b["error"], "This call has already ended (completed).");
    }
}

#[tokio::test]
async fn every_end_of_a_call_restores_both_users_presence() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    alice
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "away"}),
        )
        .await;

    // (who acts, action, expected final status, answered first?)
    let cases = [
        ("bob", "reject", "rejected", false),
        ("alice", "cancel", "cancelled", false),
        ("alice", "end", "cancelled", false),
        ("bob", "end", "rejected", false),
        ("alice", "end", "completed", true),
        ("bob", "end", "completed", true),
    ];
    for (who, action, expected, answer) in cases {
        let call_id = id(&alice.call(&bob).await);
        if answer {
            let (s, _) = bob.act(call_id, "answer").await;
            assert_eq!(s, StatusCode::OK);
        }
        let actor = if who == "alice" { &alice } else { &bob };
        let (s, b) = actor.act(call_id, action).await;
        assert_eq!(s, StatusCode::OK, "{who} {action}: {b}");
        assert_eq!(b["call_session"]["status"], expected, "{who} {action}");
        assert!(b["call_session"]["ended_at"].is_string());
        let a = alice.presence_of(alice.id).await;
        let bp = alice.presence_of(bob.id).await;
        assert_eq!(
            (a["status"].as_str(), &a["current_call"]),
            (Some("away"), &Value::Null),
            "{who} {action}"
        );
        assert_eq!(
            (bp["status"].as_str(), &bp["current_call"]),
            (Some("online"), &Value::Null),
            "{who} {action}"
        );
    }
}

#[tokio::test]
async fn a_status_chosen_during_a_call_applies_after_it() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let call_id = id(&alice.call(&bob).await);
    let (_, p) = alice
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "dnd"}),
        )
        .await;
    assert_eq!(p["status"], "busy", "still busy while in the call");
    alice.act(call_id, "cancel").await;
    assert_eq!(alice.presence_of(alice.id).await["status"], "dnd");
}

#[tokio::test]
async fn history_is_newest_first_both_directions_and_paginated() {
    let server = TestServer::start(&["alice", "bob", "carol"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        // Alternate directions; carol's calls with bob must not show in alice's history.
        let call = if n % 2 == 0 {
            alice.call(&bob).await
        } else {
            bob.call(&alice).await
        };
        let rejecter = if n % 2 == 0 { &bob } else { &alice };
        rejecter.act(id(&call), "reject").await;
        ids.push(id(&call));
        let other = carol.call(&bob).await;
        carol.act(id(&other), "cancel").await;
    }
    ids.reverse();

    let (s, page1) = alice.get("/api/jitsi-calls/?page_size=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page1["count"], 5);
    let got: Vec<i64> = page1["results"]
        .as_array()
        .map(|r| r.iter().map(id).collect())
        .unwrap_or_default();
    assert_eq!(got, ids[..2]);
    assert!(page1["previous"].is_null());
    let next = page1["next"].as_str().expect("next link");
    assert!(next.contains("page=2"), "{next}");
    let (s, page2) = alice.send(alice.http.get(next)).await;
    assert_eq!(s, StatusCode::OK);
    let got: Vec<i64> = page2["results"]
        .as_array()
        .map(|r| r.iter().map(id).collect())
        .unwrap_or_default();
    assert_eq!(got, ids[2..4]);
    let (_, page3) = alice.get("/api/jitsi-calls/?page=3&page_size=2").await;
    assert_eq!(page3["results"].as_array().map(Vec::len), Some(1));
    assert!(page3["next"].is_null());

    let (s, _) = alice.get("/api/jitsi-calls/?page=9&page_size=2").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = alice.get("/api/jitsi-calls/?page_size=0").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = alice.get("/api/jitsi-calls/?status=nonsense").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, rejected) = alice.get("/api/jitsi-calls/?status=rejected").await;
    assert_eq!(rejected["count"], 5);
    let (_, mine) = bob.get("/api/jitsi-calls/?page_size=100").await;
    assert_eq!(
        mine["count"], 10,
        "bob sees both directions and carol's calls"
    );
}

#[tokio::test]
async fn active_calls_my_active_call_and_one_call() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let (_, none) = alice.get("/api/jitsi-calls/active_calls/").await;
    assert_eq!(none, json!([]));
    let call = alice.call(&bob).await;
    for user in [&alice, &bob] {
        let (_, active) = user.get("/api/jitsi-calls/active_calls/").await;
        assert_eq!(active.as_array().map(Vec::len), Some(1));
        let (_, mine) = user.get("/api/jitsi-calls/my_active_call/").await;
        assert_eq!(mine["call_session"]["id"], call["id"]);
        let (s, one) = user.get(&format!("/api/jitsi-calls/{}/", id(&call))).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(one["initiator_details"]["username"], "alice");
        assert_eq!(one["recipient_details"]["username"], "bob");
    }
}

#[tokio::test]
async fn seed_004_invite_creates_the_same_kind_of_call() {
    let server = TestServer::start(&["patrick", "kesavan"]).await;
    let patrick = server.login("patrick").await;
    let kesavan = server.login("kesavan").await;
    let (s, b) = patrick
        .post("/api/calls/invite", json!({"receiver_id": kesavan.id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["call_id"], b["call_session"]["id"]);
    assert_eq!(b["call_session"]["status"], "pending");
    let (_, mine) = kesavan.get("/api/jitsi-calls/my_active_call/").await;
    assert_eq!(mine["call_session"]["id"], b["call_id"]);
    let (s, b) = patrick.post("/api/calls/invite", json!({})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("receiver_id is required"))
    );
}

/// Many callers ring one user at the same instant: exactly one call is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_to_one_user_create_exactly_one() {
    let names: Vec<String> = (0..16).map(|n| format!("caller{n}")).collect();
    let mut all: Vec<&str> = vec!["target"];
    all.extend(names.iter().map(String::as_str));
    let server = TestServer::start(&all).await;
    let target = server.login("target").await;
    let mut callers = Vec::new();
    for name in &names {
        callers.push(server.login(name).await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(callers.len()));
    let tasks: Vec<_> = callers
        .into_iter()
        .map(|caller| {
            let barrier = barrier.clone();
            let target_id = target.id;
            tokio::spawn(async move {
                barrier.wait().await;
                caller
                    .post(
                        "/api/jitsi-calls/initiate_call/",
                        json!({"recipient_id": target_id}),
                    )
                    .await
                    .0
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.expect("task") {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        ok, 1,
        "exactly one of the simultaneous calls may ring the target"
    );
    let (_, active) = target.get("/api/jitsi-calls/active_calls/").await;
    assert_eq!(active.as_array().map(Vec::len), Some(1));
}

/// One caller rings many users at the same instant: they end up in exactly one call.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_from_one_user_create_exactly_one() {
    let names: Vec<String> = (0..12).map(|n| format!("callee{n}")).collect();
    let mut all: Vec<&str> = vec!["caller"];
    all.extend(names.iter().map(String::as_str));
    let server = TestServer::start(&all).await;
    let caller = server.login("caller").await;
    let mut callees = Vec::new();
    for name in &names {
        callees.push(server.login(name).await.id);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(callees.len()));
    let tasks: Vec<_> = callees
        .into_iter()
        .map(|callee| {
            let (caller, barrier) = (caller.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                caller
                    .post(
                        "/api/jitsi-calls/initiate_call/",
                        json!({"recipient_id": callee}),
                    )
                    .await
                    .0
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.expect("task") == StatusCode::OK {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

/// Call bombing: a script that starts and cancels a thousand calls to one colleague, on
/// both call routes, is refused after ten, in words and with `Retry-After`, one call more
/// each six seconds; the refused calls never reach the colleague, whose phone rang only
/// for the calls let through (each cancelled), who stays free, and whom others reach.
#[tokio::test(start_paused = true)]
async fn a_thousand_calls_started_and_cancelled_ring_the_colleague_only_ten_times() {
    let server = TestServer::start_in_simulated_time(&["mallory", "victim", "carol"], |_| {}).await;
    let mallory = server.login("mallory").await;
    let victim = server.login("victim").await;
    let carol = server.login("carol").await;
    let mut victim_ws = notifications(&victim).await;
    let started = tokio::time::Instant::now();
    let (mut let_through, mut refused) = (Vec::new(), 0);
    for n in 0..1000 {
        let route = ["/api/jitsi-calls/initiate_call/", "/api/calls/invite"][n % 2];
        let response = while_time_stands_still(
            mallory
                .http
                .post(format!("{}{route}", mallory.base))
                .bearer_auth(mallory.token.as_deref().unwrap_or_default())
                .json(&json!({"recipient_id": victim.id, "receiver_id": victim.id}))
                .send(),
        )
        .await
        .expect("the server answers");
        let status = response.status();
        let retry_after = response.headers().get("retry-after").cloned();
        let body: Value = while_time_stands_still(response.json())
            .await
            .unwrap_or(Value::Null);
        match status {
            StatusCode::OK => {
                let id = body["call_session"]["id"].as_i64().unwrap_or_default();
                assert_eq!(mallory.act(id, "cancel").await.0, StatusCode::OK, "{body}");
                let_through.push(id);
            }
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                let seconds: u64 = retry_after
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or_else(|| panic!("call {n}: no Retry-After"));
                assert!((1..=6).contains(&seconds), "Retry-After {seconds}");
                let said = body["error"].as_str().unwrap_or_default();
                assert!(
                    said.contains(&format!("wait {seconds} s before calling again")),
                    "{body}"
                );
            }
            other => panic!("call {n}: {other} {body}"),
        }
    }
    // Ten at once, then one per six seconds of (simulated) time the attack took.
    let allowed = 10 + (started.elapsed().as_secs() / 6) as usize + 1;
    assert!(
        (10..=allowed).contains(&let_through.len()),
        "{} calls let through in {:?}",
        let_through.len(),
        started.elapsed()
    );
    assert_eq!(let_through.len() + refused, 1000);

    // The colleague's phone rang for the calls let through, each then cancelled: no
    // refused call reached them, and nothing is left ringing.
    let (mut rang, mut cancelled) = (Vec::new(), Vec::new());
    while let Some(frame) = next_non_presence(&mut victim_ws, Duration::from_millis(500)).await {
        match frame["type"].as_str() {
            Some("call_invite") => rang.push(frame["call_id"].as_i64().unwrap_or_default()),
            Some("call_status") if frame["call_session"]["status"] == "cancelled" => {
                cancelled.push(frame["call_session"]["id"].as_i64().unwrap_or_default())
            }
            _ => {}
        }
    }
    assert_eq!(rang, let_through, "rang only for the calls let through");
    assert_eq!(cancelled, let_through, "and each ring was cancelled");
    let presence = carol.presence_of(victim.id).await;
    assert_eq!(presence["current_call"], Value::Null, "{presence}");
    let call = carol.call(&victim).await;
    assert_eq!(call["status"], "pending", "others still reach the victim");
    // One more call every six seconds.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (s, _) = mallory
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": carol.id}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "allowed again (carol is busy calling)"
    );
}

/// On PostgreSQL a call locks only what its rules touch. While another instance holds a
/// transaction on Ann and Bob (their calls and presence), Cat calls Dan, Dan answers and
/// Cat hangs up; Ann's call to Bob waits for that transaction (PostgreSQL shows it
/// waiting on a lock) and then rings.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run by tests/server-on-postgres.sh"]
async fn a_transaction_on_two_users_holds_up_only_their_calls() {
    use switchboard_server::store::{LockKey, StorageError};
    let server = TestServer::start(&["admin", "ann", "bob", "cat", "dan"]).await;
    let url = server
        .config
        .database
        .clone()
        .expect("set SWITCHBOARD_TEST_DATABASE_URL (tests/with-postgres.sh)");
    let (ann, bob) = (server.login("ann").await, server.login("bob").await);
    let (cat, dan) = (server.login("cat").await, server.login("dan").await);

    // The other instance: a store of its own on the same database, holding a keyed
    // transaction on Ann and Bob until told to let go.
    let other = common::off_runtime(|| {
        switchboard_server::server::open_store(&server.config).expect("a second store opens")
    });
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let (let_go, wait_to_let_go) = std::sync::mpsc::channel::<()>();
    let (ann_id, bob_id) = (ann.id, bob.id);
    let holder = std::thread::spawn(move || {
        other.write_keyed_blocking(|tx| {
            tx.lock(&[LockKey::User(ann_id), LockKey::User(bob_id)])?;
            let _ = locked.send(());
            let _ = wait_to_let_go.recv();
            Ok::<_, StorageError>(())
        })
    });
    tokio::task::spawn_blocking(move || is_locked.recv())
        .await
        .expect("join")
        .expect("the other instance took its locks");

    let initiate = "/api/jitsi-calls/initiate_call/";
    let ann_rings_bob = {
        let ann = ann.clone();
        tokio::spawn(async move { ann.post(initiate, json!({"recipient_id": bob_id})).await })
    };
    // PostgreSQL itself says when Ann's call waits on a lock the other instance holds.
    let waiting_on_a_lock = || {
        let url = url.clone();
        common::off_runtime(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            let row = client
                .query_one(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
                    &[],
                )
                .expect("pg_locks");
            row.get::<_, i64>(0)
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while waiting_on_a_lock() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "Ann's call never waited on the other instance's lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Meanwhile Cat and Dan's whole call goes through (a plain write lock would hold it
    // up until the other instance lets go, which it does not before this is done).
    let cat_and_dan = async {
        let (s, b) = cat.post(initiate, json!({"recipient_id": dan.id})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let call = &b["call_session"]["id"];
        for (who, action) in [(&dan, "answer"), (&cat, "end")] {
            let (s, b) = who
                .post(
                    &format!("/api/jitsi-calls/{call}/update_status/"),
                    json!({"action": action}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{action}: {b}");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), cat_and_dan)
        .await
        .expect("Cat and Dan's call waited for a transaction on Ann and Bob");
    assert!(
        !ann_rings_bob.is_finished(),
        "Ann's call went through while the other instance held Ann and Bob"
    );
    assert!(waiting_on_a_lock() > 0, "Ann's call stopped waiting");

    let _ = let_go.send(());
    holder
        .join()
        .expect("holder thread")
        .expect("the other instance's transaction commits");
    let (s, b) = ann_rings_bob.await.expect("join");
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["call_session"]["status"], "pending");
}

/// The next `call_status` frame on `ws` (invites and presence skipped).
async fn next_status(ws: &mut common::ws::Ws) -> Value {
    while let Some(frame) = next_non_presence(ws, Duration::from_secs(5)).await {
        if frame["type"] == "call_status" {
            return frame["call_session"].clone();
        }
    }
    panic!("no call_status within 5 s");
}

/// Hold and resume (issue 24): either participant holds, both are told at once, only
/// the holder resumes, the call stays active throughout, and the time on hold is kept.
#[tokio::test(start_paused = true)]
async fn a_call_is_held_and_resumed_and_its_hold_time_kept() {
    let server = TestServer::start_in_simulated_time(&["alice", "bob", "eve"], |_| {}).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let eve = server.login("eve").await;
    let call_id = id(&alice.call(&bob).await);

    // Not before it is answered.
    let (s, b) = alice.act(call_id, "hold").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("Cannot hold a call that is pending.")
        )
    );
    let (s, _) = bob.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    let (mut alice_ws, mut bob_ws) = (notifications(&alice).await, notifications(&bob).await);

    // Bob holds: both hear of it at once; the call stays active.
    let (s, b) = bob.act(call_id, "hold").await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Call on hold"))
    );
    for ws in [&mut alice_ws, &mut bob_ws] {
        let call = next_status(ws).await;
        assert_eq!(
            (call["status"].as_str(), call["on_hold_by"].as_i64()),
            (Some("active"), Some(bob.id)),
            "{call}"
        );
        assert!(call["on_hold_since"].is_string(), "{call}");
    }
    // A second hold, alice's resume of bob's hold, a stranger: refused in words.
    let (s, b) = alice.act(call_id, "hold").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::CONFLICT, Some("This call is already on hold."))
    );
    let (s, b) = alice.act(call_id, "resume").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("Only the person who put this call on hold can resume it.")
        )
    );
    let (s, _) = eve.act(call_id, "resume").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Presence is unchanged: both still in the call.
    for user in [&alice, &bob] {
        let p = user.presence_of(user.id).await;
        assert_eq!(p["current_call"], json!(call_id), "{}", user.username);
    }

    // Forty seconds later bob resumes: both are told; the hold's time is kept.
    tokio::time::sleep(Duration::from_secs(40)).await;
    let (s, b) = bob.act(call_id, "resume").await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Call resumed"))
    );
    for ws in [&mut alice_ws, &mut bob_ws] {
        let call = next_status(ws).await;
        assert_eq!(call["on_hold_by"], Value::Null, "{call}");
        assert_eq!(call["hold_seconds"], 40, "{call}");
    }
    let (s, b) = bob.act(call_id, "resume").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::CONFLICT, Some("This call is not on hold."))
    );

    // Alice holds, and the call ends while held: the hold's time is added, the hold goes.
    let (s, _) = alice.act(call_id, "hold").await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (s, b) = bob.act(call_id, "end").await;
    assert_eq!(s, StatusCode::OK);
    let call = &b["call_session"];
    assert_eq!(call["status"], "completed");
    assert_eq!(call["on_hold_by"], Value::Null, "{call}");
    assert_eq!(call["hold_seconds"], 45, "{call}");
    let (_, kept) = alice.get(&format!("/api/jitsi-calls/{call_id}/")).await;
    assert_eq!(kept["hold_seconds"], 45, "kept on the record: {kept}");
}

/// A blind transfer (issue 24): bob, on a call with alice, puts her through to carol. The
/// refusals (offline, busy, not in progress, a stranger, himself, alice) change nothing;
/// the transfer ends bob's call and rings carol with alice calling, about the same record.
#[tokio::test]
async fn a_blind_transfer_rings_the_colleague_and_ends_the_transferrers_call() {
    let server = TestServer::start(&["alice", "bob", "carol", "dave", "eve", "frank"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let eve = server.login("eve").await;
    let frank = server.login("frank").await;
    let regarding = json!({"type": "deal", "id": "D-42", "label": "Acme renewal"});
    let (s, b) = alice
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": bob.id, "regarding": regarding}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let call_id = id(&b["call_session"]);
    let transfer = |by: &Client, to: i64| {
        let by = by.clone();
        async move {
            by.post(
                &format!("/api/jitsi-calls/{call_id}/transfer/"),
                json!({ "to_user_id": to }),
            )
            .await
        }
    };

    // Not before it is answered.
    let (s, b) = transfer(&bob, carol.id).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("Only a call in progress can be transferred; this one is pending.")
        )
    );
    bob.act(call_id, "answer").await;
    let mut carol_ws = notifications(&carol).await;
    let mut alice_ws = notifications(&alice).await;

    // Refusals, with initiate's codes; the call goes on untouched.
    let (s, b) = transfer(&bob, 4).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("offline")),
        "{b}"
    );
    assert_eq!(b["error"], "Dave Example is offline.");
    let busy = eve.call(&frank).await;
    let (s, b) = transfer(&bob, eve.id).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("busy")),
        "{b}"
    );
    eve.act(id(&busy), "cancel").await;
    let (s, b) = transfer(&bob, bob.id).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("self")),
        "{b}"
    );
    let (s, b) = transfer(&bob, alice.id).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = transfer(&carol, eve.id).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a stranger sees no call");
    let (s, b) = bob
        .post(&format!("/api/jitsi-calls/{call_id}/transfer/"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (_, still) = alice.get(&format!("/api/jitsi-calls/{call_id}/")).await;
    assert_eq!(still["status"], "active", "nothing changed: {still}");

    // The transfer.
    let (s, b) = transfer(&bob, carol.id).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Call transferred")),
        "{b}"
    );
    let (old, new) = (&b["transferred_call"], &b["call_session"]);
    assert_eq!(old["status"], "completed");
    assert_eq!(
        (
            new["status"].as_str(),
            new["initiator"].as_i64(),
            new["recipient"].as_i64()
        ),
        (Some("pending"), Some(alice.id), Some(carol.id)),
        "{new}"
    );
    assert_eq!(new["transferred_from"], call_id);
    assert_eq!(new["regarding"]["id"], "D-42", "the record goes along");
    let new_id = id(new);

    // Carol is rung; alice hears her old call end and her new one start.
    let invite = loop {
        let frame = next_non_presence(&mut carol_ws, Duration::from_secs(5))
            .await
            .expect("carol is rung");
        if frame["type"] == "call_invite" {
            break frame;
        }
    };
    assert_eq!(invite["call_id"], new_id);
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let call = next_status(&mut alice_ws).await;
        seen.push((
            call["id"].as_i64(),
            call["status"].as_str().map(str::to_owned),
        ));
    }
    assert!(
        seen.contains(&(Some(call_id), Some("completed".into()))),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(Some(new_id), Some("pending".into()))),
        "{seen:?}"
    );
    // Bob is free; alice is in the new call.
    let p = bob.presence_of(bob.id).await;
    assert_eq!(
        (p["status"].as_str(), &p["current_call"]),
        (Some("online"), &Value::Null)
    );
    let p = alice.presence_of(alice.id).await;
    assert_eq!(p["current_call"], new_id);
    // Carol answers: alice and carol talk.
    let (s, b) = carol.act(new_id, "answer").await;
    assert_eq!(
        (s, b["call_session"]["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );
    // The old call cannot be transferred again.
    let (s, _) = transfer(&bob, eve.id).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// Both participants transfer the same call at once (on a cluster, through different
/// instances): exactly one transfer happens, and the other is told the call is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_transfers_of_one_call_at_once_make_exactly_one_new_call() {
    let server = TestServer::start(&["alice", "bob", "carol", "eve"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let eve = server.login("eve").await;
    for round in 0..5 {
        let call_id = id(&alice.call(&bob).await);
        bob.act(call_id, "answer").await;
        let path = format!("/api/jitsi-calls/{call_id}/transfer/");
        let (by_bob, by_alice) = tokio::join!(
            bob.post(&path, json!({"to_user_id": carol.id})),
            alice.post(&path, json!({"to_user_id": eve.id})),
        );
        let both = [&by_bob, &by_alice];
        let won: Vec<_> = both.iter().filter(|(s, _)| *s == StatusCode::OK).collect();
        assert_eq!(won.len(), 1, "round {round}: {by_bob:?} {by_alice:?}");
        let lost = if by_bob.0 == StatusCode::OK {
            &by_alice
        } else {
            &by_bob
        };
        assert_eq!(lost.0, StatusCode::CONFLICT, "round {round}: {lost:?}");
        // Clear the new call before the next round.
        let new = &won[0].1["call_session"];
        let caller = if new["initiator"] == alice.id {
            &alice
        } else {
            &bob
        };
        caller.act(id(new), "cancel").await;
    }
    for user in [&alice, &bob, &carol, &eve] {
        let p = user.presence_of(user.id).await;
        assert_eq!(p["current_call"], Value::Null, "{}", user.username);
    }
}

/// An attended transfer racing the held party's hang-up (on a cluster, through different
/// instances): exactly one of them happens, and nobody is left in a call.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_attended_transfer_and_a_hang_up_at_once_do_not_both_happen() {
    let server = TestServer::start(&["alice", "bob", "carol"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    for round in 0..5 {
        let held = id(&alice.call(&bob).await);
        bob.act(held, "answer").await;
        bob.act(held, "hold").await;
        let consult = id(&bob.call(&carol).await);
        carol.act(consult, "answer").await;
        let path = format!("/api/jitsi-calls/{held}/transfer/");
        let (joined, hung_up) = tokio::join!(
            bob.post(&path, json!({"to_call_id": consult})),
            alice.act(held, "end"),
        );
        let statuses = (joined.0, hung_up.0);
        match statuses {
            (StatusCode::OK, StatusCode::CONFLICT) => {
                carol.act(id(&joined.1["call_session"]), "end").await;
            }
            (StatusCode::CONFLICT, StatusCode::OK) => {
                bob.act(consult, "end").await;
            }
            other => panic!("round {round}: {other:?} {joined:?} {hung_up:?}"),
        }
        for user in [&alice, &bob, &carol] {
            let p = user.presence_of(user.id).await;
            assert_eq!(
                p["current_call"],
                Value::Null,
                "round {round}: {}",
                user.username
            );
        }
    }
}

/// Adding a colleague (issue 24): bob, on a call with alice, adds carol. Refusals (busy,
/// offline, already on it, a stranger, not in progress) change nothing; then the call
/// becomes a meeting of the three hosted by bob, the 1:1 call ends pointing at it, both
/// its parties hear that (and are free for calls), and only carol is told the meeting
/// started.
#[tokio::test]
async fn adding_a_colleague_grows_the_call_into_a_meeting_of_three() {
    let server = TestServer::start(&["alice", "bob", "carol", "dave", "eve", "frank"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let eve = server.login("eve").await;
    let frank = server.login("frank").await;
    let call_id = id(&alice.call(&bob).await);
    let add = |by: &Client, user: i64| {
        let by = by.clone();
        async move {
            by.post(
                &format!("/api/jitsi-calls/{call_id}/add_participant/"),
                json!({ "user_id": user }),
            )
            .await
        }
    };
    let (s, b) = add(&bob, carol.id).await;
    assert_eq!(s, StatusCode::CONFLICT, "not before it is answered: {b}");
    bob.act(call_id, "answer").await;
    let mut alice_ws = notifications(&alice).await;
    let mut bob_ws = notifications(&bob).await;
    let mut carol_ws = notifications(&carol).await;

    let (s, b) = add(&bob, 4).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("offline")),
        "{b}"
    );
    let busy = eve.call(&frank).await;
    let (s, b) = add(&bob, eve.id).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("busy")),
        "{b}"
    );
    eve.act(id(&busy), "cancel").await;
    for already in [alice.id, bob.id] {
        let (s, b) = add(&bob, already).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    }
    let (s, _) = add(&carol, eve.id).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a stranger sees no call");
    let (_, still) = alice.get(&format!("/api/jitsi-calls/{call_id}/")).await;
    assert_eq!(still["status"], "active", "nothing changed: {still}");
    assert!(still.get("escalated_to_meeting").is_none(), "{still}");

    let (s, b) = add(&bob, carol.id).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (StatusCode::OK, Some("Participant added")),
        "{b}"
    );
    let meeting = &b["meeting"];
    let meeting_id = meeting["id"].as_i64().expect("meeting id");
    assert_eq!(meeting["host"]["id"], bob.id);
    assert_eq!(meeting["participant_ids"], json!([alice.id, carol.id]));
    assert_eq!(meeting["status"], "ongoing");
    assert_eq!(
        meeting["title"],
        "Alice Example, Bob Example and Carol Example"
    );
    assert_eq!(meeting["active_call_id"], b["meeting_call"]["id"]);
    assert_eq!(b["call_session"]["status"], "completed");
    assert_eq!(b["call_session"]["escalated_to_meeting"], meeting_id);

    // Both parties hear their call end, pointing at the meeting; carol hears it started.
    for ws in [&mut alice_ws, &mut bob_ws] {
        let call = next_status(ws).await;
        assert_eq!(
            (call["id"].as_i64(), call["status"].as_str()),
            (Some(call_id), Some("completed"))
        );
        assert_eq!(call["escalated_to_meeting"], meeting_id);
    }
    let started = expect(&mut carol_ws, "meeting_started", Duration::from_secs(5)).await;
    assert_eq!(started["meeting"]["id"], meeting_id);
    assert_eq!(started["call"]["caller"]["id"], bob.id);
    // Bob added her: she is told it is his call with alice.
    assert_eq!(started["added_to_call"]["call_id"], call_id);
    assert_eq!(started["added_to_call"]["with"]["id"], alice.id);
    for ws in [&mut alice_ws, &mut bob_ws] {
        let next = next_non_presence(ws, Duration::from_millis(500)).await;
        assert!(
            next.is_none(),
            "the parties follow their call, not a notice: {next:?}"
        );
    }
    // All three may open the meeting; alice and bob are free for calls again.
    for who in [&alice, &bob, &carol] {
        let (s, _) = who.get(&format!("/api/meetings/{meeting_id}/")).await;
        assert_eq!(s, StatusCode::OK);
    }
    let p = alice.presence_of(alice.id).await;
    assert_eq!(p["current_call"], Value::Null);
    let (s, _) = add(&bob, eve.id).await;
    assert_eq!(s, StatusCode::CONFLICT, "the call is over");
}

/// An attended transfer (issue 24): bob, on a call with alice, holds it, consults carol in
/// a second call, then joins alice and carol. While he consults he is busy for others and
/// cannot take the held call back; the join ends both his calls and starts alice's with
/// carol already under way. Going back instead (ending the consultation, resuming) also
/// works, and he is in the held call again meanwhile.
#[tokio::test]
async fn an_attended_transfer_joins_the_held_caller_with_the_colleague_consulted() {
    let server = TestServer::start(&["alice", "bob", "carol", "eve"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let eve = server.login("eve").await;
    let held = id(&alice.call(&bob).await);
    bob.act(held, "answer").await;
    let initiate = |by: &Client, to: i64| {
        let by = by.clone();
        async move {
            by.post(
                "/api/jitsi-calls/initiate_call/",
                json!({ "recipient_id": to }),
            )
            .await
        }
    };
    let (s, b) = initiate(&bob, carol.id).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("caller_busy")),
        "hold it first: {b}"
    );
    let (s, _) = bob.act(held, "hold").await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = initiate(&alice, eve.id).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("caller_busy")),
        "only the holder may: {b}"
    );

    // Going back: consult, end the consultation, take the call back.
    let (s, b) = initiate(&bob, carol.id).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let consult = id(&b["call_session"]);
    carol.act(consult, "answer").await;
    let (s, b) = initiate(&eve, bob.id).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("busy")),
        "{b}"
    );
    let (s, b) = bob.act(held, "resume").await;
    assert_eq!(s, StatusCode::CONFLICT, "not while consulting: {b}");
    assert!(
        b["error"]
            .as_str()
            .is_some_and(|e| e.contains("another call")),
        "{b}"
    );
    bob.act(consult, "end").await;
    let p = bob.presence_of(bob.id).await;
    assert_eq!(
        (p["status"].as_str(), &p["current_call"]),
        (Some("busy"), &json!(held)),
        "back in the held call"
    );
    let (s, b) = bob.act(held, "resume").await;
    assert_eq!(
        (s, b["call_session"]["status"].as_str()),
        (StatusCode::OK, Some("active")),
        "{b}"
    );

    // Consult again, then join them.
    bob.act(held, "hold").await;
    let (_, b) = initiate(&bob, carol.id).await;
    let consult = id(&b["call_session"]);
    let transfer = |by: &Client, body: Value| {
        let by = by.clone();
        async move {
            by.post(&format!("/api/jitsi-calls/{held}/transfer/"), body)
                .await
        }
    };
    let (s, b) = transfer(&bob, json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = transfer(&bob, json!({"to_user_id": carol.id, "to_call_id": consult})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "one or the other: {b}");
    let (s, b) = transfer(&bob, json!({"to_call_id": consult})).await;
    assert_eq!(s, StatusCode::CONFLICT, "carol has not answered: {b}");
    carol.act(consult, "answer").await;
    let (s, b) = transfer(&bob, json!({"to_call_id": held})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = transfer(&carol, json!({"to_call_id": consult})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not carol's call to hand on");
    let mut alice_ws = notifications(&alice).await;
    let mut carol_ws = notifications(&carol).await;
    let (s, b) = transfer(&bob, json!({"to_call_id": consult})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let joined = &b["call_session"];
    assert_eq!(
        (
            joined["status"].as_str(),
            joined["initiator"].as_i64(),
            joined["recipient"].as_i64()
        ),
        (Some("active"), Some(alice.id), Some(carol.id)),
        "{joined}"
    );
    assert_eq!(joined["transferred_from"], held);
    assert_eq!(b["transferred_call"]["status"], "completed");
    let joined_id = id(joined);
    for (ws, old) in [(&mut alice_ws, held), (&mut carol_ws, consult)] {
        let mut seen = Vec::new();
        while seen.len() < 2 {
            let call = next_status(ws).await;
            seen.push((
                call["id"].as_i64(),
                call["status"].as_str().map(str::to_owned),
            ));
        }
        assert!(
            seen.contains(&(Some(old), Some("completed".into()))),
            "{seen:?}"
        );
        assert!(
            seen.contains(&(Some(joined_id), Some("active".into()))),
            "{seen:?}"
        );
    }
    let p = bob.presence_of(bob.id).await;
    assert_eq!(
        (p["status"].as_str(), &p["current_call"]),
        (Some("online"), &Value::Null),
        "bob is free"
    );
    for who in [&alice, &carol] {
        let p = who.presence_of(who.id).await;
        assert_eq!(p["current_call"], joined_id);
    }
    let (s, b) = carol.act(joined_id, "end").await;
    assert_eq!(
        (s, b["call_session"]["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
}
