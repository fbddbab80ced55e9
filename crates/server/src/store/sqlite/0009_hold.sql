-- Issue 24: a participant may put an active call on hold (who holds it, since when, and
-- the seconds of holds already over are kept on the call), or transfer it (the new call
-- links back to the one it came from).
ALTER TABLE calls ADD COLUMN on_hold_by INTEGER;
ALTER TABLE calls ADD COLUMN held_since INTEGER;
ALTER TABLE calls ADD COLUMN hold_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN transferred_from INTEGER REFERENCES calls (id);
