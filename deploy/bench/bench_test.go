// Package bench measures the running system with `go test -bench` (make bench): the signed
// webhooks per second the ingress process sustains and its latency, the raw asynq enqueue rate
// on the same Redis in the same run (the queue's own limit, so the ingress figure reads as a
// fraction of it), and the end-to-end reply latency at a fixed arrival rate of conversations.
//
// Each benchmark runs a bounded, fixed load whatever b.N is (run them with -benchtime=1x) and
// reports its figures with b.ReportMetric. Load goes over loopback only.
package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/reservas/reservas/deploy/e2e"
	"github.com/reservas/reservas/handlers/whatsapp/whatsapptest"
	"github.com/reservas/reservas/tasks"
)

const (
	// saturationConns is how many connections the closed-loop load keeps busy.
	saturationConns = 32
	// saturationFor bounds the closed-loop load in time; saturationMax in webhooks.
	saturationFor = 10 * time.Second
	// rawFor bounds each raw enqueue run.
	rawFor = 5 * time.Second
	// fixedRate is the open-loop arrival rate whose latency the target is about (webhooks/s),
	// held for fixedFor on saturationConns connections, then for wideFor on four times as many.
	fixedRate = 5000
	fixedFor  = 10 * time.Second
	wideFor   = 5 * time.Second
	// conversationRate is the arrival rate of new conversations for the reply latency,
	// held for conversationFor.
	conversationRate = 50
	conversationFor  = 20 * time.Second
)

