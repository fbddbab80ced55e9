//! The storage engines' shared contract, run against SQLite and (with
//! SWITCHBOARD_TEST_DATABASE_URL, see tests/with-postgres.sh) PostgreSQL: transactions are
//! atomic, every presence field round-trips, and the schema itself refuses a second live
//! call for a user, even when two server instances race.

use crate::common::fresh_database;
use chrono::{DateTime, Utc};
use switchboard_protocol::{CallStatus, CallType, PresenceState, PresenceStatus};
use switchboard_server::ServerConfig;
use switchboard_server::server::open_store;
use switchboard_server::store::{CallRow, NewUser, StorageError, Store, Tx};
use uuid::Uuid;

/// An empty store on the engine under test (and the temp dir SQLite lives in).
fn empty_store() -> (Store, ServerConfig, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.database = fresh_database();
    let store = open_store(&config).expect("open store");
    (store, config, dir)
}

fn user(tx: &mut dyn Tx, name: &str) -> Result<i64, StorageError> {
    let new = NewUser {
        username: name.into(),
        email: String::new(),
        full_name: String::new(),
        password_hash: "x".into(),
        is_admin: false,
    };
    tx.insert_user(&new, Utc::now())
}

fn call(initiator_id: i64, recipient_id: i64, room: &str) -> CallRow {
    CallRow {
        id: 0,
        session_id: Uuid::new_v4(),
        room_name: room.into(),
        call_type: CallType::Audio,
        status: CallStatus::Pending,
        initiator_id,
        recipient_id,
        started_at: None,
        ended_at: None,
        created_at: Utc::now(),
        regarding: None,
        decline_message: None,
        on_hold_by: None,
        held_since: None,
        hold_seconds: 0,
        transferred_from: None,
        escalated_to_meeting: None,
    }
}

/// Even with the domain's checks bypassed, the schema refuses a second live call for a
/// user, the transaction carries on after the refusal, and a final status frees both.
#[test]
fn the_database_refuses_a_second_live_call_per_user() -> Result<(), StorageError> {
    let (store, _config, _dir) = empty_store();
    store.write_blocking(|tx| {
        let (a, b, c) = (user(tx, "a")?, user(tx, "b")?, user(tx, "c")?);
        let mut first = call(a, b, "r1");
        first.id = tx.insert_call(&first)?;
        for (x, y, room) in [(c, b, "r2"), (a, c, "r3"), (b, a, "r4")] {
            match tx.insert_call(&call(x, y, room)) {
                Err(StorageError::Conflict(_)) => {}
                other => panic!("{x}->{y} should conflict, got {other:?}"),
            }
        }
        first.status = CallStatus::Rejected;
        tx.update_call(&first)?;
        assert_eq!(tx.live_call_of(a)?, None);
        tx.insert_call(&call(c, b, "r5"))?;
        assert_eq!(tx.live_calls()?.len(), 1);
        Ok(())
    })
}

