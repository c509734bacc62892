package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/store"
	"github.com/reservas/reservas/tasks"
)

// iCal sync: the fan-out enqueues one ical:sync per feed and period; each sync fetches its feed
// (conditional GET, timeout, size cap), parses it leniently, reconciles blocked nights with the
// feed's claims (ical.Reconcile) and applies the result atomically (store.ApplyFeedSync).
// Conflicts with guests' holds and bookings, and feeds stale for three periods, are sent to
// the owner once.

// SyncOptions adjusts one feed sync. The zero value is what the scheduled task uses.
type SyncOptions struct {
	// Force is the owner vouching for this fetch: it is made without validators, never treated
	// as suspect, and nights it no longer lists are released at once.
	Force bool
	// HTTPClient fetches the feed (nil: a client over http.DefaultTransport).
	HTTPClient *http.Client
	// Timeout bounds the fetch (default ical.DefaultTimeout); MaxBytes caps it (default
	// ical.DefaultMaxBytes).
	Timeout  time.Duration
	MaxBytes int64
	// Policy holds the reconciliation thresholds (zero: ical.DefaultPolicy).
	Policy ical.Policy
}

// Sync results.
const (
	SyncOK        = "ok"
	SyncUnchanged = "unchanged"
	SyncSuspect   = "suspect"
	SyncFailed    = "failed"
	SyncDisabled  = "disabled"
)

// FeedSyncResult is what one feed sync did.
type FeedSyncResult struct {
	Feed store.Feed
	// Result is SyncOK, SyncUnchanged, SyncSuspect, SyncFailed or SyncDisabled.
	Result string
	// Err is why a SyncFailed fetch failed (or why a SyncSuspect one is not trusted).
	Err      error
	Outcome  store.FeedSyncOutcome
	Events   int
	Problems []ical.Problem
	Took     time.Duration
}

// String is one line for people: cabin, channel, result and what changed.
func (r FeedSyncResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\t%s\t%s", r.Feed.CabinName, r.Feed.Channel, r.Result)
	switch r.Result {
	case SyncOK, SyncUnchanged, SyncSuspect:
		o := r.Outcome
		fmt.Fprintf(&b, "\tevents=%d nights=%d +%d -%d pending=%d conflicts=%d", o.Status.EventCount,
			o.Status.NightCount, o.Added, o.Released, o.Pending, o.OpenConflicts)
		if o.NewConflicts > 0 {
			fmt.Fprintf(&b, " (%d new)", o.NewConflicts)
		}
		if n := len(r.Problems); n > 0 {
			fmt.Fprintf(&b, " problems=%d", n)
		}
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "\terror=%q", r.Err.Error())
	}
	fmt.Fprintf(&b, "\t%dms", r.Took.Milliseconds())
	return b.String()
}

// errSuspect wraps the reason a fetch was not trusted.
type errSuspect struct{ reason string }

func (e errSuspect) Error() string { return "suspect fetch: " + e.reason }

