package store

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// iCal channel sync: imported feeds, the nights each blocks, the blocks they become in
// reservations, the conflicts with guests' bookings, and the secret export URLs.
//
// Imported blocks are reservations rows with kind 'imported_block', source = the feed's channel,
// status 'confirmed' while active and 'released' once the channel frees the nights. Their
// blocked_until equals check_out: the other channel applies its own preparation time (Airbnb
// exports it as "Not available" nights), so the cabin's buffer is not applied a second time. A
// local stay keeps its own buffer in its blocked_until, so the exclusion constraint still keeps
// the turnover night after every local stay free of imported check-ins, and the export shows
// that night as taken so the other channel does not sell it either.

// FeedCabin is the part of a cabin the iCal sync needs.
type FeedCabin struct {
	ID         int64
	Name       string
	TimeZone   string
	BufferDays int
}

// FeedStatus is how a feed's syncs went.
type FeedStatus struct {
	LastAttemptAt *time.Time
	LastSuccessAt *time.Time
	// LastResult is new, ok, unchanged (a 304), suspect (fetched, not trusted to release
	// anything) or failed.
	LastResult   string
	LastError    string
	Healthy      bool
	EventCount   int
	NightCount   int
	PendingCount int
	// StaleAlertedAt is when the owner was told the feed went stale (nil: not told, or recovered).
	StaleAlertedAt *time.Time
}

// Feed is one imported calendar of a cabin.
type Feed struct {
	ID              int64
	AccommodationID int64
	CabinName       string
	TimeZone        string
	Channel         string
	URL             string
	Enabled         bool
	ETag            string
	LastModified    string
	Status          FeedStatus
	CreatedAt       time.Time
}

const feedColumns = `f.id, f.accommodation_id, a.name, a.time_zone, f.channel, f.url, f.enabled, f.etag,
	f.last_modified, f.last_attempt_at, f.last_success_at, f.last_result, f.last_error, f.healthy,
	f.event_count, f.night_count, f.pending_count, f.stale_alerted_at, f.created_at`

func scanFeed(row pgx.Row) (Feed, error) {
	var f Feed
	err := row.Scan(&f.ID, &f.AccommodationID, &f.CabinName, &f.TimeZone, &f.Channel, &f.URL, &f.Enabled,
		&f.ETag, &f.LastModified, &f.Status.LastAttemptAt, &f.Status.LastSuccessAt, &f.Status.LastResult,
		&f.Status.LastError, &f.Status.Healthy, &f.Status.EventCount, &f.Status.NightCount,
		&f.Status.PendingCount, &f.Status.StaleAlertedAt, &f.CreatedAt)
	return f, err
}

var channelRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// NormalizeChannel lower-cases and checks a channel name ("Airbnb" -> "airbnb").
func NormalizeChannel(s string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(s))
	if !channelRe.MatchString(c) {
		return "", fmt.Errorf("channel %q: use letters, digits, '.', '_' or '-' (at most 32)", s)
	}
	return c, nil
}

func checkFeedURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", errors.New("feed URL must be an absolute http(s) URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "webcal", "webcals":
		u.Scheme = "https"
	default:
		return "", errors.New("feed URL must be an absolute http(s) URL")
	}
	return u.String(), nil
}

// FindFeedCabin finds a cabin by name (exact, else the only case-insensitive match).
func (s *Store) FindFeedCabin(ctx context.Context, name string) (FeedCabin, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, name, time_zone, buffer_days FROM accommodations
		WHERE lower(name) = lower($1) ORDER BY (name = $1) DESC, id`, strings.TrimSpace(name))
	if err != nil {
		return FeedCabin{}, fmt.Errorf("find cabin: %w", MapError(err))
	}
	cabins, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedCabin, error) {
		var c FeedCabin
		err := r.Scan(&c.ID, &c.Name, &c.TimeZone, &c.BufferDays)
		return c, err
	})
	if err != nil {
		return FeedCabin{}, fmt.Errorf("find cabin: %w", MapError(err))
	}
	switch {
	case len(cabins) == 0:
		return FeedCabin{}, fmt.Errorf("cabin %q: %w", name, ErrNotFound)
	case len(cabins) > 1 && cabins[0].Name != strings.TrimSpace(name):
		return FeedCabin{}, fmt.Errorf("cabin %q matches %d cabins: %w", name, len(cabins), ErrNotFound)
	}
	return cabins[0], nil
}

// AddFeed registers a channel's feed for a cabin, and the export URL of that (cabin, channel)
// if it has none yet. ErrDuplicate when the cabin already imports that channel.
func (s *Store) AddFeed(ctx context.Context, accommodationID int64, channel, feedURL string) (Feed, error) {
	ch, err := NormalizeChannel(channel)
	if err != nil {
		return Feed{}, fmt.Errorf("add feed: %w", err)
	}
	u, err := checkFeedURL(feedURL)
	if err != nil {
		return Feed{}, fmt.Errorf("add feed: %w", err)
	}
	var id int64
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO ical_feeds (accommodation_id, channel, url) VALUES ($1, $2, $3)
			RETURNING id`, accommodationID, ch, u).Scan(&id); err != nil {
			return MapError(err)
		}
		_, err := ensureExport(ctx, tx, accommodationID, ch)
		return err
	})
	if err != nil {
		return Feed{}, fmt.Errorf("add feed: %w", err)
	}
	return s.GetFeed(ctx, id)
}

