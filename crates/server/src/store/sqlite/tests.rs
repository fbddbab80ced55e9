//! The SQLite engine's own tests: its caches, and the statement cache against every
//! statement the shared SQL runs.

use super::*;
use crate::store::{
    CallRow, HistoryQuery, LockKey, MeetingRow, Store, Tx, VideoCallRow, test_user as user,
};
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_protocol::api::{MeetingStatus, VideoCallStatus};
use switchboard_protocol::{CallStatus, CallType, PresenceState, PresenceStatus};

/// A fresh database file's path, in a directory removed when the first is dropped.
fn database_file() -> Result<(tempfile::TempDir, std::path::PathBuf), StorageError> {
    let dir = tempfile::tempdir().map_err(StorageError::backend)?;
    let path = dir.path().join("db.sqlite3");
    Ok((dir, path))
}

/// The in-memory presence cache holds committed state only, and what a file held
/// when it was opened.
#[test]
fn the_presence_cache_follows_commits_only() -> Result<(), StorageError> {
    let (_dir, path) = database_file()?;
    let store = Store::new(Arc::new(SqliteDatabase::open(&path)?));
    let id = store.write_blocking(|tx| {
        let id = user(tx, "p")?;
        let mut p = PresenceState::default();
        p.heartbeat(Utc::now());
        tx.save_presence(id, &p)?;
        Ok::<_, StorageError>(id)
    })?;
    let cached = |store: &Store| {
        store
            .presence_snapshot()
            .into_iter()
            .find(|(u, _)| *u == id)
            .map(|(_, p)| p.status)
    };
    assert_eq!(cached(&store), Some(PresenceStatus::Online));
    let failed: Result<(), StorageError> = store.write_blocking(|tx| {
        let mut p = tx.presence(id)?;
        p.status = PresenceStatus::Dnd;
        tx.save_presence(id, &p)?;
        Err(StorageError::Conflict("roll back".into()))
    });
    assert!(failed.is_err());
    assert_eq!(
        cached(&store),
        Some(PresenceStatus::Online),
        "a rolled-back save is not cached"
    );
    drop(store);
    let reopened = Store::new(Arc::new(SqliteDatabase::open(&path)?));
    assert_eq!(
        cached(&reopened),
        Some(PresenceStatus::Online),
        "loaded at open"
    );
    Ok(())
}

/// Transactions read presence from the cache, not the table: what the transaction saved
/// itself comes first, and what another process committed (`user add` makes the new
/// account's row) is read again before the next transaction looks.
#[test]
fn presence_reads_see_own_saves_and_another_process_commits() -> Result<(), StorageError> {
    let (_dir, path) = database_file()?;
    let server = Store::new(Arc::new(SqliteDatabase::open(&path)?));
    let (id, inside) = server.write_blocking(|tx| {
        let id = user(tx, "p")?;
        let away = PresenceState {
            status: PresenceStatus::Away,
            ..PresenceState::default()
        };
        tx.save_presence(id, &away)?;
        Ok::<_, StorageError>((id, tx.presence(id)?.status))
    })?;
    assert_eq!(inside, PresenceStatus::Away, "the transaction's own save");
    // Another process on the same file (a second connection, as `switchboard-server user
    // add` would be) saves presence the server's cache has never seen.
    let other = Store::new(Arc::new(SqliteDatabase::open(&path)?));
    let newcomer = other.write_blocking(|tx| {
        let id = user(tx, "q")?;
        let busy_elsewhere = PresenceState {
            status: PresenceStatus::Dnd,
            open_sockets: 3,
            ..PresenceState::default()
        };
        tx.save_presence(id, &busy_elsewhere)?;
        let mut p = tx.presence(id)?;
        p.status_message = "elsewhere".into();
        tx.save_presence(id, &p)?;
        Ok::<_, StorageError>(id)
    })?;
    let (seen, own) = server.write_blocking(|tx| {
        Ok::<_, StorageError>((tx.presence(newcomer)?, tx.presence(id)?.status))
    })?;
    assert_eq!(seen.status, PresenceStatus::Dnd, "another process's commit");
    assert_eq!(
        (seen.open_sockets, seen.status_message.as_str()),
        (3, "elsewhere")
    );
    assert_eq!(own, PresenceStatus::Away);
    let nobody = server.write_blocking(|tx| tx.presence(newcomer + 100))?;
    assert_eq!(nobody, PresenceState::default(), "no row: the default");
    Ok(())
}

