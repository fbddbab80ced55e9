//! `join_info/` and 8x8 JaaS tokens (SPEC §6): every key format the seeds met, verified
//! with the public key; broken credentials explained, never a crash.

use crate::common::TestServer;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;
use switchboard_server::jaas::JitsiSettings;

const PKCS1: &str = include_str!("fixtures/jaas_test_pkcs1.pem");
const PKCS8: &str = include_str!("fixtures/jaas_test_pkcs8.pem");
const PUBLIC: &str = include_str!("fixtures/jaas_test_public.pem");
const APP_ID: &str = "vpaas-magic-cookie-5703ae038cf44020aaf85831e835d5f6";

/// The base64 body of a PEM, on one line, as seed 001's `.env` held it.
fn single_line(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

fn jaas(key: String, domain: Option<&str>) -> JitsiSettings {
    JitsiSettings {
        app_id: Some(APP_ID.into()),
        kid: Some(format!("{APP_ID}/4f4910")),
        api_key: Some(key),
        domain: domain.map(str::to_owned),
    }
}

/// Starts a server with `settings`, rings bob from alice, and returns alice's join_info.
async fn join_info(settings: JitsiSettings) -> (StatusCode, Value, String) {
    let server = TestServer::start_with(&["alice", "bob"], |c| c.jitsi = settings).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let call = alice.call(&bob).await;
    let room = call["room_name"].as_str().unwrap_or_default().to_owned();
    let (s, b) = alice
        .get(&format!("/api/jitsi-calls/{}/join_info/", call["id"]))
        .await;
    (s, b, room)
}

#[tokio::test]
async fn jaas_tokens_verify_with_the_public_key_for_every_key_format() {
    let formats = [
        ("PKCS#1 PEM", PKCS1.to_owned()),
        ("PKCS#8 PEM", PKCS8.to_owned()),
        ("PKCS#8 single-line base64", single_line(PKCS8)),
        ("PKCS#1 single-line base64", single_line(PKCS1)),
        (
            "PEM with literal \\n escapes",
            PKCS8.trim().replace('\n', "\\n"),
        ),
    ];
    let public = DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).expect("public key");
    for (format, key) in formats {
        let (s, info, room) = join_info(jaas(key, None)).await;
        assert_eq!(s, StatusCode::OK, "{format}: {info}");
        assert_eq!(info["domain"], "8x8.vc", "{format}");
        assert_eq!(info["room_name"], room.as_str());
        let jwt = info["jwt"].as_str().expect("jwt");
        assert_eq!(
            info["jitsi_url"],
            format!("https://8x8.vc/{APP_ID}/{room}?jwt={jwt}"),
            "{format}"
        );

        let header = jsonwebtoken::decode_header(jwt).expect("header");
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(
            header.kid.as_deref(),
            Some(format!("{APP_ID}/4f4910").as_str())
        );
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&["jitsi"]);
        validation.set_issuer(&["chat"]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<Value>(jwt, &public, &validation)
            .unwrap_or_else(|e| panic!("{format}: signature or claims do not verify: {e}"))
            .claims;
        assert_eq!(claims["sub"], APP_ID);
        assert_eq!(claims["room"], room.as_str());
        let user = &claims["context"]["user"];
        assert_eq!(
            (user["id"].as_str(), user["name"].as_str()),
            (Some("1"), Some("Alice Example"))
        );
        assert_eq!(user["email"], "alice@example.com");
        assert_eq!(user["moderator"], true);
        assert!(claims["context"]["features"].is_object());
        let (iat, nbf, exp) = (
            claims["iat"].as_i64(),
            claims["nbf"].as_i64(),
            claims["exp"].as_i64(),
        );
        assert!(nbf <= iat && iat < exp, "{claims}");
    }
}

#[tokio::test]
async fn without_jaas_rooms_open_on_the_public_or_configured_jitsi() {
    let (s, info, room) = join_info(JitsiSettings::default()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info["domain"], "meet.jit.si");
    assert_eq!(info["jitsi_url"], format!("https://meet.jit.si/{room}"));
    assert!(info.get("jwt").is_none());

    let own = JitsiSettings {
        domain: Some("meet.example.org".into()),
        ..JitsiSettings::default()
    };
    let (_, info, room) = join_info(own).await;
    assert_eq!(
        info["jitsi_url"],
        format!("https://meet.example.org/{room}")
    );
}

#[tokio::test]
async fn broken_jaas_credentials_are_explained_and_calls_still_work() {
    let cases = [
        (
            jaas("a simple string".into(), None),
            "neither PEM nor base64",
        ),
        (
            jaas("c2ltcGxlIHN0cmluZw==".into(), None),
            "not an RSA private key",
        ),
        (
            jaas(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----".into(),
                None,
            ),
            "not an RSA private key",
        ),
        (
            JitsiSettings {
                api_key: None,
                ..jaas(String::new(), None)
            },
            "JITSI_8X8_API_KEY is not set",
        ),
        (
            JitsiSettings {
                kid: None,
                ..jaas(PKCS8.into(), None)
            },
            "JITSI_8X8_KID is not set",
        ),
        (
            JitsiSettings {
                app_id: Some("my-app".into()),
                ..jaas(PKCS8.into(), None)
            },
            "vpaas-magic-cookie-",
        ),
    ];
    for (settings, why) in cases {
        let (s, b, _) = join_info(settings).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{why}: {b}");
        let error = b["error"].as_str().unwrap_or("");
        assert!(
            error.starts_with("Video rooms are unavailable: "),
            "{error}"
        );
        assert!(error.contains(why), "{error}");
    }
}

#[tokio::test]
async fn join_info_is_for_live_calls_only() {
    let server = TestServer::start(&["alice", "bob"]).await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let call = alice.call(&bob).await;
    let (s, _) = bob
        .get(&format!("/api/jitsi-calls/{}/join_info/", call["id"]))
        .await;
    assert_eq!(s, StatusCode::OK);
    bob.act(call["id"].as_i64().unwrap_or(0), "reject").await;
    let (s, b) = bob
        .get(&format!("/api/jitsi-calls/{}/join_info/", call["id"]))
        .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("This call has already ended (rejected).")
        )
    );
}
