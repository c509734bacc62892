-- +goose Up
-- Admin web logins. Passwords are argon2id hashes in PHC form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
-- role: 'admin' may change things; 'readonly' may only look (asynqmon without retry or delete).
CREATE TABLE admin_users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    password_hash  text NOT NULL,
    role           text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'readonly')),
    disabled       boolean NOT NULL DEFAULT false,
    last_login_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email)
);

-- Server-side sessions. The cookie carries a random token; only its keyed hash (HMAC with
-- SESSION_SECRET) is stored, so a database dump does not hand out live sessions.
CREATE TABLE admin_sessions (
    token_hash     text PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    user_agent     text NOT NULL DEFAULT '',
    ip             text NOT NULL DEFAULT ''
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);

-- Who took a conversation over from the bot, and when (the flag itself is conversations.bot_paused).
ALTER TABLE conversations ADD COLUMN paused_by text NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN paused_at timestamptz;

-- +goose Down
ALTER TABLE conversations DROP COLUMN paused_at;
ALTER TABLE conversations DROP COLUMN paused_by;
DROP TABLE admin_sessions;
DROP TABLE admin_users;
