//! The controller against a real server: the directory comes from the engine's events,
//! so presence, rings and call links are answered from memory.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_app::CertificateTrust;
use switchboard_app::{AppError, AppState, Controller, Paths, Phase, Shell};
use switchboard_client::token_store::TokenStore;
use switchboard_client::{Api, Event};
use switchboard_protocol::api::InitiateCall;
use switchboard_protocol::busy_lamp::NewNote;
use switchboard_protocol::callbacks::NewCallback;
use switchboard_protocol::crm::{CallOutcomes, NewCallLog, Regarding};
use switchboard_protocol::webhooks::{NewWebhook, WebhookEvent};
use switchboard_protocol::{CallAction, CallStatus, PresenceStatus};
use switchboard_server::{Server, ServerConfig, ServerTls};

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
        ann.open_call_link("bob").await,
        Err(AppError::NotSignedIn)
    ));

    let state = ann
        .sign_in(server.url(), "ann".into(), PASSWORD.into(), None)
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
    match ann.open_call_link("nobody").await {
        Err(AppError::Invalid(sentence)) => assert_eq!(
            sentence,
            "There is no colleague named nobody on this server."
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    bob.set_status(Some(PresenceStatus::Online), None, None)
        .await
        .expect("bob back");
    // A link asks first (any page can hold one): nothing is dialed until Call.
    let asked = ann.open_call_link("BOB").await.expect("the link is read");
    assert!(asked.is_none(), "no call before the user says so");
    let waiting = ann.app_state().await.link_call.expect("a question");
    assert_eq!(
        (waiting.user_id, waiting.display_name.as_str()),
        (bob_id, "Bob Example")
    );
    assert_eq!(ann.confirm_link_call(false, false).await.ok(), Some(None));
    assert!(ann.app_state().await.link_call.is_none(), "cancelled");
    assert!(
        ann.confirm_link_call(true, false).await.is_err(),
        "nothing left to confirm"
    );
    ann.open_call_link("bob").await.expect("asked again");
    let call = ann
        .confirm_link_call(true, true)
        .await
        .expect("ann calls bob")
        .expect("a call");
    assert_eq!((call.recipient, call.status), (bob_id, CallStatus::Pending));
    assert!(ann.settings().call_links_without_asking);
    ann.hang_up().await.expect("hang up");
    // Chosen once: the next link calls at once.
    let call = ann
        .open_call_link("bob")
        .await
        .expect("the link is read")
        .expect("called without asking");
    assert_eq!(call.recipient, bob_id);
    ann.hang_up().await.expect("hang up");

    // Bob calls about a deal: the ring carries the record; ann declines with a message
    // that bob's call then holds, and logs the call with one of the team's outcomes.
    let deal = Regarding {
        kind: "deal".into(),
        id: "4711".into(),
        label: "ACME renewal".into(),
        url: None,
    };
    let call = bob
        .start_call(&InitiateCall {
            recipient_id: ann_id,
            call_type: None,
            regarding: Some(deal.clone()),
        })
        .await
        .expect("bob calls ann");
    recorder
        .wait_for("the ring about the deal", |e| {
            matches!(e, Event::IncomingCall { call_id, regarding: Some(r), .. }
                if *call_id == call.id && r.label == "ACME renewal")
        })
        .await;
    let declined = ann
        .decline_call(call.id, "In a meeting, back at 3".into())
        .await
        .expect("ann declines");
    assert_eq!(declined.status, CallStatus::Rejected);
    let seen_by_bob = bob.call(call.id).await.expect("bob's view");
    assert_eq!(
        seen_by_bob.decline_message.as_deref(),
        Some("In a meeting, back at 3")
    );
    let outcomes = ann.call_outcomes().await.expect("outcomes");
    let logged = ann
        .log_call(
            call.id,
            NewCallLog {
                outcome: outcomes.outcomes.first().cloned(),
                note: Some("Call bob back about the renewal".into()),
            },
        )
        .await
        .expect("ann logs the call");
    assert_eq!(logged.logs.len(), 1);
    assert_eq!(logged.logs[0].author, ann_id);
    assert_eq!(logged.regarding.as_ref(), Some(&deal));
    let refused = ann
        .log_call(
            call.id,
            NewCallLog {
                outcome: Some("Sold".into()),
                note: None,
            },
        )
        .await
        .expect_err("an outcome the team does not have");
    assert!(
        refused
            .to_string()
            .contains("not one of the team's outcomes"),
        "{refused}"
    );

    // Ann will call bob back: a call-back from the declined call, due at once. The due
    // notice reaches her; calling back carries the deal, and bob answering completes it.
    let made = ann
        .create_callback(NewCallback {
            user_id: bob_id,
            due_in_seconds: Some(0),
            call_id: Some(call.id),
            ..NewCallback::default()
        })
        .await
        .expect("a call-back");
    assert_eq!(made.regarding.as_ref(), Some(&deal), "from the call");
    recorder
        .wait_for(
            "the call-back due",
            |e| matches!(e, Event::CallbackDue { callback } if callback.id == made.id),
        )
        .await;
    assert_eq!(ann.callbacks_due().await.expect("count"), 1);
    let back = ann.call_back(made.id).await.expect("ann calls back");
    assert_eq!(
        (back.recipient, back.regarding.as_ref()),
        (bob_id, Some(&deal))
    );
    bob.update_call(back.id, CallAction::Answer)
        .await
        .expect("bob answers");
    let listed = ann.callbacks().await.expect("the list");
    assert_eq!(listed[0].completed_by_call, Some(back.id), "{listed:?}");
    assert_eq!(ann.callbacks_due().await.expect("count"), 0);
    ann.hang_up().await.expect("hang up");
    let refused = ann
        .call_back(made.id + 100)
        .await
        .expect_err("no such call-back");
    assert!(
        refused.to_string().contains("no call-back with id"),
        "{refused}"
    );

    // Ann, the team's administrator, changes the outcomes and registers a webhook; an
    // empty list is refused before it is sent.
    let refused = ann
        .set_call_outcomes(CallOutcomes { outcomes: vec![] })
        .await
        .expect_err("an empty list");
    assert!(
        refused.to_string().starts_with("Outcomes must list"),
        "{refused}"
    );
    let set = ann
        .set_call_outcomes(CallOutcomes {
            outcomes: vec!["Sold".into(), "Lost".into()],
        })
        .await
        .expect("outcomes set");
    assert_eq!(ann.call_outcomes().await.expect("outcomes"), set);
    let hook = ann
        .create_webhook(NewWebhook {
            url: "http://127.0.0.1:9/hooks".into(),
            secret: "whsec-0123456789abcdef".into(),
            events: vec![WebhookEvent::CallLogged],
        })
        .await
        .expect("a webhook");
    assert_eq!(ann.webhooks().await.expect("webhooks"), vec![hook.clone()]);
    assert!(
        ann.webhook_deliveries(hook.id)
            .await
            .expect("log")
            .is_empty()
    );
    ann.delete_webhook(hook.id).await.expect("deleted");
    assert!(ann.webhooks().await.expect("webhooks").is_empty());

    // Bob leaves ann a note about the deal: it reaches her at once and waits in her
    // inbox. Ann cannot wait for bob while he can take calls.
    bob.send_note(&NewNote {
        user_id: ann_id,
        text: "Call me when you can".into(),
        regarding: Some(deal.clone()),
    })
    .await
    .expect("bob leaves a note");
    recorder
        .wait_for(
            "the note",
            |e| matches!(e, Event::NoteReceived { note } if note.text == "Call me when you can"),
        )
        .await;
    let inbox = ann.notes().await.expect("the inbox");
    assert_eq!(inbox[0].regarding.as_ref(), Some(&deal));
    let read = ann.mark_note_read(inbox[0].id).await.expect("read");
    assert!(read.read_at.is_some());
    let refused = ann.camp_on(bob_id).await.expect_err("bob can take calls");
    assert!(
        refused.to_string().contains("can take calls now"),
        "{refused}"
    );
    assert!(ann.camp_ons().await.expect("camp-ons").is_empty());

    // A call link from a CRM page names the deal (ann chose "call at once" above): the
    // call carries it to bob.
    let linked = ann
        .open_call_link_about("bob", Some(deal.clone()))
        .await
        .expect("the link is read")
        .expect("called at once");
    assert_eq!(linked.regarding, Some(deal));
    ann.hang_up().await.expect("hang up");

    ann.shut_down().await;
    server.shutdown().await.expect("shutdown");
}

/// A controller with its own settings file and data directory under `dir`.
fn controller(dir: &std::path::Path, name: &str, shell: Arc<Recorder>) -> Arc<Controller> {
    let paths = Paths {
        settings_file: dir.join(format!("{name}-settings.json")),
        data_dir: dir.join(format!("{name}-data")),
    };
    Controller::new(
        paths,
        TokenStore::with_service("switchboard-app-test"),
        shell,
    )
}

/// Alice hosts (HTTPS with the app's own certificate, which her own app pins); Bob's
/// app sees a certificate nobody signed, is refused until he brings the host's
/// fingerprint in an invite link, then pins it; when another certificate answers at the
/// same address, Bob's app refuses it in words.
#[tokio::test]
async fn a_teammate_pins_the_hosts_certificate_and_refuses_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alice = controller(dir.path(), "alice", Arc::default());
    let state = alice
        .host_team(
            "alice".into(),
            PASSWORD.into(),
            "Alice Martin".into(),
            Some("127.0.0.1:0".into()),
        )
        .await
        .expect("alice hosts and signs in over https");
    assert_eq!(state.phase, Phase::SignedIn);
    let host = state.hosting.expect("hosting");
    assert!(host.url.starts_with("https://127.0.0.1:"), "{}", host.url);
    assert!(
        host.fingerprint.starts_with("sha256:"),
        "{}",
        host.fingerprint
    );
    assert_eq!(host.fingerprint_grouped.split(' ').count(), 16);
    let [invite_link] = host.invite_links.as_slice() else {
        panic!("one invite link for one address: {:?}", host.invite_links)
    };
    let url = host.url.clone();
    assert_eq!(
        invite_link,
        &format!("switchboard://join?server={url}&fp={}", host.fingerprint)
    );
    alice
        .add_teammate(
            "Bob Stone".into(),
            "bob".into(),
            String::new(),
            PASSWORD.into(),
        )
        .await
        .expect("bob's account");

    let bob = controller(dir.path(), "bob", Arc::default());
    // First contact: a certificate no authority signed; its fingerprint to compare.
    let check = bob.check_server(url.clone()).await.expect("check");
    let certificate = check.certificate.expect("https");
    assert_eq!(certificate.trust, CertificateTrust::Unknown);
    assert_eq!(certificate.fingerprint, host.fingerprint);
    let refused = bob
        .sign_in(url.clone(), "bob".into(), PASSWORD.into(), None)
        .await
        .expect_err("not trusted without the fingerprint");
    assert!(refused.to_string().contains("invite link"), "{refused}");

    // The invite link fills the form; signing in with its fingerprint pins it.
    let invite = bob.open_invite(invite_link.clone()).await.expect("invite");
    assert_eq!(bob.app_state().await.invite, Some(invite.clone()));
    let wrong = bob
        .open_invite("switchboard://join?server=http://x".into())
        .await;
    assert!(
        wrong
            .expect_err("not an invite")
            .to_string()
            .contains("not a Switchboard invite link")
    );
    let state = bob
        .sign_in(
            invite.server.clone(),
            "bob".into(),
            PASSWORD.into(),
            Some(invite.fingerprint.clone()),
        )
        .await
        .expect("bob signs in with the pinned certificate");
    assert_eq!(state.phase, Phase::SignedIn);
    assert_eq!(state.invite, None, "the invite is used");
    let check = bob.check_server(url.clone()).await.expect("check");
    assert_eq!(
        check.certificate.expect("https").trust,
        CertificateTrust::Pinned
    );
    bob.sign_out().await.expect("sign out");

    // Another certificate at the same address (someone standing in for the host).
    let addr: std::net::SocketAddr = url.trim_start_matches("https://").parse().expect("addr");
    alice.shut_down().await;
    let mut config = ServerConfig::new(dir.path().join("impostor"));
    config.tls = ServerTls::Own;
    let impostor = Server::bind(addr, config).await.expect("the same address");
    let check = bob.check_server(url.clone()).await.expect("check");
    assert_eq!(
        check.certificate.expect("https").trust,
        CertificateTrust::Changed {
            pinned: host.fingerprint.clone()
        }
    );
    let refused = bob
        .sign_in(url.clone(), "bob".into(), PASSWORD.into(), None)
        .await
        .expect_err("another certificate is refused");
    let said = refused.to_string();
    assert!(
        said.contains("standing in for the server") && said.contains(&host.fingerprint),
        "{said}"
    );
    impostor.shutdown().await.expect("shutdown");
}

