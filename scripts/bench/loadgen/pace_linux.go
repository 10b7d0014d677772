package main

import (
	"syscall"
	"time"
)

// sleepFine sleeps for d with nanosleep(2), which on Linux wakes within the
// thread's timer slack (50 µs by default) instead of Go's ~1 ms.
func sleepFine(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
