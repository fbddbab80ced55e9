//! Accounts people control, over real HTTP and sockets: invite codes with which a
//! teammate makes their own account, changing a password, signing out everywhere, and an
//! administrator disabling, enabling and deleting accounts (issue 19, part 3).

use crate::common::ws::{Ws, notifications};
use crate::common::{Client, PASSWORD, TestServer};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const SECOND: Duration = Duration::from_secs(1);

/// Waits for the server to close `ws`; returns the close code and reason.
async fn closed(ws: &mut Ws) -> (u16, String) {
    closed_within(ws, 5 * SECOND).await
}

/// As [`closed`], within `limit` of now.
async fn closed_within(ws: &mut Ws, limit: Duration) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("the socket was not closed with a reason: {other:?}"),
        }
    }
}

/// `client` with another token.
fn with_token(client: &Client, token: &Value) -> Client {
    Client {
        token: token.as_str().map(str::to_owned),
        ..client.clone()
    }
}

async fn refused_with(client: &Client, words: &str) -> Value {
    let (s, b) = client.get("/api/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let error = b["error"].as_str().unwrap_or_default();
    assert!(error.contains(words), "{error:?} should say {words:?}");
    b
}

async fn sign_in(anon: &Client, username: &str, password: &str) -> (StatusCode, Value) {
    anon.post(
        "/api/auth/login",
        json!({"username": username, "password": password}),
    )
    .await
}

#[tokio::test]
async fn a_teammate_makes_their_own_account_with_a_one_time_invite() {
    let server = TestServer::start(&["admin", "bob"]).await;
    let admin = server.login("admin").await;
    let bob = server.login("bob").await;
    let anon = server.anonymous();

    let (s, b) = bob.post("/api/invites", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = admin
        .post("/api/invites", json!({"expires_in_hours": 0}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");

    let (s, made) = admin.post("/api/invites", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let code = made["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code.len(), 32, "{made}");
    assert_eq!(made["invite"]["state"], "open");
    let (_, list) = admin.get("/api/invites").await;
    assert_eq!(list[0]["id"], made["invite"]["id"]);
    assert!(
        list[0].get("code").is_none(),
        "codes are shown once: {list}"
    );

    // Sign-in rules: JSON only, checked before anything else.
    let (s, _) = anon
        .send(
            anon.http
                .post(format!("{}/api/invites/redeem", anon.base))
                .header("Content-Type", "text/plain")
                .body(json!({"code": code}).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let carol = json!({"code": code, "username": "carol", "password": "carols own secret", "full_name": "Carol Jones"});
    let (s, b) = anon
        .post(
            "/api/invites/redeem",
            json!({"code": "0".repeat(32), "username": "mallory", "password": "long enough"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap_or_default()
            .contains("ask for a new invite")
    );
    let (s, b) = anon
        .post(
            "/api/invites/redeem",
            json!({"code": code, "username": "bob", "password": "long enough"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a taken name: {b}");

    // A code read out loud, in capitals with dashes, is the same code.
    let spoken = format!("{}-{}", &code[..16], &code[16..]).to_uppercase();
    let (s, joined) = anon
        .post("/api/invites/redeem", json!({"code": spoken, "username": "carol", "password": "carols own secret", "full_name": "Carol Jones"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{joined}");
    assert_eq!(joined["user"]["username"], "carol");
    assert_eq!(joined["user"]["is_admin"], false);
    let carol_client = with_token(&anon, &joined["token"]);
    let (s, me) = carol_client.get("/api/auth/me").await;
    assert_eq!(
        (s, me["full_name"].as_str()),
        (StatusCode::OK, Some("Carol Jones"))
    );
    let (s, _) = sign_in(&anon, "carol", "carols own secret").await;
    assert_eq!(s, StatusCode::OK);

    // Once only.
    let (s, b) = anon.post("/api/invites/redeem", carol).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap_or_default()
            .contains("used already"),
        "{b}"
    );
    let (_, list) = admin.get("/api/invites").await;
    assert_eq!(list[0]["state"], "used");
    assert_eq!(list[0]["used_by"], joined["user"]["id"]);

    // A withdrawn invite's code does not work.
    let (_, second) = admin
        .post("/api/invites", json!({"expires_in_hours": 1}))
        .await;
    let id = second["invite"]["id"].as_i64().unwrap_or_default();
    let (s, b) = admin.delete(&format!("/api/invites/{id}")).await;
    assert_eq!(
        (s, b["state"].as_str()),
        (StatusCode::OK, Some("revoked")),
        "{b}"
    );
    let (s, b) = anon
        .post(
            "/api/invites/redeem",
            json!({"code": second["code"], "username": "dave", "password": "long enough"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap_or_default()
            .contains("withdrawn"),
        "{b}"
    );
    let (s, _) = admin
        .delete(&format!("/api/invites/{}", made["invite"]["id"]))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a used invite cannot be withdrawn");
}

#[tokio::test]
async fn a_new_password_signs_out_every_other_session_and_closes_its_sockets() {
    let server = TestServer::start(&["admin", "bob"]).await;
    let laptop = server.login("bob").await;
    let phone = server.login("bob").await;
    let mut phone_notes = notifications(&phone).await;
    let anon = server.anonymous();

    let (s, b) = laptop
        .post(
            "/api/auth/password",
            json!({"current_password": "not it", "new_password": "a brand new one"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a wrong current password is not a sign-out: {b}"
    );
    let (s, b) = laptop
        .post(
            "/api/auth/password",
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = phone.get("/api/auth/me").await;
    assert_eq!(s, StatusCode::OK, "refused changes sign nobody out");

    let (s, changed) = laptop
        .post(
            "/api/auth/password",
            json!({"current_password": PASSWORD, "new_password": "a brand new one"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    let (code, reason) = closed(&mut phone_notes).await;
    assert_eq!(
        (code, reason.as_str()),
        (1008, "signed out on every device")
    );
    refused_with(&phone, "signed out on every device").await;
    refused_with(&laptop, "signed out on every device").await;
    let fresh = with_token(&laptop, &changed["token"]);
    let (s, _) = fresh.get("/api/auth/me").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the answer's token is the one that works"
    );

    let (s, _) = sign_in(&anon, "bob", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = sign_in(&anon, "bob", "a brand new one").await;
    assert_eq!(s, StatusCode::OK);

    // Signing out everywhere takes every token, the caller's too.
    let other = with_token(
        &anon,
        &sign_in(&anon, "bob", "a brand new one").await.1["token"],
    );
    let mut other_notes = notifications(&other).await;
    let (s, _) = fresh.post("/api/auth/logout_everywhere", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(closed(&mut other_notes).await.0, 1008);
    refused_with(&fresh, "signed out on every device").await;
    refused_with(&other, "signed out on every device").await;
    let (s, _) = sign_in(&anon, "bob", "a brand new one").await;
    assert_eq!(s, StatusCode::OK, "signing in again works");
}

#[tokio::test]
async fn an_administrator_disables_enables_and_deletes_accounts() {
    let server = TestServer::start(&["admin", "bob", "carol"]).await;
    let admin = server.login("admin").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    let mut bob_notes = notifications(&bob).await;
    let anon = server.anonymous();

    let (s, _) = carol
        .post(&format!("/api/users/{}/disable", bob.id), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = admin
        .post(&format!("/api/users/{}/disable", admin.id), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, b) = admin.post("/api/users/999/disable", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");

    let (s, b) = admin
        .post(&format!("/api/users/{}/disable", bob.id), json!({}))
        .await;
    assert_eq!((s, &b["is_active"]), (StatusCode::OK, &json!(false)), "{b}");
    // The disable closes them itself (no sweep on a timer): within a second of its answer.
    let (code, reason) = closed_within(&mut bob_notes, SECOND).await;
    assert_eq!(
        (code, reason.as_str()),
        (1008, "an administrator disabled or deleted this account")
    );
    let refusal = refused_with(&bob, "disabled").await;
    assert_eq!(refusal["code"], "account_disabled");
    let (s, b) = sign_in(&anon, "bob", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        b["error"].as_str().unwrap_or_default().contains("disabled"),
        "{b}"
    );
    let (s, b) = sign_in(&anon, "bob", "wrong password").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        !b["error"].as_str().unwrap_or_default().contains("disabled"),
        "only the password's owner learns it: {b}"
    );
    let (_, everyone) = admin.get("/api/users").await;
    let row = everyone
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == bob.id))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&row["is_active"], &row["presence"]["status"]),
        (&json!(false), &json!("offline"))
    );

    let (s, b) = admin
        .post(&format!("/api/users/{}/enable", bob.id), json!({}))
        .await;
    assert_eq!((s, &b["is_active"]), (StatusCode::OK, &json!(true)), "{b}");
    refused_with(&bob, "signed out on every device").await;
    let (s, _) = sign_in(&anon, "bob", PASSWORD).await;
    assert_eq!(s, StatusCode::OK);

    // Deleting keeps the row for history but frees the name.
    let call = admin.call(&carol).await;
    let call_id = call["id"].as_i64().unwrap_or_default();
    admin.act(call_id, "cancel").await;
    let mut carol_notes = notifications(&carol).await;
    let (s, b) = admin.delete(&format!("/api/users/{}", carol.id)).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (code, _) = closed_within(&mut carol_notes, SECOND).await;
    assert_eq!(code, 1008);
    refused_with(&carol, "deleted").await;
    let (s, _) = admin.get(&format!("/api/users/{}", carol.id)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, everyone) = admin.get("/api/users").await;
    assert!(
        everyone
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r["id"] != carol.id)),
        "{everyone}"
    );
    let (s, history) = admin.get("/api/jitsi-calls").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        history["results"][0]["recipient_details"]["full_name"], "Carol Example",
        "{history}"
    );
    let (s, _) = sign_in(&anon, "carol", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, b) = admin
        .post(
            "/api/users",
            json!({"username": "carol", "password": "long enough", "email": "carol@example.com"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "the name and email are free again: {b}"
    );
    let (s, _) = admin.delete(&format!("/api/users/{}", carol.id)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "deleted once");
}