// BenchmarkIngressWebhooks: signed webhooks against the ingress process alone (no worker takes
// the tasks, so only the edge is measured): open-loop at fixedRate for the latency at the
// target rate, on saturationConns connections and on four times as many; closed-loop on
// saturationConns connections for the sustained rate; then, on the same Redis, asynq's raw
// enqueue rate with the same concurrency and the same task shape (the ingress does that
// enqueue plus a Lua call for the guest's order), with a plain and an autopipelined client.
func BenchmarkIngressWebhooks(b *testing.B) {
	sys := e2e.Start(b, e2e.Options{Workers: -1, NoScheduler: true, NoSeed: true, LogLevel: "warn"})
	pnid := sys.Graph.PhoneNumberID()

	// Requests are built and signed before the clock starts: the generator shares the 2 cores.
	const (
		fixedFirst  = 0
		wideFirst   = fixedFirst + fixedRate*int(fixedFor/time.Second)
		closedFirst = wideFirst + fixedRate*int(wideFor/time.Second)
		closedMax   = 120_000
	)
	reqs := make([][]byte, closedFirst+closedMax)
	for i := range reqs {
		from := fmt.Sprintf("54911%08d", i%5000) // 5,000 guests, a few messages each
		body := whatsapptest.TextWebhook(pnid, from, "Huésped", sys.NewWamid(from),
			"Hola, ¿tienen lugar del 12 al 15 de marzo para 4 personas?", time.Now())
		var err error
		if reqs[i], err = signedRequest(sys.WebhookURL(), body, sys.Graph.Sign(body)); err != nil {
			b.Fatal(err)
		}
	}
	post := func() (func(i int) (int, error), func()) {
		c, err := newWebhookConn(sys.WebhookURL())
		if err != nil {
			b.Fatal(err)
		}
		return func(i int) (int, error) { return c.do(reqs[i]) }, c.close
	}
	// The generator runs its goroutines on one core's worth of Go scheduler: a generator on
	// another machine would take nothing from the system, this one takes as little as it can.
	generatorProcs := func() (restore func()) {
		was := runtime.GOMAXPROCS(1)
		return func() { runtime.GOMAXPROCS(was) }
	}

	b.ResetTimer()
	// Redis rewrites its append-only file when it has doubled (a fork and a full write, about
	// a second of a core here per 100,000 tasks). Each load phase starts with the file just
	// compacted, as a burst on a steady Redis would, and says how many rewrites happened.
	// 1. Latency at the target rate, open loop (send on schedule whatever the answers; a call
	// that finds every connection busy waits, and the wait counts), on saturationConns
	// connections and then on four times as many; with the CPU each party used meanwhile,
	// since the load generator, Redis and the ingress share the machine's cores.
	restore := generatorProcs()
	compactAOF(b, sys)
	cpu0, forks0 := readCPU(b, sys), redisForks(b, sys)
	fixed := openLoop(post, fixedRate, fixedFor, fixedFirst, saturationConns)
	cpu1, forks1 := readCPU(b, sys), redisForks(b, sys)
	compactAOF(b, sys)
	forks2 := redisForks(b, sys)
	wide := openLoop(post, fixedRate, wideFor, wideFirst, 4*saturationConns)
	forks3 := redisForks(b, sys)
	// 2. Sustained rate, closed loop.
	compactAOF(b, sys)
	cpu4, forks4 := readCPU(b, sys), redisForks(b, sys)
	sat := closedLoop(post, saturationConns, saturationFor, closedFirst, closedMax)
	cpu5, forks5 := readCPU(b, sys), redisForks(b, sys)
	restore()
	// 3. The queue's own limit on the same Redis, same concurrency: asynq's client as it comes,
	// and on an autopipelined connection as the ingress uses it. The higher is the limit.
	waitNoRewrite(b, sys)
	raw := rawEnqueue(b, sys, false, saturationConns, rawFor)
	waitNoRewrite(b, sys)
	rawPiped := rawEnqueue(b, sys, true, saturationConns, rawFor)
	limit := max(raw.rate(), rawPiped.rate())
	b.StopTimer()

	b.ReportMetric(0, "ns/op")
	b.ReportMetric(sat.rate(), "webhooks/s")
	b.ReportMetric(ms(sat.pct(50)), "sat-p50-ms")
	b.ReportMetric(ms(sat.pct(99)), "sat-p99-ms")
	b.ReportMetric(limit, "enqueue/s")
	b.ReportMetric(100*sat.rate()/limit, "%-of-queue")
	b.ReportMetric(fixed.rate(), "fixed-webhooks/s")
	b.ReportMetric(ms(fixed.pct(50)), "p50-ms")
	b.ReportMetric(ms(fixed.pct(99)), "p99-ms")
	b.ReportMetric(ms(wide.pct(99)), "p99-128conns-ms")
	used := cpu5.sub(cpu4)
	perHook := used.ingress.Seconds() / float64(sat.ok)
	b.ReportMetric(perHook*1e6, "ingress-cpu-µs/webhook")
	b.Logf("open loop at %d/s for %s on %d connections: %s; sent behind schedule by the generator: %s; AOF rewrites meanwhile: %d",
		fixedRate, fixedFor, saturationConns, fixed, fixed.late.summary(), forks1-forks0)
	b.Logf("CPU a webhook meanwhile: %s", cpu1.sub(cpu0).per(fixed.ok))
	b.Logf("open loop at %d/s for %s on %d connections: %s; sent behind schedule by the generator: %s; AOF rewrites meanwhile: %d",
		fixedRate, wideFor, 4*saturationConns, wide, wide.late.summary(), forks3-forks2)
	b.Logf("closed loop, %d connections: %s; AOF rewrites meanwhile: %d", saturationConns, sat, forks5-forks4)
	b.Logf("CPU used meanwhile (of %d cores × %.1f s): ingress %.1f s (%.0f µs a webhook, so %.0f webhooks/s per core), Redis %.1f s, load generator %.1f s",
		runtime.NumCPU(), sat.elapsed.Seconds(), used.ingress.Seconds(), perHook*1e6, 1/perHook, used.redis.Seconds(), used.generator.Seconds())
	b.Logf("raw asynq enqueue, %d goroutines, same Redis, plain client: %s", saturationConns, raw)
	b.Logf("raw asynq enqueue, %d goroutines, same Redis, autopipelined client: %s", saturationConns, rawPiped)
	b.ReportMetric(float64(fixed.failed+wide.failed), "fixed-not-200")
	// Under the closed loop every webhook must be accepted; in the open loop a webhook can
	// also miss its schedule (code 0) or time out (-1) when the machine cannot keep the rate.
	if sat.failed > 0 {
		b.Fatalf("the ingress refused webhooks under load: %d non-200 (codes %v)", sat.failed, sat.codes)
	}
	for _, r := range []*result{fixed, wide} {
		for code := range r.codes {
			if code > 0 {
				b.Fatalf("the ingress answered non-200 at the fixed rate: codes %v", r.codes)
			}
		}
	}
	if n, err := sys.QueueBusy(); err != nil || n < sat.ok+fixed.ok+wide.ok {
		b.Fatalf("queued tasks %d (%v) fewer than the %d webhooks answered 200", n, err, sat.ok+fixed.ok+wide.ok)
	}
}