/// Records each distinct statement the shared SQL runs.
struct Recording<'a> {
    inner: SqliteConn<'a>,
    seen: &'a mut BTreeSet<&'static str>,
}

impl Conn for Recording<'_> {
    fn execute(&mut self, sql: &'static str, params: &[Value<'_>]) -> Result<u64, SqlError> {
        self.seen.insert(sql);
        self.inner.execute(sql, params)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<(), SqlError> {
        self.seen.insert(sql);
        self.inner.query(sql, params, each)
    }

    fn batch(&mut self, sql: &'static str) -> Result<(), SqlError> {
        self.inner.batch(sql)
    }

    fn lock(&mut self, keys: &[i64]) -> Result<(), SqlError> {
        self.inner.lock(keys)
    }
}

/// Calls every `Tx` method, refusals included. `run` names this run's users and keys, so
/// a second run in the same transaction binds other values.
fn every_method(tx: &mut dyn Tx, run: &str) -> Result<(), StorageError> {
    let now = Utc::now();
    let (a, b) = (user(tx, &format!("a{run}"))?, user(tx, &format!("b{run}"))?);
    tx.lock(&[LockKey::User(b), LockKey::Call(1), LockKey::User(a)])?;
    assert!(matches!(
        user(tx, &format!("A{run}")),
        Err(StorageError::Conflict(_))
    ));
    tx.user(a)?;
    tx.user_by_login(&format!("a{run}"))?;
    tx.users()?;
    tx.set_password_hash(a, "y")?;
    let mut p = tx.presence(a)?;
    p.heartbeat(now);
    tx.save_presence(a, &p)?;
    // A row that exists, changed in its liveness only: the short update.
    p.open_sockets += 1;
    tx.save_presence(a, &p)?;
    tx.all_presence()?;
    tx.presence_with_open_sockets()?;
    let mut call = CallRow {
        id: 0,
        session_id: uuid::Uuid::new_v4(),
        room_name: format!("r{run}"),
        call_type: CallType::Audio,
        status: CallStatus::Pending,
        initiator_id: a,
        recipient_id: b,
        started_at: None,
        ended_at: None,
        created_at: now,
        regarding: Some(switchboard_protocol::crm::Regarding {
            kind: "deal".into(),
            id: "4711".into(),
            label: "ACME".into(),
            url: None,
        }),
        decline_message: None,
        on_hold_by: None,
        held_since: None,
        hold_seconds: 0,
        transferred_from: None,
        escalated_to_meeting: None,
    };
    call.id = tx.insert_call(&call)?;
    assert!(matches!(
        tx.insert_call(&call),
        Err(StorageError::Conflict(_))
    ));
    tx.call(call.id)?;
    tx.live_call_of(a)?;
    tx.live_calls()?;
    call.status = CallStatus::Completed;
    tx.update_call(&call)?;
    // With no call live, the lookup's second statement runs too.
    assert!(tx.live_call_of(a)?.is_none());
    tx.save_call_log(
        call.id,
        &switchboard_protocol::crm::CallLog {
            author: a,
            outcome: Some("Resolved".into()),
            note: Some("100% done_".into()),
            created_at: now,
            updated_at: now,
        },
    )?;
    assert_eq!(tx.call_logs(call.id)?.len(), 1);
    let about = HistoryQuery {
        user_id: a,
        status: Some(CallStatus::Completed),
        regarding: Some(("deal".into(), "4711".into())),
        outcome: Some("Resolved".into()),
        note_text: Some("0% DONE_".into()),
        offset: 0,
        limit: 10,
    };
    assert_eq!(tx.call_history(&about)?.0, 1);
    // % and _ in the text are themselves, not wildcards.
    for text in ["0%_", "1_0", "x"] {
        let query = HistoryQuery {
            note_text: Some(text.into()),
            ..about.clone()
        };
        assert_eq!(tx.call_history(&query)?.0, 0, "{text}");
    }
    let mut meeting = MeetingRow {
        id: 0,
        title: "m".into(),
        host_id: a,
        participant_ids: vec![b],
        status: MeetingStatus::Scheduled,
        scheduled_at: None,
        created_at: now,
    };
    meeting.id = tx.insert_meeting(&meeting)?;
    tx.meeting(meeting.id)?;
    tx.meetings_of(b, 0, 10)?;
    tx.set_meeting_status(meeting.id, MeetingStatus::Ongoing)?;
    let mut video = VideoCallRow {
        id: 0,
        meeting_id: meeting.id,
        caller_id: a,
        status: VideoCallStatus::Active,
        started_at: now,
        ended_at: None,
    };
    video.id = tx.insert_video_call(&video)?;
    tx.video_call(video.id)?;
    tx.active_video_call_of_meeting(meeting.id)?;
    video.status = VideoCallStatus::Ended;
    tx.update_video_call(&video)?;
    tx.delete_meeting(meeting.id)?;
    let (jti, key, instance) = (format!("jti{run}"), format!("k{run}"), format!("i{run}"));
    tx.revoke_token(&jti, now)?;
    tx.is_token_revoked(&jti)?;
    tx.set_setting(&key, "v")?;
    tx.setting(&key)?;
    tx.renew_instance(&instance, now)?;
    tx.renew_instance(&instance, now)?;
    tx.set_socket_lease(&instance, a, 1)?;
    tx.set_socket_lease(&instance, a, 0)?;
    tx.drop_instance(&instance)?;
    tx.reclaim_leases(now)?;
    tx.reclaim_orphan_leases()?;
    Ok(())
}

