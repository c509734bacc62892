package tasks

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// A guest's messages are handled in the order the ingress received them. GuestSeq numbers
// them: a new wamid gets the guest's next number, a wamid seen before keeps its number, so
// the ingress (which numbers each message in the same Redis round trip as its enqueue) and
// a worker (which asks again before storing it) always agree, whoever asks first.
var guestSeqScript = redis.NewScript(`
local seen = redis.call('GET', KEYS[1])
if seen then return tonumber(seen) end
local n = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], n, 'EX', ARGV[1])
return n
`)

// guestSeqTTL outlives Meta's 7 days of webhook retries.
const guestSeqTTL = 8 * 24 * time.Hour

func guestSeqArgs(waID, wamid string) ([]string, []any) {
	return []string{"wa:seq:msg:" + wamid, "wa:seq:guest:" + waID}, []any{int64(guestSeqTTL.Seconds())}
}

// GuestSeq returns the order number of the guest's message wamid, assigning it if new.
func GuestSeq(ctx context.Context, rdb redis.Scripter, waID, wamid string) (int64, error) {
	keys, args := guestSeqArgs(waID, wamid)
	return guestSeqScript.Run(ctx, rdb, keys, args...).Int64()
}

// SubmitGuestSeq sends GuestSeq's script without waiting for it, for an asynchronous
// autopipeliner: whatever the caller sends next goes in the same round trip, after it.
// Its result is read from the command; on an error (NOSCRIPT after a Redis restart, say)
// call GuestSeq, which loads the script.
func SubmitGuestSeq(ctx context.Context, rdb redis.Scripter, waID, wamid string) *redis.Cmd {
	keys, args := guestSeqArgs(waID, wamid)
	return guestSeqScript.EvalSha(ctx, rdb, keys, args...)
}
