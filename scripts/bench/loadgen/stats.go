package main

import (
	"slices"
	"strconv"
)

// Latency is a distribution in microseconds (Latency in types.ts).
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// percentile returns the nearest-rank percentile of sorted values, the
// percentile given in per-mille (500 = p50, 999 = p99.9): the smallest value
// such that at least perMille/1000 of all values are <= it, i.e. the value of
// rank ceil(perMille*n/1000). Integer arithmetic keeps ranks exact (a float
// 0.999*1000 is 998.999..., which would pick the wrong rank).
func percentile(sorted []int64, perMille int64) int64 {
	n := int64(len(sorted))
	if n == 0 {
		return 0
	}
	rank := (perMille*n + 999) / 1000 // ceil
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// nsToUs converts nanoseconds to microseconds; the float keeps ns precision.
func nsToUs(ns int64) float64 { return float64(ns) / 1e3 }

// summarize sorts ns (in place) and returns its distribution in microseconds.
// An empty input gives all zeros.
func summarize(ns []int64) Latency {
	if len(ns) == 0 {
		return Latency{}
	}
	slices.Sort(ns)
	var sum float64
	for _, v := range ns {
		sum += float64(v)
	}
	return Latency{
		P50:  nsToUs(percentile(ns, 500)),
		P90:  nsToUs(percentile(ns, 900)),
		P99:  nsToUs(percentile(ns, 990)),
		P999: nsToUs(percentile(ns, 999)),
		Max:  nsToUs(ns[len(ns)-1]),
		Mean: round(sum/float64(len(ns))/1e3, 3),
	}
}

// Outcome codes of a sample besides HTTP status codes.
const (
	statusTransport = -1 // connection, timeout or body read error
	statusDropped   = -2 // open mode: not sent because -max-inflight was reached
)

// sample is one measured request of closed or open mode. start is the send
// time (the scheduled send time in open mode), end the time the body was
// fully read; both in ns since epoch.
type sample struct {
	start, end int64
	status     int
}

func statusKey(status int) string {
	switch status {
	case statusTransport:
		return "transport"
	case statusDropped:
		return "dropped"
	}
	return strconv.Itoa(status)
}

func isSuccess(status int) bool { return status >= 200 && status < 300 }

// LoadResult is what closed and open modes print (LoadResult in types.ts).
type LoadResult struct {
	Mode      string         `json:"mode"`
	Requests  int            `json:"requests"`
	Errors    int            `json:"errors"`
	Statuses  map[string]int `json:"statuses"`
	DurationS float64        `json:"duration_s"`
	RPS       float64        `json:"rps"`
	LatencyUS Latency        `json:"latency_us"`
}

// summarizeLoad turns the measured samples into a LoadResult.
//
// Every sample counts in requests and statuses; anything but 2xx is an
// error. Latencies are those of every request actually sent, whatever its
// outcome (a timeout is a real wait), so only "dropped" sends have none.
// duration_s runs from the earliest measured (scheduled) send to the end of
// the last measured response, so all counted requests lie inside it; rps is
// the number of requests actually sent and finished over that duration.
func summarizeLoad(mode string, samples []sample) LoadResult {
	res := LoadResult{Mode: mode, Requests: len(samples), Statuses: map[string]int{}}
	if len(samples) == 0 {
		return res
	}
	lat := make([]int64, 0, len(samples))
	first, last := samples[0].start, samples[0].end
	for _, s := range samples {
		res.Statuses[statusKey(s.status)]++
		if !isSuccess(s.status) {
			res.Errors++
		}
		if s.status != statusDropped {
			lat = append(lat, s.end-s.start)
		}
		first, last = min(first, s.start), max(last, s.end)
	}
	if d := last - first; d > 0 {
		res.DurationS = round(float64(d)/1e9, 6)
		res.RPS = round(float64(len(lat))/(float64(d)/1e9), 2)
	}
	res.LatencyUS = summarize(lat)
	return res
}
