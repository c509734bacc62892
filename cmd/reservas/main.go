// Command reservas is the whole system in one binary: ingress, worker, scheduler, and the
// operator commands (migrate, seed, nlu, feeds, admin, queues). It is the only place that reads
// the environment and wires the parts together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: reservas <command> [flags]

Processes:
  ingress     HTTP edge: webhooks, iCal export, health, metrics, admin, asynqmon
  worker      task handlers (replies, voice notes, payments, iCal sync)
  scheduler   periodic tasks (hold expiry, iCal sync, payment reconciliation); run exactly one
  all         ingress + worker + scheduler in one process

Operator commands:
  migrate                 apply database migrations
  seed --demo             demo cabins, rates, seasons and a manual block
  nlu [--now T] [TEXT]    print the NLU parse of TEXT (or of each stdin line) as JSON
  feeds add|sync|urls     manage imported iCal feeds and print export URLs
  admin add-user --email E --password-stdin
  queues [retry --queue Q]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reservas:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("bad usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "nlu":
		return runNLU(ctx, rest, stdin, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	switch cmd {
	case "ingress", "worker", "scheduler", "all":
		return runProcesses(ctx, cfg, cmd)
	case "migrate":
		return runMigrate(ctx, cfg, stdout)
	case "seed":
		return runSeed(ctx, cfg, rest, stdout)
	case "feeds":
		return runFeeds(ctx, cfg, rest, stdout)
	case "admin":
		return runAdmin(ctx, cfg, rest, stdin, stdout)
	case "queues":
		return runQueues(ctx, cfg, rest, stdout)
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
	}
}

func runMigrate(ctx context.Context, cfg config, stdout io.Writer) error {
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "migrations: up to date")
	}
	for _, a := range applied {
		fmt.Fprintln(stdout, "applied", a)
	}
	return nil
}
