package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// Violation is one broken invariant, with examples.
type Violation struct {
	What     string
	Examples []string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %v", v.What, v.Examples)
}

// BookingViolations checks what must hold after any run, whatever happened during it:
//   - no two active occupancies (holds, bookings, blocks) of one cabin overlap, buffers included
//     (a double booking);
//   - no booking is confirmed without a Mercado Pago payment that the API reported approved,
//     for at least the booking's deposit, recorded as the one confirming it;
//   - no payment confirmed two bookings, and no booking was confirmed by two payments;
//   - every payment the system recorded as approved is approved at the fake Mercado Pago.
func (s *System) BookingViolations(ctx context.Context) ([]Violation, error) {
	var out []Violation
	overlaps, err := s.strings(ctx, `
		SELECT a.code || ' & ' || b.code FROM reservations a JOIN reservations b
		  ON a.accommodation_id = b.accommodation_id AND a.id < b.id AND a.active AND b.active
		 AND daterange(a.check_in, a.blocked_until, '[)') && daterange(b.check_in, b.blocked_until, '[)')`)
	if err != nil {
		return nil, err
	}
	if len(overlaps) > 0 {
		out = append(out, Violation{"overlapping active occupancies (double booking)", overlaps})
	}

	var hasPayments bool
	if err := s.DB.QueryRow(ctx, `SELECT to_regclass('payments') IS NOT NULL`).Scan(&hasPayments); err != nil {
		return nil, err
	}
	if !hasPayments {
		unpaid, err := s.strings(ctx, `SELECT code FROM reservations WHERE kind = 'booking' AND status = 'confirmed'`)
		if err != nil {
			return nil, err
		}
		if len(unpaid) > 0 {
			out = append(out, Violation{"confirmed bookings with no payments table at all", unpaid})
		}
		return out, nil
	}
	unpaid, err := s.strings(ctx, `
		SELECT r.code FROM reservations r
		 WHERE r.kind = 'booking' AND r.status = 'confirmed' AND r.source = 'whatsapp'
		   AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.reservation_id = r.id
		                     AND p.outcome = 'confirmed' AND p.status = 'approved'
		                     AND p.amount_cents >= r.deposit_cents)`)
	if err != nil {
		return nil, err
	}
	if len(unpaid) > 0 {
		out = append(out, Violation{"bookings confirmed without an approved payment", unpaid})
	}
	doubled, err := s.strings(ctx, `
		SELECT r.code FROM reservations r JOIN payments p ON p.reservation_id = r.id AND p.outcome = 'confirmed'
		 GROUP BY r.code HAVING count(*) > 1`)
	if err != nil {
		return nil, err
	}
	if len(doubled) > 0 {
		out = append(out, Violation{"bookings confirmed by more than one payment", doubled})
	}
	rows, err := s.DB.Query(ctx, `SELECT mp_payment_id FROM payments WHERE status = 'approved'`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var phantom []string
	for _, id := range ids {
		if p, ok := s.MP.Payment(id); !ok || p.Status != "approved" {
			phantom = append(phantom, fmt.Sprint(id))
		}
	}
	if len(phantom) > 0 {
		out = append(out, Violation{"payments recorded approved that Mercado Pago does not have approved", phantom})
	}
	return out, nil
}

// PaymentDecisions counts the recorded payments by "status/outcome" (e.g. "approved/confirmed",
// "approved/refund", "rejected/").
func (s *System) PaymentDecisions(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	rows, err := s.strings(ctx, `SELECT status || '/' || outcome FROM payments`)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r]++
	}
	return out, nil
}

