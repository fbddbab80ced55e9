-- Issue 24, attended transfer: a user may be in several live calls, all but one of them
-- held by that user ("parked": a call they put on hold to consult someone).
-- `active_user` is the user while the call is not parked for them, NULL while it is:
-- NULLs are distinct, so its unique constraint is what forbids a second call not parked.
ALTER TABLE live_calls DROP CONSTRAINT live_calls_pkey;
ALTER TABLE live_calls ADD COLUMN active_user BIGINT UNIQUE;
UPDATE live_calls l SET active_user = CASE
    WHEN EXISTS (SELECT 1 FROM calls c WHERE c.id = l.call_id AND c.on_hold_by = l.user_id)
    THEN NULL ELSE l.user_id END;
ALTER TABLE live_calls ADD PRIMARY KEY (user_id, call_id);
