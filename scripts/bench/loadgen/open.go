package main

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// scheduledCount is how many sends at 1/rate intervals starting at 0 fall
// strictly before d: ceil(d*rate), with a small tolerance so that e.g.
// 0.1s*30/s counts 3 and not 4 because of float rounding.
func scheduledCount(d time.Duration, rate float64) int64 {
	return int64(math.Ceil(d.Seconds()*rate - 1e-9))
}

// runOpen runs the open loop. Request i is due at start + i/rate, whatever
// happened to earlier requests, and its latency is measured from that
// scheduled time, not from when it actually went out.
//
// Why: a closed-loop or "send when ready" client pauses while the server
// stalls, so the requests that would have arrived during the stall are never
// sent and never measured — coordinated omission, which hides queueing. Here
// sends never wait for responses (one goroutine per request), and any delay
// of our own (scheduler wake-up, goroutine start) is charged to the request
// too, which errs on the pessimistic side. When -max-inflight requests are
// outstanding, the due request is recorded as "dropped" (an error) instead of
// being delayed, so the schedule is never bent.
func runOpen(cfg *config, client *http.Client) LoadResult {
	warmN := scheduledCount(cfg.warmup, cfg.rate)
	measN := cfg.count
	if measN == 0 {
		measN = scheduledCount(cfg.duration, cfg.rate)
	}
	interval := float64(time.Second) / cfg.rate
	limit := int64(cfg.maxInflight)

	// One slot per measured request; each goroutine writes only its own slot,
	// and all are read after wg.Wait, so no lock is needed.
	samples := make([]sample, measN)
	var (
		inflight atomic.Int64
		wg       sync.WaitGroup
		maxLag   int64 // worst lateness of the pacer itself, for stderr
		late     int   // sends more than 1 ms late, for stderr
	)
	// The pacer blocks its thread in nanosleep(2) for up to coarseWindow (see
	// waitUntil); with a single P, responses would wait for the runtime to
	// take that P back, so make sure there is a second one.
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	paced := make(chan struct{})
	go func() {
		defer close(paced)
		start := now()
		for i := int64(0); i < warmN+measN; i++ {
			// Computed from i, not accumulated, so rounding never drifts.
			due := start + int64(float64(i)*interval)
			waitUntil(due)
			if lag := now() - due; lag > int64(time.Millisecond) {
				late++
				maxLag = max(maxLag, lag)
			}
			k := i - warmN // index among measured requests; negative in warm-up
			if inflight.Load() >= limit {
				if k >= 0 {
					samples[k] = sample{start: due, end: due, status: statusDropped}
				}
				continue
			}
			inflight.Add(1)
			wg.Add(1)
			// No runtime.Gosched here: at low rates the pacer's next
			// time.Sleep hands this thread to the new goroutine at once, and
			// at high rates other threads are awake to pick it up.
			go func() {
				defer wg.Done()
				defer inflight.Add(-1)
				status := statusTransport
				if req, err := cfg.newRequest(); err == nil {
					status = send(client, req)
				}
				if k >= 0 {
					samples[k] = sample{start: due, end: now(), status: status}
				}
			}()
		}
	}()
	<-paced
	wg.Wait()
	if late > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d of %d sends left more than 1 ms late (worst %v), which is charged to their latency; the client machine may be saturated\n",
			late, warmN+measN, time.Duration(maxLag).Round(time.Microsecond))
	}
	return summarizeLoad("open", samples)
}