// ReplyViolations checks that every message in accepted (wamids the ingress answered 200)
// was stored once and handled, and that every reply was sent once:
//   - each accepted wamid has its inbound row, marked processed;
//   - each accepted wamid got at least one reply recorded as accepted by WhatsApp;
//   - every message the fake Graph API accepted is recorded in outbound_messages, once: a
//     message sent but not recorded is what a retried handler sends a second time;
//   - no recorded reply has its (in_reply_to, part) twice.
func (s *System) ReplyViolations(ctx context.Context, accepted []string) ([]Violation, error) {
	var out []Violation
	stored := map[string]bool{}
	answered := map[string]int{}
	rows, err := s.DB.Query(ctx, `
		SELECT i.wamid, i.processed_at IS NOT NULL,
		       (SELECT count(*) FROM outbound_messages o WHERE o.in_reply_to = i.wamid AND o.wamid IS NOT NULL)
		  FROM inbound_messages i WHERE i.wamid = ANY($1)`, accepted)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var w string
		var processed bool
		var n int
		if err := rows.Scan(&w, &processed, &n); err != nil {
			rows.Close()
			return nil, err
		}
		stored[w] = processed
		answered[w] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var lost, unprocessed, unanswered []string
	for _, w := range accepted {
		processed, ok := stored[w]
		switch {
		case !ok:
			lost = append(lost, w)
		case !processed:
			unprocessed = append(unprocessed, w)
		case answered[w] == 0:
			unanswered = append(unanswered, w)
		}
	}
	if len(lost) > 0 {
		out = append(out, Violation{fmt.Sprintf("%d webhooks answered 200 but never stored (lost)", len(lost)), first(lost, 5)})
	}
	if len(unprocessed) > 0 {
		out = append(out, Violation{fmt.Sprintf("%d stored messages never handled", len(unprocessed)), first(unprocessed, 5)})
	}
	if len(unanswered) > 0 {
		out = append(out, Violation{fmt.Sprintf("%d handled messages without a reply", len(unanswered)), first(unanswered, 5)})
	}

	recorded := map[string]int{}
	rows, err = s.DB.Query(ctx, `SELECT wamid FROM outbound_messages WHERE wamid IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			rows.Close()
			return nil, err
		}
		recorded[w]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var unrecorded []string
	for _, m := range s.Graph.Sent() {
		if recorded[m.WAMID] != 1 {
			unrecorded = append(unrecorded, fmt.Sprintf("%s to …%s %q (recorded %d times)", m.WAMID, last4(m.WaID), trim(m.Text, 40), recorded[m.WAMID]))
		}
	}
	if len(unrecorded) > 0 {
		out = append(out, Violation{fmt.Sprintf("%d messages WhatsApp accepted that are not recorded exactly once (a duplicate send)", len(unrecorded)), first(unrecorded, 5)})
	}
	dupParts, err := s.strings(ctx, `
		SELECT in_reply_to || '#' || part FROM outbound_messages WHERE in_reply_to <> '' AND wamid IS NOT NULL
		 GROUP BY in_reply_to, part HAVING count(*) > 1`)
	if err != nil {
		return nil, err
	}
	if len(dupParts) > 0 {
		out = append(out, Violation{"reply parts sent twice", dupParts})
	}
	return out, nil
}

// OutOfOrder returns, per guest, messages that were handled before an earlier message of the
// same guest (by the ingress's numbering).
func (s *System) OutOfOrder(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `
		SELECT wa_id || ' seq ' || seq FROM (
		  SELECT wa_id, seq, processed_at,
		         max(processed_at) OVER (PARTITION BY wa_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier
		    FROM inbound_messages WHERE processed_at IS NOT NULL) x
		 WHERE earlier > processed_at`)
}

// RequireNoViolations fails the test with every violation found.
func RequireNoViolations(t testing.TB, vs []Violation, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("e2e: checking invariants: %v", err)
	}
	for _, v := range vs {
		t.Errorf("invariant broken: %s", v)
	}
	if len(vs) > 0 {
		t.FailNow()
	}
}

// CheckViolations reports every violation as a test error and goes on; it returns false when
// there was any.
func CheckViolations(t testing.TB, vs []Violation, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("e2e: checking invariants: %v", err)
		return false
	}
	for _, v := range vs {
		t.Errorf("invariant broken: %s", v)
	}
	return len(vs) == 0
}

// DeadTasks lists the tasks asynq gave up on (archived), by type.
func (s *System) DeadTasks() (map[string]int, error) {
	insp := asynq.NewInspector(s.RedisOpt())
	defer insp.Close()
	queues, err := insp.Queues()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, q := range queues {
		tasks, err := insp.ListArchivedTasks(q, asynq.PageSize(1000))
		if err != nil {
			return nil, err
		}
		for _, ti := range tasks {
			out[ti.Type+": "+trim(ti.LastErr, 80)]++
		}
	}
	return out, nil
}

// BusyTasks describes the tasks not done yet (pending, active, scheduled, retry), for failure
// messages.
func (s *System) BusyTasks() []string {
	insp := asynq.NewInspector(s.RedisOpt())
	defer insp.Close()
	queues, err := insp.Queues()
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, q := range queues {
		lists := []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
			insp.ListPendingTasks, insp.ListActiveTasks, insp.ListScheduledTasks, insp.ListRetryTasks,
		}
		for _, list := range lists {
			tasks, err := list(q, asynq.PageSize(20))
			if err != nil {
				out = append(out, err.Error())
				continue
			}
			for _, ti := range tasks {
				out = append(out, fmt.Sprintf("  %s %s %s retried %d/%d next %s last error %q", ti.State, ti.Type, trim(ti.ID, 60),
					ti.Retried, ti.MaxRetry, ti.NextProcessAt.Format(time.TimeOnly), trim(ti.LastErr, 100)))
			}
		}
	}
	return out
}

// RetryingMessages returns the wamids of whatsapp:message tasks waiting for a retry, with the
// time of their next attempt.
func (s *System) RetryingMessages() (map[string]time.Time, error) {
	insp := asynq.NewInspector(s.RedisOpt())
	defer insp.Close()
	queues, err := insp.Queues()
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, q := range queues {
		for page := 1; ; page++ {
			tasks, err := insp.ListRetryTasks(q, asynq.PageSize(100), asynq.Page(page))
			if err != nil {
				return nil, err
			}
			for _, ti := range tasks {
				if w, ok := strings.CutPrefix(ti.ID, "wa:"); ok && ti.Type == "whatsapp:message" {
					out[w] = ti.NextProcessAt
				}
			}
			if len(tasks) < 100 {
				break
			}
		}
	}
	return out, nil
}

// WaitQuiet waits until the queues are idle and the fake Graph API has accepted nothing new
// for quiet, so late duplicates would have shown up. It fails the test after within.
func (s *System) WaitQuiet(t testing.TB, within, quiet time.Duration) {
	t.Helper()
	if err := s.Quiet(within, quiet); err != nil {
		t.Fatalf("e2e: %v", err)
	}
}

// Quiet is WaitQuiet returning an error that lists the unfinished tasks.
func (s *System) Quiet(within, quiet time.Duration) error {
	deadline := time.Now().Add(within)
	lastCount, lastChange := -1, time.Now()
	for {
		busy, err := s.QueueBusy()
		n := len(s.Graph.Sent())
		if n != lastCount {
			lastCount, lastChange = n, time.Now()
		}
		if err == nil && busy == 0 && time.Since(lastChange) >= quiet {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not quiet after %s: %d tasks busy (%v):\n%s", within, busy, err, strings.Join(s.BusyTasks(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *System) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Strings(out)
	return out, rows.Err()
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}

func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
