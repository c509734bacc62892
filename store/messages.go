package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what both the pool and a transaction offer, so queries run in either.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Inbound is a message a guest sent.
type Inbound struct {
	Wamid       string
	WaID        string
	ProfileName string
	Type        string
	Body        string
	ReplyID     string
	MediaID     string
	Seq         int64
	SentAt      time.Time
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	// AwaitingTranscript holds a voice note (and the guest's later messages) until transcribed.
	AwaitingTranscript bool
	Raw                json.RawMessage
}

// InsertInbound stores a guest's message once; inserted is false when the wamid was already stored.
func (s *Store) InsertInbound(ctx context.Context, m Inbound) (inserted bool, err error) {
	if len(m.Raw) == 0 {
		m.Raw = json.RawMessage(`{}`)
	}
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = time.Now()
	}
	tag, err := s.Pool.Exec(ctx, `
		INSERT INTO inbound_messages (wamid, wa_id, profile_name, type, body, reply_id, media_id, seq, sent_at, received_at, awaiting_transcript, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (wamid) DO NOTHING`,
		m.Wamid, m.WaID, m.ProfileName, m.Type, m.Body, m.ReplyID, m.MediaID, m.Seq, m.SentAt, m.ReceivedAt, m.AwaitingTranscript, m.Raw)
	if err != nil {
		return false, fmt.Errorf("insert inbound message: %w", MapError(err))
	}
	return tag.RowsAffected() == 1, nil
}

const inboundColumns = `wamid, wa_id, profile_name, type, body, reply_id, media_id, seq, sent_at, received_at, processed_at, awaiting_transcript, raw`

func scanInbound(row pgx.Row) (Inbound, error) {
	var m Inbound
	err := row.Scan(&m.Wamid, &m.WaID, &m.ProfileName, &m.Type, &m.Body, &m.ReplyID, &m.MediaID, &m.Seq,
		&m.SentAt, &m.ReceivedAt, &m.ProcessedAt, &m.AwaitingTranscript, &m.Raw)
	return m, err
}

// GetInbound returns one stored inbound message.
func (s *Store) GetInbound(ctx context.Context, wamid string) (Inbound, error) {
	m, err := scanInbound(s.Pool.QueryRow(ctx, `SELECT `+inboundColumns+` FROM inbound_messages WHERE wamid = $1`, wamid))
	if err != nil {
		return Inbound{}, fmt.Errorf("get inbound message: %w", MapError(err))
	}
	return m, nil
}

// SetTranscript stores a voice note's transcript ("" when it could not be transcribed) and
// releases the guest's queue behind it.
func (s *Store) SetTranscript(ctx context.Context, wamid, body string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE inbound_messages SET body = $2, awaiting_transcript = false WHERE wamid = $1`, wamid, body)
	if err != nil {
		return fmt.Errorf("set transcript: %w", err)
	}
	return nil
}

// Conversation is the per-guest row that orders and remembers a chat.
type Conversation struct {
	WaID          string
	ProfileName   string
	Language      string
	LastSeq       int64
	State         json.RawMessage
	BotPaused     bool
	LastInboundAt *time.Time
	UpdatedAt     time.Time
}

const conversationColumns = `wa_id, profile_name, language, last_seq, state, bot_paused, last_inbound_at, updated_at`

func scanConversation(row pgx.Row) (Conversation, error) {
	var c Conversation
	err := row.Scan(&c.WaID, &c.ProfileName, &c.Language, &c.LastSeq, &c.State, &c.BotPaused, &c.LastInboundAt, &c.UpdatedAt)
	return c, err
}

// EnsureConversation creates the guest's conversation row if it does not exist yet.
func (s *Store) EnsureConversation(ctx context.Context, waID, profileName string) error {
	_, err := s.Pool.Exec(ctx, `INSERT INTO conversations (wa_id, profile_name) VALUES ($1, $2) ON CONFLICT (wa_id) DO NOTHING`, waID, profileName)
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	return nil
}

// TryLockConversation locks the guest's conversation until tx ends, so no other worker handles
// this guest meanwhile. It never waits: when another transaction holds the lock it returns
// ErrBusy, and the caller retries later instead of holding a connection while it waits.
func TryLockConversation(ctx context.Context, tx pgx.Tx, waID string) (Conversation, error) {
	c, err := scanConversation(tx.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE wa_id = $1 FOR UPDATE SKIP LOCKED`, waID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Conversation{}, ErrBusy
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("lock conversation: %w", err)
	}
	return c, nil
}

