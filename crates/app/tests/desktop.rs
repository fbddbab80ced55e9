//! What the desktop asks of the controller, against a real server: auto-away from the
//! idle time the desktop reports, and a video call's room to open in the browser.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_app::{AppError, AppState, Controller, Paths, Shell};
use switchboard_client::token_store::TokenStore;
use switchboard_client::{Api, Event};
use switchboard_protocol::{CallType, PresenceStatus};
use switchboard_server::jaas::JitsiSettings;
use switchboard_server::{Server, ServerConfig};

const PASSWORD: &str = "password123";
const JAAS_KEY: &str = include_str!("../../server/tests/fixtures/jaas_test_pkcs8.pem");
const JAAS_PUBLIC: &str = include_str!("../../server/tests/fixtures/jaas_test_public.pem");
const APP_ID: &str = "vpaas-magic-cookie-5703ae038cf44020aaf85831e835d5f6";

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Shell for Recorder {
    fn on_event(&self, event: &Event, _controller: &Arc<Controller>) {
        if let Ok(mut events) = self.events.lock() {
            events.push(event.clone());
        }
    }

    fn on_state(&self, _state: &AppState) {}
}

/// A server with ann and bob; ann signed in through a controller, bob through the API.
async fn ann_and_bob(
    dir: &std::path::Path,
    jitsi: JitsiSettings,
) -> (Server, Arc<Controller>, Api, i64) {
    let mut config = ServerConfig::new(dir.join("server"));
    config.jitsi = jitsi;
    let server = Server::bind("127.0.0.1:0".parse().expect("addr"), config)
        .await
        .expect("server");
    server
        .accounts()
        .seed(&["ann", "bob"], PASSWORD)
        .await
        .expect("accounts");
    let paths = Paths {
        settings_file: dir.join("settings.json"),
        data_dir: dir.join("app"),
    };
    let ann = Controller::new(
        paths,
        TokenStore::with_service("switchboard-app-test"),
        Arc::new(Recorder::default()),
    );
    let state = ann
        .sign_in(server.url(), "ann".into(), PASSWORD.into(), None)
        .await
        .expect("ann signs in");
    let ann_id = state.me.map(|u| u.id).expect("me");
    let mut bob = Api::new(&server.url()).expect("api");
    bob.login("bob", PASSWORD).await.expect("bob signs in");
    (server, ann, bob, ann_id)
}

/// Ann's status as bob's directory shows it.
async fn status_seen_by(bob: &Api, ann_id: i64) -> (PresenceStatus, String) {
    let users = bob.users().await.expect("directory");
    let ann = users.iter().find(|u| u.id == ann_id).expect("ann listed");
    (ann.presence.status, ann.presence.status_message.clone())
}

fn minutes(n: u64) -> Option<Duration> {
    Some(Duration::from_secs(n * 60))
}