// GetFeed reads one feed.
func (s *Store) GetFeed(ctx context.Context, id int64) (Feed, error) {
	f, err := scanFeed(s.Pool.QueryRow(ctx, `SELECT `+feedColumns+` FROM ical_feeds f
		JOIN accommodations a ON a.id = f.accommodation_id WHERE f.id = $1`, id))
	if err != nil {
		return Feed{}, fmt.Errorf("get feed %d: %w", id, MapError(err))
	}
	return f, nil
}

// FeedFilter narrows ListFeeds; zero values match everything.
type FeedFilter struct {
	AccommodationID int64
	EnabledOnly     bool
}

// ListFeeds lists feeds by cabin name and channel.
func (s *Store) ListFeeds(ctx context.Context, filter FeedFilter) ([]Feed, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+feedColumns+` FROM ical_feeds f
		JOIN accommodations a ON a.id = f.accommodation_id
		WHERE ($1 = 0 OR f.accommodation_id = $1) AND (NOT $2 OR f.enabled)
		ORDER BY a.name, f.channel`, filter.AccommodationID, filter.EnabledOnly)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", MapError(err))
	}
	feeds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Feed, error) { return scanFeed(r) })
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", MapError(err))
	}
	return feeds, nil
}

// UpdateFeed changes a feed's URL and whether it is synced. A new URL forgets the old one's
// conditional-GET validators.
func (s *Store) UpdateFeed(ctx context.Context, id int64, feedURL string, enabled bool) (Feed, error) {
	u, err := checkFeedURL(feedURL)
	if err != nil {
		return Feed{}, fmt.Errorf("update feed: %w", err)
	}
	tag, err := s.Pool.Exec(ctx, `UPDATE ical_feeds SET url = $2, enabled = $3, updated_at = now(),
			etag = CASE WHEN url = $2 THEN etag ELSE '' END,
			last_modified = CASE WHEN url = $2 THEN last_modified ELSE '' END
		WHERE id = $1`, id, u, enabled)
	if err != nil {
		return Feed{}, fmt.Errorf("update feed: %w", MapError(err))
	}
	if tag.RowsAffected() == 0 {
		return Feed{}, fmt.Errorf("update feed %d: %w", id, ErrNotFound)
	}
	return s.GetFeed(ctx, id)
}

// DeleteFeed stops importing a feed: its active imported blocks are released, its nights and
// conflicts forgotten. The export URL of the (cabin, channel) stays.
func (s *Store) DeleteFeed(ctx context.Context, id int64, now time.Time) error {
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var accID int64
		var channel string
		if err := tx.QueryRow(ctx, `DELETE FROM ical_feeds WHERE id = $1 RETURNING accommodation_id, channel`, id).
			Scan(&accID, &channel); err != nil {
			return MapError(err)
		}
		_, err := tx.Exec(ctx, `UPDATE reservations SET status = 'released', updated_at = $3
			WHERE accommodation_id = $1 AND kind = 'imported_block' AND source = $2 AND active`, accID, channel, now)
		return MapError(err)
	})
	if err != nil {
		return fmt.Errorf("delete feed %d: %w", id, err)
	}
	return nil
}

// FeedExport is the secret export URL of a (cabin, channel).
type FeedExport struct {
	ID               int64
	AccommodationID  int64
	CabinName        string
	TimeZone         string
	Channel          string
	Token            string
	ContentHash      string
	ContentChangedAt time.Time
	RotatedAt        *time.Time
	CreatedAt        time.Time
}

// URL is the export's address under the public base URL.
func (e FeedExport) URL(publicBaseURL string) string {
	return strings.TrimRight(publicBaseURL, "/") + "/ical/" + e.Token + ".ics"
}

const exportColumns = `e.id, e.accommodation_id, a.name, a.time_zone, e.channel, e.token, e.content_hash,
	e.content_changed_at, e.rotated_at, e.created_at`

func scanExport(row pgx.Row) (FeedExport, error) {
	var e FeedExport
	err := row.Scan(&e.ID, &e.AccommodationID, &e.CabinName, &e.TimeZone, &e.Channel, &e.Token, &e.ContentHash,
		&e.ContentChangedAt, &e.RotatedAt, &e.CreatedAt)
	return e, err
}

