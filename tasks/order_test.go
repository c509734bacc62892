package tasks_test

import (
	"context"
	"testing"

	"github.com/reservas/reservas/store/storetest"
	"github.com/reservas/reservas/tasks"
)

func TestGuestSeqNumbersEachGuestsMessagesOnce(t *testing.T) {
	rdb, _ := storetest.NewRedis(t)
	ctx := context.Background()
	seq := func(waID, wamid string) int64 {
		t.Helper()
		n, err := tasks.GuestSeq(ctx, rdb, waID, wamid)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a1, a2, b1 := seq("5491100000001", "wamid.a1"), seq("5491100000001", "wamid.a2"), seq("5491100000002", "wamid.b1"); a1 != 1 || a2 != 2 || b1 != 1 {
		t.Fatalf("first numbers = %d, %d, %d; want 1, 2 and 1 (another guest)", a1, a2, b1)
	}
	if again := seq("5491100000001", "wamid.a1"); again != 1 {
		t.Fatalf("a redelivered wamid got %d, want its 1", again)
	}
	if a3 := seq("5491100000001", "wamid.a3"); a3 != 3 {
		t.Fatalf("next message got %d, want 3 (a redelivery must not use up a number)", a3)
	}
}

// The ingress submits the script on an asynchronous autopipeliner and reads the result after
// its enqueue; a worker asking with GuestSeq later gets the same number.
func TestSubmittedGuestSeqAgreesWithGuestSeq(t *testing.T) {
	rdb, _ := storetest.NewRedis(t)
	ctx := context.Background()
	ap, err := rdb.AsyncAutoPipeline()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tasks.GuestSeq(ctx, rdb, "5491100000001", "wamid.load"); err != nil { // loads the script
		t.Fatal(err)
	}
	cmd := tasks.SubmitGuestSeq(ctx, ap, "5491100000001", "wamid.s1")
	submitted, err := cmd.Int64()
	if err != nil {
		t.Fatal(err)
	}
	worker, err := tasks.GuestSeq(ctx, rdb, "5491100000001", "wamid.s1")
	if err != nil || worker != submitted || submitted != 2 {
		t.Fatalf("submitted %d, worker got %d (%v); want both 2", submitted, worker, err)
	}
}

// After a Redis restart the script cache is empty: the submitted call fails with NOSCRIPT
// and GuestSeq, which the ingress then calls, loads the script and numbers the message.
func TestSubmitGuestSeqWithoutTheScriptLoaded(t *testing.T) {
	rdb, _ := storetest.NewRedis(t)
	ctx := context.Background()
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := tasks.SubmitGuestSeq(ctx, rdb, "5491100000009", "wamid.n1").Err(); err == nil {
		t.Fatal("want NOSCRIPT from an empty script cache")
	}
	n, err := tasks.GuestSeq(ctx, rdb, "5491100000009", "wamid.n1")
	if err != nil || n != 1 {
		t.Fatalf("GuestSeq after NOSCRIPT = %d, %v; want 1", n, err)
	}
}