#[tokio::test]
async fn auto_away_goes_away_when_idle_comes_back_on_input_and_leaves_chosen_statuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, ann, bob, ann_id) = ann_and_bob(dir.path(), JitsiSettings::default()).await;
    ann.set_status(PresenceStatus::Online, "at the front desk".into())
        .await
        .expect("online");

    // The default is ten minutes: nine idle do nothing, eleven send ann away, with her
    // message kept; input again brings her back.
    assert_eq!(ann.settings().auto_away_after_seconds, 600);
    ann.auto_away_tick(minutes(9)).await.expect("tick");
    assert_eq!(status_seen_by(&bob, ann_id).await.0, PresenceStatus::Online);
    ann.auto_away_tick(minutes(11)).await.expect("tick");
    assert_eq!(
        status_seen_by(&bob, ann_id).await,
        (PresenceStatus::Away, "at the front desk".into())
    );
    ann.auto_away_tick(Some(Duration::from_secs(1)))
        .await
        .expect("tick");
    assert_eq!(
        status_seen_by(&bob, ann_id).await,
        (PresenceStatus::Online, "at the front desk".into())
    );

    // A desktop that cannot tell its idle time changes nothing.
    ann.auto_away_tick(None).await.expect("tick");
    assert_eq!(status_seen_by(&bob, ann_id).await.0, PresenceStatus::Online);

    // Do-not-disturb chosen by hand stays, however long ann is idle.
    ann.set_status(PresenceStatus::Dnd, String::new())
        .await
        .expect("dnd");
    ann.auto_away_tick(minutes(60)).await.expect("tick");
    assert_eq!(status_seen_by(&bob, ann_id).await.0, PresenceStatus::Dnd);

    // Off (0): never away.
    ann.set_status(PresenceStatus::Online, String::new())
        .await
        .expect("online");
    let mut settings = ann.settings();
    settings.auto_away_after_seconds = 0;
    ann.save_settings(settings).expect("saved");
    ann.auto_away_tick(minutes(600)).await.expect("tick");
    assert_eq!(status_seen_by(&bob, ann_id).await.0, PresenceStatus::Online);

    // During a call (ann rings bob): never away either.
    let mut settings = ann.settings();
    settings.auto_away_after_seconds = 60;
    ann.save_settings(settings).expect("saved");
    let bob_id = bob.me().await.expect("bob").id;
    ann.call_user(bob_id, false).await.expect("ann calls bob");
    ann.auto_away_tick(minutes(5)).await.expect("tick");
    // (The server shows a caller as busy.)
    assert_ne!(status_seen_by(&bob, ann_id).await.0, PresenceStatus::Away);
    ann.hang_up().await.expect("hang up");
    ann.auto_away_tick(minutes(5)).await.expect("tick");
    assert_eq!(status_seen_by(&bob, ann_id).await.0, PresenceStatus::Away);

    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn mute_toggles_and_answer_with_nothing_ringing_does_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, ann, _bob, _) = ann_and_bob(dir.path(), JitsiSettings::default()).await;
    assert!(ann.toggle_mute().await.expect("toggle"));
    assert!(ann.toggle_mute().await.is_ok_and(|muted| !muted));
    ann.answer_ringing().await.expect("nothing rings: fine");
    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_video_call_opens_its_jaas_room_with_a_token_for_this_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jaas = JitsiSettings {
        app_id: Some(APP_ID.into()),
        kid: Some(format!("{APP_ID}/4f4910")),
        api_key: Some(JAAS_KEY.into()),
        domain: None,
    };
    let (server, ann, bob, ann_id) = ann_and_bob(dir.path(), jaas).await;
    let call = bob
        .initiate_call(ann_id, CallType::Video)
        .await
        .expect("bob makes a video call to ann");

    let room = ann.video_room(call.id).await.expect("the room");
    assert!(room.with_token);
    assert_eq!(room.room_name, call.room_name);
    let url = url::Url::parse(&room.url).expect("a web address");
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some(room.domain.as_str()));
    assert_eq!(url.path(), format!("/{APP_ID}/{}", call.room_name));
    let jwt = url
        .query_pairs()
        .find(|(k, _)| k == "jwt")
        .map(|(_, v)| v.into_owned())
        .expect("the token travels in the address");
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(JAAS_PUBLIC.as_bytes()).expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["jitsi"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation)
        .expect("the public key verifies the token")
        .claims;
    assert_eq!(claims["room"], call.room_name.as_str());
    assert_eq!(claims["context"]["user"]["name"], "Ann Example");

    // A call ann is not in has no room for her.
    let refused = ann.video_room(call.id + 1000).await.expect_err("not hers");
    assert!(!refused.to_string().is_empty());

    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn without_jaas_the_room_is_an_open_jitsi_room_and_broken_credentials_say_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, ann, bob, ann_id) = ann_and_bob(dir.path(), JitsiSettings::default()).await;
    let call = bob
        .initiate_call(ann_id, CallType::Video)
        .await
        .expect("a video call");
    let room = ann.video_room(call.id).await.expect("the room");
    assert!(!room.with_token);
    assert_eq!(room.url, format!("https://meet.jit.si/{}", call.room_name));
    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");

    let dir = tempfile::tempdir().expect("tempdir");
    let broken = JitsiSettings {
        app_id: Some(APP_ID.into()),
        kid: Some(format!("{APP_ID}/4f4910")),
        api_key: Some("neither PEM nor base64".into()),
        domain: None,
    };
    let (server, ann, bob, ann_id) = ann_and_bob(dir.path(), broken).await;
    let call = bob
        .initiate_call(ann_id, CallType::Video)
        .await
        .expect("calls work without video rooms");
    match ann.video_room(call.id).await {
        Err(AppError::Client(e)) => {
            assert!(e.to_string().contains("Video rooms are unavailable"), "{e}")
        }
        other => panic!("expected the server's sentence, got {other:?}"),
    }
    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");
}