/// Two instances (two stores on one database) put the same callee in two calls at the
/// same moment: exactly one call is stored.
#[test]
fn two_instances_racing_for_one_callee_store_one_call() -> Result<(), StorageError> {
    let (first, config, _dir) = empty_store();
    let second = open_store(&config).expect("a second instance opens the same database");
    let (a, b, c) = first.write_blocking(|tx| {
        Ok::<_, StorageError>((user(tx, "a")?, user(tx, "b")?, user(tx, "c")?))
    })?;
    for round in 0..20 {
        let barrier = std::sync::Barrier::new(2);
        let attempt = |store: &Store, caller: i64, room: String| {
            barrier.wait();
            store.write_blocking(|tx| tx.insert_call(&call(caller, b, &room)))
        };
        let (one, two) = std::thread::scope(|s| {
            let one = s.spawn(|| attempt(&first, a, format!("x{round}")));
            let two = s.spawn(|| attempt(&second, c, format!("y{round}")));
            (one.join().expect("thread"), two.join().expect("thread"))
        });
        let won: Vec<i64> = [one, two].into_iter().filter_map(Result::ok).collect();
        assert_eq!(won.len(), 1, "round {round}: exactly one call for b");
        // Free b for the next round.
        first.write_blocking(|tx| {
            let mut live = tx.live_call_of(b)?.expect("b's call");
            live.status = CallStatus::Cancelled;
            tx.update_call(&live)
        })?;
    }
    Ok(())
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() -> Result<(), StorageError> {
    let (store, _config, _dir) = empty_store();
    let result: Result<(), StorageError> = store.write_blocking(|tx| {
        user(tx, "ghost")?;
        Err(StorageError::Conflict("abort".into()))
    });
    assert!(result.is_err());
    let found = store.write_blocking(|tx| tx.user_by_login("ghost"))?;
    assert!(found.is_none(), "the insert was rolled back");
    Ok(())
}

#[test]
fn usernames_are_unique_whatever_their_case_and_logins_ignore_case() -> Result<(), StorageError> {
    let (store, _config, _dir) = empty_store();
    store.write_blocking(|tx| {
        user(tx, "Dana")?;
        match user(tx, "dana") {
            Err(StorageError::Conflict(message)) => assert!(message.contains("taken"), "{message}"),
            other => panic!("a second dana should conflict, got {other:?}"),
        }
        // The refusal did not break the transaction.
        assert_eq!(
            tx.user_by_login("DANA")?.map(|u| u.info.username),
            Some("Dana".into())
        );
        Ok(())
    })
}

#[test]
fn presence_round_trips_every_field_and_reaches_the_cache() -> Result<(), StorageError> {
    let (store, _config, _dir) = empty_store();
    let state = PresenceState {
        status: PresenceStatus::Busy,
        available_for_calls: false,
        status_message: "on a call".into(),
        last_seen: DateTime::from_timestamp_micros(1_700_000_000_123_456),
        current_call: Some(7),
        status_before_call: Some(PresenceStatus::Away),
        open_sockets: 2,
    };
    let id = store.write_blocking(|tx| {
        let id = user(tx, "p")?;
        assert_eq!(tx.presence(id)?, PresenceState::default());
        tx.save_presence(id, &state)?;
        assert_eq!(tx.presence(id)?, state);
        assert_eq!(tx.all_presence()?, vec![(id, state.clone())]);
        Ok::<_, StorageError>(id)
    })?;
    assert_eq!(store.presence_snapshot(), vec![(id, state.clone())]);
    // A later save that changes only status, last seen and sockets (a heartbeat, a
    // socket closing) writes those and keeps the rest, in the file as in the cache.
    let mut later = state;
    later.status = PresenceStatus::Online;
    later.last_seen = DateTime::from_timestamp_micros(1_700_000_100_000_001);
    later.open_sockets = 0;
    store.write_blocking(|tx| tx.save_presence(id, &later))?;
    let stored = store.write_blocking(|tx| tx.all_presence())?;
    assert_eq!(stored, vec![(id, later.clone())]);
    assert_eq!(store.presence_snapshot(), vec![(id, later)]);
    Ok(())
}

/// Timestamps keep microseconds; history pages newest first and filters by status.
#[test]
fn call_history_pages_newest_first() -> Result<(), StorageError> {
    let (store, _config, _dir) = empty_store();
    store.write_blocking(|tx| {
        let (a, b) = (user(tx, "a")?, user(tx, "b")?);
        let start = DateTime::from_timestamp_micros(1_700_000_000_000_001).expect("time");
        for n in 0..5 {
            let mut c = call(a, b, &format!("h{n}"));
            c.created_at = start + chrono::Duration::seconds(n);
            c.id = tx.insert_call(&c)?;
            c.status = if n % 2 == 0 {
                CallStatus::Completed
            } else {
                CallStatus::Missed
            };
            tx.update_call(&c)?;
        }
        let query = switchboard_server::store::HistoryQuery {
            user_id: b,
            offset: 0,
            limit: 2,
            ..Default::default()
        };
        let (count, page) = tx.call_history(&query)?;
        assert_eq!(count, 5);
        assert_eq!(
            page.iter()
                .map(|c| c.room_name.as_str())
                .collect::<Vec<_>>(),
            ["h4", "h3"]
        );
        assert_eq!(page[0].created_at, start + chrono::Duration::seconds(4));
        let missed = switchboard_server::store::HistoryQuery {
            status: Some(CallStatus::Missed),
            ..query
        };
        assert_eq!(tx.call_history(&missed)?.0, 2);
        Ok(())
    })
}

/// Socket leases: a user's sockets are summed over instances, an instance that stops
/// renewing loses its leases (and only its own) once its registration lapses, and it
/// learns it was reclaimed when it renews again.
#[test]
fn socket_leases_sum_over_instances_and_lapse_with_their_instance() -> Result<(), StorageError> {
    let (store, _config, _dir) = empty_store();
    let now = Utc::now();
    let later = now + chrono::Duration::seconds(15);
    store.write_blocking(|tx| {
        let (a, b) = (user(tx, "a")?, user(tx, "b")?);
        assert!(
            !tx.renew_instance("one", later)?,
            "new instances were not registered"
        );
        assert!(!tx.renew_instance("two", now + chrono::Duration::seconds(1))?);
        assert!(
            tx.renew_instance("one", later)?,
            "a renewal finds its registration"
        );
        assert_eq!(tx.set_socket_lease("one", a, 2)?, 2);
        assert_eq!(tx.set_socket_lease("two", a, 1)?, 3);
        assert_eq!(tx.set_socket_lease("two", b, 1)?, 1);
        assert_eq!(tx.set_socket_lease("one", a, 1)?, 2, "counts are absolute");

        assert_eq!(tx.reclaim_leases(now)?, vec![], "nothing has lapsed yet");
        let lapsed = tx.reclaim_leases(now + chrono::Duration::seconds(2))?;
        assert_eq!(lapsed, vec![(a, 1), (b, 0)], "two's sockets go, one's stay");
        assert_eq!(tx.set_socket_lease("one", a, 0)?, 0, "0 ends the lease");
        assert!(
            !tx.renew_instance("two", later)?,
            "a reclaimed instance is told so"
        );

        // A lease written by an instance that is not registered (dropped, or lapsed and
        // stopped for good after writing): a reclaim of lapsed instances does not see it,
        // the sweep for orphans ends it.
        tx.drop_instance("two")?;
        assert_eq!(tx.set_socket_lease("two", b, 1)?, 1);
        assert_eq!(
            tx.reclaim_leases(later)?,
            vec![],
            "one is registered till later"
        );
        assert_eq!(tx.reclaim_orphan_leases()?, vec![(b, 0)]);
        assert_eq!(tx.reclaim_orphan_leases()?, vec![], "once");
        Ok(())
    })
}

/// PostgreSQL restarted (or an idle timeout closed the pool's connections): the next
/// transactions run on fresh connections instead of failing once per stale one.
#[test]
#[ignore = "needs PostgreSQL (SQLite has no connections to lose): run by tests/server-on-postgres.sh"]
fn transactions_survive_the_database_closing_idle_connections() -> Result<(), StorageError> {
    let (store, config, _dir) = empty_store();
    let url = config
        .database
        .clone()
        .expect("a PostgreSQL database: run this through tests/server-on-postgres.sh");
    // Several pooled connections, all idle afterwards.
    std::thread::scope(|scope| {
        for i in 0..4 {
            let store = &store;
            scope.spawn(move || store.write_blocking(|tx| user(tx, &format!("u{i}")).map(drop)));
        }
    });
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let closed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .expect("close the store's connections")
        .len();
    assert!(closed >= 1, "the store held no connection to close");
    for i in 0..3 {
        store.write_blocking(|tx| user(tx, &format!("after{i}")).map(drop))?;
        store.write_blocking(|tx| tx.users().map(drop))?;
    }
    Ok(())
}

/// Connections to PostgreSQL are encrypted as the URL's `sslmode` says, and with
/// `verify-full` only to a server whose certificate the given authority signed for its
/// address. The test database serves TLS with such a certificate (tests/with-postgres.sh).
#[test]
#[ignore = "needs PostgreSQL: run by tests/server-on-postgres.sh"]
fn postgres_connections_are_encrypted_as_sslmode_says() {
    let url = std::env::var("SWITCHBOARD_TEST_DATABASE_URL").expect("a test database");
    let ca = std::env::var("SWITCHBOARD_TEST_DATABASE_CA").expect("the database's authority");
    let encrypted = |url: String| -> Result<bool, String> {
        std::thread::spawn(move || {
            let (config, tls) =
                switchboard_server::store::connection_config(&url).map_err(|e| e.to_string())?;
            let mut client = config.connect(tls).map_err(|e| format!("{e:?}"))?;
            let row = client
                .query_one(
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )
                .map_err(|e| e.to_string())?;
            Ok(row.get::<_, bool>(0))
        })
        .join()
        .expect("connect")
    };
    assert_eq!(encrypted(format!("{url}?sslmode=disable")), Ok(false));
    assert_eq!(encrypted(format!("{url}?sslmode=require")), Ok(true));
    assert_eq!(
        encrypted(url.clone()),
        Ok(true),
        "prefer, as libpq, is the default"
    );
    assert_eq!(
        encrypted(format!("{url}?sslmode=verify-full&sslrootcert={ca}")),
        Ok(true)
    );
    // Without the database's authority, its certificate is nobody's this computer knows.
    let refused = encrypted(format!("{url}?sslmode=verify-full")).expect_err("refused");
    assert!(refused.contains("UnknownIssuer"), "{refused}");
    // A mode libpq does not have is named.
    let e = switchboard_server::store::connection_config(&format!("{url}?sslmode=sometimes"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("sslmode=sometimes is not one of disable, prefer, require"),
        "{e}"
    );
}
