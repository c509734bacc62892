package main

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/reservas/reservas/tasks"
)

// periodicJob is a task enqueued once per period. The task ID carries the period's start, so
// any number of schedulers (or a restarted one) enqueue each period exactly once.
type periodicJob struct {
	Type  string
	Every time.Duration
	Queue string
}

func periodicJobs(cfg config) []periodicJob {
	jobs := []periodicJob{
		{Type: tasks.TypeHoldsExpire, Every: time.Minute, Queue: tasks.QueueDefault},
		{Type: tasks.TypeICalFanout, Every: time.Duration(cfg.ICalSyncMinutes) * time.Minute, Queue: tasks.QueueLow},
		{Type: tasks.TypePaymentReconcile, Every: 2 * time.Minute, Queue: tasks.QueueDefault},
	}
	if cfg.AudioRetentionDays > 0 {
		jobs = append(jobs, periodicJob{Type: tasks.TypeAudioPurge, Every: time.Hour, Queue: tasks.QueueLow})
	}
	return jobs
}

// schedulerTick is how often the scheduler looks whether a new period began.
const schedulerTick = 5 * time.Second

func runSchedule(ctx context.Context, queue *asynq.Client, jobs []periodicJob, log zerolog.Logger) error {
	log.Info().Int("jobs", len(jobs)).Msg("scheduler started")
	t := time.NewTicker(schedulerTick)
	defer t.Stop()
	for {
		enqueuePeriods(ctx, queue, jobs, time.Now(), log)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func enqueuePeriods(ctx context.Context, queue *asynq.Client, jobs []periodicJob, now time.Time, log zerolog.Logger) (enqueued int) {
	for _, j := range jobs {
		period := now.Truncate(j.Every)
		_, err := queue.EnqueueContext(ctx, tasks.NewPeriodic(j.Type, period, j.Every, j.Queue))
		switch {
		case err == nil:
			enqueued++
		case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
			// this period is already queued or done
		default:
			log.Warn().Err(err).Str("task", j.Type).Msg("could not enqueue periodic task")
		}
	}
	return enqueued
}