// GetConversation reads a guest's conversation without locking it.
func (s *Store) GetConversation(ctx context.Context, waID string) (Conversation, error) {
	c, err := scanConversation(s.Pool.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE wa_id = $1`, waID))
	if err != nil {
		return Conversation{}, fmt.Errorf("get conversation: %w", MapError(err))
	}
	return c, nil
}

// NextInbound returns the guest's earliest message not yet handled, or ErrNotFound.
func NextInbound(ctx context.Context, tx pgx.Tx, waID string) (Inbound, error) {
	m, err := scanInbound(tx.QueryRow(ctx, `
		SELECT `+inboundColumns+` FROM inbound_messages
		WHERE wa_id = $1 AND processed_at IS NULL ORDER BY seq, received_at LIMIT 1`, waID))
	if err != nil {
		return Inbound{}, fmt.Errorf("next inbound message: %w", MapError(err))
	}
	return m, nil
}

// FinishInbound marks a message handled and saves the conversation it moved.
func FinishInbound(ctx context.Context, tx pgx.Tx, m Inbound, c Conversation, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE inbound_messages SET processed_at = $2 WHERE wamid = $1`, m.Wamid, now); err != nil {
		return fmt.Errorf("mark inbound handled: %w", err)
	}
	if len(c.State) == 0 {
		c.State = json.RawMessage(`{}`)
	}
	seq := c.LastSeq
	if m.Seq > seq {
		seq = m.Seq
	}
	_, err := tx.Exec(ctx, `
		UPDATE conversations SET last_seq = $2, state = $3, language = $4, profile_name = $5,
			last_inbound_at = GREATEST(last_inbound_at, $6), bot_paused = $7, updated_at = $8
		WHERE wa_id = $1`,
		c.WaID, seq, c.State, c.Language, c.ProfileName, m.SentAt, c.BotPaused, now)
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	return nil
}

// Outbound is a message the bot sent (or tried to).
type Outbound struct {
	Wamid       string
	WaID        string
	InReplyTo   string
	Part        int
	Kind        string
	Body        string
	Payload     json.RawMessage
	Status      string
	ErrorCode   *int
	ErrorDetail *string
	CreatedAt   time.Time
}

// OutboundSent reports whether part `part` of the reply to inReplyTo was already accepted by
// WhatsApp, so a retried handler does not send it twice.
func (s *Store) OutboundSent(ctx context.Context, inReplyTo string, part int) (bool, error) {
	var n int
	err := s.Pool.QueryRow(ctx, `
		SELECT count(*) FROM outbound_messages WHERE in_reply_to = $1 AND part = $2 AND wamid IS NOT NULL`,
		inReplyTo, part).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check outbound: %w", err)
	}
	return n > 0, nil
}

// RecordOutbound stores a sent message. A reply part already recorded is updated, not doubled.
func (s *Store) RecordOutbound(ctx context.Context, m Outbound) error {
	if len(m.Payload) == 0 {
		m.Payload = nil
	}
	var wamid *string
	if m.Wamid != "" {
		wamid = &m.Wamid
	}
	if m.Status == "" {
		m.Status = "sent"
	}
	var err error
	if m.InReplyTo != "" {
		_, err = s.Pool.Exec(ctx, `
			INSERT INTO outbound_messages (wamid, wa_id, in_reply_to, part, kind, body, payload, status, error_code, error_detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (in_reply_to, part) WHERE in_reply_to <> '' DO UPDATE
			SET wamid = COALESCE(EXCLUDED.wamid, outbound_messages.wamid), status = EXCLUDED.status,
			    error_code = EXCLUDED.error_code, error_detail = EXCLUDED.error_detail, updated_at = now()`,
			wamid, m.WaID, m.InReplyTo, m.Part, m.Kind, m.Body, m.Payload, m.Status, m.ErrorCode, m.ErrorDetail)
	} else {
		_, err = s.Pool.Exec(ctx, `
			INSERT INTO outbound_messages (wamid, wa_id, in_reply_to, part, kind, body, payload, status, error_code, error_detail)
			VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9)`,
			wamid, m.WaID, m.Part, m.Kind, m.Body, m.Payload, m.Status, m.ErrorCode, m.ErrorDetail)
	}
	if err != nil {
		return fmt.Errorf("record outbound: %w", MapError(err))
	}
	return nil
}

