package handlers_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/handlers"
	"github.com/reservas/reservas/tasks"
)

// A guest's message must never be pushed hours away because earlier quick "waiting" retries
// raised its retry count (found by make chaos after a worker was killed).
func TestRetryDelayKeepsGuestMessagesClose(t *testing.T) {
	msg := asynq.NewTask(tasks.TypeWhatsAppMessage, nil)
	for _, n := range []int{0, 1, 5, 24, 100, 299} {
		if d := handlers.RetryDelay(n, handlers.ErrWaitingForEarlier, msg); d > time.Second {
			t.Errorf("waiting retry %d: %s", n, d)
		}
		if d := handlers.RetryDelay(n, errors.New("worker lost"), msg); d <= 0 || d > 3*time.Second {
			t.Errorf("failed message retry %d: %s, want 1-3 s", n, d)
		}
	}
	audio := asynq.NewTask(tasks.TypeAudioTranscribe, nil)
	if d := handlers.RetryDelay(10, errors.New("stt down"), audio); d > 40*time.Second {
		t.Errorf("voice note retry: %s", d)
	}
	other := asynq.NewTask(tasks.TypeICalSync, nil)
	if d := handlers.RetryDelay(10, errors.New("feed down"), other); d < time.Minute {
		t.Errorf("background tasks keep asynq's backoff, got %s", d)
	}
}
