package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/ingress/admin"
	"github.com/reservas/reservas/store"
)

// runAdmin implements `reservas admin add-user|set-password|list-users`.
func runAdmin(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("admin needs a subcommand: add-user, set-password or list-users: %w", errUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("admin "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the login's email")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	role := fs.String("role", store.RoleAdmin, "admin (may change things) or readonly (may only look)")
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("admin %s: %w: %w", sub, err, errUsage)
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "add-user", "set-password":
		if *email == "" || !strings.Contains(*email, "@") {
			return fmt.Errorf("admin %s needs --email: %w", sub, errUsage)
		}
		if !*fromStdin {
			return fmt.Errorf("admin %s needs --password-stdin (passwords never go on the command line): %w", sub, errUsage)
		}
		if *role != store.RoleAdmin && *role != store.RoleReadOnly {
			return fmt.Errorf("--role must be %s or %s: %w", store.RoleAdmin, store.RoleReadOnly, errUsage)
		}
		password, err := readPassword(stdin)
		if err != nil {
			return err
		}
		hash, err := admin.HashPassword(password)
		if err != nil {
			return fmt.Errorf("admin %s: %w", sub, err)
		}
		if sub == "set-password" {
			if err := s.SetAdminPassword(ctx, *email, hash); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "password of %s changed; their sessions were ended\n", store.NormalizeEmail(*email))
			return nil
		}
		u, err := s.CreateAdminUser(ctx, *email, hash, *role)
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("%s already has a login (use admin set-password to change it): %w", store.NormalizeEmail(*email), err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s); log in at %s/admin/\n", u.Email, u.Role, cfg.PublicBaseURL)
		return nil
	case "list-users":
		us, err := s.ListAdminUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tDISABLED\tLAST LOGIN")
		for _, u := range us {
			last := "never"
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.In(cfg.location()).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", u.Email, u.Role, u.Disabled, last)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown admin subcommand %q: %w", sub, errUsage)
}

// readPassword reads the first line of stdin, without its line ending.
func readPassword(stdin io.Reader) (string, error) {
	if stdin == nil {
		return "", errors.New("no standard input to read the password from")
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("read password: standard input was empty")
	}
	return line, nil
}

// adminConfig is the admin web's part of the configuration.
func adminConfig(cfg config) admin.Config {
	return admin.Config{SessionSecret: cfg.SessionSecret, APIToken: cfg.AdminAPIToken,
		PublicBaseURL: cfg.PublicBaseURL, Location: cfg.location()}
}

// validateAdmin fails closed: the ingress does not start without SESSION_SECRET.
func validateAdmin(cfg config) error { return adminConfig(cfg).Validate() }

// mountAdmin serves /admin, /admin/queues, /api/v1 and /api/openapi.yaml. If the admin cannot
// be built those paths answer 503 (the ingress checked SESSION_SECRET before getting here).
func mountAdmin(r chi.Router, cfg config, s *store.Store, log zerolog.Logger) {
	queues, err := asynq.ParseRedisURI(cfg.RedisURL)
	var srv *admin.Server
	if err == nil {
		var opts *redis.Options
		if opts, err = redis.ParseURL(cfg.RedisURL); err == nil {
			srv, err = admin.New(adminConfig(cfg), admin.Deps{Store: s, Redis: redis.NewClient(opts), Queues: queues, Log: log})
		}
	}
	if err != nil {
		log.Error().Err(err).Msg("admin unavailable")
		down := func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "admin unavailable", http.StatusServiceUnavailable)
		}
		r.HandleFunc("/admin/*", down)
		r.HandleFunc("/api/*", down)
		return
	}
	srv.Mount(r)
}
