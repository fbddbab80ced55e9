-- Timestamps are microseconds since the Unix epoch (UTC).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    full_name     TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username COLLATE NOCASE);
CREATE UNIQUE INDEX users_email ON users (email COLLATE NOCASE) WHERE email <> '';

CREATE TABLE presence (
    user_id             INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status              TEXT    NOT NULL,
    available_for_calls INTEGER NOT NULL,
    status_message      TEXT    NOT NULL DEFAULT '',
    last_seen           INTEGER,
    current_call        INTEGER,
    status_before_call  TEXT,
    open_sockets        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE calls (
    id           INTEGER PRIMARY KEY,
    session_id   TEXT    NOT NULL UNIQUE,
    room_name    TEXT    NOT NULL UNIQUE,
    call_type    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    initiator_id INTEGER NOT NULL REFERENCES users (id),
    recipient_id INTEGER NOT NULL REFERENCES users (id),
    started_at   INTEGER,
    ended_at     INTEGER,
    created_at   INTEGER NOT NULL,
    CHECK (initiator_id <> recipient_id)
);
CREATE INDEX calls_by_initiator ON calls (initiator_id, id DESC);
CREATE INDEX calls_by_recipient ON calls (recipient_id, id DESC);

-- One row per user in a non-final call: the primary key is what forbids a second one.
CREATE TABLE live_calls (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    call_id INTEGER NOT NULL REFERENCES calls (id)
);
CREATE INDEX live_calls_by_call ON live_calls (call_id);

CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    host_id      INTEGER NOT NULL REFERENCES users (id),
    status       TEXT    NOT NULL,
    scheduled_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE TABLE meeting_participants (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_participants_by_user ON meeting_participants (user_id);

-- ON DELETE CASCADE: deleting a meeting after its call is a 204, not the seeds' 500.
CREATE TABLE video_calls (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    caller_id  INTEGER NOT NULL REFERENCES users (id),
    status     TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX video_calls_by_meeting ON video_calls (meeting_id);

CREATE TABLE revoked_tokens (
    jti        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
