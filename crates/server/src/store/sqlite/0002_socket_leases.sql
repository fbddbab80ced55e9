-- Which server instance holds which notification sockets. `presence.open_sockets` is the
-- sum of a user's leases; an instance that stops renewing `instances.expires_at` (it was
-- killed) has its leases reclaimed by the others. See docs/api.md, "Several instances".
CREATE TABLE instances (
    id         TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE socket_leases (
    instance TEXT    NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sockets  INTEGER NOT NULL,
    PRIMARY KEY (instance, user_id)
);
CREATE INDEX socket_leases_by_user ON socket_leases (user_id);
-- Counts from before leases existed belong to no instance.
UPDATE presence SET open_sockets = 0;
