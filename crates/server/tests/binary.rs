//! The real `switchboard-server` binary: account commands, `serve`, a `kill -9` that loses
//! no acknowledged call, config errors as one sentence, and no secrets in the logs.

use crate::common;

use crate::common::http_client;
use crate::common::process::Served;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common::process::BIN;

/// A data directory for one test, on the engine under test: with PostgreSQL the
/// directory names its fresh database in a file that `run` and `serve` pass on.
fn home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(url) = common::fresh_database() {
        std::fs::write(dir.path().join(DATABASE_FILE), url).expect("note the database");
    }
    dir
}

const DATABASE_FILE: &str = "test-database-url";

/// `switchboard-server` with this data directory (and its database, if any).
fn command(data_dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env_remove("SWITCHBOARD_DATABASE_URL");
    if let Ok(url) = std::fs::read_to_string(data_dir.join(DATABASE_FILE)) {
        command.env("SWITCHBOARD_DATABASE_URL", url);
    }
    command
}

fn run(args: &[&str], data_dir: &Path) -> Output {
    command(data_dir)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run switchboard-server")
}

/// A `user add` / `user set-password` with the password piped to `--password-stdin`.
fn run_with_password(args: &[&str], password: &str, data_dir: &Path) -> Output {
    use std::io::Write;
    let mut child = command(data_dir)
        .args(args)
        .arg("--password-stdin")
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run switchboard-server");
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{password}").expect("write the password");
    }
    child.wait_with_output().expect("run switchboard-server")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn serve(data_dir: &Path, listen: &str) -> Served {
    let mut command = command(data_dir);
    command
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data_dir);
    Served::spawn(command)
}

async fn post(url: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = http_client().post(url).json(&body);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn get(url: &str, token: &str) -> (StatusCode, Value) {
    let resp = http_client()
        .get(url)
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[test]
fn user_commands_create_accounts_and_explain_mistakes() {
    let dir = home();
    let out = run_with_password(
        &["user", "add", "--username", "alice", "--admin"],
        "secret-pw-1",
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "Created admin user alice (id 1).");

    let out = run_with_password(
        &["user", "add", "--username", "ALICE"],
        "secret-pw-1",
        dir.path(),
    );
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        "switchboard-server: The username ALICE is already taken."
    );

    let out = run_with_password(&["user", "add", "--username", "bob"], "short", dir.path());
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        "switchboard-server: The password must be at least 8 characters long."
    );
    // Never from the arguments, which `ps` shows; no prompt without a terminal.
    let out = run(
        &[
            "user",
            "add",
            "--username",
            "bob",
            "--password",
            "long enough",
        ],
        dir.path(),
    );
    assert_eq!(
        (out.status.success(), text(&out.stderr).trim()),
        (
            false,
            "switchboard-server: a password on the command line is visible to every user of this machine (ps, shell history); pipe it with --password-stdin, or leave it out and type it at the prompt"
        )
    );
    let out = run(&["user", "add", "--username", "bob"], dir.path());
    assert_eq!(
        (out.status.success(), text(&out.stderr).trim()),
        (
            false,
            "switchboard-server: no password given: run this in a terminal to type it at the prompt, or pipe it with --password-stdin"
        )
    );
    let out = run_with_password(
        &["user", "add", "--username", "bob"],
        "tab\there-in-it",
        dir.path(),
    );
    assert_eq!(
        (out.status.success(), text(&out.stderr).trim()),
        (
            false,
            "switchboard-server: The password must not contain control characters such as tabs or line breaks."
        )
    );
    let out = run_with_password(&["user", "add", "--username", "bob"], "", dir.path());
    assert_eq!(
        (out.status.success(), text(&out.stderr).trim()),
        (
            false,
            "switchboard-server: --password-stdin read no password; pipe a line holding it"
        )
    );

    let out = run(
        &[
            "user",
            "create-test-users",
            "--count",
            "3",
            "--prefix",
            "calluser",
            "--password",
            "testpass123",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Created 3 test users"),
        "{}",
        text(&out.stdout)
    );
    let out = run(
        &[
            "user",
            "create-test-users",
            "--count",
            "5",
            "--prefix",
            "calluser",
            "--password",
            "testpass123",
        ],
        dir.path(),
    );
    assert!(
        text(&out.stdout).contains("Created 2 test users")
            && text(&out.stdout).contains("3 already existed"),
        "{}",
        text(&out.stdout)
    );

    // Meetings for the load harness: meeting k holds calluser(2k-1) and calluser(2k).
    let meetings = |count: &str| {
        run(
            &[
                "meeting",
                "create-test-meetings",
                "--count",
                count,
                "--prefix",
                "calluser",
            ],
            dir.path(),
        )
    };
    let out = meetings("3");
    assert!(
        !out.status.success() && text(&out.stderr).contains("There is no user calluser6"),
        "a meeting for a missing user is refused by name: {}",
        text(&out.stderr)
    );
    let out = meetings("2");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Created 2 test meetings (ids 1..2)"),
        "{}",
        text(&out.stdout)
    );

    let mut config = switchboard_server::ServerConfig::new(dir.path().to_path_buf());
    config.database = std::fs::read_to_string(dir.path().join(DATABASE_FILE)).ok();
    let store = switchboard_server::server::open_store(&config).expect("open store");
    let users = store.write_blocking(|tx| tx.users()).expect("users");
    assert_eq!(users.len(), 6);
    let id_of = |name: &str| users.iter().find(|u| u.username == name).map(|u| u.id);
    let second = store
        .write_blocking(|tx| tx.meeting(2))
        .expect("read meeting")
        .expect("meeting 2 exists");
    assert_eq!(Some(second.host_id), id_of("calluser3"));
    assert_eq!(
        second.participant_ids,
        vec![id_of("calluser4").expect("calluser4")]
    );
    assert!(
        store
            .write_blocking(|tx| tx.meeting(3))
            .expect("read meeting")
            .is_none(),
        "the refused run created nothing"
    );

    // A forgotten password is replaced from the command line.
    let set_password = |login: &str| {
        run_with_password(
            &["user", "set-password", "--username", login],
            "another-pw-2",
            dir.path(),
        )
    };
    let out = set_password("Alice");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "Set the password of Alice; every sign-in of theirs has ended."
    );
    let out = set_password("nobody");
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        "switchboard-server: There is no user nobody."
    );
    let stored = store
        .write_blocking(|tx| tx.user_by_login("alice"))
        .expect("read alice")
        .expect("alice exists");
    assert!(switchboard_server::auth::verify_password(
        "another-pw-2",
        &stored.password_hash
    ));
    assert!(!switchboard_server::auth::verify_password(
        "secret-pw-1",
        &stored.password_hash
    ));
}

