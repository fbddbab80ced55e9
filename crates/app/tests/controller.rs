//! The controller against a real server: the directory comes from the engine's events,
//! so presence, rings and call links are answered from memory.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_app::{AppError, AppState, Controller, Paths, Phase, Shell};
use switchboard_client::token_store::TokenStore;
use switchboard_client::{Api, Event};
use switchboard_protocol::{CallStatus, PresenceStatus};
use switchboard_server::{Server, ServerConfig};

const PASSWORD: &str = "password123";

/// Records what the shell is told.
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

impl Recorder {
    /// Waits for an event `matches` accepts (the engine's socket is real: allow it time).
    async fn wait_for(&self, what: &str, matches: impl Fn(&Event) -> bool) {
        for _ in 0..200 {
            if self.events.lock().is_ok_and(|e| e.iter().any(&matches)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no {what} event reached the shell");
    }
}

fn presence_of(user_id: i64, status: PresenceStatus) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Presence { user_id: u, status: s, .. } if *u == user_id && *s == status)
}

#[tokio::test]
async fn presence_rings_and_links_are_answered_from_the_event_built_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::bind(
        "127.0.0.1:0".parse().expect("addr"),
        ServerConfig::new(dir.path().join("server")),
    )
    .await
    .expect("server");
    server
        .accounts()
        .seed(&["ann", "bob"], PASSWORD)
        .await
        .expect("accounts");
    let recorder = Arc::new(Recorder::default());
    let paths = Paths {
        settings_file: dir.path().join("settings.json"),
        data_dir: dir.path().join("app"),
    };
    // A keyring of its own; where the machine has none, sign-in still works (and says so).
    let tokens = TokenStore::with_service("switchboard-app-test");
    let ann = Controller::new(paths, tokens, recorder.clone());

    assert_eq!(ann.app_state().await.phase, Phase::FirstRun);
    assert!(matches!(
        ann.call_username("bob").await,
        Err(AppError::NotSignedIn)
    ));

    let state = ann
        .sign_in(server.url(), "ann".into(), PASSWORD.into())
        .await
        .expect("ann signs in");
    assert_eq!(state.phase, Phase::SignedIn);
    let bob_id = state
        .users
        .iter()
        .find(|u| u.username == "bob")
        .map(|u| u.id)
        .expect("bob is listed at once");
    let ann_id = state.me.as_ref().map(|u| u.id).expect("me");
    recorder
        .wait_for("online connection", |e| {
            matches!(
                e,
                Event::Connection(switchboard_client::ConnectionState::Online { .. })
            )
        })
        .await;

    // Bob signs in elsewhere and goes do-not-disturb: ann's directory follows the push.
    let mut bob = Api::new(&server.url()).expect("api");
    bob.login("bob", PASSWORD).await.expect("bob signs in");
    bob.set_status(Some(PresenceStatus::Dnd), None, Some("in a meeting"))
        .await
        .expect("bob's status");
    recorder
        .wait_for("bob dnd", presence_of(bob_id, PresenceStatus::Dnd))
        .await;
    let state = ann.app_state().await;
    let bob_row = state.users.iter().find(|u| u.id == bob_id).expect("bob");
    assert_eq!(bob_row.presence.status, PresenceStatus::Dnd);
    assert_eq!(bob_row.presence.status_message, "in a meeting");

    // Ann's own do-not-disturb silences rings; read from the directory, not the network.
    assert!(ann.should_ring().await);
    ann.set_status(PresenceStatus::Dnd, String::new())
        .await
        .expect("ann dnd");
    assert!(
        !ann.should_ring().await,
        "my own do-not-disturb holds at once, before the push comes back"
    );
    recorder
        .wait_for("ann dnd", presence_of(ann_id, PresenceStatus::Dnd))
        .await;
    assert!(!ann.should_ring().await);
    assert_eq!(
        ann.app_state().await.my_status.map(|s| s.status),
        Some(PresenceStatus::Dnd)
    );
    ann.set_status(PresenceStatus::Online, String::new())
        .await
        .expect("ann online");
    recorder
        .wait_for("ann online", presence_of(ann_id, PresenceStatus::Online))
        .await;

    // Links: a colleague by name, in any case; a stranger is one clear sentence.
    match ann.call_username("nobody").await {
        Err(AppError::Invalid(sentence)) => assert_eq!(
            sentence,
            "There is no colleague named nobody on this server."
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    bob.set_status(Some(PresenceStatus::Online), None, None)
        .await
        .expect("bob back");
    let call = ann.call_username("BOB").await.expect("ann calls bob");
    assert_eq!((call.recipient, call.status), (bob_id, CallStatus::Pending));
    ann.hang_up().await.expect("hang up");

    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");
}
