-- Issue 20: a call may be about a CRM record; a declined call may carry the callee's
-- message; each participant may log an outcome and a note after it.
ALTER TABLE calls ADD COLUMN regarding_type TEXT;
ALTER TABLE calls ADD COLUMN regarding_id TEXT;
ALTER TABLE calls ADD COLUMN regarding_label TEXT;
ALTER TABLE calls ADD COLUMN regarding_url TEXT;
ALTER TABLE calls ADD COLUMN decline_message TEXT;
CREATE INDEX calls_by_regarding ON calls (regarding_type, regarding_id);
CREATE TABLE call_logs (
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    outcome    TEXT,
    note       TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (call_id, author_id)
);
