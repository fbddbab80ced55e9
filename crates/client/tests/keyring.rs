//! Tokens in the real Secret Service. Needs a session bus with an unlocked keyring, so it
//! is ignored by default; `scripts/test` runs it inside `dbus-run-session` with
//! `gnome-keyring-daemon --unlock` and then checks with `secret-tool` that the entry exists.

use switchboard_client::token_store::TokenStore;

#[test]
#[ignore = "needs a Secret Service: run by scripts/test inside dbus-run-session"]
fn tokens_round_trip_through_the_secret_service() {
    let store = TokenStore::with_service("switchboard-keyring-test");
    let server = "http://127.0.0.1:8000";
    store.forget(server, "default").expect("forget before");
    assert_eq!(store.load(server, "default").expect("load"), None);

    store
        .save(server, "default", "token-for-default")
        .expect("save");
    store
        .save(server, "work", "token-for-work")
        .expect("save second profile");
    store
        .save("http://other:8000/", "default", "token-for-other")
        .expect("save other server");
    assert_eq!(
        store.load(server, "default").expect("load").as_deref(),
        Some("token-for-default")
    );
    assert_eq!(
        store.load(server, "work").expect("load").as_deref(),
        Some("token-for-work")
    );
    assert_eq!(
        store
            .load("http://other:8000", "default")
            .expect("load")
            .as_deref(),
        Some("token-for-other")
    );

    store.forget(server, "work").expect("forget");
    assert_eq!(store.load(server, "work").expect("load"), None);
    store
        .forget(server, "work")
        .expect("forgetting twice is fine");
    // Left in place for the script to find with secret-tool: the default profile's entry.
}
