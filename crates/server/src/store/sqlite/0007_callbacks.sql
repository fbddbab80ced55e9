-- Issue 20: call-backs. `owner_id` is to call `user_id` back at `due_at`; the due
-- notification is sent once (`notified_at`), and a call between the two that connects
-- completes it.
CREATE TABLE callbacks (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    user_id           INTEGER NOT NULL REFERENCES users (id),
    due_at            INTEGER NOT NULL,
    regarding_type    TEXT,
    regarding_id      TEXT,
    regarding_label   TEXT,
    regarding_url     TEXT,
    note              TEXT,
    call_id           INTEGER REFERENCES calls (id),
    created_at        INTEGER NOT NULL,
    notified_at       INTEGER,
    completed_at      INTEGER,
    completed_by_call INTEGER REFERENCES calls (id)
);
CREATE INDEX callbacks_by_owner ON callbacks (owner_id, completed_at, due_at);
CREATE INDEX callbacks_to_notify ON callbacks (due_at) WHERE completed_at IS NULL AND notified_at IS NULL;