// BenchmarkReplyLatency: the whole system (ingress, two workers, scheduler) with new
// conversations arriving at conversationRate for conversationFor, each a guest asking for
// dates and a party size. Latency runs from the scheduled send to the fake Graph API accepting
// the guest's first reply, and to the last part of the answer.
func BenchmarkReplyLatency(b *testing.B) {
	sys := e2e.Start(b, e2e.Options{LogLevel: "warn"})
	pnid := sys.Graph.PhoneNumberID()
	n := int(conversationRate * conversationFor / time.Second)
	type conv struct {
		from      string
		body      []byte
		sig       string
		scheduled time.Time
		first     time.Time
		last      time.Time
		replies   int
	}
	convs := make([]*conv, n)
	byWaID := make(map[string]*conv, n)
	texts := []string{
		"Hola! ¿Tienen lugar del 12 al 15 de marzo para 4 personas?",
		"Buenas, quería saber precio para 2 del viernes al domingo",
		"hola, somos 6, para la semana que viene 3 noches",
		"Hi! Do you have a cabin for 2 next weekend?",
	}
	for i := range convs {
		from := fmt.Sprintf("54922%08d", i)
		body := whatsapptest.TextWebhook(pnid, from, "Huésped", sys.NewWamid(from), texts[i%len(texts)], time.Now())
		c := &conv{from: from, body: body, sig: sys.Graph.Sign(body)}
		convs[i], byWaID[from] = c, c
	}
	sent, cancel := sys.Graph.Subscribe()
	defer cancel()
	var mu sync.Mutex
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for m := range sent {
			mu.Lock()
			if c := byWaID[m.WaID]; c != nil {
				if c.replies == 0 {
					c.first = m.At
				}
				c.last = m.At
				c.replies++
			}
			mu.Unlock()
		}
	}()
	client := newClient()
	interval := time.Second / conversationRate

	b.ResetTimer()
	start := time.Now().Add(50 * time.Millisecond)
	var wg sync.WaitGroup
	var refused atomic.Int64
	for i, c := range convs {
		c.scheduled = start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(c.scheduled))
		wg.Go(func() {
			code, err := postSigned(context.Background(), client, sys.WebhookURL(), c.body, c.sig)
			if err != nil || code != http.StatusOK {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	sys.WaitIdle(b, 2*time.Minute)
	time.Sleep(200 * time.Millisecond)
	b.StopTimer()
	cancel()
	<-collected

	var first, last latencies
	unanswered := 0
	mu.Lock()
	for _, c := range convs {
		if c.replies == 0 {
			unanswered++
			continue
		}
		first.add(c.first.Sub(c.scheduled))
		last.add(c.last.Sub(c.scheduled))
	}
	mu.Unlock()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(conversationRate), "conv/s")
	b.ReportMetric(ms(first.pct(50)), "p50-ms")
	b.ReportMetric(ms(first.pct(95)), "p95-ms")
	b.ReportMetric(ms(first.pct(99)), "p99-ms")
	b.ReportMetric(ms(last.pct(95)), "last-part-p95-ms")
	b.Logf("%d conversations at %d/s: first reply %s", n, conversationRate, first.summary())
	b.Logf("last part of the answer: %s", last.summary())
	if refused.Load() > 0 || unanswered > 0 {
		b.Fatalf("%d webhooks refused, %d conversations unanswered", refused.Load(), unanswered)
	}
}

// cpuTimes is the CPU time (user + system) used so far by the ingress process, the Redis
// server and this process (the load generator).
type cpuTimes struct{ ingress, redis, generator time.Duration }

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{a.ingress - b.ingress, a.redis - b.redis, a.generator - b.generator}
}

// per describes the CPU times divided among n webhooks.
func (a cpuTimes) per(n int) string {
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(max(n, 1)) }
	return fmt.Sprintf("ingress %.0f µs, Redis %.0f µs, load generator %.0f µs", us(a.ingress), us(a.redis), us(a.generator))
}

