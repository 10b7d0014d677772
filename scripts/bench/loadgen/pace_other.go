//go:build !linux

package main

import "time"

// sleepFine has no precise sleep to rely on outside Linux, so it returns at
// once and waitUntil busy-waits the last coarseWindow before each send.
func sleepFine(time.Duration) {}
