-- Issue 20 §4: notes left for someone who could not take a call, and camp-ons (tell me
-- when they can take calls again).
CREATE TABLE notes (
    id              BIGSERIAL PRIMARY KEY,
    from_id         BIGINT NOT NULL REFERENCES users (id),
    to_id           BIGINT NOT NULL REFERENCES users (id),
    text            TEXT NOT NULL,
    regarding_type  TEXT,
    regarding_id    TEXT,
    regarding_label TEXT,
    regarding_url   TEXT,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT
);
CREATE INDEX notes_to ON notes (to_id, id);
CREATE TABLE camp_ons (
    id         BIGSERIAL PRIMARY KEY,
    watcher_id BIGINT NOT NULL REFERENCES users (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (watcher_id, user_id)
);
CREATE INDEX camp_ons_on ON camp_ons (user_id);
