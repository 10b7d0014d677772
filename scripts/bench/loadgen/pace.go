package main

import "time"

// The open-loop pacer must send within microseconds of each due time: its own
// lateness is charged to the request latency. Go's time.Sleep is too coarse
// for that on Linux (a sub-millisecond sleep takes about 1 ms: the runtime's
// poller waits in whole milliseconds), so waitUntil approaches a due time in
// three stages:
const (
	// Further than this: time.Sleep, which frees the thread for other
	// goroutines, aiming to wake this far ahead of the due time.
	coarseWindow = 1500 * time.Microsecond
	// Between this and coarseWindow: sleepFine (nanosleep(2) on Linux,
	// typically ~70 µs late, hence the margin).
	spinWindow = 100 * time.Microsecond
	// The last spinWindow: poll the clock, which costs at most spinWindow of
	// CPU per send. It does not yield: runtime.Gosched would park the pacer
	// on the global run queue, behind every response being processed.
)

// waitUntil returns at the monotonic time t (ns since epoch), or at once if t
// has passed.
func waitUntil(t int64) {
	for {
		d := time.Duration(t - now())
		switch {
		case d <= 0:
			return
		case d > coarseWindow:
			time.Sleep(d - coarseWindow)
		case d > spinWindow:
			sleepFine(d - spinWindow)
		}
		// Otherwise busy-wait: loop and read the clock again.
	}
}
