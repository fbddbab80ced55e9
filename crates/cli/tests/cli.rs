//! The real `switchboard-cli` binary against the real server (in-process, 127.0.0.1).

use std::process::{Command, Output};
use switchboard_client::Api;
use switchboard_protocol::CallType;

use crate::common::{BIN, PASSWORD, backend};

/// Runs the CLI off the async runtime (it blocks until the binary exits).
async fn cli(server: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(["--server", server])
        .args(args)
        .env_remove("SWITCHBOARD_TOKEN");
    if let Some(token) = token {
        command.env("SWITCHBOARD_TOKEN", token);
    }
    tokio::task::spawn_blocking(move || command.output().expect("run switchboard-cli"))
        .await
        .expect("join")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn scripted_use_with_a_token_from_the_environment() {
    let (server, _dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let mut alice = Api::new(&url).expect("url");
    alice.login("alice", PASSWORD).await.expect("login");
    let mut bob = Api::new(&url).expect("url");
    bob.login("bob", PASSWORD).await.expect("login");
    let token = alice.token().map(str::to_owned);
    let token = token.as_deref();

    let o = cli(&url, token, &["whoami"]).await;
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o).trim(),
        "alice (Alice Example) <alice@example.com> id 1"
    );

    let o = cli(&url, token, &["status", "away", "--message", "at lunch"]).await;
    assert_eq!(out(&o).trim(), "You are away: at lunch.");
    let o = cli(&url, token, &["users"]).await;
    let lines: Vec<String> = out(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("alice")
            && lines[0].contains("away")
            && lines[0].ends_with("— at lunch"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("bob") && lines[1].contains("online"),
        "{lines:?}"
    );

    let o = cli(&url, token, &["history"]).await;
    assert_eq!(out(&o).trim(), "No calls yet.");
    let call = alice.initiate_call(2, CallType::Audio).await.expect("call");
    bob.update_call(call.id, switchboard_protocol::CallAction::Reject)
        .await
        .expect("reject");
    let o = cli(&url, token, &["history"]).await;
    let history = out(&o);
    assert!(
        history.contains("→ bob") && history.contains("rejected") && history.contains("00:00"),
        "{history}"
    );
}

#[tokio::test]
async fn mistakes_exit_non_zero_with_one_sentence() {
    let (server, _dir) = backend(&["alice"]).await;
    let url = server.url();

    let o = cli("http://127.0.0.1:1", Some("x"), &["whoami"]).await;
    assert!(!o.status.success());
    assert!(
        err(&o).starts_with("switchboard-cli: The server is unreachable at http://127.0.0.1:1"),
        "{}",
        err(&o)
    );
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));

    let o = cli(&url, Some("not-a-token"), &["whoami"]).await;
    assert!(!o.status.success());
    assert!(err(&o).contains("sign in again"), "{}", err(&o));

    let o = cli(
        &url,
        None,
        &[
            "login",
            "--username",
            "alice",
            "--password",
            "wrong-password",
        ],
    )
    .await;
    assert!(!o.status.success());
    assert_eq!(
        err(&o).trim(),
        "switchboard-cli: Wrong username or password."
    );

    let o = cli(&url, Some("x"), &["status", "asleep"]).await;
    assert!(!o.status.success());
    assert!(err(&o).contains("invalid value 'asleep'"), "{}", err(&o));

    let o = cli("localhost:8000", Some("x"), &["whoami"]).await;
    assert!(!o.status.success());
    assert!(
        err(&o).contains("not a valid server address"),
        "{}",
        err(&o)
    );
}

/// Sign in once, use the saved sign-in, sign out. Needs the Secret Service: run by
/// `tests/keyring-check.sh` inside `dbus-run-session`.
#[tokio::test]
#[ignore = "needs a Secret Service: run by scripts/test inside dbus-run-session"]
async fn login_saves_the_token_in_the_keyring_and_logout_forgets_it() {
    let (server, _dir) = backend(&["alice"]).await;
    let url = server.url();
    let o = cli(
        &url,
        None,
        &[
            "--profile",
            "cli-test",
            "login",
            "--username",
            "alice",
            "--password",
            PASSWORD,
        ],
    )
    .await;
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o).trim(),
        format!("Signed in to {url} as alice (Alice Example).")
    );
    let o = cli(&url, None, &["--profile", "cli-test", "whoami"]).await;
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("alice "));
    let o = cli(&url, None, &["--profile", "cli-test", "logout"]).await;
    assert!(o.status.success(), "{}", err(&o));
    let o = cli(&url, None, &["--profile", "cli-test", "whoami"]).await;
    assert!(!o.status.success());
    assert!(err(&o).contains("not signed in"), "{}", err(&o));
}

/// An admin makes a one-time invite code from a terminal; a teammate makes their own
/// account with it (the token goes to the keyring), and signs out of every device.
/// Needs the Secret Service: run by `tests/keyring-check.sh` inside `dbus-run-session`.
#[tokio::test]
#[ignore = "needs a Secret Service: run by scripts/test inside dbus-run-session"]
async fn an_invite_code_from_the_terminal_makes_an_account() {
    let (server, _dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let mut admin = Api::new(&url).expect("api");
    admin.login("alice", PASSWORD).await.expect("login");
    let token = admin.token().map(str::to_owned).unwrap_or_default();
    let mut bob = Api::new(&url).expect("api");
    bob.login("bob", PASSWORD).await.expect("login");
    let bob_token = bob.token().map(str::to_owned).unwrap_or_default();

    let o = cli(&url, Some(&bob_token), &["invite"]).await;
    assert!(!o.status.success());
    assert!(err(&o).contains("Only an administrator"), "{}", err(&o));
    let o = cli(&url, Some(&token), &["invite", "--hours", "2"]).await;
    assert!(o.status.success(), "{}", err(&o));
    let code = out(&o)
        .lines()
        .find_map(|l| l.strip_prefix("Invite code: "))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no code in {}", out(&o)));

    let join = |code: String| {
        let url = url.clone();
        async move {
            cli(
                &url,
                None,
                &[
                    "--profile",
                    "joined",
                    "join",
                    "--code",
                    &code,
                    "--username",
                    "carol",
                    "--full-name",
                    "Carol Jones",
                    "--password",
                    "carols own secret",
                ],
            )
            .await
        }
    };
    let o = join(code.clone()).await;
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o).trim(),
        format!("Made the account carol on {url} and signed in.")
    );
    let o = cli(&url, None, &["--profile", "joined", "whoami"]).await;
    assert!(out(&o).starts_with("carol (Carol Jones)"), "{}", out(&o));
    let o = join(code).await;
    assert!(!o.status.success());
    assert!(err(&o).contains("used already"), "{}", err(&o));

    let o = cli(
        &url,
        None,
        &["--profile", "joined", "logout", "--everywhere"],
    )
    .await;
    assert!(o.status.success(), "{}", err(&o));
    let o = cli(&url, None, &["--profile", "joined", "whoami"]).await;
    assert!(err(&o).contains("not signed in"), "{}", err(&o));
}
