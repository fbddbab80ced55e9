//! The CRM around a call from the terminal: a call about a record, declined with a
//! message, then logged and found in the history by its record, outcome and words.

use crate::common::{backend, cli, finish, token};
use std::time::Duration;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_about_a_deal_is_declined_with_a_message_then_logged_and_found() {
    let (server, _dir) = backend(&["admin", "jane", "tom"]).await;
    let url = server.url();
    let (jane, tom) = (token(&url, "jane").await, token(&url, "tom").await);

    let listener = cli(
        &url,
        &tom,
        &[
            "listen",
            "--auto-reject",
            "--reject-message",
            "In a meeting, back at 3",
        ],
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let caller = cli(
        &url,
        &jane,
        &[
            "call",
            "tom",
            "--about",
            "deal:4711",
            "--label",
            "ACME renewal",
            "--url",
            "https://crm.example/deals/4711",
            "--tone",
            "440",
            "--duration",
            "2",
        ],
    );
    let (called, listened) = (finish(caller).await, finish(listener).await);
    let (said, heard) = (text(&called.stderr), text(&listened.stdout));
    assert!(
        listened.status.success(),
        "{heard}{}",
        text(&listened.stderr)
    );
    assert!(heard.contains("Incoming call from Jane"), "{heard}");
    assert!(heard.contains("about deal 4711: ACME renewal"), "{heard}");
    assert!(
        heard.contains("Rejected, saying \"In a meeting, back at 3\""),
        "{heard}"
    );
    assert!(!called.status.success());
    assert!(
        said.contains("declined the call: \"In a meeting, back at 3\""),
        "{said}"
    );

    // The history lists it under the deal, with the message.
    let history = finish(cli(&url, &jane, &["history", "--about", "deal:4711"])).await;
    let listed = text(&history.stdout);
    assert!(
        history.status.success(),
        "{listed}{}",
        text(&history.stderr)
    );
    assert!(
        listed.contains("about deal 4711: ACME renewal <https://crm.example/deals/4711>"),
        "{listed}"
    );
    assert!(
        listed.contains("declined: \"In a meeting, back at 3\""),
        "{listed}"
    );
    let call_id = listed
        .split_whitespace()
        .find_map(|w| w.strip_prefix('#'))
        .and_then(|id| id.parse::<i64>().ok())
        .expect("the call's id");

    // Jane logs it; the history finds it by outcome and by a word of the note.
    let outcomes = finish(cli(&url, &jane, &["outcomes"])).await;
    assert!(text(&outcomes.stdout).contains("Follow-up needed"));
    let logged = finish(cli(
        &url,
        &jane,
        &[
            "log",
            &call_id.to_string(),
            "--outcome",
            "Follow-up needed",
            "--note",
            "Tom asked for the quote",
        ],
    ))
    .await;
    assert!(logged.status.success(), "{}", text(&logged.stderr));
    for args in [
        &["history", "--outcome", "Follow-up needed"][..],
        &["history", "--search", "QUOTE"][..],
    ] {
        let found = text(&finish(cli(&url, &tom, args)).await.stdout);
        assert!(
            found.contains("jane: [Follow-up needed] Tom asked for the quote"),
            "{args:?}: {found}"
        );
    }
    let none = finish(cli(&url, &jane, &["history", "--search", "invoice"])).await;
    assert_eq!(text(&none.stdout).trim(), "No such calls.");

    // Mistakes are sentences, before anything is sent.
    for (args, says) in [
        (&["history", "--about", "4711"][..], "TYPE:ID"),
        (
            &["call", "tom", "--about", "deal:1", "--url", "ftp://x"][..],
            "regarding.url",
        ),
        (
            &["log", &call_id.to_string(), "--outcome", "Sold"][..],
            "not one of the team's outcomes",
        ),
    ] {
        let out = finish(cli(&url, &jane, args)).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    server.shutdown().await.expect("shutdown");
}
