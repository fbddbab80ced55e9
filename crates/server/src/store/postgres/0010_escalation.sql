-- Issue 24: a call a participant grew into a meeting (`add_participant/`) says which.
ALTER TABLE calls ADD COLUMN escalated_to_meeting BIGINT REFERENCES meetings (id) ON DELETE SET NULL;