// SyncFeed fetches one feed and applies it now. A fetch that fails is recorded on the feed (and
// reported in the result); the error is non-nil only when the store could not be used.
func (d *Deps) SyncFeed(ctx context.Context, feedID int64, opts SyncOptions) (FeedSyncResult, error) {
	start := time.Now()
	f, err := d.Store.GetFeed(ctx, feedID)
	if err != nil {
		return FeedSyncResult{}, fmt.Errorf("sync feed %d: %w", feedID, err)
	}
	res := FeedSyncResult{Feed: f}
	defer func() { res.Took = time.Since(start) }()
	if !f.Enabled {
		res.Result = SyncDisabled
		return res, nil
	}
	loc := d.Config.BusinessTZ
	if z, err := time.LoadLocation(f.TimeZone); err == nil {
		loc = z
	}
	fetcher := ical.Fetcher{Client: opts.HTTPClient, Timeout: opts.Timeout, MaxBytes: opts.MaxBytes, UserAgent: "reservas-ical/1.0"}
	validators := ical.Validators{ETag: f.ETag, LastModified: f.LastModified}
	if opts.Force {
		validators = ical.Validators{}
	}
	resp, fetchErr := fetcher.Fetch(ctx, f.URL, validators)
	var cal *ical.Calendar
	if fetchErr == nil && !resp.NotModified {
		cal, fetchErr = ical.Parse(resp.Body, loc)
	}
	if fetchErr != nil {
		res.Result, res.Err = SyncFailed, fetchErr
		st, err := d.Store.RecordFeedFailure(context.WithoutCancel(ctx), f.ID, d.now(), fetchErr.Error())
		if err != nil {
			return res, fmt.Errorf("sync feed %d: %w", feedID, err)
		}
		res.Outcome.Status = st
		d.Metrics.icalMetrics().syncDone(f.Channel, SyncFailed, 0, 0, 0)
		d.Metrics.icalMetrics().observeFeed(f, st)
		d.Log.Warn().Int64("feed_id", f.ID).Str("channel", f.Channel).Err(fetchErr).Msg("ical feed fetch failed")
		res.Took = time.Since(start)
		return res, nil
	}

	policy := opts.Policy
	if policy.HorizonDays <= 0 {
		policy = ical.DefaultPolicy()
	}
	var events []ical.Event
	if cal != nil {
		events, res.Problems = cal.Events, cal.Problems
	}
	res.Events = len(events)
	in := store.FeedSync{FeedID: f.ID, Now: d.now(), Unchanged: resp.NotModified,
		ETag: resp.Validators.ETag, LastModified: resp.Validators.LastModified}
	out, err := d.Store.ApplyFeedSync(ctx, in, func(today time.Time, claims []store.FeedClaim) (store.FeedClaimChanges, error) {
		return planFeedSync(today, claims, events, resp.NotModified, opts.Force, policy), nil
	})
	if err != nil {
		return res, fmt.Errorf("sync feed %d: %w", feedID, err)
	}
	res.Outcome = out
	switch {
	case out.Suspect != "":
		res.Result, res.Err = SyncSuspect, errSuspect{out.Suspect}
	case resp.NotModified:
		res.Result = SyncUnchanged
	default:
		res.Result = SyncOK
	}
	m := d.Metrics.icalMetrics()
	m.syncDone(f.Channel, res.Result, out.Added, out.Released, out.NewConflicts)
	m.observeFeed(f, out.Status)
	for i := 0; i < out.NewConflicts; i++ {
		d.Metrics.Event("ical_conflict")
	}
	ev := d.Log.Info()
	if res.Result == SyncSuspect {
		ev = d.Log.Warn().Str("suspect", out.Suspect)
	}
	ev.Int64("feed_id", f.ID).Str("channel", f.Channel).Str("result", res.Result).Int("events", len(events)).
		Int("rejected", rejected(res.Problems)).Int("added", out.Added).Int("released", out.Released).
		Int("pending", out.Pending).Int("new_conflicts", out.NewConflicts).Msg("ical feed synced")

	// Alerts go out after the commit; a failed send is given back and retried next sync.
	d.sendConflictAlerts(context.WithoutCancel(ctx), f)
	if out.Recovered {
		d.icalTellOwner(context.WithoutCancel(ctx), fmt.Sprintf("✅ El calendario de %s de %s volvió a sincronizar bien.",
			channelName(f.Channel), f.CabinName))
	}
	res.Took = time.Since(start)
	return res, nil
}

func rejected(ps []ical.Problem) int {
	n := 0
	for _, p := range ps {
		if p.Rejected {
			n++
		}
	}
	return n
}

// planFeedSync is the pure step: the feed's claims and what the fetch said, to claim changes.
func planFeedSync(today time.Time, claims []store.FeedClaim, events []ical.Event, unchanged, force bool, p ical.Policy) store.FeedClaimChanges {
	in := ical.Input{Today: today, Events: events, Unchanged: unchanged, Force: force}
	in.Claims = make([]ical.Claim, len(claims))
	for i, c := range claims {
		in.Claims[i] = ical.Claim{Night: c.Night, Reserved: c.Reserved, Missing: c.Missing}
	}
	plan := ical.Reconcile(in, p)
	ch := store.FeedClaimChanges{Release: plan.Release, Forget: plan.Forget, Suspect: plan.Suspect, EventCount: len(events)}
	for _, c := range plan.Add {
		ch.Add = append(ch.Add, store.FeedClaim{Night: c.Night, Reserved: c.Reserved})
	}
	for _, c := range plan.Update {
		ch.Update = append(ch.Update, store.FeedClaim{Night: c.Night, Reserved: c.Reserved, Missing: c.Missing})
	}
	for _, e := range events {
		if !e.Reserved {
			ch.ClosedRanges = append(ch.ClosedRanges, store.FeedRange{Start: e.Start, End: e.End})
		}
	}
	return ch
}