func readCPU(b testing.TB, sys *e2e.System) cpuTimes {
	b.Helper()
	var c cpuTimes
	// /proc/<pid>/stat: fields 14 and 15 are utime and stime in clock ticks (100 a second).
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", sys.Ingress.Pid()))
	if err != nil {
		b.Fatal(err)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	c.ingress = time.Duration(ut+st) * 10 * time.Millisecond
	cpu := redisInfo(b, sys, "cpu")
	for _, k := range []string{"used_cpu_sys", "used_cpu_user"} {
		f, err := strconv.ParseFloat(cpu[k], 64)
		if err != nil {
			b.Fatalf("redis INFO cpu %s: %q", k, cpu[k])
		}
		c.redis += time.Duration(f * float64(time.Second))
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	c.generator = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return c
}

// redisForks is how many times Redis has forked (for append-only file rewrites, here).
func redisForks(b testing.TB, sys *e2e.System) int64 {
	b.Helper()
	return infoInt(b, redisInfo(b, sys, "stats"), "total_forks")
}

// compactAOF rewrites Redis's append-only file now, so that what earlier runs and phases left
// in it does not set off a rewrite in the middle of the next phase.
func compactAOF(b testing.TB, sys *e2e.System) {
	b.Helper()
	waitNoRewrite(b, sys)
	if err := sys.Redis.BgRewriteAOF(context.Background()).Err(); err != nil {
		b.Fatalf("redis BGREWRITEAOF: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // a rewrite may be scheduled rather than started at once
	waitNoRewrite(b, sys)
}

// waitNoRewrite waits for a running or scheduled append-only file rewrite to end.
func waitNoRewrite(b testing.TB, sys *e2e.System) {
	b.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		p := redisInfo(b, sys, "persistence")
		if infoInt(b, p, "aof_rewrite_in_progress") == 0 && infoInt(b, p, "aof_rewrite_scheduled") == 0 {
			return
		}
	}
	b.Fatal("redis still rewriting its append-only file after a minute")
}

// redisInfo is one section of Redis's INFO, field by field.
func redisInfo(b testing.TB, sys *e2e.System, section string) map[string]string {
	b.Helper()
	info, err := sys.Redis.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	return fields
}

func infoInt(b testing.TB, fields map[string]string, field string) int64 {
	b.Helper()
	n, err := strconv.ParseInt(fields[field], 10, 64)
	if err != nil {
		b.Fatalf("redis INFO %s: %q", field, fields[field])
	}
	return n
}

// rawEnqueue enqueues whatsapp:message tasks shaped like the ingress's (unique task id,
// critical queue, 24 h retention, same payload size) from conns goroutines for d, with asynq's
// own client or, piped, with one on an autopipelined go-redis client as the ingress has.
func rawEnqueue(b *testing.B, sys *e2e.System, piped bool, conns int, d time.Duration) *result {
	b.Helper()
	opt := sys.RedisOpt()
	var client *asynq.Client
	prefix := "plain"
	if piped {
		rdb := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: opt.DB, Password: opt.Password, Protocol: 2})
		defer rdb.Close() // the asynq client shares it and cannot be closed itself
		ap, err := rdb.AutoPipeline()
		if err != nil {
			b.Fatal(err)
		}
		client, prefix = asynq.NewClientFromRedisClient(ap), "piped"
	} else {
		client = asynq.NewClient(opt)
		defer client.Close()
	}
	msg, _ := json.Marshal(map[string]any{"from": "5491100000000", "id": "x", "timestamp": "1", "type": "text",
		"text": map[string]string{"body": "Hola, ¿tienen lugar del 12 al 15 de marzo para 4 personas?"}})
	var seq atomic.Int64
	enqueue := func(_ int) (int, error) {
		n := seq.Add(1)
		task, err := tasks.NewWhatsAppMessage(tasks.WhatsAppMessage{PhoneNumberID: "106540352242922",
			WaID: "5491100000000", Wamid: fmt.Sprintf("wamid.raw.%s.%d", prefix, n), ReceivedAt: time.Now(), Message: msg})
		if err != nil {
			return 0, err
		}
		if _, err := client.EnqueueContext(context.Background(), task); err != nil {
			return 0, err
		}
		return http.StatusOK, nil
	}
	return closedLoop(func() (func(int) (int, error), func()) { return enqueue, func() {} }, conns, d, 0, 1<<30)
}

// result is one load phase's outcome.
type result struct {
	ok, failed int
	codes      map[int]int
	elapsed    time.Duration
	lat        latencies
	// late is how far behind its schedule each open-loop call went out: the generator's own
	// delay, already included in lat.
	late latencies
}

func (r *result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }
func (r *result) pct(p float64) time.Duration {
	return r.lat.pct(p)
}

func (r *result) String() string {
	return fmt.Sprintf("%d ok, %d failed in %s = %.0f/s; latency %s", r.ok, r.failed,
		r.elapsed.Round(time.Millisecond), r.rate(), r.lat.summary())
}

// newCaller gives one load goroutine its way to make call i (its own connection, say) and
// what to release when the goroutine is done.
type newCaller func() (call func(i int) (int, error), done func())

// closedLoop calls from conns goroutines, each starting its next call when the last one
// ended, for d or until limit calls; i counts up from first.
func closedLoop(caller newCaller, conns int, d time.Duration, first, limit int) *result {
	var next atomic.Int64
	next.Store(int64(first))
	end := time.Now().Add(d)
	parts := make([]*result, conns)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		r := &result{codes: map[int]int{}}
		parts[c] = r
		wg.Go(func() {
			do, done := caller()
			defer done()
			for time.Now().Before(end) {
				i := int(next.Add(1) - 1)
				if i >= first+limit {
					return
				}
				t0 := time.Now()
				code, err := do(i)
				r.lat.add(time.Since(t0))
				if err != nil || code != http.StatusOK {
					r.failed++
					r.codes[code]++
					continue
				}
				r.ok++
			}
		})
	}
	wg.Wait()
	total := &result{codes: map[int]int{}, elapsed: time.Since(start)}
	for _, r := range parts {
		total.ok += r.ok
		total.failed += r.failed
		for k, v := range r.codes {
			total.codes[k] += v
		}
		total.lat = append(total.lat, r.lat...)
	}
	return total
}

