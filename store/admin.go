package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ConversationSummary is one guest's chat as the admin's list shows it.
type ConversationSummary struct {
	WaID          string     `json:"wa_id"`
	ProfileName   string     `json:"profile_name"`
	Language      string     `json:"language"`
	BotPaused     bool       `json:"bot_paused"`
	PausedBy      string     `json:"paused_by,omitempty"`
	PausedAt      *time.Time `json:"paused_at,omitempty"`
	LastInboundAt *time.Time `json:"last_inbound_at,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Pending counts the guest's messages not handled yet.
	Pending int `json:"pending"`
}

const conversationSummaryColumns = `c.wa_id, c.profile_name, c.language, c.bot_paused, c.paused_by, c.paused_at,
	c.last_inbound_at, c.updated_at,
	(SELECT count(*) FROM inbound_messages m WHERE m.wa_id = c.wa_id AND m.processed_at IS NULL)`

func scanConversationSummary(row pgx.Row) (ConversationSummary, error) {
	var c ConversationSummary
	err := row.Scan(&c.WaID, &c.ProfileName, &c.Language, &c.BotPaused, &c.PausedBy, &c.PausedAt,
		&c.LastInboundAt, &c.UpdatedAt, &c.Pending)
	return c, err
}

// ListConversations returns the latest conversations first; search, when not empty, keeps
// those whose number or profile name contains it; pausedOnly keeps those taken over.
func (s *Store) ListConversations(ctx context.Context, search string, pausedOnly bool, limit int) ([]ConversationSummary, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+conversationSummaryColumns+` FROM conversations c
		WHERE ($1 = '' OR c.wa_id LIKE '%' || $1 || '%' OR c.profile_name ILIKE '%' || $1 || '%')
		  AND (c.bot_paused OR NOT $2)
		ORDER BY COALESCE(c.last_inbound_at, c.updated_at) DESC LIMIT $3`, search, pausedOnly, limit)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ConversationSummary, error) { return scanConversationSummary(r) })
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return cs, nil
}

// ConversationSummaryByWaID returns one guest's conversation summary (ErrNotFound when none).
func (s *Store) ConversationSummaryByWaID(ctx context.Context, waID string) (ConversationSummary, error) {
	c, err := scanConversationSummary(s.Pool.QueryRow(ctx, `SELECT `+conversationSummaryColumns+` FROM conversations c WHERE c.wa_id = $1`, waID))
	if err != nil {
		return ConversationSummary{}, fmt.Errorf("conversation summary: %w", MapError(err))
	}
	return c, nil
}

// SetBotPaused takes a guest over from the bot (paused = true: a person answers from now on)
// or gives them back. by names who did it. The row lock waits for a worker handling the guest
// right now, so the change is never overwritten by a conversation saved a moment later.
func (s *Store) SetBotPaused(ctx context.Context, waID string, paused bool, by string, now time.Time) (ConversationSummary, error) {
	c, err := scanConversationSummary(s.Pool.QueryRow(ctx, `
		WITH u AS (
			UPDATE conversations SET bot_paused = $2,
				paused_by = CASE WHEN $2 THEN $3 ELSE '' END,
				paused_at = CASE WHEN $2 THEN $4::timestamptz ELSE NULL END,
				updated_at = $4
			WHERE wa_id = $1 RETURNING *)
		SELECT `+conversationSummaryColumns+` FROM u c`, waID, paused, by, now))
	if err != nil {
		return ConversationSummary{}, fmt.Errorf("set bot paused: %w", MapError(err))
	}
	return c, nil
}
