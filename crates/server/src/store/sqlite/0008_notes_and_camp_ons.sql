-- Issue 20 §4: notes left for someone who could not take a call, and camp-ons (tell me
-- when they can take calls again).
CREATE TABLE notes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    from_id         INTEGER NOT NULL REFERENCES users (id),
    to_id           INTEGER NOT NULL REFERENCES users (id),
    text            TEXT NOT NULL,
    regarding_type  TEXT,
    regarding_id    TEXT,
    regarding_label TEXT,
    regarding_url   TEXT,
    created_at      INTEGER NOT NULL,
    read_at         INTEGER
);
CREATE INDEX notes_to ON notes (to_id, id);
CREATE TABLE camp_ons (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    watcher_id INTEGER NOT NULL REFERENCES users (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (watcher_id, user_id)
);
CREATE INDEX camp_ons_on ON camp_ons (user_id);