/// An unreachable or malformed PostgreSQL URL is one sentence, without the password.
#[test]
fn a_database_that_cannot_be_reached_is_named_without_its_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (url, expect) in [
        (
            "postgres://sb:hunter2@127.0.0.1:1/sb",
            "cannot connect to PostgreSQL at postgres://sb:***@127.0.0.1:1/sb",
        ),
        (
            "postgres://sb:hunter2@127.0.0.1:notaport/sb",
            "is not a PostgreSQL URL",
        ),
    ] {
        let out = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database",
                url,
                "--data-dir",
            ])
            .arg(dir.path())
            .env("RUST_LOG", "off")
            .output()
            .expect("run");
        let stderr = text(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(expect), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[test]
fn bad_configuration_exits_non_zero_with_one_sentence() {
    let dir = home();
    let out = Command::new(BIN)
        .args(["serve", "--ring-timeout", "0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--ring-timeout"),
        "{}",
        text(&out.stderr)
    );

    let out = Command::new(BIN)
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("invalid socket address"),
        "{}",
        text(&out.stderr)
    );

    // A data directory that cannot be created.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(file.join("sub"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("cannot create the data directory"), "{err}");
}

#[tokio::test]
async fn a_busy_port_is_one_clear_sentence() {
    let dir = home();
    let mut first = serve(dir.path(), "127.0.0.1:0");
    let addr = first.url.trim_start_matches("http://").to_owned();
    let out = Command::new(BIN)
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .expect("run");
    let _ = first.child.kill();
    let _ = first.child.wait();
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        format!(
            "switchboard-server: cannot listen on {addr}: the address is already in use (is another Switchboard running? choose another port with --listen)"
        )
    );
}