// newExportToken returns 256 random bits, URL-safe (43 characters).
func newExportToken() (string, error) {
	b := make([]byte, 32)
	if _, err := crand.Read(b); err != nil {
		return "", fmt.Errorf("export token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var exportTokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// ValidExportToken reports whether s has the shape of an export token (so junk never reaches
// the database).
func ValidExportToken(s string) bool { return exportTokenRe.MatchString(s) }

func ensureExport(ctx context.Context, db DB, accommodationID int64, channel string) (int64, error) {
	token, err := newExportToken()
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.QueryRow(ctx, `WITH ins AS (
			INSERT INTO ical_exports (accommodation_id, channel, token) VALUES ($1, $2, $3)
			ON CONFLICT (accommodation_id, channel) DO NOTHING RETURNING id)
		SELECT id FROM ins UNION ALL
		SELECT id FROM ical_exports WHERE accommodation_id = $1 AND channel = $2 LIMIT 1`,
		accommodationID, channel, token).Scan(&id)
	return id, MapError(err)
}

// EnsureFeedExport returns the export URL of a (cabin, channel), creating it if needed.
func (s *Store) EnsureFeedExport(ctx context.Context, accommodationID int64, channel string) (FeedExport, error) {
	ch, err := NormalizeChannel(channel)
	if err != nil {
		return FeedExport{}, fmt.Errorf("export: %w", err)
	}
	id, err := ensureExport(ctx, s.Pool, accommodationID, ch)
	if err != nil {
		return FeedExport{}, fmt.Errorf("export: %w", err)
	}
	return s.getExport(ctx, `e.id = $1`, id)
}

// RotateFeedExport gives a (cabin, channel) a new secret token (creating the export if it had
// none); the old URL answers 404 from now on.
func (s *Store) RotateFeedExport(ctx context.Context, accommodationID int64, channel string, now time.Time) (FeedExport, error) {
	ch, err := NormalizeChannel(channel)
	if err != nil {
		return FeedExport{}, fmt.Errorf("rotate export: %w", err)
	}
	token, err := newExportToken()
	if err != nil {
		return FeedExport{}, err
	}
	var id int64
	err = s.Pool.QueryRow(ctx, `INSERT INTO ical_exports (accommodation_id, channel, token) VALUES ($1, $2, $3)
		ON CONFLICT (accommodation_id, channel) DO UPDATE SET token = EXCLUDED.token, rotated_at = $4,
			content_hash = '', content_changed_at = $4
		RETURNING id`, accommodationID, ch, token, now).Scan(&id)
	if err != nil {
		return FeedExport{}, fmt.Errorf("rotate export: %w", MapError(err))
	}
	return s.getExport(ctx, `e.id = $1`, id)
}

// FeedExportByToken finds the export a token opens; ErrNotFound for an unknown token.
func (s *Store) FeedExportByToken(ctx context.Context, token string) (FeedExport, error) {
	if !ValidExportToken(token) {
		return FeedExport{}, fmt.Errorf("export token: %w", ErrNotFound)
	}
	return s.getExport(ctx, `e.token = $1`, token)
}

func (s *Store) getExport(ctx context.Context, where string, arg any) (FeedExport, error) {
	e, err := scanExport(s.Pool.QueryRow(ctx, `SELECT `+exportColumns+` FROM ical_exports e
		JOIN accommodations a ON a.id = e.accommodation_id WHERE `+where, arg))
	if err != nil {
		return FeedExport{}, fmt.Errorf("get export: %w", MapError(err))
	}
	return e, nil
}

// ListFeedExports lists export URLs, of one cabin or (accommodationID 0) of all.
func (s *Store) ListFeedExports(ctx context.Context, accommodationID int64) ([]FeedExport, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+exportColumns+` FROM ical_exports e
		JOIN accommodations a ON a.id = e.accommodation_id
		WHERE $1 = 0 OR e.accommodation_id = $1 ORDER BY a.name, e.channel`, accommodationID)
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedExport, error) { return scanExport(r) })
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", MapError(err))
	}
	return out, nil
}

// NoteFeedExportContent records the hash of what an export serves now and returns since when it
// has served it: the feed's Last-Modified, which moves exactly when its bytes change.
func (s *Store) NoteFeedExportContent(ctx context.Context, exportID int64, hash string, now time.Time) (time.Time, error) {
	var changed time.Time
	err := s.Pool.QueryRow(ctx, `WITH u AS (
			UPDATE ical_exports SET content_hash = $2, content_changed_at = $3
			WHERE id = $1 AND content_hash <> $2 RETURNING content_changed_at)
		SELECT content_changed_at FROM u UNION ALL
		SELECT content_changed_at FROM ical_exports WHERE id = $1 AND content_hash = $2 LIMIT 1`,
		exportID, hash, now).Scan(&changed)
	if err != nil {
		return time.Time{}, fmt.Errorf("note export content: %w", MapError(err))
	}
	return changed, nil
}

// ExportOccupancy is one occupancy as an export shows it: no guest data.
type ExportOccupancy struct {
	ID   string
	Kind string
	// Source is the channel an imported block came from.
	Source string
	Status string
	// Start and End are what the exclusion constraint blocks: check_in and blocked_until (a local
	// stay's turnover buffer is exported as taken, so other channels don't sell it either).
	Start, End time.Time
	UpdatedAt  time.Time
}