/// Every statement the store runs is kept prepared: if they outnumbered the cache,
/// they would evict each other and every use would parse its SQL again.
#[test]
fn the_statement_cache_holds_every_statement() -> Result<(), StorageError> {
    let db = SqliteDatabase::in_memory()?;
    let mut conn = db
        .conn
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let tx = conn.transaction()?;
    let mut seen = BTreeSet::new();
    let mut handle = SqlTx::new(
        Recording {
            inner: SqliteConn(&tx, None),
            seen: &mut seen,
        },
        &sql::SQLITE,
    );
    // Twice: the second run binds other ids, names and keys.
    every_method(&mut handle, "1")?;
    every_method(&mut handle, "2")?;
    drop(handle);
    // Nor does SQLite plan them again when other values are bound (it would, for some,
    // without the query planner stability guarantee).
    let mut planned_again = Vec::new();
    for sql in &seen {
        let again = tx
            .prepare_cached(sql)?
            .get_status(rusqlite::StatementStatus::RePrepare);
        if again > 0 {
            planned_again.push(sql.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    assert!(
        planned_again.is_empty(),
        "SQLite prepares these again at each use: {planned_again:#?}"
    );
    assert!(
        seen.len() >= 35,
        "every method ran: {} statements",
        seen.len()
    );
    // Beside them the cache holds the engine's own six (BEGIN twice, COMMIT, ROLLBACK,
    // `data_version`, the checkpoint between commits).
    assert!(
        seen.len() + 6 <= STATEMENT_CACHE,
        "{} statements and the engine's six do not fit a cache of {STATEMENT_CACHE}; raise it",
        seen.len()
    );
    Ok(())
}

/// Under a fast stream of commits the WAL is started over again and again, so it stays
/// short. The WAL file keeps the largest size it reached, which is what is read here.
/// Before, checkpoints ran on a timer only, commits landed while they copied, and the
/// WAL never started over in this test (8.6 MB over 2,000 commits).
#[test]
fn the_wal_stays_short_under_steady_commits() -> Result<(), StorageError> {
    let (dir, path) = database_file()?;
    let store = Store::new(Arc::new(SqliteDatabase::open(&path)?));
    let ids = store.write_blocking(|tx| {
        (0..50)
            .map(|n| user(tx, &format!("w{n}")))
            .collect::<Result<Vec<_>, _>>()
    })?;
    const COMMITS: usize = 4000;
    for n in 0..COMMITS {
        store.write_blocking(|tx| {
            let id = ids[n % ids.len()];
            let mut p = tx.presence(id)?;
            p.status_message = format!("commit {n}");
            tx.save_presence(id, &p)
        })?;
        // Room for the checkpointer's thread on a busy machine.
        std::thread::sleep(Duration::from_micros(200));
    }
    // A frame is a page and its 24-byte header; each commit appends at least one.
    let frame = 4096 + 24;
    let appended = COMMITS as u64 * frame;
    let wal = std::fs::metadata(dir.path().join("db.sqlite3-wal"))
        .map_err(StorageError::backend)?
        .len();
    // The last commits before a checkpoint between commits may add a few frames each.
    let at_most = 2 * CHECKPOINT_HERE_AT_FRAMES as u64 * frame;
    assert!(
        wal <= at_most && wal < appended / 3,
        "the WAL grew to {wal} bytes (at most {at_most}) over commits that appended at least {appended}"
    );
    Ok(())
}
