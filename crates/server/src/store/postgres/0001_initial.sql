-- Timestamps are microseconds since the Unix epoch (UTC), as in the SQLite schema, so
-- both engines share one row mapping.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    full_name     TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email <> '';

CREATE TABLE presence (
    user_id             BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status              TEXT    NOT NULL,
    available_for_calls BOOLEAN NOT NULL,
    status_message      TEXT    NOT NULL DEFAULT '',
    last_seen           BIGINT,
    current_call        BIGINT,
    status_before_call  TEXT,
    open_sockets        BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE calls (
    id           BIGSERIAL PRIMARY KEY,
    session_id   TEXT   NOT NULL UNIQUE,
    room_name    TEXT   NOT NULL UNIQUE,
    call_type    TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    initiator_id BIGINT NOT NULL REFERENCES users (id),
    recipient_id BIGINT NOT NULL REFERENCES users (id),
    started_at   BIGINT,
    ended_at     BIGINT,
    created_at   BIGINT NOT NULL,
    CHECK (initiator_id <> recipient_id)
);
CREATE INDEX calls_by_initiator ON calls (initiator_id, id DESC);
CREATE INDEX calls_by_recipient ON calls (recipient_id, id DESC);

-- One row per user in a non-final call: the primary key is what forbids a second one,
-- whichever server instance takes the two requests.
CREATE TABLE live_calls (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    call_id BIGINT NOT NULL REFERENCES calls (id)
);
CREATE INDEX live_calls_by_call ON live_calls (call_id);

CREATE TABLE meetings (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT   NOT NULL,
    host_id      BIGINT NOT NULL REFERENCES users (id),
    status       TEXT   NOT NULL,
    scheduled_at BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE TABLE meeting_participants (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_participants_by_user ON meeting_participants (user_id);

CREATE TABLE video_calls (
    id         BIGSERIAL PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    caller_id  BIGINT NOT NULL REFERENCES users (id),
    status     TEXT   NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX video_calls_by_meeting ON video_calls (meeting_id);

CREATE TABLE revoked_tokens (
    jti        TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