/// Alice hosts and invites Bob with a one-time code: Bob's app opens the link and makes
/// his own account (Alice never types his password). Bob changes his password and his
/// app carries on signed in; when Alice disables him, his app hears it at once.
#[tokio::test]
async fn a_teammate_joins_with_a_one_time_invite_and_can_be_cut_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alice = controller(dir.path(), "alice", Arc::default());
    alice
        .host_team(
            "alice".into(),
            PASSWORD.into(),
            "Alice Martin".into(),
            Some("127.0.0.1:0".into()),
        )
        .await
        .expect("alice hosts");
    let made = alice.create_invite(Some(24)).await.expect("an invite");
    let [link] = made.links.as_slice() else {
        panic!("one link for one address: {:?}", made.links)
    };
    assert!(link.ends_with(&format!("&code={}", made.code)), "{link}");

    let bob_shell = Arc::new(Recorder::default());
    let bob = controller(dir.path(), "bob", bob_shell.clone());
    let invite = bob.open_invite(link.clone()).await.expect("the link reads");
    assert_eq!(invite.code.as_deref(), Some(made.code.as_str()));
    let join = |username: &str, password: &str| switchboard_app::JoinRequest {
        server_url: invite.server.clone(),
        fingerprint: Some(invite.fingerprint.clone()),
        code: made.code.clone(),
        username: username.into(),
        full_name: "Bob Stone".into(),
        email: String::new(),
        password: password.into(),
    };
    let taken = bob
        .join_team(join("alice", "bobs own secret"))
        .await
        .expect_err("alice's name is taken");
    assert!(taken.to_string().contains("already taken"), "{taken}");
    assert!(
        bob.app_state().await.invite.is_some(),
        "the form keeps its invite"
    );
    let state = bob
        .join_team(join("bob", "bobs own secret"))
        .await
        .expect("bob makes his account");
    assert_eq!(state.phase, Phase::SignedIn);
    let me = state.me.expect("me");
    assert_eq!((me.username.as_str(), me.is_admin), ("bob", false));
    let again = controller(dir.path(), "bob-again", Arc::default())
        .join_team(join("bobby", "bobs own secret"))
        .await
        .expect_err("a code works once");
    assert!(again.to_string().contains("used already"), "{again}");
    let invites = alice.invites().await.expect("invites");
    assert_eq!(invites[0].used_by, Some(me.id));
    assert!(
        bob.create_invite(None)
            .await
            .expect_err("not an admin")
            .to_string()
            .contains("Only an administrator")
    );

    // A new password: this app goes on with the new token.
    let wrong = bob
        .change_password("not it".into(), "bobs newer secret".into())
        .await
        .expect_err("the current password is checked");
    assert!(
        wrong.to_string().contains("current password is wrong"),
        "{wrong}"
    );
    let state = bob
        .change_password("bobs own secret".into(), "bobs newer secret".into())
        .await
        .expect("changed");
    assert_eq!(state.phase, Phase::SignedIn);
    bob.set_status(PresenceStatus::Away, "lunch".into())
        .await
        .expect("the new token works");

    // Alice disables Bob: his app is told at once, in words.
    bob_shell
        .wait_for("online", |e| {
            matches!(
                e,
                Event::Connection(switchboard_client::ConnectionState::Online { .. })
            )
        })
        .await;
    let cut = alice
        .set_account_active(me.id, false)
        .await
        .expect("disabled");
    assert!(!cut.is_active);
    assert!(
        alice
            .app_state()
            .await
            .users
            .iter()
            .any(|u| u.id == me.id && !u.is_active)
    );
    bob_shell
        .wait_for("offline", |e| {
            matches!(e, Event::Connection(switchboard_client::ConnectionState::Offline { reason })
                if reason.contains("disabled"))
        })
        .await;
    let refused = bob
        .sign_in(
            invite.server.clone(),
            "bob".into(),
            "bobs newer secret".into(),
            None,
        )
        .await
        .expect_err("a disabled account cannot sign in");
    assert!(refused.to_string().contains("disabled"), "{refused}");
    alice.delete_account(me.id).await.expect("deleted");
    assert!(alice.app_state().await.users.iter().all(|u| u.id != me.id));
    alice.shut_down().await;
}
