//! A stranger on every id-taking route and room, in one sweep driven by the OpenAPI
//! document: each operation whose path takes an id is called by a signed-in colleague
//! who has nothing to do with the thing that id names. They get the same answer as for
//! an id that does not exist (so they cannot even learn that it exists), or 403 where the
//! route is for admins; rooms refuse them; and afterwards everything is as it was. A
//! route added to the document without a line here fails the test.

use crate::common;

use crate::common::ws::{connect, next_json, refused};
use crate::common::{Client, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// An id no row has.
const NOBODY: i64 = 987_654;

/// What a stranger's call of one operation must get.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The answer for an id that does not exist (a 404), word for word.
    SameAsMissing,
    /// 403: only an admin may, whatever the id.
    AdminOnly,
    /// Colleagues see each other in the directory: allowed, without secrets.
    Directory,
    /// A socket room: refused, or told it is not a participant and closed.
    Room,
}

/// The things a stranger will try, owned by others.
struct Things {
    live_call: i64,
    ended_call: i64,
    meeting: i64,
    callback: i64,
    note: i64,
    camp_on: i64,
    webhook: i64,
    invite: i64,
    colleague: i64,
}

async fn created(client: &Client, path: &str, body: Value) -> i64 {
    let (s, made) = client.post(path, body).await;
    assert!(s.is_success(), "{path}: {s} {made}");
    made["id"]
        .as_i64()
        .or_else(|| made["call_session"]["id"].as_i64())
        .or_else(|| made["invite"]["id"].as_i64())
        .unwrap_or_else(|| panic!("{path}: no id in {made}"))
}

