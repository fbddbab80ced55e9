//! The OpenAPI document against the real server: every documented operation is called,
//! and each answer's status must be one the document lists for it and its body must
//! validate against the schema given there. A handler or type that changes without the
//! document following fails here.

use crate::common;

use crate::common::ws::{refused, ws_url};
use crate::common::{Client, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The document, and which operations the test has checked.
struct Document {
    doc: Value,
    checked: BTreeSet<(String, String)>,
}

impl Document {
    async fn fetch(server: &TestServer) -> Document {
        let (status, doc) = server.anonymous().get("/api/openapi.json").await;
        assert_eq!(status, StatusCode::OK, "{doc}");
        assert_eq!(doc["openapi"], "3.1.0");
        Document {
            doc,
            checked: BTreeSet::new(),
        }
    }

    /// `body` (Null for none) is what `method path` answered with `status`.
    fn check(&mut self, method: &str, path: &str, status: StatusCode, body: &Value) {
        let errors = self.mismatches(method, path, status, body);
        assert!(
            errors.is_empty(),
            "{method} {path} {status} does not match the document: {errors:?}\nbody: {body}"
        );
        self.checked.insert((method.to_owned(), path.to_owned()));
    }

    /// How `body` departs from the schema the document gives `method path` `status`.
    fn mismatches(
        &self,
        method: &str,
        path: &str,
        status: StatusCode,
        body: &Value,
    ) -> Vec<String> {
        let operation = &self.doc["paths"][path][method];
        assert!(
            operation.is_object(),
            "{method} {path} is not in the document"
        );
        let response = &operation["responses"][status.as_str()];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which the document does not list for it: {body}"
        );
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            if body.is_null() {
                Vec::new()
            } else {
                vec![format!("documented without a body but sent one")]
            }
        } else {
            // The schema's `$ref`s point into the document's components.
            let root = json!({"components": self.doc["components"], "allOf": [schema]});
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the schema of {method} {path} {status}: {e}"));
            validator
                .iter_errors(body)
                .map(|e| format!("{e} (at {})", e.instance_path()))
                .collect()
        }
    }

    async fn get(&mut self, client: &Client, path: &str, actual: &str) -> (StatusCode, Value) {
        let (status, body) = client.get(actual).await;
        self.check("get", path, status, &body);
        (status, body)
    }

    async fn post(
        &mut self,
        client: &Client,
        path: &str,
        actual: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let (status, answer) = client.post(actual, body).await;
        self.check("post", path, status, &answer);
        (status, answer)
    }

    async fn put(
        &mut self,
        client: &Client,
        path: &str,
        actual: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let (status, answer) = client.put(actual, body).await;
        self.check("put", path, status, &answer);
        (status, answer)
    }

    async fn delete(&mut self, client: &Client, path: &str, actual: &str) -> (StatusCode, Value) {
        let (status, body) = client.delete(actual).await;
        self.check("delete", path, status, &body);
        (status, body)
    }

    /// Every operation in the document was called at least once.
    fn assert_all_checked(&self) {
        let mut missing = Vec::new();
        for (path, item) in self.doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some()
                    && !self.checked.contains(&(method.to_owned(), path.clone()))
                {
                    missing.push(format!("{method} {path}"));
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new(), "operations never called");
    }
}

