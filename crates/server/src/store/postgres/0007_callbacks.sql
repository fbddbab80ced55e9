-- Issue 20: call-backs. `owner_id` is to call `user_id` back at `due_at`; the due
-- notification is sent once (`notified_at`), and a call between the two that connects
-- completes it.
CREATE TABLE callbacks (
    id                BIGSERIAL PRIMARY KEY,
    owner_id          BIGINT NOT NULL REFERENCES users (id),
    user_id           BIGINT NOT NULL REFERENCES users (id),
    due_at            BIGINT NOT NULL,
    regarding_type    TEXT,
    regarding_id      TEXT,
    regarding_label   TEXT,
    regarding_url     TEXT,
    note              TEXT,
    call_id           BIGINT REFERENCES calls (id),
    created_at        BIGINT NOT NULL,
    notified_at       BIGINT,
    completed_at      BIGINT,
    completed_by_call BIGINT REFERENCES calls (id)
);
CREATE INDEX callbacks_by_owner ON callbacks (owner_id, completed_at, due_at);
CREATE INDEX callbacks_to_notify ON callbacks (due_at) WHERE completed_at IS NULL AND notified_at IS NULL;
