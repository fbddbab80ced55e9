-- Issue 24, attended transfer: a user may be in several live calls, all but one of them
-- held by that user ("parked": a call they put on hold to consult someone).
-- `active_user` is the user while the call is not parked for them, NULL while it is:
-- NULLs are distinct, so its unique index is what forbids a second call not parked. (A
-- partial index would say the same, but SQLite then plans again, at each bound user,
-- every statement that reads the table by user.)
CREATE TABLE live_calls_next (
    user_id     INTEGER NOT NULL REFERENCES users (id),
    call_id     INTEGER NOT NULL REFERENCES calls (id),
    active_user INTEGER UNIQUE,
    PRIMARY KEY (user_id, call_id)
);
INSERT INTO live_calls_next (user_id, call_id, active_user)
    SELECT l.user_id, l.call_id,
           CASE WHEN EXISTS (SELECT 1 FROM calls c WHERE c.id = l.call_id AND c.on_hold_by = l.user_id)
                THEN NULL ELSE l.user_id END
    FROM live_calls l;
DROP TABLE live_calls;
ALTER TABLE live_calls_next RENAME TO live_calls;
CREATE INDEX live_calls_by_call ON live_calls (call_id);