#[tokio::test]
async fn every_route_answers_as_the_document_says() {
    let server = TestServer::start(&["admin", "alice", "bob", "carol"]).await;
    let mut doc = Document::fetch(&server).await;
    let anonymous = server.anonymous();

    // The checker itself: bodies that break the schema are caught.
    let me = "/api/auth/me";
    for wrong in [
        json!({"id": "7", "username": "a", "email": "", "full_name": ""}),
        json!({"username": "a", "email": "", "full_name": ""}),
        json!([]),
    ] {
        let found = doc.mismatches("get", me, StatusCode::OK, &wrong);
        assert!(!found.is_empty(), "{wrong} passed as a user");
    }
    let call = "/api/jitsi-calls/{id}";
    let bad_date = json!({"error": "x", "code": 3});
    assert!(
        !doc.mismatches("get", call, StatusCode::NOT_FOUND, &bad_date)
            .is_empty()
    );

    // Health and sign-in.
    doc.get(&anonymous, "/api/health", "/api/health/").await;
    let creds = json!({"username": "alice", "password": common::PASSWORD});
    doc.post(&anonymous, "/api/login", "/api/login/", creds)
        .await;
    let wrong = json!({"username": "alice", "password": "not the password"});
    let (s, _) = doc
        .post(&anonymous, "/api/login", "/api/login/", wrong)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = doc
        .post(&anonymous, "/api/login", "/api/login/", json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let untyped = anonymous
        .http
        .post(format!("{}/api/login/", anonymous.base))
        .body(r#"{"username": "alice"}"#);
    let (s, body) = anonymous.send(untyped).await;
    doc.check("post", "/api/login", s, &body);
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let by_email = json!({"email": "bob@example.com", "password": common::PASSWORD});
    let (s, _) = doc
        .post(&anonymous, "/api/auth/login", "/api/auth/login", by_email)
        .await;
    assert_eq!(s, StatusCode::OK);

    let admin = server.login("admin").await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let carol = server.login("carol").await;
    doc.get(&alice, "/api/auth/me", "/api/auth/me").await;
    let (s, _) = doc.get(&anonymous, "/api/auth/me", "/api/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Users.
    doc.get(&alice, "/api/users", "/api/users/").await;
    doc.get(
        &alice,
        "/api/users/{id}",
        &format!("/api/users/{}/", bob.id),
    )
    .await;
    let (s, _) = doc.get(&alice, "/api/users/{id}", "/api/users/9999/").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let account = json!({"username": "dave", "password": "long enough", "email": "dave@example.com", "full_name": "Dave", "is_admin": false});
    let (s, _) = doc
        .post(&admin, "/api/users", "/api/users/", account.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = doc.post(&admin, "/api/users", "/api/users/", account).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = doc
        .post(
            &alice,
            "/api/users",
            "/api/users/",
            json!({"username": "eve"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Presence.
    doc.get(&alice, "/api/user-presence", "/api/user-presence/")
        .await;
    doc.get(
        &alice,
        "/api/user-presence/online_users",
        "/api/user-presence/online_users/",
    )
    .await;
    let update =
        json!({"status": "away", "status_message": "In Leeds", "available_for_calls": true});
    let path = "/api/user-presence/update_my_status";
    doc.post(&carol, path, "/api/user-presence/update_my_status/", update)
        .await;
    let (s, _) = doc
        .post(&carol, path, path, json!({"status": "asleep"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let update = json!({"status": "online"});
    doc.post(&carol, path, path, update).await;
    let path = "/api/user-presence/heartbeat";
    doc.post(&carol, path, "/api/user-presence/heartbeat/", json!({}))
        .await;

    // Calls.
    let calls = "/api/jitsi-calls";
    let none = doc
        .get(
            &alice,
            "/api/jitsi-calls/my_active_call",
            "/api/jitsi-calls/my_active_call/",
        )
        .await
        .1;
    assert_eq!(none, json!({"call_session": null}));
    let initiate = "/api/jitsi-calls/initiate_call";
    let (s, _) = doc
        .post(
            &alice,
            initiate,
            initiate,
            json!({"recipient_id": alice.id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc
        .post(&alice, initiate, initiate, json!({"recipient_id": 9999}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, call) = doc
        .post(
            &alice,
            initiate,
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": bob.id, "call_type": "audio"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{call}");
    let call_id = call["call_session"]["id"].as_i64().expect("call id");
    let (s, busy) = doc
        .post(&carol, initiate, initiate, json!({"recipient_id": bob.id}))
        .await;
    assert_eq!((s, &busy["code"]), (StatusCode::CONFLICT, &json!("busy")));
    doc.get(
        &alice,
        "/api/jitsi-calls/my_active_call",
        "/api/jitsi-calls/my_active_call",
    )
    .await;
    doc.get(
        &alice,
        "/api/jitsi-calls/active_calls",
        "/api/jitsi-calls/active_calls/",
    )
    .await;
    doc.get(
        &bob,
        "/api/jitsi-calls/{id}",
        &format!("{calls}/{call_id}/"),
    )
    .await;
    let (s, _) = doc
        .get(
            &carol,
            "/api/jitsi-calls/{id}",
            &format!("{calls}/{call_id}/"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = doc
        .get(
            &alice,
            "/api/jitsi-calls/{id}/join_info",
            &format!("{calls}/{call_id}/join_info/"),
        )
        .await;
    assert!(
        s == StatusCode::OK || s == StatusCode::SERVICE_UNAVAILABLE,
        "{s}"
    );
    let update = "/api/jitsi-calls/{id}/update_status";
    let actual = format!("{calls}/{call_id}/update_status/");
    let (s, _) = doc
        .post(&alice, update, &actual, json!({"action": "answer"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = doc
        .post(&bob, update, &actual, json!({"action": "pause"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc
        .post(&bob, update, &actual, json!({"action": "answer"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .post(
            &alice,
            initiate,
            initiate,
            json!({"recipient_id": carol.id}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "the caller is in a call");
    let transfer = "/api/jitsi-calls/{id}/transfer";
    let (s, _) = doc
        .post(
            &bob,
            transfer,
            &format!("{calls}/{call_id}/transfer/"),
            json!({"to_user_id": bob.id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "not to oneself");
    let (s, _) = doc
        .post(
            &carol,
            transfer,
            &format!("{calls}/{call_id}/transfer/"),
            json!({"to_user_id": bob.id}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not someone else's call");
    let add = "/api/jitsi-calls/{id}/add_participant";
    let (s, _) = doc
        .post(
            &bob,
            add,
            &format!("{calls}/{call_id}/add_participant/"),
            json!({"user_id": alice.id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "already on it");
    let (s, _) = doc
        .post(
            &carol,
            add,
            &format!("{calls}/{call_id}/add_participant/"),
            json!({"user_id": bob.id}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not someone else's call");
    doc.post(&alice, update, &actual, json!({"action": "end"}))
        .await;
    let (s, _) = doc
        .post(&alice, update, &actual, json!({"action": "end"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = doc
        .post(
            &alice,
            update,
            &format!("{calls}/9999/update_status/"),
            json!({"action": "end"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = doc
        .get(
            &alice,
            "/api/jitsi-calls/{id}/join_info",
            &format!("{calls}/{call_id}/join_info/"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "no room for an ended call");
    // After the call: each side's log, the team's outcomes.
    let log = "/api/jitsi-calls/{id}/log";
    let actual_log = format!("{calls}/{call_id}/log/");
    let (s, _) = doc
        .post(
            &alice,
            log,
            &actual_log,
            json!({"outcome": "Resolved", "note": "Done."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc.post(&alice, log, &actual_log, json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc
        .post(&carol, log, &actual_log, json!({"note": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let outcomes = "/api/call-outcomes";
    let (s, _) = doc.get(&bob, outcomes, "/api/call-outcomes/").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .put(
            &bob,
            outcomes,
            "/api/call-outcomes/",
            json!({"outcomes": ["Sold"]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = doc
        .put(
            &admin,
            outcomes,
            "/api/call-outcomes/",
            json!({"outcomes": []}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc
        .put(
            &admin,
            outcomes,
            "/api/call-outcomes/",
            json!({"outcomes": ["Resolved", "Follow-up needed"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Call-backs: Alice's to call Bob back.
    let callbacks = "/api/callbacks";
    let (s, made) = doc
        .post(
            &alice,
            callbacks,
            "/api/callbacks/",
            json!({"user_id": bob.id, "due_in_seconds": 600, "call_id": call_id, "note": "Prices"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let callback_id = made["id"].as_i64().expect("call-back id");
    let (s, _) = doc
        .post(
            &alice,
            callbacks,
            "/api/callbacks/",
            json!({"user_id": bob.id}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc.get(&alice, callbacks, "/api/callbacks/").await;
    assert_eq!(s, StatusCode::OK);
    let snooze = "/api/callbacks/{id}/snooze";
    let (s, _) = doc
        .post(
            &alice,
            snooze,
            &format!("/api/callbacks/{callback_id}/snooze/"),
            json!({"due_at": "2026-12-24T09:00:00Z"}),
        )
        .await;
    assert!(s == StatusCode::OK || s == StatusCode::BAD_REQUEST, "{s}");
    let (s, _) = doc
        .post(
            &alice,
            snooze,
            &format!("/api/callbacks/{callback_id}/snooze/"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let complete = "/api/callbacks/{id}/complete";
    let (s, _) = doc
        .post(
            &bob,
            complete,
            &format!("/api/callbacks/{callback_id}/complete/"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "only Alice's");
    let (s, _) = doc
        .post(
            &alice,
            complete,
            &format!("/api/callbacks/{callback_id}/complete/"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .post(
            &alice,
            snooze,
            &format!("/api/callbacks/{callback_id}/snooze/"),
            json!({"due_in_seconds": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "done already");
    let one_callback = "/api/callbacks/{id}";
    let (s, _) = doc
        .delete(
            &alice,
            one_callback,
            &format!("/api/callbacks/{callback_id}/"),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = doc
        .delete(
            &alice,
            one_callback,
            &format!("/api/callbacks/{callback_id}/"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Notes and camp-ons.
    let notes = "/api/notes";
    let (s, note) = doc
        .post(
            &alice,
            notes,
            "/api/notes/",
            json!({"user_id": bob.id, "text": "Call me"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let note_id = note["id"].as_i64().expect("note id");
    let (s, _) = doc
        .post(&alice, notes, "/api/notes/", json!({"user_id": bob.id}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc.get(&bob, notes, "/api/notes/").await;
    assert_eq!(s, StatusCode::OK);
    let read = "/api/notes/{id}/read";
    let (s, _) = doc
        .post(
            &bob,
            read,
            &format!("/api/notes/{note_id}/read/"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .post(
            &alice,
            read,
            &format!("/api/notes/{note_id}/read/"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "bob's");
    let one_note = "/api/notes/{id}";
    let (s, _) = doc
        .delete(&bob, one_note, &format!("/api/notes/{note_id}/"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = doc
        .delete(&bob, one_note, &format!("/api/notes/{note_id}/"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let camp_ons = "/api/camp-ons";
    let (s, _) = doc
        .post(
            &alice,
            camp_ons,
            "/api/camp-ons/",
            json!({"user_id": 999_999}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = doc
        .post(
            &alice,
            camp_ons,
            "/api/camp-ons/",
            json!({"user_id": carol.id, "expires_in_seconds": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Carol is not taking calls for a moment, so Alice can wait for her.
    let dnd = "/api/user-presence/update_my_status/";
    let (s, _) = carol.post(dnd, json!({"status": "dnd"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, camp) = doc
        .post(
            &alice,
            camp_ons,
            "/api/camp-ons/",
            json!({"user_id": carol.id}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{camp}");
    let (s, _) = doc
        .post(
            &alice,
            camp_ons,
            "/api/camp-ons/",
            json!({"user_id": bob.id}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "bob can take calls");
    let (s, _) = doc.get(&alice, camp_ons, "/api/camp-ons/").await;
    assert_eq!(s, StatusCode::OK);
    let one_camp = "/api/camp-ons/{id}";
    let (s, _) = doc.delete(&alice, one_camp, "/api/camp-ons/999999/").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let camp_id = camp["id"].as_i64().expect("camp-on id");
    let (s, _) = doc
        .delete(&alice, one_camp, &format!("/api/camp-ons/{camp_id}/"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = carol.post(dnd, json!({"status": "online"})).await;
    assert_eq!(s, StatusCode::OK);
    // Webhooks: an endpoint (nobody listens there), an event for it, its delivery log.
    let hooks = "/api/webhooks";
    let hook = json!({"url": "http://127.0.0.1:9/hooks", "secret": "whsec-0123456789abcdef", "events": ["call.logged"]});
    let (s, _) = doc.post(&bob, hooks, "/api/webhooks/", hook.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = doc
        .post(&admin, hooks, "/api/webhooks/", json!({"url": "x"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, created) = doc.post(&admin, hooks, "/api/webhooks/", hook).await;
    assert_eq!(s, StatusCode::CREATED);
    let hook_id = created["id"].as_i64().expect("webhook id");
    let (s, _) = doc
        .post(
            &alice,
            log,
            &actual_log,
            json!({"note": "Done, and minuted."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, list) = doc.get(&admin, hooks, "/api/webhooks/").await;
    assert_eq!((s, list[0]["pending"].as_i64()), (StatusCode::OK, Some(1)));
    let deliveries = "/api/webhooks/{id}/deliveries";
    let actual_deliveries = format!("/api/webhooks/{hook_id}/deliveries/");
    let (s, page) = doc.get(&admin, deliveries, &actual_deliveries).await;
    assert_eq!((s, page["count"].as_i64()), (StatusCode::OK, Some(1)));
    let (s, _) = doc.get(&bob, deliveries, &actual_deliveries).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let one_hook = "/api/webhooks/{id}";
    let (s, _) = doc
        .delete(&admin, one_hook, &format!("/api/webhooks/{hook_id}/"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = doc
        .delete(&admin, one_hook, &format!("/api/webhooks/{hook_id}/"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let invite = json!({"receiver_id": carol.id, "call_type": "video"});
    let (s, invited) = doc
        .post(&bob, "/api/calls/invite", "/api/calls/invite", invite)
        .await;
    assert_eq!(s, StatusCode::OK);
    let invited_id = invited["call_id"].as_i64().expect("call id");
    doc.post(
        &carol,
        update,
        &format!("{calls}/{invited_id}/update_status/"),
        json!({"action": "reject"}),
    )
    .await;
    let (s, page) = doc
        .get(&alice, calls, "/api/jitsi-calls/?page=1&page_size=1")
        .await;
    assert_eq!((s, &page["count"]), (StatusCode::OK, &json!(1)));
    let (s, _) = doc
        .get(&alice, calls, "/api/jitsi-calls/?status=completed")
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .get(&alice, calls, "/api/jitsi-calls/?page_size=1000")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = doc.get(&alice, calls, "/api/jitsi-calls/?page=7").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    doc.get(&alice, "/api/rtc/config", "/api/rtc/config").await;

    // Meetings and their video calls.
    let new = json!({"title": "Pipeline review", "participant_ids": [bob.id], "scheduled_at": "2026-12-04T09:30:00Z"});
    let (s, meeting) = doc
        .post(&alice, "/api/meetings", "/api/meetings/", new)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{meeting}");
    let meeting_id = meeting["id"].as_i64().expect("meeting id");
    let (s, _) = doc
        .post(
            &alice,
            "/api/meetings",
            "/api/meetings/",
            json!({"title": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    doc.get(&bob, "/api/meetings", "/api/meetings/").await;
    let one = format!("/api/meetings/{meeting_id}/");
    doc.get(&bob, "/api/meetings/{id}", &one).await;
    let (s, _) = doc.get(&carol, "/api/meetings/{id}", &one).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let start = "/api/health/call/start";
    let (s, video) = doc
        .post(&bob, start, start, json!({"meeting_id": meeting_id}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{video}");
    let (s, _) = doc
        .post(&alice, start, start, json!({"meeting_id": meeting_id}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = doc
        .post(&carol, start, start, json!({"meeting_id": meeting_id}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let end = "/api/health/call/end";
    let ended = json!({"call_id": video["id"]});
    let (s, _) = doc.post(&alice, end, end, ended.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc.post(&alice, end, end, ended).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = doc.delete(&bob, "/api/meetings/{id}", &one).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the host deletes");
    let (s, _) = doc.delete(&alice, "/api/meetings/{id}", &one).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = doc.delete(&alice, "/api/meetings/{id}", &one).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The WebSocket routes: a real upgrade, a plain GET, a bad token.
    let live = doc
        .post(&alice, initiate, initiate, json!({"recipient_id": bob.id}))
        .await
        .1;
    let live_id = live["call_session"]["id"].as_i64().expect("call id");
    let meeting = doc
        .post(
            &alice,
            "/api/meetings",
            "/api/meetings/",
            json!({"title": "Stand-up"}),
        )
        .await
        .1;
    let sockets = [
        ("/api/ws/{user_id}", format!("/api/ws/{}/", alice.id)),
        ("/ws/call/{id}", format!("/ws/call/{live_id}/")),
        (
            "/ws/meeting/{id}",
            format!("/ws/meeting/{}/", meeting["id"]),
        ),
    ];
    for (path, actual) in &sockets {
        let upgraded = tokio_tungstenite::connect_async(ws_url(&alice, actual))
            .await
            .unwrap_or_else(|e| panic!("{actual} upgrades: {e}"))
            .1;
        doc.check("get", path, upgraded.status(), &Value::Null);
        let (s, _) = doc.get(&alice, path, actual).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{actual} without an upgrade");
        let mut forged = alice.clone();
        forged.token = Some("not-a-token".into());
        let (s, body) = refused(&forged, actual).await;
        doc.check("get", path, s, &body);
    }

    // Invites, and accounts people control.
    let (s, made) = doc
        .post(
            &admin,
            "/api/invites",
            "/api/invites/",
            json!({"expires_in_hours": 24}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = doc
        .post(&alice, "/api/invites", "/api/invites", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    doc.get(&admin, "/api/invites", "/api/invites/").await;
    let redeem = "/api/invites/redeem";
    let (s, joined) = doc
        .post(
            &anonymous,
            redeem,
            redeem,
            json!({"code": made["code"], "username": "erin", "password": "erins secret", "full_name": "Erin"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .post(
            &anonymous,
            redeem,
            redeem,
            json!({"code": made["code"], "username": "frank", "password": "franks secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, spare) = doc
        .post(&admin, "/api/invites", "/api/invites", json!({}))
        .await;
    let invite = "/api/invites/{id}";
    let (s, _) = doc
        .delete(
            &admin,
            invite,
            &format!("/api/invites/{}/", spare["invite"]["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = doc
        .delete(
            &admin,
            invite,
            &format!("/api/invites/{}", made["invite"]["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let erin = Client {
        token: joined["token"].as_str().map(str::to_owned),
        id: joined["user"]["id"].as_i64().unwrap_or_default(),
        ..anonymous.clone()
    };
    let password = "/api/auth/password";
    let (s, _) = doc
        .post(
            &erin,
            password,
            password,
            json!({"current_password": "wrong", "new_password": "erins new secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, changed) = doc
        .post(
            &erin,
            password,
            "/api/auth/password/",
            json!({"current_password": "erins secret", "new_password": "erins new secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let erin = Client {
        token: changed["token"].as_str().map(str::to_owned),
        ..erin
    };
    for action in ["disable", "enable"] {
        let path = format!("/api/users/{{id}}/{action}");
        let (s, _) = doc
            .post(
                &alice,
                &path,
                &format!("/api/users/{}/{action}", bob.id),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = doc
            .post(
                &admin,
                &path,
                &format!("/api/users/{}/{action}/", erin.id),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let everywhere = "/api/auth/logout_everywhere";
    let (s, _) = doc.post(&erin, everywhere, everywhere, json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "disabling signed erin out");
    let erin = Client {
        token: doc
            .post(
                &anonymous,
                "/api/auth/login",
                "/api/auth/login",
                json!({"username": "erin", "password": "erins new secret"}),
            )
            .await
            .1["token"]
            .as_str()
            .map(str::to_owned),
        ..erin
    };
    let (s, _) = doc.post(&erin, everywhere, everywhere, json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let user = "/api/users/{id}";
    let (s, _) = doc
        .delete(&admin, user, &format!("/api/users/{}/", erin.id))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = doc
        .delete(&admin, user, &format!("/api/users/{}", admin.id))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Signing out last: the token stops working.
    doc.post(&alice, "/api/auth/logout", "/api/auth/logout/", json!({}))
        .await;
    let (s, _) = doc.get(&alice, "/api/auth/me", "/api/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    doc.assert_all_checked();
}