// HandleICalSync syncs the feed named by an ical:sync task.
func (d *Deps) HandleICalSync(ctx context.Context, t *asynq.Task) error {
	var p tasks.ICalSync
	if err := tasks.Decode(t, &p); err != nil {
		return err
	}
	_, err := d.SyncFeed(ctx, p.FeedID, SyncOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil // the feed was deleted after the task was queued
	}
	return err
}

// HandleICalFanout enqueues an ical:sync for every enabled feed for the current period, and
// tells the owner about feeds without a good sync for three periods.
func (d *Deps) HandleICalFanout(ctx context.Context, _ *asynq.Task) error {
	now := d.now()
	every := d.icalEvery()
	if _, err := d.EnqueueICalSyncs(ctx, now.Truncate(every)); err != nil {
		return err
	}
	return d.alertStaleFeeds(ctx, now, 3*every)
}

func (d *Deps) icalEvery() time.Duration {
	if d.Config.ICalSyncEvery > 0 {
		return d.Config.ICalSyncEvery
	}
	return 5 * time.Minute
}

// EnqueueICalSyncs enqueues one ical:sync per enabled feed for period (tasks.NewICalSync: unique
// per feed and period, so a second scheduler or a slow sync never doubles one) and returns how
// many were new.
func (d *Deps) EnqueueICalSyncs(ctx context.Context, period time.Time) (int, error) {
	if d.Queue == nil {
		return 0, errors.New("enqueue ical syncs: no queue client")
	}
	feeds, err := d.Store.ListFeeds(ctx, store.FeedFilter{})
	if err != nil {
		return 0, fmt.Errorf("enqueue ical syncs: %w", err)
	}
	m := d.Metrics.icalMetrics()
	m.forgetFeeds(feeds)
	n := 0
	for _, f := range feeds {
		m.observeFeed(f, f.Status)
		if !f.Enabled {
			continue
		}
		task, err := tasks.NewICalSync(tasks.ICalSync{FeedID: f.ID}, period)
		if err != nil {
			return n, err
		}
		_, err = d.Queue.EnqueueContext(ctx, task)
		switch {
		case err == nil:
			n++
		case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
		default:
			return n, fmt.Errorf("enqueue ical sync of feed %d: %w", f.ID, err)
		}
	}
	return n, nil
}