// openLoop schedules one call every 1/rate seconds for d and times each from its scheduled
// start, so a slow answer shows up as latency for every call queued behind it (no coordinated
// omission). Calls go out on conns connections, like wrk2; a call still unsent grace after the
// schedule ended is counted as failed (code 0) rather than stretching the run.
func openLoop(caller newCaller, rate int, d time.Duration, first, conns int) *result {
	const grace = 10 * time.Second
	n := int(int64(rate) * int64(d) / int64(time.Second))
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	late := make([]time.Duration, n)
	codes := make([]int, n)
	start := time.Now().Add(20 * time.Millisecond)
	stop := start.Add(d + grace)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			do, done := caller()
			defer done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				at := start.Add(time.Duration(i) * interval)
				if w := time.Until(at); w > 0 {
					time.Sleep(w)
				}
				if time.Now().After(stop) {
					codes[i] = 0
					lat[i] = time.Since(at)
					continue
				}
				late[i] = time.Since(at)
				code, err := do(first + i)
				lat[i] = time.Since(at)
				if err != nil {
					code = -1
				}
				codes[i] = code
			}
		})
	}
	wg.Wait()
	r := &result{codes: map[int]int{}, elapsed: time.Since(start), lat: lat, late: late}
	for _, c := range codes {
		if c == http.StatusOK {
			r.ok++
			continue
		}
		r.failed++
		r.codes[c]++
	}
	return r
}

func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute,
	}}
}

func postSigned(ctx context.Context, c *http.Client, url string, body []byte, sig string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// latencies is a set of durations with percentiles.
type latencies []time.Duration

func (l *latencies) add(d time.Duration) { *l = append(*l, d) }

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	// nearest rank: the smallest value with at least p% of the set at or below it
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (l latencies) summary() string {
	return fmt.Sprintf("p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)",
		ms(l.pct(50)), ms(l.pct(95)), ms(l.pct(99)), ms(l.pct(100)), len(l))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
