-- +goose Up
-- Every voice note a guest sent, kept for the owner whether or not it could be transcribed:
-- the audio as WhatsApp delivered it, what speech-to-text heard, and why it failed if it did.
-- status: 'pending' while the worker is on it, 'transcribed', or 'failed' (the guest was asked
-- to type instead; failure_reason is a fixed label such as not_configured, timeout, http_5xx,
-- too_large, media_expired).
CREATE TABLE voice_notes (
    wamid           text PRIMARY KEY REFERENCES inbound_messages (wamid) ON DELETE CASCADE,
    wa_id           text NOT NULL,
    media_id        text NOT NULL,
    -- true for a recording made with WhatsApp's voice-note button, false for a forwarded file.
    voice           boolean NOT NULL DEFAULT false,
    mime_type       text NOT NULL DEFAULT '',
    -- size_bytes is known (from Graph) even when the audio was too large to download.
    size_bytes      bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
    duration_ms     integer CHECK (duration_ms >= 0),
    audio           bytea,
    transcript      text NOT NULL DEFAULT '',
    language        text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'transcribed', 'failed')),
    failure_reason  text NOT NULL DEFAULT '',
    failure_detail  text NOT NULL DEFAULT '',
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voice_notes_guest ON voice_notes (wa_id, created_at DESC);
CREATE INDEX voice_notes_recent ON voice_notes (created_at DESC);

-- +goose Down
DROP TABLE voice_notes;