// ExportOccupancies lists what a (cabin, channel) export shows: every active occupancy (holds,
// confirmed bookings, manual blocks, blocks imported from other channels) that blocks a night in
// [from, to), leaving out what was imported from that same channel.
func (s *Store) ExportOccupancies(ctx context.Context, accommodationID int64, channel string, from, to time.Time) ([]ExportOccupancy, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id::text, kind, source, status, check_in, blocked_until, updated_at
		FROM reservations
		WHERE accommodation_id = $1 AND active AND blocked_until > $3 AND check_in < $4
		  AND NOT (kind = 'imported_block' AND source = $2)
		ORDER BY check_in, id`, accommodationID, channel, from, to)
	if err != nil {
		return nil, fmt.Errorf("export occupancies: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExportOccupancy, error) {
		var o ExportOccupancy
		err := r.Scan(&o.ID, &o.Kind, &o.Source, &o.Status, &o.Start, &o.End, &o.UpdatedAt)
		o.Start, o.End = civilDate(o.Start), civilDate(o.End)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("export occupancies: %w", MapError(err))
	}
	return out, nil
}

// FeedClaim is a night a feed blocks.
type FeedClaim struct {
	Night    time.Time
	Reserved bool
	// Missing: the last good fetch no longer listed it (pending release).
	Missing bool
}

// FeedRange is a half-open run of nights.
type FeedRange struct {
	Start, End time.Time
}

// FeedClaimChanges is what one fetch changes in a feed's claims (see ical.Reconcile).
type FeedClaimChanges struct {
	Add, Update     []FeedClaim
	Release, Forget []time.Time
	// Suspect is why the fetch is not trusted ("" when it is): the feed is marked unhealthy, its
	// validators are not stored and it does not count as a good sync.
	Suspect string
	// EventCount is how many events the fetch had (ignored for a 304).
	EventCount int
	// ClosedRanges are the fetch's events that are not reservations, for telling a conflict
	// that merely mirrors our own export (same dates exactly).
	ClosedRanges []FeedRange
}

// FeedSync is one fetch to apply.
type FeedSync struct {
	FeedID int64
	Now    time.Time
	// Unchanged is a 304 Not Modified.
	Unchanged bool
	// Validators the server sent; stored when the fetch is trusted (empty keeps the old ones
	// for a 304).
	ETag, LastModified string
}

// FeedSyncOutcome is what applying a fetch did.
type FeedSyncOutcome struct {
	Today           time.Time
	Added, Released int
	Pending         int
	BlocksInserted  int
	BlocksUpdated   int
	BlocksReleased  int
	NewConflicts    int
	OpenConflicts   int
	Suspect         string
	// Recovered: the owner had been told the feed was stale, and this sync was good.
	Recovered bool
	Status    FeedStatus
}

// FeedPlanFunc decides a feed's claim changes from its current claims (from today on) and the
// cabin's today. It runs inside the transaction, with the feed locked, and must not do I/O.
type FeedPlanFunc func(today time.Time, claims []FeedClaim) (FeedClaimChanges, error)

// ApplyFeedSync applies one fetch of a feed atomically: it locks the feed, lets plan compute the
// claim changes, stores them, turns the claims into imported blocks (leaving out nights under
// other occupancies and recording conflicts with guests' holds and bookings), and updates the
// feed's status. A guest's booking inserted concurrently over a night being blocked makes the
// exclusion constraint refuse the block; the whole thing is then retried and the night becomes
// a conflict.
func (s *Store) ApplyFeedSync(ctx context.Context, in FeedSync, plan FeedPlanFunc) (FeedSyncOutcome, error) {
	var out FeedSyncOutcome
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = s.InTx(ctx, func(tx pgx.Tx) error {
			var e error
			out, e = applyFeedSync(ctx, tx, in, plan)
			return e
		})
		if !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		return FeedSyncOutcome{}, fmt.Errorf("apply feed %d sync: %w", in.FeedID, err)
	}
	return out, nil
}

type lockedFeed struct {
	id, accID      int64
	channel, tz    string
	staleAlertedAt *time.Time
}

func lockFeed(ctx context.Context, tx pgx.Tx, feedID int64) (lockedFeed, error) {
	var f lockedFeed
	err := tx.QueryRow(ctx, `SELECT f.id, f.accommodation_id, f.channel, a.time_zone, f.stale_alerted_at
		FROM ical_feeds f JOIN accommodations a ON a.id = f.accommodation_id
		WHERE f.id = $1 FOR UPDATE OF f`, feedID).Scan(&f.id, &f.accID, &f.channel, &f.tz, &f.staleAlertedAt)
	if err != nil {
		return f, MapError(err)
	}
	// One materialisation per cabin at a time: feeds of one cabin echo each other's nights.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1766, $1::int)`, int32(f.accID)); err != nil {
		return f, MapError(err)
	}
	return f, nil
}

func cabinToday(now time.Time, tz string) time.Time {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return civilDate(now.In(loc))
}

// civilDate is the calendar date of t in its own location, as 00:00 UTC.
func civilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func applyFeedSync(ctx context.Context, tx pgx.Tx, in FeedSync, plan FeedPlanFunc) (FeedSyncOutcome, error) {
	var out FeedSyncOutcome
	f, err := lockFeed(ctx, tx, in.FeedID)
	if err != nil {
		return out, err
	}
	today := cabinToday(in.Now, f.tz)
	out.Today = today
	claims, err := loadClaims(ctx, tx, f.id)
	if err != nil {
		return out, err
	}
	ch, err := plan(today, claims)
	if err != nil {
		return out, err
	}
	out.Suspect = ch.Suspect
	out.Added, out.Released = len(ch.Add), len(ch.Release)
	if err := writeClaims(ctx, tx, f.id, ch, in.Now); err != nil {
		return out, err
	}
	m, err := materialize(ctx, tx, f, today, in.Now, ch.ClosedRanges, !in.Unchanged)
	if err != nil {
		return out, err
	}
	out.BlocksInserted, out.BlocksUpdated, out.BlocksReleased = m.inserted, m.updated, m.released
	out.NewConflicts, out.OpenConflicts = m.newConflicts, m.openConflicts

	result := "ok"
	switch {
	case ch.Suspect != "":
		result = "suspect"
	case in.Unchanged:
		result = "unchanged"
	}
	good := ch.Suspect == ""
	st, err := scanStatus(tx.QueryRow(ctx, `UPDATE ical_feeds SET
			last_attempt_at = $2, updated_at = $2, last_result = $3, last_error = $4, healthy = $5,
			last_success_at = CASE WHEN $5 THEN $2 ELSE last_success_at END,
			stale_alerted_at = CASE WHEN $5 THEN NULL ELSE stale_alerted_at END,
			etag = CASE WHEN $5 AND ($6 <> '' OR NOT $8) THEN $6 ELSE etag END,
			last_modified = CASE WHEN $5 AND ($7 <> '' OR NOT $8) THEN $7 ELSE last_modified END,
			event_count = CASE WHEN $8 THEN event_count ELSE $9 END,
			night_count = (SELECT count(*) FROM ical_feed_nights WHERE feed_id = $1),
			pending_count = (SELECT count(*) FROM ical_feed_nights WHERE feed_id = $1 AND missing_since IS NOT NULL)
		WHERE id = $1 RETURNING `+statusColumns,
		f.id, in.Now, result, ch.Suspect, good, in.ETag, in.LastModified, in.Unchanged, ch.EventCount))
	if err != nil {
		return out, MapError(err)
	}
	out.Status = st
	out.Pending = st.PendingCount
	out.Recovered = good && f.staleAlertedAt != nil
	return out, nil
}

