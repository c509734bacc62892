package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/handlers/ical"
	"github.com/reservas/reservas/store"
)

const feedsUsage = `usage: reservas feeds <command> [flags]

  add    --cabin NAME --channel CHANNEL --url URL   import a channel's calendar (and create its export URL)
  sync   [--cabin NAME] [--force]                   sync feeds now, one line per feed
  urls   [--cabin NAME]                             print each export URL with its cabin and channel
  list   [--cabin NAME]                             print each feed's status
  export --cabin NAME --channel CHANNEL             create (if needed) and print a channel's export URL
  rotate --cabin NAME --channel CHANNEL             give an export URL a new secret (the old one stops working)
  remove --cabin NAME --channel CHANNEL             stop importing a channel (its blocks are released)

--force on sync: you vouch for what the feeds say now. Nights they no longer list are released at
once, even when a feed came back empty or lost most of its nights (normally that releases nothing).
`

// runFeeds is `reservas feeds ...`: manage imported iCal feeds and print export URLs.
func runFeeds(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, feedsUsage)
		return fmt.Errorf("feeds: missing command: %w", errUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("feeds "+sub, flag.ContinueOnError)
	fs.SetOutput(stdout)
	cabin := fs.String("cabin", "", "cabin name")
	channel := fs.String("channel", "", "channel: airbnb, booking, vrbo, ...")
	feedURL := fs.String("url", "", "the channel's iCal export URL")
	force := fs.Bool("force", false, "sync: release what the feeds no longer list, now, even after an empty or shrunken fetch")
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("feeds %s: %v: %w", sub, err, errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("feeds %s: unexpected %q: %w", sub, fs.Arg(0), errUsage)
	}
	need := func(names ...string) error {
		vals := map[string]string{"cabin": *cabin, "channel": *channel, "url": *feedURL}
		for _, n := range names {
			if vals[n] == "" {
				return fmt.Errorf("feeds %s: --%s is required: %w", sub, n, errUsage)
			}
		}
		return nil
	}
	switch sub {
	case "add":
		if err := need("cabin", "channel", "url"); err != nil {
			return err
		}
	case "export", "rotate", "remove":
		if err := need("cabin", "channel"); err != nil {
			return err
		}
	case "sync", "urls", "list":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, feedsUsage)
		return nil
	default:
		fmt.Fprint(stdout, feedsUsage)
		return fmt.Errorf("feeds: unknown command %q: %w", sub, errUsage)
	}

	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var cabinID int64
	if *cabin != "" {
		c, err := s.FindFeedCabin(ctx, *cabin)
		if err != nil {
			return fmt.Errorf("feeds %s: %w", sub, err)
		}
		cabinID = c.ID
	}
	now := time.Now()
	switch sub {
	case "add":
		u, err := ical.NormalizeURL(*feedURL)
		if err != nil {
			return fmt.Errorf("feeds add: %w", err)
		}
		f, err := s.AddFeed(ctx, cabinID, *channel, u)
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("feeds add: %s already imports %s (remove it first to change it): %w", *cabin, *channel, err)
		}
		if err != nil {
			return err
		}
		exp, err := s.EnsureFeedExport(ctx, cabinID, f.Channel)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added feed %d: %s imports %s\n", f.ID, f.CabinName, f.Channel)
		fmt.Fprintf(stdout, "give %s this calendar to import: %s\n", f.Channel, exp.URL(cfg.PublicBaseURL))
		return nil
	case "sync":
		return feedsSync(ctx, cfg, s, cabinID, *force, stdout)
	case "urls":
		exports, err := s.ListFeedExports(ctx, cabinID)
		if err != nil {
			return err
		}
		for _, e := range exports {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", e.CabinName, e.Channel, e.URL(cfg.PublicBaseURL))
		}
		return nil
	case "list":
		feeds, err := s.ListFeeds(ctx, store.FeedFilter{AccommodationID: cabinID})
		if err != nil {
			return err
		}
		for _, f := range feeds {
			fmt.Fprintln(stdout, feedStatusLine(f, now))
		}
		return nil
	case "export":
		exp, err := s.EnsureFeedExport(ctx, cabinID, *channel)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", exp.CabinName, exp.Channel, exp.URL(cfg.PublicBaseURL))
		return nil
	case "rotate":
		exp, err := s.RotateFeedExport(ctx, cabinID, *channel, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", exp.CabinName, exp.Channel, exp.URL(cfg.PublicBaseURL))
		fmt.Fprintf(stdout, "the old URL no longer works: paste this one into %s\n", exp.Channel)
		return nil
	case "remove":
		ch, err := store.NormalizeChannel(*channel)
		if err != nil {
			return err
		}
		feeds, err := s.ListFeeds(ctx, store.FeedFilter{AccommodationID: cabinID})
		if err != nil {
			return err
		}
		for _, f := range feeds {
			if f.Channel == ch {
				if err := s.DeleteFeed(ctx, f.ID, now); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "removed feed %d: %s no longer imports %s; its blocks were released\n", f.ID, f.CabinName, ch)
				return nil
			}
		}
		return fmt.Errorf("feeds remove: %s does not import %s: %w", *cabin, ch, store.ErrNotFound)
	}
	return nil
}

// feedsSync syncs the feeds now, in the foreground, printing one line per feed. Alerts are not
// sent from here: conflicts it finds are stored, and the worker's next sync of the feed sends
// them to the owner.
func feedsSync(ctx context.Context, cfg config, s *store.Store, cabinID int64, force bool, stdout io.Writer) error {
	feeds, err := s.ListFeeds(ctx, store.FeedFilter{AccommodationID: cabinID})
	if err != nil {
		return err
	}
	d := &handlers.Deps{
		Config: handlers.Config{
			PublicBaseURL: cfg.PublicBaseURL, BusinessTZ: cfg.location(), OwnerPhone: cfg.OwnerPhone,
			ICalSyncEvery: time.Duration(cfg.ICalSyncMinutes) * time.Minute,
		},
		Store: s,
		Log:   zerolog.New(os.Stderr).Level(zerolog.ErrorLevel).With().Timestamp().Logger(),
	}
	bad := 0
	for _, f := range feeds {
		res, err := d.SyncFeed(ctx, f.ID, handlers.SyncOptions{Force: force})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, res.String())
		if res.Result == handlers.SyncFailed || res.Result == handlers.SyncSuspect {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("feeds sync: %d of %d feeds did not sync cleanly", bad, len(feeds))
	}
	return nil
}

func feedStatusLine(f store.Feed, now time.Time) string {
	last := "never"
	if f.Status.LastSuccessAt != nil {
		last = now.Sub(*f.Status.LastSuccessAt).Truncate(time.Second).String() + " ago"
	}
	state := "enabled"
	if !f.Enabled {
		state = "disabled"
	}
	line := fmt.Sprintf("%s\t%s\t%s\t%s\tlast_good_sync=%s events=%d nights=%d pending=%d healthy=%t",
		f.CabinName, f.Channel, state, f.Status.LastResult, last, f.Status.EventCount, f.Status.NightCount,
		f.Status.PendingCount, f.Status.Healthy)
	if f.Status.LastError != "" {
		line += fmt.Sprintf(" error=%q", f.Status.LastError)
	}
	return line
}