/// SQLite has one serving process: a second server on the same data directory is refused
/// with one sentence, before it can end the first one's socket leases.
#[tokio::test]
async fn a_second_server_on_the_same_sqlite_database_is_refused() {
    let dir = home();
    if dir.path().join(DATABASE_FILE).exists() {
        return; // PostgreSQL: several instances sharing it are the point.
    }
    for name in ["alice", "bob"] {
        let args = ["user", "add", "--username", name];
        let out = run_with_password(&args, common::PASSWORD, dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let first = serve(dir.path(), "127.0.0.1:0");
    let alice = common::login_at(&first.url, "alice").await;
    let _alice_socket = common::ws::notifications(&alice).await;

    let mut second = command(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while second.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second server started on the same SQLite database");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = second.wait_with_output().expect("its output");
    assert!(!out.status.success());
    let database = dir.path().join("switchboard.sqlite3");
    assert_eq!(
        text(&out.stderr).trim(),
        format!(
            "switchboard-server: the database {} is already served by another Switchboard server; stop that one first, or give this one its own --data-dir",
            database.display()
        )
    );
    // The first server goes on serving, and account commands still work beside it.
    let bob = common::login_at(&first.url, "bob").await;
    assert_eq!(bob.presence_of(alice.id).await["is_online"], true);
    let args = ["user", "add", "--username", "carol"];
    let out = run_with_password(&args, common::PASSWORD, dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A server stopped as a service manager stops it (SIGTERM) leaves every write in the
/// database file itself: no WAL beside it, so the file alone, copied as a backup or
/// moved to another machine, has the last write.
#[cfg(unix)]
#[tokio::test]
async fn a_stopped_server_leaves_its_last_writes_in_the_database_file() {
    let (dir, mut server, alice) = alice_signed_in().await;
    if dir.path().join(DATABASE_FILE).exists() {
        return; // PostgreSQL: there is no file to copy.
    }
    let (s, changed) = alice
        .post(
            "/api/auth/password",
            json!({"current_password": common::PASSWORD, "new_password": "a-new-secret-pw"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    let file = dir.path().join("switchboard.sqlite3");
    let wal = dir.path().join("switchboard.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0),
        "while serving, the last writes are in the WAL"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(killed.success());
    let stopping = Instant::now();
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("the server's state") {
            break exit;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(15),
            "the server stops within 15 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "a clean stop: {exit}");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the WAL is copied into the file and gone"
    );

    let copy = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&file, copy.path().join("switchboard.sqlite3")).expect("copy the file alone");
    let mut moved = serve(copy.path(), "127.0.0.1:0");
    let (s, signed_in) = post(
        &format!("{}/api/login/", moved.url),
        None,
        json!({"username": "alice", "password": "a-new-secret-pw"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the copy has the new password: {signed_in}"
    );
    let _ = moved.child.kill();
    let _ = moved.child.wait();
}

/// A call acknowledged before `kill -9` is there after a restart, and no password or
/// token ever reaches the log, even at debug level.
#[tokio::test]
async fn kill_9_loses_no_acknowledged_call_and_logs_hold_no_secrets() {
    let dir = home();
    for (name, admin) in [("alice", true), ("bob", false)] {
        let mut args = vec!["user", "add", "--username", name];
        if admin {
            args.push("--admin");
        }
        let out = run_with_password(&args, "sup3r-secret-pw", dir.path());
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let mut server = serve(dir.path(), "127.0.0.1:0");
    let url = server.url.clone();
    let (s, alice) = post(
        &format!("{url}/api/login/"),
        None,
        json!({"username": "alice", "password": "sup3r-secret-pw"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, bob) = post(
        &format!("{url}/api/auth/login"),
        None,
        json!({"username": "bob", "password": "sup3r-secret-pw"}),
    )
    .await;
    let alice_token = alice["token"].as_str().expect("token").to_owned();
    let bob_token = bob["token"].as_str().expect("token").to_owned();

    let (s, created) = post(
        &format!("{url}/api/jitsi-calls/initiate_call/"),
        Some(&alice_token),
        json!({"recipient_id": 2}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let call = created["call_session"].clone();
    let (s, answered) = post(
        &format!("{url}/api/jitsi-calls/{}/update_status/", call["id"]),
        Some(&bob_token),
        json!({"action": "answer"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = post(
        &format!("{url}/api/users/"),
        Some(&alice_token),
        json!({"username": "carol", "password": "another-secret-pw"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    server.child.kill().expect("kill -9"); // SIGKILL: no shutdown code runs.
    let _ = server.child.wait();

    let restarted = serve(dir.path(), "127.0.0.1:0");
    let started = Instant::now();
    let (s, after) = get(
        &format!("{}/api/jitsi-calls/{}/", restarted.url, call["id"]),
        &alice_token,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "the token and the call survive: {after}");
    assert_eq!(after["room_name"], call["room_name"]);
    assert_eq!(after["session_id"], call["session_id"]);
    assert_eq!(after["started_at"], answered["call_session"]["started_at"]);
    assert!(started.elapsed() < Duration::from_secs(10));
    let (s, _) = post(
        &format!("{}/api/login/", restarted.url),
        None,
        json!({"username": "carol", "password": "another-secret-pw"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the account created before the crash is there"
    );

    let mut restarted = restarted;
    let _ = restarted.child.kill();
    let _ = restarted.child.wait();
    let logs = format!(
        "{}{}",
        server.log.lock().map(|l| l.clone()).unwrap_or_default(),
        restarted.log.lock().map(|l| l.clone()).unwrap_or_default()
    );
    assert!(
        logs.contains("signed in"),
        "debug logs were captured: {logs}"
    );
    for secret in [
        "sup3r-secret-pw",
        "another-secret-pw",
        alice_token.as_str(),
        bob_token.as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret reached the log");
    }
    // No fragment of a token either (its signature part is the secret-bearing one).
    let signature = alice_token.rsplit('.').next().unwrap_or_default();
    assert!(!logs.contains(signature));
}

/// The data directory is the server's alone: created owner-only, with the database, its
/// WAL files and lock owner read-write; looser modes found at a start are tightened and
/// logged. (On SQLite in every pass: the files are SQLite's.)
#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let chmod = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let serve_sqlite = |data: &Path| {
        let mut command = Command::new(BIN);
        command
            .env_remove("SWITCHBOARD_DATA_DIR")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data);
        Served::spawn(command)
    };
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("team").join("data");
    let database = data.join("switchboard.sqlite3");
    let beside = |suffix: &str| {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };

    // A fresh start creates everything private, with nothing to complain about.
    let served = serve_sqlite(&data);
    assert_eq!(mode(&data), 0o700, "the data directory");
    for file in [
        database.clone(),
        beside("-wal"),
        beside("-shm"),
        beside(".serving-lock"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert!(
        !served.log().contains("permissions are tightened"),
        "{}",
        served.log()
    );
    drop(served);

    // Someone loosened them while it was stopped: the next start tightens and says so.
    chmod(&data, 0o755);
    chmod(&database, 0o644);
    let served = serve_sqlite(&data);
    assert_eq!((mode(&data), mode(&database)), (0o700, 0o600));
    let log = served.log();
    for path in [&data, &database] {
        assert!(
            log.lines().any(|l| l.contains("permissions are tightened")
                && l.contains(&path.display().to_string())),
            "no warning about {}: {log}",
            path.display()
        );
    }
}

/// `serve` refuses plain HTTP on a network address unless told it sits behind a TLS
/// proxy; with `--tls-self-signed` it serves HTTPS with a certificate of its own, kept in
/// the data directory (key 0600), whose fingerprint it logs and `fingerprint` prints,
/// and which a client pinning it reaches; the admin's PEM files serve the same way.
#[tokio::test]
async fn plain_http_only_on_loopback_and_https_with_a_certificate_of_its_own() {
    let dir = home();
    let out = command(dir.path())
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("refusing to serve plain HTTP on 0.0.0.0:0")
            && err.contains("--tls-self-signed")
            && err.contains("--insecure-http"),
        "{err}"
    );

    let served = Served::spawn({
        let mut c = command(dir.path());
        c.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-self-signed",
            "--data-dir",
        ])
        .arg(dir.path());
        c
    });
    assert!(served.url.starts_with("https://"), "{}", served.url);
    let printed = run(&["fingerprint"], dir.path());
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let fingerprint = text(&printed.stdout).trim().to_owned();
    assert!(
        served.log().contains(&format!("fingerprint={fingerprint}")),
        "the log names the fingerprint {fingerprint}: {}",
        served.log()
    );
    let pinned = switchboard_tls::Fingerprint::parse(&fingerprint).expect("a fingerprint");
    let health = |url: String, trust: switchboard_tls::Trust| async move {
        let tls = switchboard_tls::client_config(&trust).expect("tls");
        let client = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        client.get(format!("{url}/api/health/")).send().await
    };
    let ok = health(served.url.clone(), switchboard_tls::Trust::Pinned(pinned))
        .await
        .expect("health over https");
    assert_eq!(ok.status(), StatusCode::OK);
    let refused = health(served.url.clone(), switchboard_tls::Trust::System)
        .await
        .expect_err("a certificate nobody signed");
    assert_eq!(
        switchboard_tls::certificate_problem(&refused),
        Some(switchboard_tls::CertificateProblem::Unknown)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.path().join("tls-key.pem");
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", key.display());
    }
    drop(served);

    // The same certificate given as PEM files (as from a certificate authority).
    let other = home();
    let served = Served::spawn({
        let mut c = command(other.path());
        c.args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(dir.path().join("tls-cert.pem"))
            .arg("--tls-key")
            .arg(dir.path().join("tls-key.pem"))
            .arg("--data-dir")
            .arg(other.path());
        c
    });
    let ok = health(served.url.clone(), switchboard_tls::Trust::Pinned(pinned))
        .await
        .expect("health over https");
    assert_eq!(ok.status(), StatusCode::OK);
    drop(served);

    // A key file that is not there: one sentence naming it.
    let out = command(other.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(dir.path().join("tls-cert.pem"))
        .args(["--tls-key", "/nonexistent/key.pem", "--data-dir"])
        .arg(other.path())
        .env("RUST_LOG", "off")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot read /nonexistent/key.pem"),
        "{}",
        text(&out.stderr)
    );
}

/// A server with one account, alice, made with `user add`, and alice signed in to it.
async fn alice_signed_in() -> (tempfile::TempDir, Served, common::Client) {
    let dir = home();
    let out = run_with_password(
        &["user", "add", "--username", "alice"],
        common::PASSWORD,
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let served = serve(dir.path(), "127.0.0.1:0");
    let alice = common::login_at(&served.url, "alice").await;
    (dir, served, alice)
}

/// `keys rotate` signs everyone out: after a restart, tokens from before are refused in
/// words and signing in again works.
#[tokio::test]
async fn rotating_the_token_secret_signs_everyone_out() {
    let (dir, served, alice) = alice_signed_in().await;
    let token = alice.token.clone().unwrap_or_default();
    drop(served);

    let out = run(&["keys", "rotate"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("everyone signs in again"),
        "{}",
        text(&out.stdout)
    );
    let served = serve(dir.path(), "127.0.0.1:0");
    let (status, body) = get(&format!("{}/api/auth/me", served.url), &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("sign in again"),
        "{body}"
    );
    let again = common::login_at(&served.url, "alice").await;
    let (status, _) = get(
        &format!("{}/api/auth/me", served.url),
        again.token.as_deref().unwrap_or_default(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// `user set-password` run by an administrator while the server serves the same data:
/// the old password and every token from before stop working at once, and on SQLite
/// (where the server keeps standings in memory) the account's sockets close too.
#[tokio::test]
async fn a_password_set_with_the_command_line_while_serving_signs_the_user_out() {
    use futures::StreamExt;
    let (dir, served, alice) = alice_signed_in().await;
    let token = alice.token.clone().unwrap_or_default();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "{}/api/ws/{}/?token={token}",
        served.url.replacen("http", "ws", 1),
        alice.id
    ))
    .await
    .expect("alice's notification socket");

    let out = run_with_password(
        &["user", "set-password", "--username", "alice"],
        "a-brand-new-password",
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A token check looks for another process's commits at most once a second.
    let refused = async {
        loop {
            let (status, body) = get(&format!("{}/api/auth/me", served.url), &token).await;
            if status == StatusCode::UNAUTHORIZED {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let body = tokio::time::timeout(Duration::from_secs(5), refused)
        .await
        .expect("the old token is refused within 5 s");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("signed out on every device"),
        "{body}"
    );
    if std::env::var_os(common::POSTGRES_ENV).is_none() {
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match socket.next().await {
                    Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => {
                        return frame.map(|f| u16::from(f.code));
                    }
                    Some(Ok(_)) => {}
                    _ => return None,
                }
            }
        })
        .await
        .expect("the socket closes within 5 s");
        assert_eq!(closed, Some(1008));
    }
    let (status, _) = post(
        &format!("{}/api/login/", served.url),
        None,
        json!({"username": "alice", "password": common::PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password");
    let (status, _) = post(
        &format!("{}/api/login/", served.url),
        None,
        json!({"username": "alice", "password": "a-brand-new-password"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the new password");
}