const statusColumns = `last_attempt_at, last_success_at, last_result, last_error, healthy, event_count,
	night_count, pending_count, stale_alerted_at`

func scanStatus(row pgx.Row) (FeedStatus, error) {
	var st FeedStatus
	err := row.Scan(&st.LastAttemptAt, &st.LastSuccessAt, &st.LastResult, &st.LastError, &st.Healthy,
		&st.EventCount, &st.NightCount, &st.PendingCount, &st.StaleAlertedAt)
	return st, err
}

func loadClaims(ctx context.Context, tx pgx.Tx, feedID int64) ([]FeedClaim, error) {
	rows, err := tx.Query(ctx, `SELECT night, reserved, missing_since IS NOT NULL FROM ical_feed_nights
		WHERE feed_id = $1 ORDER BY night`, feedID)
	if err != nil {
		return nil, MapError(err)
	}
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedClaim, error) {
		var c FeedClaim
		err := r.Scan(&c.Night, &c.Reserved, &c.Missing)
		c.Night = civilDate(c.Night)
		return c, err
	})
	return claims, MapError(err)
}

func writeClaims(ctx context.Context, tx pgx.Tx, feedID int64, ch FeedClaimChanges, now time.Time) error {
	if len(ch.Add) > 0 {
		nights, reserved := splitClaims(ch.Add)
		if _, err := tx.Exec(ctx, `INSERT INTO ical_feed_nights (feed_id, night, reserved, first_seen_at)
			SELECT $1, n, r, $4 FROM unnest($2::date[], $3::bool[]) AS t(n, r)
			ON CONFLICT (feed_id, night) DO UPDATE SET reserved = EXCLUDED.reserved, missing_since = NULL`,
			feedID, nights, reserved, now); err != nil {
			return MapError(err)
		}
	}
	if len(ch.Update) > 0 {
		nights, reserved := splitClaims(ch.Update)
		missing := make([]bool, len(ch.Update))
		for i, c := range ch.Update {
			missing[i] = c.Missing
		}
		if _, err := tx.Exec(ctx, `UPDATE ical_feed_nights n SET reserved = t.r,
				missing_since = CASE WHEN NOT t.m THEN NULL ELSE coalesce(n.missing_since, $5) END
			FROM unnest($2::date[], $3::bool[], $4::bool[]) AS t(night, r, m)
			WHERE n.feed_id = $1 AND n.night = t.night`, feedID, nights, reserved, missing, now); err != nil {
			return MapError(err)
		}
	}
	if gone := append(append([]time.Time(nil), ch.Release...), ch.Forget...); len(gone) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM ical_feed_nights WHERE feed_id = $1 AND night = ANY($2::date[])`,
			feedID, gone); err != nil {
			return MapError(err)
		}
	}
	return nil
}

func splitClaims(cs []FeedClaim) ([]time.Time, []bool) {
	nights := make([]time.Time, len(cs))
	reserved := make([]bool, len(cs))
	for i, c := range cs {
		nights[i], reserved[i] = c.Night, c.Reserved
	}
	return nights, reserved
}

// occupancy is an active reservations row as the materialisation sees it.
type occupancy struct {
	id, kind, status, source string
	checkIn, checkOut, until time.Time
}

type materialized struct {
	inserted, updated, released int
	newConflicts, openConflicts int
}

// day numbers make night arithmetic exact.
func dayNum(t time.Time) int  { return int(t.Unix() / 86400) }
func dayDate(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }
func runsOf(nights []int) [][2]int {
	sort.Ints(nights)
	var out [][2]int
	for i, n := range nights {
		if i > 0 && n == nights[i-1] {
			continue
		}
		if len(out) > 0 && out[len(out)-1][1] == n {
			out[len(out)-1][1] = n + 1
			continue
		}
		out = append(out, [2]int{n, n + 1})
	}
	return out
}

// materialize makes the feed's imported blocks match its claims from today on: claimed nights
// under no other occupancy become blocks (extending or adding rows), blocks over nights no longer
// claimed shrink, split or are released; past nights are history and never change. Claimed
// nights under a guest's hold or booking become (or keep) conflicts; under a manual block or
// another channel's block they just wait, and become blocks when that occupancy goes.
func materialize(ctx context.Context, tx pgx.Tx, f lockedFeed, today, now time.Time, closed []FeedRange, freshEvents bool) (materialized, error) {
	var m materialized
	t0 := dayNum(today)
	rows, err := tx.Query(ctx, `SELECT night, reserved FROM ical_feed_nights WHERE feed_id = $1 AND night >= $2 ORDER BY night`, f.id, today)
	if err != nil {
		return m, MapError(err)
	}
	type claim struct {
		n        int
		reserved bool
	}
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
		var c claim
		var night time.Time
		err := r.Scan(&night, &c.reserved)
		c.n = dayNum(civilDate(night))
		return c, err
	})
	if err != nil {
		return m, MapError(err)
	}
	rows, err = tx.Query(ctx, `SELECT id::text, kind, status, source, check_in, check_out, blocked_until
		FROM reservations WHERE accommodation_id = $1 AND active AND blocked_until > $2
		ORDER BY check_in`, f.accID, today)
	if err != nil {
		return m, MapError(err)
	}
	occs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (occupancy, error) {
		var o occupancy
		err := r.Scan(&o.id, &o.kind, &o.status, &o.source, &o.checkIn, &o.checkOut, &o.until)
		o.checkIn, o.checkOut, o.until = civilDate(o.checkIn), civilDate(o.checkOut), civilDate(o.until)
		return o, err
	})
	if err != nil {
		return m, MapError(err)
	}
	var own, others []occupancy
	for _, o := range occs {
		if o.kind == "imported_block" && o.source == f.channel {
			own = append(own, o)
		} else {
			others = append(others, o)
		}
	}

	// Which claimed nights are free to block, and which sit under a guest's hold or booking.
	desired := map[int]bool{}
	type overlap struct {
		occ      occupancy
		nights   []int
		reserved bool
	}
	conflicts := map[string]*overlap{}
	for _, c := range claims {
		var under *occupancy
		for i := range others {
			o := &others[i]
			if dayNum(o.checkIn) <= c.n && c.n < dayNum(o.until) {
				under = o
				break
			}
		}
		switch {
		case under == nil:
			desired[c.n] = true
		case under.kind == "booking":
			ov := conflicts[under.id]
			if ov == nil {
				ov = &overlap{occ: *under}
				conflicts[under.id] = ov
			}
			ov.nights = append(ov.nights, c.n)
			ov.reserved = ov.reserved || c.reserved
		}
	}

	// Diff the own blocks' future nights against the desired ones.
	ownFuture := map[int]int{} // night -> index in own
	for i, o := range own {
		for n := max(dayNum(o.checkIn), t0); n < dayNum(o.checkOut); n++ {
			ownFuture[n] = i
		}
	}
	type rowPlan struct {
		start, end int // new range; start == end: released
		changed    bool
	}
	plans := make([]rowPlan, len(own))
	for i, o := range own {
		plans[i] = rowPlan{start: dayNum(o.checkIn), end: dayNum(o.checkOut)}
	}
	var extraRuns [][2]int // split-off parts of shrunk rows
	removed := map[int][]int{}
	for n, i := range ownFuture {
		if !desired[n] {
			removed[i] = append(removed[i], n)
		}
	}
	for i, gone := range removed {
		o := own[i]
		drop := map[int]bool{}
		for _, n := range gone {
			drop[n] = true
		}
		var keep []int
		for n := dayNum(o.checkIn); n < dayNum(o.checkOut); n++ {
			if !drop[n] {
				keep = append(keep, n)
			}
		}
		runs := runsOf(keep)
		if len(runs) == 0 {
			plans[i] = rowPlan{changed: true}
			continue
		}
		plans[i] = rowPlan{start: runs[0][0], end: runs[0][1], changed: true}
		extraRuns = append(extraRuns, runs[1:]...)
	}
	var toAdd []int
	for n := range desired {
		if _, ok := ownFuture[n]; !ok {
			toAdd = append(toAdd, n)
		}
	}
	var newRuns [][2]int
	for _, r := range runsOf(toAdd) {
		extended := false
		for i := range plans {
			p := &plans[i]
			if p.start == p.end {
				continue
			}
			if p.end == r[0] {
				p.end, p.changed, extended = r[1], true, true
				break
			}
			if p.start == r[1] {
				p.start, p.changed, extended = r[0], true, true
				break
			}
		}
		if !extended {
			newRuns = append(newRuns, r)
		}
	}
	newRuns = append(extraRuns, newRuns...)

	// Apply: releases and shrinks first, then growth and new blocks, so that the feed's own
	// rows never overlap each other on the way.
	for pass := 0; pass < 2; pass++ {
		for i, p := range plans {
			if !p.changed {
				continue
			}
			o := own[i]
			shrink := p.start >= dayNum(o.checkIn) && p.end <= dayNum(o.checkOut)
			if (pass == 0) != shrink {
				continue
			}
			if p.start == p.end {
				if _, err := tx.Exec(ctx, `UPDATE reservations SET status = 'released', updated_at = $2
					WHERE id = $1 AND status = 'confirmed'`, o.id, now); err != nil {
					return m, MapError(err)
				}
				m.released++
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE reservations SET check_in = $2, check_out = $3, blocked_until = $3,
				updated_at = $4 WHERE id = $1`, o.id, dayDate(p.start), dayDate(p.end), now); err != nil {
				return m, MapError(err)
			}
			m.updated++
		}
	}
	for _, r := range newRuns {
		id, err := uuid.NewRandom()
		if err != nil {
			return m, fmt.Errorf("imported block id: %w", err)
		}
		code := make([]byte, 6)
		if _, err := crand.Read(code); err != nil {
			return m, fmt.Errorf("imported block code: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reservations (id, code, accommodation_id, kind, status, check_in,
				check_out, blocked_until, source, note, confirmed_at, created_at, updated_at)
			VALUES ($1, $2, $3, 'imported_block', 'confirmed', $4, $5, $5, $6, $7, $8, $8, $8)`,
			id.String(), "ICAL-"+strings.ToUpper(hex.EncodeToString(code)), f.accID, dayDate(r[0]), dayDate(r[1]),
			f.channel, "iCal "+f.channel, now); err != nil {
			return m, MapError(err)
		}
		m.inserted++
	}

	// Conflicts: one open record per (feed, guest reservation), updated as the overlap moves,
	// resolved when it ends.
	rows, err = tx.Query(ctx, `SELECT id, reservation_id::text, likely_echo FROM ical_conflicts
		WHERE feed_id = $1 AND resolved_at IS NULL`, f.id)
	if err != nil {
		return m, MapError(err)
	}
	type openConflict struct {
		id   int64
		res  string
		echo bool
	}
	open, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (openConflict, error) {
		var c openConflict
		err := r.Scan(&c.id, &c.res, &c.echo)
		return c, err
	})
	if err != nil {
		return m, MapError(err)
	}
	existing := map[string]openConflict{}
	for _, c := range open {
		existing[c.res] = c
		if conflicts[c.res] == nil {
			if _, err := tx.Exec(ctx, `UPDATE ical_conflicts SET resolved_at = $2 WHERE id = $1`, c.id, now); err != nil {
				return m, MapError(err)
			}
		}
	}
	for resID, ov := range conflicts {
		sort.Ints(ov.nights)
		first, end := ov.nights[0], ov.nights[len(ov.nights)-1]+1
		echo := false
		if c, ok := existing[resID]; ok && !freshEvents {
			echo = c.echo
		}
		if !ov.reserved {
			for _, r := range closed {
				if r.Start.Equal(ov.occ.checkIn) && (r.End.Equal(ov.occ.checkOut) || r.End.Equal(ov.occ.until)) {
					echo = true
				}
			}
		}
		if c, ok := existing[resID]; ok {
			if _, err := tx.Exec(ctx, `UPDATE ical_conflicts SET first_night = $2, end_night = $3, night_count = $4,
				reserved = $5, likely_echo = $6 WHERE id = $1`, c.id, dayDate(first), dayDate(end), len(ov.nights),
				ov.reserved, echo); err != nil {
				return m, MapError(err)
			}
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ical_conflicts (feed_id, accommodation_id, reservation_id, first_night,
				end_night, night_count, reserved, likely_echo, detected_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, f.id, f.accID, resID, dayDate(first), dayDate(end),
			len(ov.nights), ov.reserved, echo, now); err != nil {
			return m, MapError(err)
		}
		m.newConflicts++
	}
	m.openConflicts = len(conflicts)
	return m, nil
}

// RecordFeedFailure notes a fetch that failed (network, HTTP status, size, unparseable body):
// nothing is released or added, the feed is marked unhealthy.
func (s *Store) RecordFeedFailure(ctx context.Context, feedID int64, now time.Time, reason string) (FeedStatus, error) {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	st, err := scanStatus(s.Pool.QueryRow(ctx, `UPDATE ical_feeds SET last_attempt_at = $2, updated_at = $2,
			last_result = 'failed', last_error = $3, healthy = false
		WHERE id = $1 RETURNING `+statusColumns, feedID, now, reason))
	if err != nil {
		return FeedStatus{}, fmt.Errorf("record feed %d failure: %w", feedID, MapError(err))
	}
	return st, nil
}

// MaterializeFeedClaims re-applies the stored claims of every feed of a cabin without fetching
// anything: call it after a hold expires or a booking is cancelled, so that nights another
// channel still claims become blocks at once instead of at the next sync.
func (s *Store) MaterializeFeedClaims(ctx context.Context, accommodationID int64, now time.Time) error {
	feeds, err := s.ListFeeds(ctx, FeedFilter{AccommodationID: accommodationID})
	if err != nil {
		return err
	}
	for _, fd := range feeds {
		var err error
		for attempt := 0; attempt < 4; attempt++ {
			err = s.InTx(ctx, func(tx pgx.Tx) error {
				f, err := lockFeed(ctx, tx, fd.ID)
				if err != nil {
					return err
				}
				_, err = materialize(ctx, tx, f, cabinToday(now, f.tz), now, nil, false)
				return err
			})
			if !errors.Is(err, ErrConflict) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("materialize feed %d: %w", fd.ID, err)
		}
	}
	return nil
}

// FeedConflict is an imported claim over a guest's hold or booking, with what an alert needs.
type FeedConflict struct {
	ID              int64
	FeedID          int64
	AccommodationID int64
	CabinName       string
	Channel         string
	ReservationID   string
	ReservationCode string
	// ReservationStatus is pre_reserved (a hold) or confirmed (or, once resolved, whatever it
	// became).
	ReservationStatus    string
	CheckIn, CheckOut    time.Time
	FirstNight, EndNight time.Time
	NightCount           int
	Reserved             bool
	LikelyEcho           bool
	DetectedAt           time.Time
	AlertedAt            *time.Time
	ResolvedAt           *time.Time
}

const conflictColumns = `c.id, c.feed_id, c.accommodation_id, a.name, f.channel, c.reservation_id::text, r.code,
	r.status, r.check_in, r.check_out, c.first_night, c.end_night, c.night_count, c.reserved, c.likely_echo,
	c.detected_at, c.alerted_at, c.resolved_at`

const conflictJoins = ` FROM ical_conflicts c JOIN ical_feeds f ON f.id = c.feed_id
	JOIN accommodations a ON a.id = c.accommodation_id JOIN reservations r ON r.id = c.reservation_id`

func scanConflict(row pgx.Row) (FeedConflict, error) {
	var c FeedConflict
	err := row.Scan(&c.ID, &c.FeedID, &c.AccommodationID, &c.CabinName, &c.Channel, &c.ReservationID,
		&c.ReservationCode, &c.ReservationStatus, &c.CheckIn, &c.CheckOut, &c.FirstNight, &c.EndNight,
		&c.NightCount, &c.Reserved, &c.LikelyEcho, &c.DetectedAt, &c.AlertedAt, &c.ResolvedAt)
	c.CheckIn, c.CheckOut = civilDate(c.CheckIn), civilDate(c.CheckOut)
	c.FirstNight, c.EndNight = civilDate(c.FirstNight), civilDate(c.EndNight)
	return c, err
}

func (s *Store) queryConflicts(ctx context.Context, db DB, sql string, args ...any) ([]FeedConflict, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, MapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedConflict, error) { return scanConflict(r) })
	return out, MapError(err)
}

// ClaimFeedConflictAlerts marks a feed's open, not yet alerted conflicts as alerted and returns
// them, so that exactly one caller sends each alert; give back the ones it could not send with
// UnclaimFeedConflictAlert.
func (s *Store) ClaimFeedConflictAlerts(ctx context.Context, feedID int64, now time.Time) ([]FeedConflict, error) {
	out, err := s.queryConflicts(ctx, s.Pool, `WITH claimed AS (
			UPDATE ical_conflicts SET alerted_at = $2
			WHERE feed_id = $1 AND resolved_at IS NULL AND alerted_at IS NULL RETURNING id)
		SELECT `+conflictColumns+conflictJoins+` WHERE c.id IN (SELECT id FROM claimed) ORDER BY c.first_night`,
		feedID, now)
	if err != nil {
		return nil, fmt.Errorf("claim conflict alerts: %w", err)
	}
	// The CTE's update is not visible to the outer SELECT: report the claim time.
	for i := range out {
		out[i].AlertedAt = &now
	}
	return out, nil
}

// UnclaimFeedConflictAlert gives an alert back to be sent at the next sync.
func (s *Store) UnclaimFeedConflictAlert(ctx context.Context, conflictID int64) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE ical_conflicts SET alerted_at = NULL WHERE id = $1`, conflictID); err != nil {
		return fmt.Errorf("unclaim conflict alert: %w", MapError(err))
	}
	return nil
}