// statusRank orders delivery states so a late "delivered" never overwrites "read".
var statusRank = map[string]int{"pending": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4, "failed": 5}

// ApplyOutboundStatus records a status callback; it returns ErrNotFound for an unknown wamid.
func (s *Store) ApplyOutboundStatus(ctx context.Context, wamid, status string, errCode *int, errDetail *string) (Outbound, error) {
	rank, ok := statusRank[status]
	if !ok {
		return Outbound{}, fmt.Errorf("unknown status %q", status)
	}
	var o Outbound
	err := s.Pool.QueryRow(ctx, `
		UPDATE outbound_messages SET
			status = CASE WHEN $2 > (CASE status WHEN 'pending' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2
			                                     WHEN 'read' THEN 3 WHEN 'played' THEN 4 ELSE 5 END)
			              THEN $3 ELSE status END,
			error_code = COALESCE($4, error_code), error_detail = COALESCE($5, error_detail), updated_at = now()
		WHERE wamid = $1
		RETURNING wamid, wa_id, in_reply_to, part, kind, body, status, error_code, error_detail, created_at`,
		wamid, rank, status, errCode, errDetail).Scan(&o.Wamid, &o.WaID, &o.InReplyTo, &o.Part, &o.Kind, &o.Body, &o.Status, &o.ErrorCode, &o.ErrorDetail, &o.CreatedAt)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Outbound{}, fmt.Errorf("outbound %w", ErrNotFound)
		}
		return Outbound{}, fmt.Errorf("apply outbound status: %w", err)
	}
	return o, nil
}

// ConversationMessages returns a guest's inbound and outbound messages, oldest first.
func (s *Store) ConversationMessages(ctx context.Context, waID string, limit int) ([]Inbound, []Outbound, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+inboundColumns+` FROM inbound_messages WHERE wa_id = $1 ORDER BY seq DESC, received_at DESC LIMIT $2`, waID, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("list inbound: %w", err)
	}
	in, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Inbound, error) { return scanInbound(r) })
	if err != nil {
		return nil, nil, fmt.Errorf("list inbound: %w", err)
	}
	rows, err = s.Pool.Query(ctx, `
		SELECT COALESCE(wamid, ''), wa_id, in_reply_to, part, kind, body, payload, status, error_code, error_detail, created_at
		FROM outbound_messages WHERE wa_id = $1 ORDER BY created_at DESC LIMIT $2`, waID, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("list outbound: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Outbound, error) {
		var o Outbound
		err := r.Scan(&o.Wamid, &o.WaID, &o.InReplyTo, &o.Part, &o.Kind, &o.Body, &o.Payload, &o.Status, &o.ErrorCode, &o.ErrorDetail, &o.CreatedAt)
		return o, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list outbound: %w", err)
	}
	return in, out, nil
}

// MarkEvent records a provider event once; first is false when it was already recorded.
func (s *Store) MarkEvent(ctx context.Context, provider, key string) (first bool, err error) {
	tag, err := s.Pool.Exec(ctx, `INSERT INTO provider_events (provider, event_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, provider, key)
	if err != nil {
		return false, fmt.Errorf("mark provider event: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// LastInboundAt is when waID last wrote to us (zero if never): their 24-hour customer service
// window runs from it.
func (s *Store) LastInboundAt(ctx context.Context, waID string) (time.Time, error) {
	var at *time.Time
	if err := s.Pool.QueryRow(ctx, `SELECT max(received_at) FROM inbound_messages WHERE wa_id = $1`, waID).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("last inbound message: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}
