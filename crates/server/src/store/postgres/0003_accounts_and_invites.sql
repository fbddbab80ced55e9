-- Accounts an administrator can cut off, and one-time invite codes.
-- `state`: 'active', 'disabled' (cannot sign in, every token refused) or 'deleted' (the
-- row stays for the call history; its username and email are freed).
-- `token_epoch`: tokens carry the epoch they were issued in; raising it signs the user
-- out everywhere (a password change, "sign out everywhere").
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN token_epoch BIGINT NOT NULL DEFAULT 0;

-- The server keeps the SHA-256 of each code, never the code.
CREATE TABLE invites (
    id         BIGSERIAL PRIMARY KEY,
    code_hash  TEXT    NOT NULL UNIQUE,
    created_by BIGINT  NOT NULL REFERENCES users (id),
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_by    BIGINT  REFERENCES users (id),
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