// ConflictFilter narrows ListFeedConflicts; zero values match everything.
type ConflictFilter struct {
	AccommodationID int64
	ReservationID   string
	OpenOnly        bool
}

// ListFeedConflicts lists conflicts, newest first.
func (s *Store) ListFeedConflicts(ctx context.Context, filter ConflictFilter) ([]FeedConflict, error) {
	out, err := s.queryConflicts(ctx, s.Pool, `SELECT `+conflictColumns+conflictJoins+`
		WHERE ($1 = 0 OR c.accommodation_id = $1) AND ($2 = '' OR c.reservation_id::text = $2)
		  AND (NOT $3 OR c.resolved_at IS NULL)
		ORDER BY c.detected_at DESC, c.id DESC`, filter.AccommodationID, filter.ReservationID, filter.OpenOnly)
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	return out, nil
}

// ClaimStaleFeeds marks the enabled feeds without a good sync for longer than staleAfter (and
// whose owner was not told yet) as alerted, and returns them; give back the ones whose alert
// could not be sent with UnclaimStaleFeed.
func (s *Store) ClaimStaleFeeds(ctx context.Context, now time.Time, staleAfter time.Duration) ([]Feed, error) {
	rows, err := s.Pool.Query(ctx, `WITH claimed AS (
			UPDATE ical_feeds SET stale_alerted_at = $1
			WHERE enabled AND stale_alerted_at IS NULL AND coalesce(last_success_at, created_at) < $2
			RETURNING id)
		SELECT `+feedColumns+` FROM ical_feeds f JOIN accommodations a ON a.id = f.accommodation_id
		WHERE f.id IN (SELECT id FROM claimed) ORDER BY a.name, f.channel`, now, now.Add(-staleAfter))
	if err != nil {
		return nil, fmt.Errorf("claim stale feeds: %w", MapError(err))
	}
	feeds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Feed, error) { return scanFeed(r) })
	if err != nil {
		return nil, fmt.Errorf("claim stale feeds: %w", MapError(err))
	}
	for i := range feeds {
		feeds[i].Status.StaleAlertedAt = &now
	}
	return feeds, nil
}

