-- A user's meetings are listed a page at a time, newest first: the ones they host by
-- this index, the ones they take part in by meeting_participants_by_user.
CREATE INDEX meetings_by_host ON meetings (host_id, created_at DESC, id DESC);
