//! Storage: a [`Tx`] trait of per-transaction primitives with one implementation per
//! database engine, and [`Store`], which runs domain code inside one transaction.
//!
//! Domain rules (who may call whom, what a call's end does to presence) are written once,
//! as synchronous code over `&mut dyn Tx`, and always run atomically: the engine only
//! supplies reads and writes.

mod lock_key;
mod postgres;
mod presence_cache;
mod sql;
mod sqlite;

pub use lock_key::LockKey;
pub use presence_cache::{CommitHook, PresenceCache};

pub use postgres::{PostgresDatabase, connection_config};
pub use sqlite::SqliteDatabase;

use chrono::{DateTime, Utc};
use std::sync::Arc;
use switchboard_protocol::api::{MeetingStatus, UserInfo, VideoCallStatus};
use switchboard_protocol::crm::{CallLog, Regarding};
use switchboard_protocol::webhooks::{WebhookDelivery, WebhookEvent};
use switchboard_protocol::{CallStatus, CallType, PresenceState};
use uuid::Uuid;

/// Why the database did not do what was asked. Refusals of the rules themselves are
/// `domain::DomainError`s; this is only what storage says.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique constraint refused the row; the sentence says which (for the user).
    #[error("{0}")]
    Conflict(String),
    /// The engine failed; the text is for logs, not for users.
    #[error("database error: {0}")]
    Backend(String),
    /// The transaction's body failed and the transaction was rolled back; the body's own
    /// error is what `Store::write`/`read` return. Engines never report this otherwise.
    #[error("the transaction was rolled back")]
    RolledBack,
}

impl StorageError {
    pub fn backend(err: impl std::fmt::Display) -> Self {
        StorageError::Backend(err.to_string())
    }

    /// The engines' shared words for what their unique constraints refuse.
    fn in_another_call(user_id: i64) -> Self {
        StorageError::Conflict(format!("User {user_id} is already in another call."))
    }

    fn room_taken() -> Self {
        StorageError::Conflict("A call with this room name already exists; try again.".into())
    }

    fn account_taken(user: &NewUser, username_taken: bool) -> Self {
        StorageError::Conflict(if username_taken {
            format!("The username {} is already taken.", user.username)
        } else {
            format!("Another account already uses the email {}.", user.email)
        })
    }
}

/// A user row, with the password hash that never leaves the server.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub info: UserInfo,
    pub password_hash: String,
    pub state: AccountState,
    /// Tokens issued in an earlier epoch are refused (see [`Tx::bump_token_epoch`]).
    pub token_epoch: i64,
}

/// Whether an account may be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccountState {
    #[default]
    Active,
    /// An administrator cut it off: it cannot sign in and its tokens are refused.
    Disabled,
    /// Kept for the call history only; its username and email are free again.
    Deleted,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Active => "active",
            AccountState::Disabled => "disabled",
            AccountState::Deleted => "deleted",
        }
    }
}

impl std::str::FromStr for AccountState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "active" => Ok(AccountState::Active),
            "disabled" => Ok(AccountState::Disabled),
            "deleted" => Ok(AccountState::Deleted),
            other => Err(format!("unknown account state {other:?}")),
        }
    }
}

/// What a token's holder is, beyond its signature and expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenStanding {
    /// Signed out with this very token.
    pub revoked: bool,
    /// The account's state and token epoch; `None` when there is no such user.
    pub account: Option<(AccountState, i64)>,
}

/// An invite row; the code itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRow {
    pub id: i64,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_by: Option<i64>,
    pub revoked: bool,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub password_hash: String,
    pub is_admin: bool,
}

/// For unit tests: a plain account named `name` (password hash "x").
#[cfg(test)]
pub(crate) fn test_user(tx: &mut dyn Tx, name: &str) -> Result<i64, StorageError> {
    let new = NewUser {
        username: name.into(),
        email: String::new(),
        full_name: String::new(),
        password_hash: "x".into(),
        is_admin: false,
    };
    tx.insert_user(&new, chrono::Utc::now())
}