// SyncCabinFeeds syncs every enabled feed of a cabin now, in parallel, within timeout. Payments
// call it before confirming a stay that starts within 7 days, so a booking made on another
// channel minutes ago is caught: any overlap with the stay is then an open conflict (see
// store.ListFeedConflicts with ReservationID) and the owner has been alerted. The error joins
// the feeds that could not be synced in time; the caller decides whether to confirm anyway.
func (d *Deps) SyncCabinFeeds(ctx context.Context, accommodationID int64, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	feeds, err := d.Store.ListFeeds(ctx, store.FeedFilter{AccommodationID: accommodationID, EnabledOnly: true})
	if err != nil {
		return fmt.Errorf("sync cabin %d feeds: %w", accommodationID, err)
	}
	errs := make([]error, len(feeds))
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := d.SyncFeed(ctx, f.ID, SyncOptions{Timeout: timeout})
			switch {
			case err != nil:
				errs[i] = err
			case res.Result == SyncFailed:
				errs[i] = fmt.Errorf("feed %d (%s): %w", f.ID, f.Channel, res.Err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sendConflictAlerts tells the owner about a feed's new conflicts, once each.
func (d *Deps) sendConflictAlerts(ctx context.Context, f store.Feed) {
	if d.WhatsApp == nil || d.Config.OwnerPhone == "" {
		return // stays unalerted (visible in the admin) until a worker that can send syncs it
	}
	cs, err := d.Store.ClaimFeedConflictAlerts(ctx, f.ID, d.now())
	if err != nil {
		d.Log.Warn().Err(err).Int64("feed_id", f.ID).Msg("could not claim ical conflict alerts")
		return
	}
	for _, c := range cs {
		if _, _, err := d.sendText(ctx, d.Config.OwnerPhone, conflictMessage(c)); err != nil {
			d.Log.Warn().Err(err).Int64("conflict_id", c.ID).Msg("could not send ical conflict alert")
			if err := d.Store.UnclaimFeedConflictAlert(ctx, c.ID); err != nil {
				d.Log.Warn().Err(err).Int64("conflict_id", c.ID).Msg("could not give back ical conflict alert")
			}
		}
	}
}

// alertStaleFeeds tells the owner, once per episode, about feeds without a good sync for staleAfter.
func (d *Deps) alertStaleFeeds(ctx context.Context, now time.Time, staleAfter time.Duration) error {
	if d.WhatsApp == nil || d.Config.OwnerPhone == "" {
		return nil
	}
	feeds, err := d.Store.ClaimStaleFeeds(ctx, now, staleAfter)
	if err != nil {
		return fmt.Errorf("stale ical feeds: %w", err)
	}
	for _, f := range feeds {
		if _, _, err := d.sendText(ctx, d.Config.OwnerPhone, staleMessage(f, now)); err != nil {
			d.Log.Warn().Err(err).Int64("feed_id", f.ID).Msg("could not send stale ical feed alert")
			if err := d.Store.UnclaimStaleFeed(ctx, f.ID); err != nil {
				d.Log.Warn().Err(err).Int64("feed_id", f.ID).Msg("could not give back stale ical feed alert")
			}
		}
	}
	return nil
}

func (d *Deps) icalTellOwner(ctx context.Context, body string) {
	if d.WhatsApp == nil || d.Config.OwnerPhone == "" {
		return
	}
	if _, _, err := d.sendText(ctx, d.Config.OwnerPhone, body); err != nil {
		d.Log.Warn().Err(err).Msg("could not send ical notice to the owner")
	}
}

// channelName is how the owner knows a channel.
func channelName(ch string) string {
	switch ch {
	case "airbnb":
		return "Airbnb"
	case "booking", "booking.com", "bookingcom":
		return "Booking.com"
	case "vrbo":
		return "Vrbo"
	}
	return ch
}

func ddmm(t time.Time) string { return t.Format("02/01") }

// conflictMessage is the owner's alert (Spanish, vos). It names the reservation code and dates,
// never the guest.
func conflictMessage(c store.FeedConflict) string {
	ch := channelName(c.Channel)
	what := "marca ocupadas"
	if c.Reserved {
		what = "tiene una reserva en"
	}
	nights := "1 noche"
	if c.NightCount != 1 {
		nights = fmt.Sprintf("%d noches", c.NightCount)
	}
	local := "confirmada"
	if c.ReservationStatus == "pre_reserved" {
		local = "en espera de pago"
	}
	msg := fmt.Sprintf("⚠️ Conflicto de calendario en %s: %s %s %s entre el %s y el %s, que ya son de la reserva %s (%s, %s al %s).",
		c.CabinName, ch, what, nights, ddmm(c.FirstNight), ddmm(c.EndNight), c.ReservationCode, local,
		ddmm(c.CheckIn), ddmm(c.CheckOut))
	if c.LikelyEcho {
		msg += fmt.Sprintf(" Las fechas coinciden justo con nuestra reserva: puede ser %s mostrando nuestro propio calendario. Si allá no hay otra reserva, no hace falta hacer nada.", ch)
	} else {
		msg += fmt.Sprintf(" No se bloqueó nada encima de la reserva: revisá %s y decidí cuál queda.", ch)
	}
	return msg
}

func staleMessage(f store.Feed, now time.Time) string {
	since := "nunca se sincronizó"
	if f.Status.LastSuccessAt != nil {
		since = fmt.Sprintf("no se sincroniza hace %d minutos", int(now.Sub(*f.Status.LastSuccessAt).Minutes()))
	}
	msg := fmt.Sprintf("⚠️ El calendario de %s de %s %s, así que una reserva hecha allá podría no estar bloqueada acá.",
		channelName(f.Channel), f.CabinName, since)
	switch f.Status.LastResult {
	case "suspect":
		msg += fmt.Sprintf(" Llegó vacío o con muchas menos noches que antes, y por seguridad no se liberó ninguna. Si es correcto, corré: reservas feeds sync --cabin %q --force", f.CabinName)
	case "failed":
		msg += " No se pudo descargar (" + f.Status.LastError + "): revisá el enlace del calendario."
	}
	return msg
}

// icalMetrics is nil-safe access to the iCal series.
func (m *Metrics) icalMetrics() *ICalMetrics {
	if m == nil {
		return nil
	}
	return m.ICal
}
