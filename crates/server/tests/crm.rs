//! The CRM around a call (issue 20) over real HTTP and sockets: a call about a record,
//! each participant's log of it afterwards, and a decline with a message.

use crate::common;

use crate::common::ws::{expect, expect_status, notifications};
use crate::common::{Client, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn deal() -> Value {
    json!({"type": "deal", "id": "4711", "label": "ACME renewal", "url": "https://crm.example/deals/4711"})
}

/// Starts a call from `from` to `to` with `body`'s extra fields; the answer as it came.
async fn call_with(from: &Client, to: &Client, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"recipient_id": to.id});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    from.post("/api/jitsi-calls/initiate_call/", body).await
}

#[tokio::test]
async fn a_call_about_a_record_carries_it_everywhere_and_lists_by_it() {
    let server = TestServer::start(&["admin", "jane", "tom"]).await;
    let (jane, tom) = (server.login("jane").await, server.login("tom").await);
    let mut tom_ws = notifications(&tom).await;

    let (s, made) = call_with(&jane, &tom, json!({"regarding": deal()})).await;
    assert_eq!(s, StatusCode::OK, "{made}");
    let call = &made["call_session"];
    assert_eq!(call["regarding"], deal());
    let call_id = call["id"].as_i64().expect("id");
    // The callee's device learns what the call is about with the invite.
    let invite = expect(&mut tom_ws, "call_invite", 5 * SECOND).await;
    assert_eq!(invite["regarding"], deal());
    let (s, _) = tom.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = jane.act(call_id, "end").await;
    assert_eq!(s, StatusCode::OK);
    // Seed 004's route takes it too; a call about nothing has no `regarding` at all.
    let (s, other) = jane
        .post(
            "/api/calls/invite",
            json!({"receiver_id": tom.id, "regarding": {"type": "ticket", "id": "T-9", "label": "Printer"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{other}");
    assert_eq!(other["call_session"]["regarding"]["type"], "ticket");
    let (s, _) = jane
        .act(other["call_id"].as_i64().expect("id"), "cancel")
        .await;
    assert_eq!(s, StatusCode::OK);
    let plain = jane.call(&tom).await;
    assert!(plain.get("regarding").is_none(), "{plain}");
    let (s, _) = jane.act(plain["id"].as_i64().expect("id"), "cancel").await;
    assert_eq!(s, StatusCode::OK);

    // A record's calls, from either side; the history keeps it.
    for who in [&jane, &tom] {
        let (s, page) = who
            .get("/api/jitsi-calls/?regarding_type=deal&regarding_id=4711")
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(page["count"], 1, "{page}");
        assert_eq!(page["results"][0]["id"], call_id);
        assert_eq!(page["results"][0]["regarding"]["label"], "ACME renewal");
    }
    let (_, all) = jane.get("/api/jitsi-calls/").await;
    assert_eq!(all["count"], 3);
    let (s, body) = jane.get("/api/jitsi-calls/?regarding_type=deal").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");

    // Refused in words, naming the field; nothing is stored.
    for (regarding, says) in [
        (
            json!({"type": "deal", "id": "1", "label": "x", "url": "javascript:alert(1)"}),
            "regarding.url",
        ),
        (
            json!({"type": "deal", "id": "1", "label": "x", "url": "ftp://crm.example/1"}),
            "regarding.url",
        ),
        (
            json!({"type": "a deal", "id": "1", "label": "x"}),
            "regarding.type",
        ),
        (
            json!({"type": "deal", "id": "1", "label": "x".repeat(201)}),
            "regarding.label",
        ),
        (
            json!({"type": "deal", "id": "1\u{0}", "label": "x"}),
            "regarding.id",
        ),
        (json!({"type": "deal", "label": "x"}), "regarding"),
        (json!("deal 4711"), "regarding must be an object"),
    ] {
        let (s, body) = call_with(&jane, &tom, json!({"regarding": regarding})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{regarding}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{regarding}: {error}");
    }
    let (_, all) = jane.get("/api/jitsi-calls/").await;
    assert_eq!(all["count"], 3, "refused calls are not stored");
}

#[tokio::test(start_paused = true)]
async fn each_participant_logs_an_outcome_and_a_note_after_the_call() {
    let server =
        TestServer::start_in_simulated_time(&["admin", "jane", "tom", "eve"], |_| {}).await;
    let admin = server.login("admin").await;
    let (jane, tom, eve) = (
        server.login("jane").await,
        server.login("tom").await,
        server.login("eve").await,
    );
    let (s, outcomes) = jane.get("/api/call-outcomes/").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        outcomes["outcomes"],
        json!([
            "Resolved",
            "Follow-up needed",
            "No decision",
            "Wrong person"
        ])
    );

    let (s, made) = call_with(&jane, &tom, json!({"regarding": deal()})).await;
    assert_eq!(s, StatusCode::OK);
    let call_id = made["call_session"]["id"].as_i64().expect("id");
    let log = |id: i64| format!("/api/jitsi-calls/{id}/log/");
    // Not while it rings or runs.
    let (s, body) = jane.post(&log(call_id), json!({"note": "early"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, _) = tom.act(call_id, "answer").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = tom.act(call_id, "end").await;
    assert_eq!(s, StatusCode::OK);

    let (s, after) = jane
        .post(
            &log(call_id),
            json!({"outcome": "Follow-up needed", "note": "Send the renewal quote.\nCall back Friday."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{after}");
    assert_eq!(after["logs"][0]["author"], jane.id);
    assert_eq!(
        after["logs"][0]["note"],
        "Send the renewal quote.\nCall back Friday."
    );
    let (s, after) = tom
        .post(&log(call_id), json!({"outcome": "Resolved"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{after}");
    assert_eq!(after["logs"].as_array().map(Vec::len), Some(2));
    assert!(after["logs"][1].get("note").is_none());

    // Strangers see no such call; bad input is a sentence.
    let (s, _) = eve.post(&log(call_id), json!({"note": "mine"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for (body, says) in [
        (json!({}), "outcome, a note or both"),
        (json!({"note": "   "}), "outcome, a note or both"),
        (json!({"outcome": "Sold"}), "not one of the team's outcomes"),
        (json!({"note": "bell\u{7}"}), "control characters"),
        (json!({"note": "x".repeat(4001)}), "at most 4000"),
    ] {
        let (s, answer) = jane.post(&log(call_id), body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{body}: {error}");
    }

    // The history finds calls by outcome and by words in a note, for both participants.
    for who in [&jane, &tom] {
        let (_, found) = who.get("/api/jitsi-calls/?q=renewal%20QUOTE").await;
        assert_eq!(found["count"], 1, "{found}");
        let (_, found) = who.get("/api/jitsi-calls/?outcome=Resolved").await;
        assert_eq!(found["count"], 1, "{found}");
        let (_, found) = who.get("/api/jitsi-calls/?outcome=No%20decision").await;
        assert_eq!(found["count"], 0, "{found}");
    }
    let (_, page) = jane.get("/api/jitsi-calls/?q=quote&page_size=1").await;
    assert_eq!(page["results"][0]["logs"][0]["outcome"], "Follow-up needed");

    // Administrators change the list; others may not; a bad list is a sentence.
    let (s, _) = jane
        .put("/api/call-outcomes/", json!({"outcomes": ["Sold"]}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = admin
        .put("/api/call-outcomes/", json!({"outcomes": ["Sold", "sold"]}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = admin
        .put("/api/call-outcomes/", json!({"outcomes": ["Sold", "Lost"]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = jane.post(&log(call_id), json!({"outcome": "Sold"})).await;
    assert_eq!(s, StatusCode::OK);

    // A log can be changed for 24 hours after it was written, then not.
    if !common::shares_a_bus() {
        tokio::time::advance(Duration::from_secs(25 * 3600)).await;
        let (s, body) = jane.post(&log(call_id), json!({"note": "late"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap_or_default()
                .contains("24 hours"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_declined_call_carries_the_callees_message_to_the_caller() {
    let server = TestServer::start(&["admin", "jane", "tom"]).await;
    let (jane, tom) = (server.login("jane").await, server.login("tom").await);
    let mut jane_ws = notifications(&jane).await;
    let call_id = jane.call(&tom).await["id"].as_i64().expect("id");
    let update = format!("/api/jitsi-calls/{call_id}/update_status/");
    for (body, says) in [
        (
            json!({"action": "reject", "message": "x".repeat(201)}),
            "at most 200",
        ),
        (
            json!({"action": "reject", "message": "a\nb"}),
            "control character",
        ),
        (json!({"action": "answer", "message": "hi"}), "reject"),
    ] {
        let (s, answer) = tom.post(&update, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{body}: {error}");
    }
    let message = "In a meeting — I'll call you back in 10 minutes";
    let (s, done) = tom
        .post(&update, json!({"action": "reject", "message": message}))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["call_session"]["decline_message"], message);
    // The caller hears it at once on their socket, and it stays on the call.
    let status = expect_status(&mut jane_ws, call_id, "rejected", 5 * SECOND).await;
    assert_eq!(status["call_session"]["decline_message"], message);
    let (_, kept) = jane.get(&format!("/api/jitsi-calls/{call_id}/")).await;
    assert_eq!(kept["decline_message"], message);
    // Logged afterwards like any ended call.
    let (s, _) = jane
        .post(
            &format!("/api/jitsi-calls/{call_id}/log/"),
            json!({"note": "Tom is in a meeting"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