/// A call row as stored; see `domain::calls` for the API shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRow {
    pub id: i64,
    pub session_id: Uuid,
    pub room_name: String,
    pub call_type: CallType,
    pub status: CallStatus,
    pub initiator_id: i64,
    pub recipient_id: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The CRM record the call is about.
    pub regarding: Option<Regarding>,
    /// The callee's message with a decline.
    pub decline_message: Option<String>,
    /// Who holds the active call, since when, and the seconds of holds already over.
    pub on_hold_by: Option<i64>,
    pub held_since: Option<DateTime<Utc>>,
    pub hold_seconds: i64,
    /// The call this one was transferred from.
    pub transferred_from: Option<i64>,
    /// The meeting this call grew into when a participant added someone.
    pub escalated_to_meeting: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct MeetingRow {
    pub id: i64,
    pub title: String,
    pub host_id: i64,
    pub participant_ids: Vec<i64>,
    pub status: MeetingStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct VideoCallRow {
    pub id: i64,
    pub meeting_id: i64,
    pub caller_id: i64,
    pub status: VideoCallStatus,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Which calls a history query returns.
#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    pub user_id: i64,
    pub status: Option<CallStatus>,
    /// Only calls about this record: (type, id).
    pub regarding: Option<(String, String)>,
    /// Only calls a participant logged with this outcome.
    pub outcome: Option<String>,
    /// Only calls whose notes contain this text (case-insensitively for ASCII).
    pub note_text: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// A webhook endpoint as stored, with the secret deliveries are signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub events: Vec<WebhookEvent>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// A delivery the worker may send, with its endpoint's address and key.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub event: WebhookEvent,
    pub event_id: Uuid,
    /// The JSON body, as written with the change it reports.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The endpoint answered 2xx.
    Delivered { status: u16 },
    /// It did not; try again at `at`.
    Retry {
        at: DateTime<Utc>,
        status: Option<u16>,
        error: String,
    },
    /// It did not, and the delivery's deadline has passed.
    GaveUp { status: Option<u16>, error: String },
}

/// A call-back as stored: `owner_id` is to call `user_id` back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackRow {
    pub id: i64,
    pub owner_id: i64,
    pub user_id: i64,
    pub due_at: DateTime<Utc>,
    pub regarding: Option<Regarding>,
    pub note: Option<String>,
    pub call_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When its due notification went out (cleared by a snooze).
    pub notified_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by_call: Option<i64>,
}