/// One of everything an id can name, none of it Mallory's.
async fn things(admin: &Client, alice: &Client, bob: &Client, carol: &Client) -> Things {
    let calls = "/api/jitsi-calls";
    let ended_call = created(
        alice,
        "/api/jitsi-calls/initiate_call/",
        json!({"recipient_id": bob.id}),
    )
    .await;
    for (who, action) in [(bob, "answer"), (alice, "end")] {
        assert_eq!(who.act(ended_call, action).await.0, StatusCode::OK);
    }
    let (s, _) = alice
        .post(
            &format!("{calls}/{ended_call}/log/"),
            json!({"note": "Quoted for 40 seats."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let live_call = created(
        alice,
        "/api/jitsi-calls/initiate_call/",
        json!({"recipient_id": bob.id}),
    )
    .await;
    let meeting = created(
        alice,
        "/api/meetings/",
        json!({"title": "Pipeline review", "participant_ids": [bob.id]}),
    )
    .await;
    let callback = created(
        alice,
        "/api/callbacks/",
        json!({"user_id": bob.id, "due_in_seconds": 3600, "call_id": ended_call}),
    )
    .await;
    let note = created(
        alice,
        "/api/notes/",
        json!({"user_id": bob.id, "text": "Call me about the renewal"}),
    )
    .await;
    let (s, _) = carol
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "dnd"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let camp_on = created(admin, "/api/camp-ons/", json!({"user_id": carol.id})).await;
    let webhook = created(
        admin,
        "/api/webhooks/",
        json!({"url": "http://127.0.0.1:9/hooks", "secret": "whsec-0123456789abcdef", "events": ["call.logged"]}),
    )
    .await;
    let invite = created(admin, "/api/invites/", json!({"expires_in_hours": 24})).await;
    Things {
        live_call,
        ended_call,
        meeting,
        callback,
        note,
        camp_on,
        webhook,
        invite,
        colleague: alice.id,
    }
}

/// For each templated operation of the document: the id a stranger tries, the bodies
/// they send (a valid one each, so only the access check can stop them), and what they
/// must get.
fn plan(t: &Things, method: &str, path: &str) -> Option<(i64, Vec<Value>, Expect)> {
    use Expect::*;
    let none = || vec![json!({})];
    Some(match (method, path) {
        ("get", "/api/jitsi-calls/{id}") => (t.live_call, none(), SameAsMissing),
        ("get", "/api/jitsi-calls/{id}/join_info") => (t.live_call, none(), SameAsMissing),
        ("post", "/api/jitsi-calls/{id}/update_status") => (
            t.live_call,
            ["answer", "reject", "cancel", "end", "hold", "resume"]
                .map(|a| json!({"action": a}))
                .to_vec(),
            SameAsMissing,
        ),
        ("post", "/api/jitsi-calls/{id}/transfer") => (
            t.live_call,
            vec![json!({"to_user_id": t.colleague})],
            SameAsMissing,
        ),
        ("post", "/api/jitsi-calls/{id}/add_participant") => (
            t.live_call,
            vec![json!({"user_id": t.colleague})],
            SameAsMissing,
        ),
        ("post", "/api/jitsi-calls/{id}/log") => (
            t.ended_call,
            vec![json!({"note": "Mine now", "outcome": "Resolved"})],
            SameAsMissing,
        ),
        ("get" | "delete", "/api/meetings/{id}") => (t.meeting, none(), SameAsMissing),
        ("delete", "/api/callbacks/{id}") => (t.callback, none(), SameAsMissing),
        ("post", "/api/callbacks/{id}/complete") => (t.callback, none(), SameAsMissing),
        ("post", "/api/callbacks/{id}/snooze") => (
            t.callback,
            vec![json!({"due_in_seconds": 60})],
            SameAsMissing,
        ),
        ("delete", "/api/notes/{id}") => (t.note, none(), SameAsMissing),
        ("post", "/api/notes/{id}/read") => (t.note, none(), SameAsMissing),
        ("delete", "/api/camp-ons/{id}") => (t.camp_on, none(), SameAsMissing),
        ("delete", "/api/webhooks/{id}") => (t.webhook, none(), AdminOnly),
        ("get", "/api/webhooks/{id}/deliveries") => (t.webhook, none(), AdminOnly),
        ("delete", "/api/invites/{id}") => (t.invite, none(), AdminOnly),
        ("delete", "/api/users/{id}") => (t.colleague, none(), AdminOnly),
        ("post", "/api/users/{id}/disable" | "/api/users/{id}/enable") => {
            (t.colleague, none(), AdminOnly)
        }
        ("get", "/api/users/{id}") => (t.colleague, none(), Directory),
        ("get", "/api/ws/{user_id}") => (t.colleague, none(), Room),
        ("get", "/ws/call/{id}") => (t.live_call, none(), Room),
        ("get", "/ws/meeting/{id}") => (t.meeting, none(), Room),
        _ => return None,
    })
}

async fn call(client: &Client, method: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    match method {
        "get" => client.get(path).await,
        "post" => client.post(path, body.clone()).await,
        "put" => client.put(path, body.clone()).await,
        "delete" => client.delete(path).await,
        other => panic!("no such method {other}"),
    }
}

/// A socket room refuses `client`: no upgrade, or an `error` frame and then the close,
/// with nothing of the room's in between.
async fn room_refuses(client: &Client, path: &str) -> String {
    let url = common::ws::ws_url(client, path);
    match tokio_tungstenite::connect_async(url).await {
        Err(_) => {
            let (status, body) = refused(client, path).await;
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                "{path}: {status} {body}"
            );
            format!("{status}")
        }
        Ok(_) => {
            let mut ws = connect(client, path).await;
            let first = next_json(&mut ws, Duration::from_secs(5)).await;
            let first = first.unwrap_or_else(|| panic!("{path}: nothing said"));
            assert_eq!(first["type"], "error", "{path}: {first}");
            assert!(
                next_json(&mut ws, Duration::from_secs(1)).await.is_none(),
                "{path}: the socket closes after the error"
            );
            first["message"].as_str().unwrap_or_default().to_owned()
        }
    }
}

/// `body` with `id` written as `{id}`, so two answers about two ids can be compared.
fn without_id(body: &Value, id: i64) -> String {
    body.to_string().replace(&id.to_string(), "{id}")
}

#[tokio::test]
async fn a_stranger_gets_nothing_from_any_id_taking_route_or_room() {
    // The live call rings for the whole test, however slow the machine.
    let server = TestServer::start_with(&["admin", "alice", "bob", "carol", "mallory"], |c| {
        c.ring_timeout = Duration::from_secs(600);
    })
    .await;
    let admin = server.login("admin").await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let mallory = server.login("mallory").await;
    let t = things(&admin, &alice, &bob, &carol).await;
    let before = snapshot(&admin, &alice, &bob, &t).await;

    let (s, doc) = server.anonymous().get("/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let mut swept = BTreeSet::new();
    let mut unplanned = Vec::new();
    for (template, item) in doc["paths"].as_object().into_iter().flatten() {
        if !template.contains('{') {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let Some((id, bodies, expect)) = plan(&t, method, template) else {
                unplanned.push(format!("{method} {template}"));
                continue;
            };
            let at = |id: i64| {
                let (head, tail) = template.split_once('{').expect("templated");
                let tail = tail.split_once('}').map_or("", |(_, rest)| rest);
                format!("{head}{id}{tail}/")
            };
            for body in &bodies {
                let what = format!("{method} {template} {body}");
                match expect {
                    Expect::SameAsMissing => {
                        let (s, answer) = call(&mallory, method, &at(id), body).await;
                        let (missing_s, missing) = call(&mallory, method, &at(NOBODY), body).await;
                        assert_eq!(s, StatusCode::NOT_FOUND, "{what}: {answer}");
                        assert_eq!(
                            (s, without_id(&answer, id)),
                            (missing_s, without_id(&missing, NOBODY)),
                            "{what}: a stranger can tell that id {id} exists"
                        );
                    }
                    Expect::AdminOnly => {
                        let (s, answer) = call(&mallory, method, &at(id), body).await;
                        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {answer}");
                        let (s, _) = call(&mallory, method, &at(NOBODY), body).await;
                        assert_eq!(s, StatusCode::FORBIDDEN, "{what} for no such id");
                    }
                    Expect::Directory => {
                        let (s, answer) = call(&mallory, method, &at(id), body).await;
                        assert_eq!(s, StatusCode::OK, "{what}: {answer}");
                        let text = answer.to_string();
                        for secret in ["password", "token", "argon2"] {
                            assert!(!text.contains(secret), "{what}: {text}");
                        }
                    }
                    Expect::Room => {
                        let said = room_refuses(&mallory, &at(id)).await;
                        let missing = room_refuses(&mallory, &at(NOBODY)).await;
                        assert_eq!(
                            said, missing,
                            "{what}: a stranger can tell that room {id} exists"
                        );
                    }
                }
            }
            swept.insert(format!("{method} {template}"));
        }
    }
    assert_eq!(
        unplanned,
        Vec::<String>::new(),
        "id-taking operations the sweep does not cover"
    );
    // The router's 24 id-taking operations (21 HTTP, 3 rooms): none missing from the
    // document, so none missed here.
    assert_eq!(swept.len(), 24, "{swept:?}");

    let after = snapshot(&admin, &alice, &bob, &t).await;
    assert_eq!(before, after, "a stranger changed something");
}

/// What the stranger must not have changed: each thing, read by its owner.
async fn snapshot(admin: &Client, alice: &Client, bob: &Client, t: &Things) -> Vec<Value> {
    let calls = "/api/jitsi-calls";
    let mut seen = Vec::new();
    for (who, path) in [
        (alice, format!("{calls}/{}/", t.live_call)),
        (alice, format!("{calls}/{}/", t.ended_call)),
        (alice, format!("/api/meetings/{}/", t.meeting)),
        (alice, "/api/callbacks/".to_owned()),
        (bob, "/api/notes/".to_owned()),
        (admin, "/api/camp-ons/".to_owned()),
        (admin, "/api/webhooks/".to_owned()),
        (admin, "/api/invites/".to_owned()),
        (admin, format!("/api/users/{}/", t.colleague)),
    ] {
        let (s, body) = who.get(&path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        seen.push(body);
    }
    // Alice is still signed in and enabled.
    assert_eq!(alice.get("/api/auth/me").await.0, StatusCode::OK);
    seen
}
