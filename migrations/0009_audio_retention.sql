-- +goose Up
-- Voice notes' audio is personal data and the largest thing we keep: after AUDIO_RETENTION_DAYS
-- the worker drops the bytes (the transcript and the note's record stay) and says when.
ALTER TABLE voice_notes ADD COLUMN audio_purged_at timestamptz;
CREATE INDEX voice_notes_audio_kept ON voice_notes (created_at) WHERE audio IS NOT NULL;

-- +goose Down
DROP INDEX voice_notes_audio_kept;
ALTER TABLE voice_notes DROP COLUMN audio_purged_at;
