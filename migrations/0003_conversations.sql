-- +goose Up
-- One row per guest (WhatsApp wa_id). Locking it serialises that guest's messages across
-- workers; last_seq is the ingress-assigned order of the last message handled.
CREATE TABLE conversations (
    wa_id            text PRIMARY KEY,
    profile_name     text NOT NULL DEFAULT '',
    language         text NOT NULL DEFAULT 'es',
    last_seq         bigint NOT NULL DEFAULT 0,
    state            jsonb NOT NULL DEFAULT '{}',
    bot_paused       boolean NOT NULL DEFAULT false,
    last_inbound_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- A voice note waits here until its transcript is in; later messages of the guest wait behind it.
ALTER TABLE inbound_messages ADD COLUMN awaiting_transcript boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE inbound_messages DROP COLUMN awaiting_transcript;
DROP TABLE conversations;
