package main

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func TestPercentileNearestRank(t *testing.T) {
	// 1..1000 in shuffled order: rank k holds value k.
	ns := make([]int64, 1000)
	for i := range ns {
		ns[i] = int64(i+1) * 1000 // ns, so values in µs are 1..1000
	}
	rand.New(rand.NewSource(1)).Shuffle(len(ns), func(i, j int) { ns[i], ns[j] = ns[j], ns[i] })
	got := summarize(ns)
	want := Latency{P50: 500, P90: 900, P99: 990, P999: 999, Max: 1000, Mean: 500.5}
	if got != want {
		t.Fatalf("summarize(1..1000) = %+v, want %+v", got, want)
	}
}

func TestPercentileSmallSets(t *testing.T) {
	cases := []struct {
		sorted   []int64
		perMille int64
		want     int64
	}{
		{nil, 500, 0},
		{[]int64{7}, 500, 7},
		{[]int64{7}, 999, 7},
		{[]int64{1, 2}, 500, 1},          // rank ceil(1.0) = 1
		{[]int64{1, 2, 3}, 500, 2},       // rank ceil(1.5) = 2
		{[]int64{1, 2, 3, 4}, 900, 4},    // rank ceil(3.6) = 4
		{[]int64{1, 2, 3, 4, 5}, 200, 1}, // rank ceil(1.0) = 1
		{[]int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 999, 100},
		{[]int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 900, 90},
		{[]int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 500, 50},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.perMille); got != c.want {
			t.Errorf("percentile(%v, %d‰) = %d, want %d", c.sorted, c.perMille, got, c.want)
		}
	}
	if got := summarize(nil); got != (Latency{}) {
		t.Errorf("summarize(nil) = %+v, want zeros", got)
	}
}

func TestPercentileP999Rank(t *testing.T) {
	// With 2000 values p99.9 is rank ceil(1998) = 1998, exactly; a float
	// computation of 0.999*2000 could land on 1998.0000000000002 and pick 1999.
	ns := make([]int64, 2000)
	for i := range ns {
		ns[i] = int64(i + 1)
	}
	if got := percentile(ns, 999); got != 1998 {
		t.Fatalf("p99.9 of 1..2000 = %d, want 1998", got)
	}
}

func TestSummarizeLoad(t *testing.T) {
	samples := []sample{
		{start: 0, end: 1000, status: 200},
		{start: 500, end: 3500, status: 502},
		{start: 1000, end: 1000, status: statusDropped},
		{start: 2000, end: 4000, status: statusTransport},
	}
	res := summarizeLoad("open", samples)
	if res.Requests != 4 || res.Errors != 3 {
		t.Fatalf("requests/errors = %d/%d, want 4/3", res.Requests, res.Errors)
	}
	wantStatuses := map[string]int{"200": 1, "502": 1, "dropped": 1, "transport": 1}
	if !reflect.DeepEqual(res.Statuses, wantStatuses) {
		t.Fatalf("statuses = %v, want %v", res.Statuses, wantStatuses)
	}
	// 3 requests were sent and finished within 4000 ns.
	if res.DurationS != 0.000004 || res.RPS != 750000 {
		t.Fatalf("duration/rps = %v/%v, want 4e-6/750000", res.DurationS, res.RPS)
	}
	if res.LatencyUS.Max != 3 || res.LatencyUS.P50 != 2 {
		t.Fatalf("latency = %+v, want p50 2µs, max 3µs", res.LatencyUS)
	}
}

// feedAll runs the parser over chunks and returns the events and the number
// completed per chunk.
func feedAll(chunks ...string) (events []string, perChunk []int) {
	var p sseParser
	for _, c := range chunks {
		n := p.feed([]byte(c), func(d []byte) { events = append(events, string(d)) })
		perChunk = append(perChunk, n)
	}
	return events, perChunk
}

func TestSSEParser(t *testing.T) {
	events, per := feedAll("data: a\n\ndata: b\n\n", ": keep-alive\n\n", "event: x\nda", "ta: c\n", "data:d\n", "\n")
	if want := []string{"a", "b", "c\nd"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("events = %q, want %q", events, want)
	}
	if want := []int{2, 0, 0, 0, 0, 1}; !reflect.DeepEqual(per, want) {
		t.Fatalf("events per chunk = %v, want %v", per, want)
	}
}

func TestSSEParserLineEndings(t *testing.T) {
	// CRLF, with the CR and LF of the terminator split across chunks, and bare CR.
	events, per := feedAll("data: one\r\n\r", "\ndata: two\r\r", "data: [DONE]\n\n")
	if want := []string{"one", "two", "[DONE]"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("events = %q, want %q", events, want)
	}
	if want := []int{1, 1, 1}; !reflect.DeepEqual(per, want) {
		t.Fatalf("events per chunk = %v, want %v", per, want)
	}
	// Byte-at-a-time delivery gives the same events.
	stream := "data: {\"x\":1}\r\n\r\ndata: y\n\n"
	var chunks []string
	for i := range stream {
		chunks = append(chunks, stream[i:i+1])
	}
	events, _ = feedAll(chunks...)
	if want := []string{`{"x":1}`, "y"}; !reflect.DeepEqual(events, want) {
		t.Fatalf("byte-wise events = %q, want %q", events, want)
	}
	// An unterminated final event is not reported.
	if events, _ := feedAll("data: a\n\ndata: partial"); strings.Join(events, ",") != "a" {
		t.Fatalf("events = %q, want [a]", events)
	}
}