/// A note as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteRow {
    pub id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub text: String,
    pub regarding: Option<Regarding>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A camp-on as stored: `watcher_id` waits for `user_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampOnRow {
    pub id: i64,
    pub watcher_id: i64,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The reads and writes one transaction can make. Implemented once per engine.
pub trait Tx {
    /// In a keyed write, waits until no other transaction holds any of `keys`, and holds
    /// them until this one ends. Everything a rule reads and then writes on is locked
    /// first: the call it changes, then the users whose calls and presence it checks.
    /// Engines with one writer at a time (SQLite) have nothing to do.
    fn lock(&mut self, keys: &[LockKey]) -> Result<(), StorageError>;

    // Users.
    fn insert_user(&mut self, user: &NewUser, now: DateTime<Utc>) -> Result<i64, StorageError>;
    fn user(&mut self, id: i64) -> Result<Option<UserRecord>, StorageError>;
    /// By username or email, case-insensitively.
    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRecord>, StorageError>;
    fn users(&mut self) -> Result<Vec<UserInfo>, StorageError>;
    /// The users with these ids, whatever their standing, in no set order; an id with no
    /// row is left out. One statement, however many ids.
    fn users_by_ids(&mut self, ids: &[i64]) -> Result<Vec<UserInfo>, StorageError>;
    /// False when there is no such user.
    fn set_password_hash(&mut self, user_id: i64, hash: &str) -> Result<bool, StorageError>;
    /// Disables or re-enables an account; false when there is no such user.
    fn set_account_state(
        &mut self,
        user_id: i64,
        state: AccountState,
    ) -> Result<bool, StorageError>;
    /// Refuses every token issued so far to the user; returns the new epoch, which new
    /// tokens carry (`None`: no such user).
    fn bump_token_epoch(&mut self, user_id: i64) -> Result<Option<i64>, StorageError>;
    /// Deletes an account but keeps its row for the call history: its username becomes
    /// `retired_name`, its email and password go, and every token is refused.
    fn retire_user(&mut self, user_id: i64, retired_name: &str) -> Result<bool, StorageError>;
    /// The revocation of `jti` and the standing of `user_id`, in one statement.
    fn token_standing(&mut self, jti: &str, user_id: i64) -> Result<TokenStanding, StorageError>;

    // Invites.
    fn insert_invite(&mut self, code_hash: &str, invite: &InviteRow) -> Result<i64, StorageError>;
    fn invite_by_code_hash(&mut self, code_hash: &str) -> Result<Option<InviteRow>, StorageError>;
    fn invite(&mut self, id: i64) -> Result<Option<InviteRow>, StorageError>;
    /// Newest first.
    fn invites(&mut self) -> Result<Vec<InviteRow>, StorageError>;
    /// Marks an open invite used by `user_id`; false when it was no longer open (used or
    /// revoked meanwhile).
    fn use_invite(&mut self, id: i64, user_id: i64) -> Result<bool, StorageError>;
    /// False when it had been used already.
    fn revoke_invite(&mut self, id: i64) -> Result<bool, StorageError>;

    // Presence. A user with no stored row has `PresenceState::default()`.
    fn presence(&mut self, user_id: i64) -> Result<PresenceState, StorageError>;
    fn save_presence(&mut self, user_id: i64, presence: &PresenceState)
    -> Result<(), StorageError>;
    fn all_presence(&mut self) -> Result<Vec<(i64, PresenceState)>, StorageError>;
    /// The rows of users counted as holding a socket (`open_sockets > 0`): what a
    /// restart or a clean stop has to end, without reading every user's row.
    fn presence_with_open_sockets(&mut self) -> Result<Vec<(i64, PresenceState)>, StorageError>;

    // Calls. `live_calls` holds one row per user in each non-final call: the database
    // itself refuses a second live call for a user unless all but one are parked (held
    // by that user: an attended transfer's consultation).
    /// Inserts the call and claims both users; `Conflict` if either is already claimed.
    fn insert_call(&mut self, call: &CallRow) -> Result<i64, StorageError>;
    fn call(&mut self, id: i64) -> Result<Option<CallRow>, StorageError>;
    /// Saves status and timestamps; releases both users when the status is final.
    fn update_call(&mut self, call: &CallRow) -> Result<(), StorageError>;
    /// The participants' logs of a call, oldest first.
    fn call_logs(&mut self, call_id: i64) -> Result<Vec<CallLog>, StorageError>;
    /// Writes `author`'s log of a call, replacing theirs (its `created_at` stays).
    fn save_call_log(&mut self, call_id: i64, log: &CallLog) -> Result<(), StorageError>;
    /// The user's live call that is not parked, else a parked one.
    fn live_call_of(&mut self, user_id: i64) -> Result<Option<CallRow>, StorageError>;
    fn live_calls(&mut self) -> Result<Vec<CallRow>, StorageError>;
    /// Newest first; returns the total count and one page.
    fn call_history(&mut self, query: &HistoryQuery) -> Result<(i64, Vec<CallRow>), StorageError>;

    // Meetings (seed 002).
    fn insert_meeting(&mut self, meeting: &MeetingRow) -> Result<i64, StorageError>;
    fn meeting(&mut self, id: i64) -> Result<Option<MeetingRow>, StorageError>;
    /// How many meetings `user_id` hosts or takes part in, and `limit` of them from
    /// `offset`, newest first.
    fn meetings_of(
        &mut self,
        user_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<MeetingRow>), StorageError>;
    fn set_meeting_status(&mut self, id: i64, status: MeetingStatus) -> Result<(), StorageError>;
    /// Deletes the meeting and, with it, its video call sessions.
    fn delete_meeting(&mut self, id: i64) -> Result<(), StorageError>;
    fn insert_video_call(&mut self, call: &VideoCallRow) -> Result<i64, StorageError>;
    fn video_call(&mut self, id: i64) -> Result<Option<VideoCallRow>, StorageError>;
    fn active_video_call_of_meeting(
        &mut self,
        meeting_id: i64,
    ) -> Result<Option<VideoCallRow>, StorageError>;
    fn update_video_call(&mut self, call: &VideoCallRow) -> Result<(), StorageError>;

    // Tokens and settings.
    fn revoke_token(&mut self, jti: &str, expires_at: DateTime<Utc>) -> Result<(), StorageError>;
    fn is_token_revoked(&mut self, jti: &str) -> Result<bool, StorageError>;
    fn setting(&mut self, key: &str) -> Result<Option<String>, StorageError>;
    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StorageError>;

    // Socket leases: which server instance holds which notification sockets.
    /// Registers or renews `instance` until `expires_at`. `false` when it was not
    /// registered: new, or reclaimed by the others while it did not renew.
    fn renew_instance(
        &mut self,
        instance: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
    /// Unregisters `instance`; its leases go at the next [`Tx::reclaim_orphan_leases`].
    fn drop_instance(&mut self, instance: &str) -> Result<(), StorageError>;
    /// Records that `instance` holds `sockets` notification sockets of `user_id` (0 ends
    /// the lease). Returns the user's sockets on all instances.
    fn set_socket_lease(
        &mut self,
        instance: &str,
        user_id: i64,
        sockets: u32,
    ) -> Result<u32, StorageError>;
    /// Unregisters instances whose registration ended before `now`, ends their leases,
    /// and returns the users who lost sockets with the sockets they still hold elsewhere.
    /// With nothing lapsed it is one indexed statement, so it can run every few seconds
    /// inside the one writer whatever the number of leases.
    fn reclaim_leases(&mut self, now: DateTime<Utc>) -> Result<Vec<(i64, u32)>, StorageError>;
    /// Ends the leases of every instance that is not registered (a scan of all leases),
    /// as [`Tx::reclaim_leases`] returns them: those of a dropped instance, and those an
    /// instance wrote after its registration lapsed and before it stopped for good.
    fn reclaim_orphan_leases(&mut self) -> Result<Vec<(i64, u32)>, StorageError>;

    // Webhooks: endpoints, and the outbox of deliveries written with the changes.
    fn insert_webhook(&mut self, hook: &WebhookRow) -> Result<i64, StorageError>;
    /// Oldest first.
    fn webhooks(&mut self) -> Result<Vec<WebhookRow>, StorageError>;
    /// Deletes the endpoint and its deliveries; false when there was none.
    fn delete_webhook(&mut self, id: i64) -> Result<bool, StorageError>;
    /// The endpoint's (pending, failed) deliveries.
    fn delivery_counts(&mut self, webhook_id: i64) -> Result<(i64, i64), StorageError>;
    /// Queues `payload` for the endpoint, due at `now`.
    fn insert_delivery(
        &mut self,
        webhook_id: i64,
        event: WebhookEvent,
        event_id: Uuid,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Pending deliveries due by `now` that no instance holds, oldest due first.
    fn due_deliveries(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError>;
    /// Takes a due delivery for this instance until `until`; false when another instance
    /// took it first (or it is no longer due).
    fn claim_delivery(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
    /// Records an attempt and releases the claim.
    fn finish_attempt(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        attempt: &Attempt,
    ) -> Result<(), StorageError>;
    // Call-backs.
    fn insert_callback(&mut self, callback: &CallbackRow) -> Result<i64, StorageError>;
    fn callback(&mut self, id: i64) -> Result<Option<CallbackRow>, StorageError>;
    /// The owner's open call-backs by due time, then the 50 done most recently.
    fn callbacks_of(&mut self, owner: i64) -> Result<Vec<CallbackRow>, StorageError>;
    fn open_callback_count(&mut self, owner: i64) -> Result<i64, StorageError>;
    /// Saves due time, note, notification and completion.
    fn save_callback(&mut self, callback: &CallbackRow) -> Result<(), StorageError>;
    fn delete_callback(&mut self, id: i64) -> Result<bool, StorageError>;
    /// Open call-backs either of the two owes the other.
    fn open_callbacks_between(&mut self, a: i64, b: i64) -> Result<Vec<CallbackRow>, StorageError>;
    /// The earliest due time of an open call-back not yet notified.
    fn next_callback_due(&mut self) -> Result<Option<DateTime<Utc>>, StorageError>;
    /// Open call-backs due by `now` and not yet notified.
    fn callbacks_due(&mut self, now: DateTime<Utc>) -> Result<Vec<CallbackRow>, StorageError>;
    /// Marks a due call-back notified; false when another instance did first (or it was
    /// done meanwhile).
    fn claim_callback_notice(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError>;

    // Notes and camp-ons.
    fn insert_note(&mut self, note: &NoteRow) -> Result<i64, StorageError>;
    fn note(&mut self, id: i64) -> Result<Option<NoteRow>, StorageError>;
    /// Notes for `to`, newest first.
    fn notes_for(&mut self, to: i64, limit: i64) -> Result<Vec<NoteRow>, StorageError>;
    fn mark_note_read(&mut self, id: i64, at: DateTime<Utc>) -> Result<(), StorageError>;
    fn delete_note(&mut self, id: i64) -> Result<bool, StorageError>;
    /// Replaces the watcher's camp-on on the same person, if any.
    fn insert_camp_on(&mut self, camp_on: &CampOnRow) -> Result<i64, StorageError>;
    /// The watcher's unexpired camp-ons.
    fn camp_ons_by(
        &mut self,
        watcher: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CampOnRow>, StorageError>;
    /// Deletes the watcher's camp-on `id`; false when there was none.
    fn delete_camp_on(&mut self, id: i64, watcher: i64) -> Result<bool, StorageError>;
    /// Deletes every camp-on on `user` and returns the unexpired ones: this
    /// transaction's to tell.
    fn take_camp_ons_on(
        &mut self,
        user: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CampOnRow>, StorageError>;

    /// The endpoint's deliveries, newest first: the total and one page.
    fn deliveries(
        &mut self,
        webhook_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<WebhookDelivery>), StorageError>;
}

/// The body of one transaction, as the engine sees it.
pub type TxBody<'a> = dyn FnMut(&mut dyn Tx) -> Result<(), StorageError> + 'a;

/// Receives accounts whose standing another process changed in the database (user id,
/// state, token epoch), so their sockets can be closed (must not block).
pub type StandingHook = Box<dyn Fn(Vec<(i64, AccountState, i64)>) + Send + Sync>;

/// A database engine: runs a body inside a transaction (blocking).
pub trait Database: Send + Sync + 'static {
    /// One write transaction: committed when `body` returns Ok, rolled back otherwise.
    /// It runs alone: no other write runs beside it, on this instance or another.
    fn write(&self, body: &mut TxBody<'_>) -> Result<(), StorageError>;
    /// A write that runs beside other keyed writes, apart from those that lock a key it
    /// locks ([`Tx::lock`]); it still never runs beside a plain [`Database::write`].
    /// Engines with one writer (SQLite) run it as a plain write.
    fn write_keyed(&self, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        self.write(body)
    }
    /// One read-only transaction with a consistent snapshot.
    fn read(&self, body: &mut TxBody<'_>) -> Result<(), StorageError>;
    /// Committed presence, updated by every write that saved presence.
    fn presence_cache(&self) -> &PresenceCache;
    /// [`Tx::token_standing`], when the engine knows without a query: an engine that is
    /// the only writer of its data (SQLite) keeps every revocation and every account that
    /// is not plainly active in memory. `None`: ask the database (instances sharing
    /// PostgreSQL cut tokens off for each other).
    fn standing_in_memory(&self, _jti: &str, _user_id: i64) -> Option<TokenStanding> {
        None
    }
    /// Where an engine that keeps standings in memory reports the ones another process
    /// changed (`switchboard-server user set-password` while this server runs).
    fn on_outside_changes(&self, _hook: StandingHook) {}
}

/// Cheap handle to the database shared by every request.
#[derive(Clone)]
pub struct Store {
    db: Arc<dyn Database>,
}

/// Which transaction a body runs in (engines that tell the kinds of write apart use it).
#[derive(Clone, Copy)]
pub(super) enum Mode {
    Read,
    Write,
    WriteKeyed,
}

impl Store {
    pub fn new(db: Arc<dyn Database>) -> Self {
        Store { db }
    }

    /// Runs `body` in one write transaction on a blocking thread: committed when it
    /// returns `Ok`, rolled back with its error otherwise.
    pub async fn write<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run(Mode::Write, body).await
    }

    /// As [`Store::write`], for a body that [`Tx::lock`]s what it touches before it reads
    /// anything it decides on: on PostgreSQL it runs beside other instances' and requests'
    /// keyed writes that lock other keys (calls between other people), where a plain write
    /// waits for every other write. The hot rules (a call starting, changing, a
    /// heartbeat) take this path; the rest keep the plain one.
    pub async fn write_keyed<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run(Mode::WriteKeyed, body).await
    }

    /// Runs `body` in one read transaction on a blocking thread.
    pub async fn read<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run(Mode::Read, body).await
    }

    async fn run<T, E, F>(&self, mode: Mode, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let db = self.db.clone();
        let started = std::time::Instant::now();
        let answer = tokio::task::spawn_blocking(move || run_once(&*db, mode, body))
            .await
            .map_err(|e| E::from(StorageError::backend(format!("database task stopped: {e}"))))?;
        let mode = match mode {
            Mode::Read => "read",
            Mode::Write | Mode::WriteKeyed => "write",
        };
        crate::metrics::transaction(mode, started.elapsed());
        answer
    }

    pub fn presence_cache(&self) -> &PresenceCache {
        self.db.presence_cache()
    }

    /// See [`Database::standing_in_memory`].
    pub fn standing_in_memory(&self, jti: &str, user_id: i64) -> Option<TokenStanding> {
        self.db.standing_in_memory(jti, user_id)
    }

    /// See [`Database::on_outside_changes`].
    pub fn on_outside_changes(&self, hook: StandingHook) {
        self.db.on_outside_changes(hook);
    }

    /// Everyone's committed presence, from memory.
    pub fn presence_snapshot(&self) -> Vec<(i64, PresenceState)> {
        self.db.presence_cache().snapshot()
    }

    /// The blocking form, for command-line tools and start-up work.
    pub fn write_blocking<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E>,
        E: From<StorageError>,
    {
        run_once(&*self.db, Mode::Write, body)
    }

    /// The blocking form of [`Store::write_keyed`].
    pub fn write_keyed_blocking<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E>,
        E: From<StorageError>,
    {
        run_once(&*self.db, Mode::WriteKeyed, body)
    }
}

/// Runs `body` once in a transaction; the body's own error comes back as it was, the
/// engine's as `E::from`.
fn run_once<T, E, F>(db: &dyn Database, mode: Mode, body: F) -> Result<T, E>
where
    F: FnOnce(&mut dyn Tx) -> Result<T, E>,
    E: From<StorageError>,
{
    let mut body = Some(body);
    let mut out = None;
    let mut failed = None;
    let mut adapter = |tx: &mut dyn Tx| {
        let body = body
            .take()
            .ok_or_else(|| StorageError::backend("a transaction body ran twice"))?;
        match body(tx) {
            Ok(value) => {
                out = Some(value);
                Ok(())
            }
            Err(e) => {
                failed = Some(e);
                Err(StorageError::RolledBack)
            }
        }
    };
    let ran = match mode {
        Mode::Read => db.read(&mut adapter),
        Mode::Write => db.write(&mut adapter),
        Mode::WriteKeyed => db.write_keyed(&mut adapter),
    };
    if let Some(e) = failed {
        return Err(e);
    }
    ran?;
    out.ok_or_else(|| {
        StorageError::backend("a transaction finished without running its body").into()
    })
}
