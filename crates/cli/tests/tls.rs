//! The team server over HTTPS with a certificate of its own, and clients that pin it: two
//! real `switchboard-cli` processes call each other through it (REST, the notification
//! socket and the call's signaling socket, all over TLS), and a client refuses, in
//! words, a certificate other than the pinned one, an unpinned self-made one, and plain
//! HTTP to a pinned server.

use crate::common::{PASSWORD, cli, finish, recorded_frames, serve};
use std::process::Output;
use std::time::Duration;
use switchboard_client::{Api, Fingerprint, Trust};
use switchboard_media::tone::has_tone;
use switchboard_server::{Server, ServerConfig, ServerTls};

/// A server on 127.0.0.1 serving HTTPS with its own certificate, with accounts.
async fn https_backend(names: &[&str]) -> (Server, tempfile::TempDir, Fingerprint) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new(dir.path().join("data"));
    config.tls = ServerTls::Own;
    let server = serve(config, names).await;
    let fingerprint = server.fingerprint().expect("serving https");
    assert!(server.url().starts_with("https://"), "{}", server.url());
    (server, dir, fingerprint)
}

async fn pinned_token(url: &str, fingerprint: Fingerprint, name: &str) -> String {
    let mut api = Api::with_trust(url, Trust::Pinned(fingerprint)).expect("api");
    api.login(name, PASSWORD).await.expect("login over https");
    api.token().map(str::to_owned).expect("token")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_through_a_pinned_https_server() {
    let (server, dir, fingerprint) = https_backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (
        pinned_token(&url, fingerprint, "alice").await,
        pinned_token(&url, fingerprint, "bob").await,
    );
    let pin = fingerprint.to_string();
    let (a_wav, b_wav) = (dir.path().join("alice.wav"), dir.path().join("bob.wav"));
    let listener = cli(
        &url,
        &alice,
        &[
            "--server-fingerprint",
            &pin,
            "listen",
            "--auto-answer",
            "--tone",
            "1000",
            "--record",
            a_wav.to_str().expect("path"),
            "--duration",
            "20",
        ],
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let caller = cli(
        &url,
        &bob,
        &[
            "--server-fingerprint",
            &pin,
            "call",
            "alice",
            "--tone",
            "440",
            "--record",
            b_wav.to_str().expect("path"),
            "--duration",
            "3",
        ],
    );
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    for (who, out) in [("bob", &caller), ("alice", &listener)] {
        assert!(out.status.success(), "{who} failed:\n{}", said(out));
    }
    for (wav, tone) in [(&a_wav, 440.0), (&b_wav, 1000.0)] {
        let frames = recorded_frames(wav, 0.5);
        let heard = frames.iter().filter(|f| has_tone(f, tone)).count();
        assert!(
            frames.len() >= 100 && heard * 10 >= frames.len() * 8,
            "{}: the other's tone in {heard} of {} frames",
            wav.display(),
            frames.len()
        );
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn other_certificates_and_plain_http_are_refused_in_words() {
    let (server, _dir, fingerprint) = https_backend(&["alice"]).await;
    let url = server.url();
    let token = pinned_token(&url, fingerprint, "alice").await;
    let whoami = |server: &str, pin: Option<String>| {
        let mut args = Vec::new();
        if let Some(pin) = &pin {
            args.extend(["--server-fingerprint", pin.as_str()]);
        }
        args.push("whoami");
        finish(cli(server, &token, &args))
    };

    // The pinned certificate: signed in.
    let out = whoami(&url, Some(fingerprint.to_string())).await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("alice"), "{}", said(&out));

    // Another certificate where the pinned one should be: someone may stand in for it.
    let other = Fingerprint::of(b"the certificate this client pinned");
    let out = whoami(&url, Some(other.to_string())).await;
    assert!(!out.status.success());
    let text = said(&out);
    assert!(
        text.contains(&format!("Not connecting to {url}"))
            && text.contains("not the one this computer trusts")
            && text.contains(&fingerprint.to_string())
            && text.contains("standing in for the server"),
        "{text}"
    );

    // No pin: a self-made certificate is not trusted, and the user is told what to do.
    let out = whoami(&url, None).await;
    assert!(!out.status.success());
    let text = said(&out);
    assert!(
        text.contains("not signed by an authority")
            && text.contains("invite link")
            && text.contains("pass --server-fingerprint"),
        "{text}"
    );

    // A pinned server over plain http: refused before anything is sent.
    let plain = url.replace("https://", "http://");
    let out = whoami(&plain, Some(fingerprint.to_string())).await;
    assert!(!out.status.success());
    assert!(
        said(&out).contains("is plain http, but this server's certificate is pinned"),
        "{}",
        said(&out)
    );

    // Plain http to the HTTPS port gets no answer from the API.
    let out = whoami(&plain, None).await;
    assert!(!out.status.success(), "{}", said(&out));

    // A malformed fingerprint is explained.
    let out = whoami(&url, Some("sha256:1234".into())).await;
    assert!(!out.status.success());
    assert!(
        said(&out).contains("is not a certificate fingerprint"),
        "{}",
        said(&out)
    );
    server.shutdown().await.expect("shutdown");
}
