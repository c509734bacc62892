package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/hibiken/asynq"
)

// runQueues prints queue stats, or runs a queue's archived (dead) tasks again.
func runQueues(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	// openRedis checks that Redis answers; its client is not needed beyond that.
	rdb, ropts, err := openRedis(ctx, cfg)
	if err != nil {
		return err
	}
	_ = rdb.Close()
	insp := asynq.NewInspector(asynqRedis(ropts))
	defer insp.Close()
	if len(args) > 0 && args[0] == "retry" {
		fs := flag.NewFlagSet("queues retry", flag.ContinueOnError)
		queue := fs.String("queue", "", "queue whose archived tasks run again")
		if err := fs.Parse(args[1:]); err != nil {
			return fmt.Errorf("%w: %w", err, errUsage)
		}
		if *queue == "" {
			return fmt.Errorf("queues retry needs --queue: %w", errUsage)
		}
		n, err := insp.RunAllArchivedTasks(*queue)
		if err != nil {
			return fmt.Errorf("retry archived tasks in %s: %w", *queue, err)
		}
		fmt.Fprintf(stdout, "%d archived task(s) in %s queued to run again\n", n, *queue)
		return nil
	}
	if len(args) > 0 {
		return fmt.Errorf("unknown queues subcommand %q: %w", args[0], errUsage)
	}
	names, err := insp.Queues()
	if err != nil {
		return fmt.Errorf("list queues: %w", err)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tARCHIVED\tCOMPLETED\tLATENCY\tPAUSED")
	for _, q := range names {
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			return fmt.Errorf("queue %s: %w", q, err)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%v\n", q, info.Pending, info.Active, info.Scheduled,
			info.Retry, info.Archived, info.Completed, info.Latency.Round(1e6), info.Paused)
	}
	return tw.Flush()
}
