//! `serve --metrics-listen`: Prometheus metrics from the real binary, scraped during a
//! call on their own address (never on the API's).

use crate::common;

use crate::common::process::{BIN, Served};
use crate::common::prometheus::{sample, scrape};
use crate::common::ws::{connect, expect, notifications, one_told_of_the_other, send};
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn add_user(data_dir: &std::path::Path, username: &str) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .args([
            "user",
            "add",
            "--username",
            username,
            "--password-stdin",
            "--data-dir",
        ])
        .arg(data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run switchboard-server user add");
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{}", common::PASSWORD).expect("password");
    }
    assert!(child.wait().expect("user add").success());
}

#[tokio::test]
async fn metrics_count_sockets_invites_relayed_messages_and_outcomes_during_a_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["alice", "bob"] {
        add_user(dir.path(), name);
    }
    let mut serve = Command::new(BIN);
    serve
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path());
    let served = Served::spawn(serve);
    let metrics = served.metrics_url();

    let alice = common::login_at(&served.url, "alice").await;
    let bob = common::login_at(&served.url, "bob").await;
    let mut bob_feed = notifications(&bob).await;
    let call = alice.call(&bob).await;
    let call_id = call["id"].as_i64().expect("call id");
    expect(&mut bob_feed, "call_invite", WAIT).await;

    let room = format!("/ws/call/{call_id}/");
    let mut alice_room = connect(&alice, &room).await;
    let mut bob_room = connect(&bob, &room).await;
    // Either may be told of the other: the joins run in the sockets' own tasks.
    one_told_of_the_other(&mut alice_room, alice.id, &mut bob_room, bob.id).await;
    send(
        &mut alice_room,
        json!({"type": "offer", "offer": {"type": "offer", "sdp": "v=0"}, "target_id": bob.id}),
    )
    .await;
    expect(&mut bob_room, "webrtc_offer", WAIT).await;

    let during = scrape(&metrics).await;
    assert!(
        during.contains("# TYPE switchboard_invite_handling_seconds histogram"),
        "{during}"
    );
    assert_eq!(
        sample(&during, "switchboard_connections{kind=\"notifications\"}"),
        1.0,
        "{during}"
    );
    assert_eq!(
        sample(&during, "switchboard_connections{kind=\"signaling\"}"),
        2.0,
        "{during}"
    );
    assert_eq!(
        sample(&during, "switchboard_invites_total"),
        1.0,
        "{during}"
    );
    assert_eq!(
        sample(&during, "switchboard_invite_handling_seconds_count"),
        1.0
    );
    let took = sample(&during, "switchboard_invite_handling_seconds_sum");
    assert!(took > 0.0 && took < 5.0, "one invite took {took} s");
    assert!(
        sample(&during, "switchboard_messages_relayed_total") >= 1.0,
        "{during}"
    );
    assert!(
        sample(
            &during,
            "switchboard_db_transaction_seconds_count{mode=\"write\"}"
        ) >= 1.0
    );

    let (status, body) = bob.act(call_id, "answer").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = alice.act(call_id, "end").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    drop((alice_room, bob_room));
    let mut after = String::new();
    for _ in 0..50 {
        after = scrape(&metrics).await;
        if sample(&after, "switchboard_connections{kind=\"signaling\"}") == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        sample(
            &after,
            "switchboard_call_outcomes_total{status=\"completed\"}"
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        sample(&after, "switchboard_connections{kind=\"signaling\"}"),
        0.0,
        "{after}"
    );

    // The API's own address has no metrics.
    let api = reqwest::get(format!("{}/metrics", served.url))
        .await
        .expect("GET");
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
}
