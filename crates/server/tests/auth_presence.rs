//! Sign-in, tokens, accounts and presence over real HTTP (SPEC §1–2).

use crate::common;

use crate::common::{PASSWORD, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn both_login_routes_and_both_auth_schemes_work() {
    let server = TestServer::start(&["admin", "jane"]).await;
    let anon = server.anonymous();

    let (s, legacy) = anon
        .post(
            "/api/login/",
            json!({"username": "jane", "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(legacy["token"], legacy["access"]);
    assert_eq!(
        legacy["user"],
        json!({"id": 2, "username": "jane", "email": "jane@example.com", "full_name": "Jane Example", "is_admin": false, "is_active": true})
    );
    for body in [
        json!({"email": "JANE@example.com", "password": PASSWORD}),
        json!({"username": "Jane", "password": PASSWORD}),
    ] {
        let (s, b) = anon.post("/api/auth/login", body).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["user"]["id"], 2);
    }

    let token = legacy["token"].as_str().unwrap_or_default();
    for scheme in ["Token", "Bearer", "bearer"] {
        let (s, me) = anon
            .send(
                anon.http
                    .get(format!("{}/api/auth/me", server.url))
                    .header("Authorization", format!("{scheme} {token}")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{scheme}");
        assert_eq!(me["username"], "jane");
    }
}

#[tokio::test]
async fn bad_credentials_and_bad_tokens_are_refused_with_sentences() {
    let server = TestServer::start(&["admin", "jane"]).await;
    let anon = server.anonymous();
    for body in [
        json!({"username": "jane", "password": "wrong-password"}),
        json!({"username": "nobody", "password": PASSWORD}),
    ] {
        let (s, b) = anon.post("/api/login/", body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(
            b["error"],
            "Wrong username or password; check both and try again."
        );
    }
    let (s, b) = anon.post("/api/login/", json!({"username": "jane"})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password is required"))
    );
    let (s, b) = anon.post("/api/auth/login", json!({"password": "x"})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("email or username is required")
        )
    );

    let (s, b) = anon.get("/api/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        b["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("Sign in first"),
        "{b}"
    );
    for header in [
        "Token",
        "Token abc.def.ghi",
        "Basic amFuZTpwdw==",
        "Bearer ",
    ] {
        let (s, _) = anon
            .send(
                anon.http
                    .get(format!("{}/api/users/", server.url))
                    .header("Authorization", header),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{header}");
    }
}

#[tokio::test]
async fn logout_revokes_the_token_across_restarts_and_other_tokens_live_on() {
    let mut server = TestServer::start(&["admin", "jane"]).await;
    let first = server.login("jane").await;
    let second = server.login("jane").await;
    let (s, _) = first.post("/api/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = first.get("/api/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        b["error"],
        "You have signed out with this token; sign in again."
    );
    let (s, _) = second.get("/api/auth/me").await;
    assert_eq!(s, StatusCode::OK);

    server.restart().await;
    let mut first = first.clone();
    let mut second = second.clone();
    first.base = server.url.clone();
    second.base = server.url.clone();
    assert_eq!(
        first.get("/api/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "revocation is stored"
    );
    assert_eq!(
        second.get("/api/auth/me").await.0,
        StatusCode::OK,
        "the signing key is stored"
    );
}

#[tokio::test(start_paused = true)]
async fn tokens_expire() {
    let server = TestServer::start_in_simulated_time(&["admin", "jane"], |c| {
        c.token_ttl = Duration::from_secs(1)
    })
    .await;
    let jane = server.login("jane").await;
    assert_eq!(jane.get("/api/auth/me").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (s, b) = jane.get("/api/auth/me").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::UNAUTHORIZED,
            Some("Your session has expired; sign in again.")
        )
    );
}

#[tokio::test]
async fn only_admins_create_accounts_and_passwords_are_stored_as_argon2id() {
    let server = TestServer::start(&["admin", "jane"]).await;
    let admin = server.login("admin").await;
    let jane = server.login("jane").await;
    let new = json!({"username": "kim.allen", "password": "s3cret-pass", "email": "kim@example.com", "full_name": "Kimberly Allen"});

    let (s, b) = jane.post("/api/users/", new.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("Only an administrator can create accounts.")
        )
    );
    let (s, created) = admin.post("/api/users/", new.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["username"], "kim.allen");
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());
    let (s, b) = admin.post("/api/users/", new.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("The username kim.allen is already taken.")
        )
    );
    let (s, b) = admin
        .post(
            "/api/users/",
            json!({"username": "KIM.ALLEN", "password": "s3cret-pass"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "usernames are case-insensitive: {b}"
    );

    for (body, why) in [
        (
            json!({"username": "x y", "password": "long-enough"}),
            "letters, digits",
        ),
        (
            json!({"username": "shorty", "password": "short"}),
            "at least 8",
        ),
        (
            json!({"username": "mail", "password": "long-enough", "email": "nope"}),
            "not a valid email",
        ),
        (json!({"password": "long-enough"}), "username is required"),
        (
            json!({"username": "flag", "password": "long-enough", "is_admin": "yes"}),
            "true or false",
        ),
    ] {
        let (s, b) = admin.post("/api/users/", body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert!(b["error"].as_str().unwrap_or("").contains(why), "{b}");
    }

    let kim = server
        .anonymous()
        .post(
            "/api/login/",
            json!({"username": "kim.allen", "password": "s3cret-pass"}),
        )
        .await;
    assert_eq!(kim.0, StatusCode::OK);

    // What is stored is an argon2id hash, never the password.
    let hash = common::off_runtime(|| {
        let store = switchboard_server::server::open_store(&server.config).expect("open store");
        store
            .write_blocking(|tx| tx.user_by_login("kim.allen"))
            .expect("read")
            .expect("kim is stored")
            .password_hash
    });
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("s3cret-pass"));
}

#[tokio::test]
async fn the_directory_lists_everyone_with_presence() {
    let server = TestServer::start(&["admin", "jane", "kim"]).await;
    let jane = server.login("jane").await;
    let (s, dir) = jane.get("/api/users/").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = dir
        .as_array()
        .map(|d| d.iter().filter_map(|u| u["username"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["admin", "jane", "kim"]);
    let kim = &dir[2]["presence"];
    assert_eq!(kim["status"], "offline", "kim never signed in");
    assert_eq!(kim["is_online"], false);
    let me = &dir[1]["presence"];
    assert_eq!(
        (
            me["status"].as_str(),
            me["is_online"].as_bool(),
            me["is_available"].as_bool()
        ),
        (Some("online"), Some(true), Some(true))
    );
    for key in [
        "available_for_calls",
        "status_message",
        "last_seen",
        "current_call",
    ] {
        assert!(me.get(key).is_some(), "presence has {key}");
    }
    let (s, _) = jane.get("/api/users/99/").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn presence_heartbeat_status_and_online_users() {
    let server = TestServer::start(&["admin", "jane", "kim", "lee"]).await;
    let jane = server.login("jane").await;
    let kim = server.login("kim").await;
    let lee = server.login("lee").await;

    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|u| u["username"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, online) = jane.get("/api/user-presence/online_users/").await;
    assert_eq!(
        names(&online),
        ["kim", "lee"],
        "online and available, without the caller"
    );

    let (s, p) = kim
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "away", "status_message": "lunch"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            p["user"].as_i64(),
            p["status"].as_str(),
            p["status_message"].as_str()
        ),
        (Some(kim.id), Some("away"), Some("lunch"))
    );
    lee.post(
        "/api/user-presence/update_my_status/",
        json!({"available_for_calls": false}),
    )
    .await;
    let (_, online) = jane.get("/api/user-presence/online_users/").await;
    assert_eq!(
        names(&online),
        ["kim"],
        "away still takes calls; unavailable does not"
    );

    lee.post(
        "/api/user-presence/update_my_status/",
        json!({"status": "offline"}),
    )
    .await;
    assert_eq!(jane.presence_of(lee.id).await["status"], "offline");
    let (s, p) = lee.post("/api/user-presence/heartbeat/", json!({})).await;
    assert_eq!(
        (s, p["status"].as_str()),
        (StatusCode::OK, Some("online")),
        "heartbeat: offline → online"
    );

    let (s, b) = kim
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status": "sleeping"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["error"].as_str().unwrap_or("").contains("\"dnd\""), "{b}");
    let (s, _) = kim
        .post(
            "/api/user-presence/update_my_status/",
            json!({"status_message": "x".repeat(256)}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A bodiless heartbeat works, as seed clients send it.
    let (s, _) = kim
        .send(
            kim.http
                .post(format!("{}/api/user-presence/heartbeat/", kim.base)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, all) = jane.get("/api/user-presence/").await;
    assert_eq!(all.as_array().map(Vec::len), Some(4));
}

#[tokio::test(start_paused = true)]
async fn users_go_offline_when_heartbeats_stop() {
    let server = TestServer::start_in_simulated_time(&["admin", "jane", "kim"], |c| {
        c.presence_timeout = Duration::from_secs(1)
    })
    .await;
    let jane = server.login("jane").await;
    let kim = server.login("kim").await;
    assert_eq!(jane.presence_of(kim.id).await["is_online"], true);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    jane.post("/api/user-presence/heartbeat/", json!({})).await;
    let p = jane.presence_of(kim.id).await;
    assert_eq!(
        (p["status"].as_str(), p["is_online"].as_bool()),
        (Some("offline"), Some(false))
    );
    let (s, b) = jane
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": kim.id}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("offline"))
    );
    kim.post("/api/user-presence/heartbeat/", json!({})).await;
    let (s, _) = jane
        .post(
            "/api/jitsi-calls/initiate_call/",
            json!({"recipient_id": kim.id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

/// Sign-in takes `application/json` only: a web page can send `text/plain`, form or
/// untyped POSTs to a server on the visitor's network without a CORS preflight.
#[tokio::test]
async fn sign_in_takes_json_only() {
    let server = TestServer::start(&["admin", "jane"]).await;
    let client = server.anonymous();
    let body = json!({"username": "jane", "password": common::PASSWORD}).to_string();
    let form = format!("username=jane&password={}", common::PASSWORD);
    for route in ["/api/login/", "/api/auth/login"] {
        let url = format!("{}{route}", client.base);
        for (content_type, body) in [
            (Some("text/plain;charset=UTF-8"), body.clone()),
            (Some("application/x-www-form-urlencoded"), form.clone()),
            (Some("multipart/form-data; boundary=x"), body.clone()),
            (None, body.clone()),
        ] {
            let mut req = client.http.post(&url).body(body);
            if let Some(content_type) = content_type {
                req = req.header("Content-Type", content_type);
            }
            let (s, b) = client.send(req).await;
            assert_eq!(
                (s, b["error"].as_str()),
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Some(
                        "Sign-in takes a JSON body: send it with `Content-Type: application/json`."
                    )
                ),
                "{route} as {content_type:?}"
            );
        }
        let req = client
            .http
            .post(&url)
            .header("Content-Type", "Application/JSON; charset=utf-8")
            .body(body.clone());
        let (s, b) = client.send(req).await;
        assert_eq!(s, StatusCode::OK, "{route}: {b}");
    }
}

/// Wrong passwords for one name from one address: five are free, then each try waits
/// twice as long (429 with `Retry-After`); the right password after the wait signs in
/// and starts the count again; other names are never held up. In simulated time.
#[tokio::test(start_paused = true)]
async fn wrong_passwords_slow_down_their_name_only() {
    let server = TestServer::start_in_simulated_time(&["admin", "jane", "kim"], |_| {}).await;
    let client = server.anonymous();
    let try_login = |name: &'static str, password: &'static str| {
        let client = client.clone();
        async move {
            let url = format!("{}/api/login/", client.base);
            let body = json!({"username": name, "password": password});
            let resp = common::while_time_stands_still(client.http.post(url).json(&body).send())
                .await
                .expect("request");
            let retry = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let status = resp.status();
            let body: Value = common::while_time_stands_still(resp.json())
                .await
                .unwrap_or(Value::Null);
            (
                status,
                retry,
                body["error"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    for _ in 0..6 {
        assert_eq!(
            try_login("jane", "wrong-guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (s, retry, error) = try_login("jane", "wrong-guess").await;
    assert_eq!(
        (s, retry.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("1"))
    );
    assert_eq!(
        error,
        "Too many wrong passwords for jane from this address; wait 1 s before trying again."
    );
    let (s, _, _) = try_login("jane", common::PASSWORD).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "not even the right one, yet"
    );
    assert_eq!(
        try_login("kim", common::PASSWORD).await.0,
        StatusCode::OK,
        "others sign in"
    );

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        try_login("jane", "wrong-guess").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (s, retry, _) = try_login("JANE", "wrong-guess").await;
    assert_eq!(
        (s, retry.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("2"))
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(try_login("jane", common::PASSWORD).await.0, StatusCode::OK);
    assert_eq!(
        try_login("jane", "wrong-guess").await.0,
        StatusCode::UNAUTHORIZED,
        "the count starts again"
    );
}

/// A server on loopback answers to addresses and `localhost` only: a page whose own name
/// was pointed at 127.0.0.1 (DNS rebinding) is refused before it can try passwords, and
/// the refusal says how to name a proxy's host.
#[tokio::test]
async fn a_loopback_server_refuses_host_names_it_was_not_given() {
    let server = TestServer::start(&["admin", "jane"]).await;
    let anon = server.anonymous();
    let login = json!({"username": "jane", "password": PASSWORD});
    let port = server.url.rsplit(':').next().unwrap_or_default().to_owned();
    for (host, allowed) in [
        (format!("127.0.0.1:{port}"), true),
        (format!("localhost:{port}"), true),
        (format!("rebound.evil.example:{port}"), false),
    ] {
        let (s, b) = anon
            .send(
                anon.http
                    .post(format!("{}/api/login/", server.url))
                    .header("Host", &host)
                    .json(&login),
            )
            .await;
        if allowed {
            assert_eq!(s, StatusCode::OK, "{host}: {b}");
        } else {
            assert_eq!(s, StatusCode::FORBIDDEN, "{host}: {b}");
            let error = b["error"].as_str().unwrap_or_default();
            assert!(
                error.contains("If a proxy forwards that name to it, start the server with --allowed-host rebound.evil.example."),
                "{error}"
            );
        }
    }
}

/// Tokens an attacker could make, each refused on HTTP and on every socket route, with
/// the sentence that says to sign in again (never a 500, never the wrong user).
#[tokio::test]
async fn forged_tokens_are_refused_on_http_and_sockets() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

    let server = TestServer::start(&["admin", "jane", "kim"]).await;
    let jane = server.login("jane").await;
    let kim = server.login("kim").await;
    let secret = common::off_runtime(|| {
        let store = switchboard_server::server::open_store(&server.config).expect("open store");
        store
            .write_blocking(|tx| tx.setting("token_secret"))
            .expect("read")
            .expect("the server made its secret")
    });
    let now = chrono::Utc::now().timestamp();
    let claims = |sub: i64, exp: Option<i64>| {
        let mut c = json!({"sub": sub.to_string(), "jti": uuid::Uuid::new_v4().simple().to_string(), "iat": now});
        if let Some(exp) = exp {
            c["exp"] = json!(exp);
        }
        c
    };
    let hs256 = |key: &[u8], c: &Value| {
        encode(
            &Header::new(Algorithm::HS256),
            c,
            &EncodingKey::from_secret(key),
        )
        .expect("sign")
    };
    let real = jane.token.clone().expect("jane's token");
    let [head, _, signature] =
        <[&str; 3]>::try_from(real.split('.').collect::<Vec<_>>()).expect("three parts");
    let jaas_key = EncodingKey::from_rsa_pem(include_bytes!("fixtures/jaas_test_pkcs8.pem"))
        .expect("the JaaS test key");
    let forged = [
        (
            "signed with another secret",
            hs256(
                b"not the server's secret",
                &claims(jane.id, Some(now + 3600)),
            ),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                B64.encode(r#"{"alg":"none","typ":"JWT"}"#),
                B64.encode(claims(jane.id, Some(now + 3600)).to_string())
            ),
        ),
        (
            "RS256 with the JaaS key",
            encode(
                &Header::new(Algorithm::RS256),
                &claims(jane.id, Some(now + 3600)),
                &jaas_key,
            )
            .expect("sign"),
        ),
        (
            "expired",
            hs256(secret.as_bytes(), &claims(jane.id, Some(now - 60))),
        ),
        (
            "without exp",
            hs256(secret.as_bytes(), &claims(jane.id, None)),
        ),
        (
            "jane's signature on kim's id",
            format!(
                "{head}.{}.{signature}",
                B64.encode(claims(kim.id, Some(now + 3600)).to_string())
            ),
        ),
    ];
    let stranger = |token: &str| {
        let mut c = jane.clone();
        c.token = Some(token.to_owned());
        c
    };
    for (what, token) in &forged {
        let attacker = stranger(token);
        let (s, body) = attacker.get("/api/auth/me").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{what}: {body}");
        let error = body["error"].as_str().unwrap_or("");
        assert!(error.contains("sign in again"), "{what}: {error}");
        let anon = server.anonymous();
        let bearer = anon
            .send(
                anon.http
                    .get(format!("{}/api/users/", server.url))
                    .header("Authorization", format!("Bearer {token}")),
            )
            .await;
        assert_eq!(bearer.0, StatusCode::UNAUTHORIZED, "{what} as Bearer");
        for path in [
            format!("/api/ws/{}/", jane.id),
            format!("/api/ws/{}/", kim.id),
        ] {
            let (s, body) = common::ws::refused(&attacker, &path).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{what} on {path}: {body}");
        }
    }
    // The same secret and claims made the right way are accepted: the refusals above are
    // about what was forged, not about tokens made outside the server.
    let honest = stranger(&hs256(
        secret.as_bytes(),
        &claims(jane.id, Some(now + 3600)),
    ));
    let (s, me) = honest.get("/api/auth/me").await;
    assert_eq!((s, me["username"].as_str()), (StatusCode::OK, Some("jane")));
}