// UnclaimStaleFeed forgets that the owner was told a feed is stale (the alert was not sent).
func (s *Store) UnclaimStaleFeed(ctx context.Context, feedID int64) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE ical_feeds SET stale_alerted_at = NULL WHERE id = $1`, feedID); err != nil {
		return fmt.Errorf("unclaim stale feed: %w", MapError(err))
	}
	return nil
}

// FeedBlock is an imported block, for tests and the admin.
type FeedBlock struct {
	ID                string
	Code              string
	Status            string
	CheckIn, CheckOut time.Time
	BlockedUntil      time.Time
}

// FeedBlocks lists the imported blocks of a (cabin, channel), active first.
func (s *Store) FeedBlocks(ctx context.Context, accommodationID int64, channel string, activeOnly bool) ([]FeedBlock, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id::text, code, status, check_in, check_out, blocked_until FROM reservations
		WHERE accommodation_id = $1 AND kind = 'imported_block' AND source = $2 AND (active OR NOT $3)
		ORDER BY active DESC, check_in, id`, accommodationID, channel, activeOnly)
	if err != nil {
		return nil, fmt.Errorf("feed blocks: %w", MapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedBlock, error) {
		var b FeedBlock
		err := r.Scan(&b.ID, &b.Code, &b.Status, &b.CheckIn, &b.CheckOut, &b.BlockedUntil)
		b.CheckIn, b.CheckOut, b.BlockedUntil = civilDate(b.CheckIn), civilDate(b.CheckOut), civilDate(b.BlockedUntil)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("feed blocks: %w", MapError(err))
	}
	return out, nil
}

// FeedClaims lists the nights a feed blocks (from its stored state), for tests and the admin.
func (s *Store) FeedClaims(ctx context.Context, feedID int64) ([]FeedClaim, error) {
	var out []FeedClaim
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = loadClaims(ctx, tx, feedID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("feed claims: %w", err)
	}
	return out, nil
}
