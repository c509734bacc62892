package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Voice note states (voice_notes.status).
const (
	// VoiceNotePending: the worker has not finished with the note yet.
	VoiceNotePending = "pending"
	// VoiceNoteTranscribed: Transcript holds what the guest said; the bot answered it as text.
	VoiceNoteTranscribed = "transcribed"
	// VoiceNoteFailed: no transcript (FailureReason says why); the guest was asked to type.
	VoiceNoteFailed = "failed"
)

// VoiceNote is a guest's voice note kept for the owner, with its transcript when there is one.
type VoiceNote struct {
	Wamid   string
	WaID    string
	MediaID string
	// Voice is true for a recording made with WhatsApp's voice-note button, false for a
	// forwarded or attached audio file.
	Voice    bool
	MimeType string
	// Size is the audio's size in bytes; known from Graph even when it was too large to fetch.
	Size int64
	// Duration is the playing time read from the audio (Ogg or WAV); 0 when unknown.
	Duration time.Duration
	// HasAudio tells whether the bytes are stored. Audio holds them in GetVoiceNote only.
	HasAudio bool
	Audio    []byte
	// AudioPurgedAt is when the retention sweep dropped the audio (PurgeVoiceNoteAudio).
	AudioPurgedAt *time.Time
	// Transcript is what speech-to-text heard; Language is the language it reported or was asked for.
	Transcript string
	Language   string
	Status     string
	// FailureReason is a fixed label (the metric's): not_configured, timeout, network,
	// rate_limited, http_5xx, http_4xx, provider_error, empty, conversion, invalid_audio,
	// too_large, too_long, media_expired, media_unavailable, download. While Status is
	// pending it is the last attempt's failure, if any.
	FailureReason string
	// FailureDetail is the error text (no audio, transcript or credentials in it).
	FailureDetail string
	// Attempts counts the worker's tries (download and transcription).
	Attempts int
	// ProfileName and SentAt come from the inbound message.
	ProfileName string
	SentAt      time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// VoiceNoteAudio is what was downloaded for a voice note. Audio may be nil when only the size
// and type are known (the media was too large to fetch).
type VoiceNoteAudio struct {
	MimeType string
	Size     int64
	Duration time.Duration
	Audio    []byte
}

const voiceNoteColumns = `v.wamid, v.wa_id, v.media_id, v.voice, v.mime_type, v.size_bytes, v.duration_ms,
	v.audio IS NOT NULL, v.audio_purged_at, v.transcript, v.language, v.status, v.failure_reason, v.failure_detail, v.attempts,
	m.profile_name, m.sent_at, v.created_at, v.updated_at`

func scanVoiceNote(row pgx.Row, extra ...any) (VoiceNote, error) {
	var (
		v          VoiceNote
		durationMS *int32
	)
	dest := append([]any{&v.Wamid, &v.WaID, &v.MediaID, &v.Voice, &v.MimeType, &v.Size, &durationMS,
		&v.HasAudio, &v.AudioPurgedAt, &v.Transcript, &v.Language, &v.Status, &v.FailureReason, &v.FailureDetail, &v.Attempts,
		&v.ProfileName, &v.SentAt, &v.CreatedAt, &v.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return VoiceNote{}, err
	}
	if durationMS != nil {
		v.Duration = time.Duration(*durationMS) * time.Millisecond
	}
	return v, nil
}

// EnsureVoiceNote records a guest's voice note once (keyed by the inbound message's wamid,
// which must be stored already) and returns it as stored, audio included. Only Wamid, WaID,
// MediaID and Voice of v are used.
func (s *Store) EnsureVoiceNote(ctx context.Context, v VoiceNote) (VoiceNote, error) {
	_, err := s.Pool.Exec(ctx, `
		INSERT INTO voice_notes (wamid, wa_id, media_id, voice) VALUES ($1, $2, $3, $4)
		ON CONFLICT (wamid) DO NOTHING`, v.Wamid, v.WaID, v.MediaID, v.Voice)
	if err != nil {
		return VoiceNote{}, fmt.Errorf("record voice note: %w", MapError(err))
	}
	return s.GetVoiceNote(ctx, v.Wamid)
}

// GetVoiceNote returns one voice note with its audio bytes, or ErrNotFound.
func (s *Store) GetVoiceNote(ctx context.Context, wamid string) (VoiceNote, error) {
	var audio []byte
	v, err := scanVoiceNote(s.Pool.QueryRow(ctx, `
		SELECT `+voiceNoteColumns+`, v.audio
		FROM voice_notes v JOIN inbound_messages m ON m.wamid = v.wamid
		WHERE v.wamid = $1`, wamid), &audio)
	if err != nil {
		return VoiceNote{}, fmt.Errorf("get voice note: %w", MapError(err))
	}
	v.Audio = audio
	return v, nil
}

// ListVoiceNotes returns the newest voice notes first, without their audio bytes (HasAudio
// says whether GetVoiceNote has them): one guest's when waID is set, everyone's when it is "".
// limit <= 0 means 50; it is capped at 500.
func (s *Store) ListVoiceNotes(ctx context.Context, waID string, limit int) ([]VoiceNote, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	rows, err := s.Pool.Query(ctx, `
		SELECT `+voiceNoteColumns+`
		FROM voice_notes v JOIN inbound_messages m ON m.wamid = v.wamid
		WHERE $1 = '' OR v.wa_id = $1
		ORDER BY v.created_at DESC, v.wamid
		LIMIT $2`, waID, limit)
	if err != nil {
		return nil, fmt.Errorf("list voice notes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (VoiceNote, error) { return scanVoiceNote(r) })
	if err != nil {
		return nil, fmt.Errorf("list voice notes: %w", err)
	}
	return out, nil
}

// SaveVoiceNoteAudio stores what was downloaded for a voice note.
func (s *Store) SaveVoiceNoteAudio(ctx context.Context, wamid string, a VoiceNoteAudio) error {
	var durationMS *int64
	if a.Duration > 0 {
		ms := a.Duration.Milliseconds()
		durationMS = &ms
	}
	if a.Size == 0 {
		a.Size = int64(len(a.Audio))
	}
	tag, err := s.Pool.Exec(ctx, `
		UPDATE voice_notes SET mime_type = $2, size_bytes = $3, duration_ms = $4, audio = COALESCE($5, audio), updated_at = now()
		WHERE wamid = $1`, wamid, a.MimeType, a.Size, durationMS, a.Audio)
	if err != nil {
		return fmt.Errorf("save voice note audio: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("save voice note audio: %w", ErrNotFound)
	}
	return nil
}

// RecordVoiceNoteTranscript counts a successful attempt and marks the note transcribed.
func (s *Store) RecordVoiceNoteTranscript(ctx context.Context, wamid, transcript, language string) error {
	tag, err := s.Pool.Exec(ctx, `
		UPDATE voice_notes SET transcript = $2, language = $3, status = 'transcribed', failure_reason = '',
			failure_detail = '', attempts = attempts + 1, updated_at = now()
		WHERE wamid = $1`, wamid, transcript, language)
	if err != nil {
		return fmt.Errorf("record voice note transcript: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("record voice note transcript: %w", ErrNotFound)
	}
	return nil
}

// RecordVoiceNoteFailure counts a failed attempt and keeps its reason. final marks the note
// failed (no more attempts: the guest is asked to type); otherwise it stays pending. A note
// already transcribed is left alone.
func (s *Store) RecordVoiceNoteFailure(ctx context.Context, wamid, reason, detail string, final bool) error {
	status := VoiceNotePending
	if final {
		status = VoiceNoteFailed
	}
	_, err := s.Pool.Exec(ctx, `
		UPDATE voice_notes SET status = $2, failure_reason = $3, failure_detail = $4, attempts = attempts + 1, updated_at = now()
		WHERE wamid = $1 AND status <> 'transcribed'`, wamid, status, reason, detail)
	if err != nil {
		return fmt.Errorf("record voice note failure: %w", err)
	}
	return nil
}

// PurgeVoiceNoteAudio drops the audio of voice notes received before before, keeping their
// transcript and record, and returns how many it purged. It works in batches, so a first run
// over a large backlog does not hold one long transaction.
func (s *Store) PurgeVoiceNoteAudio(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		tag, err := s.Pool.Exec(ctx, `
			UPDATE voice_notes SET audio = NULL, audio_purged_at = now(), updated_at = now()
			WHERE wamid IN (
				SELECT wamid FROM voice_notes WHERE audio IS NOT NULL AND created_at < $1
				ORDER BY created_at LIMIT 500)`, before)
		if err != nil {
			return total, fmt.Errorf("purge voice note audio: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < 500 {
			return total, nil
		}
	}
}
