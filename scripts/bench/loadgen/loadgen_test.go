package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testServer is a tiny upstream: JSON on /json, 502 on /bad, a slow serial
// handler on /serial, and SSE on /sse (events 5 ms apart) and /sse-batched
// (all events in one write). It counts accepted connections.
type testServer struct {
	*httptest.Server
	conns   atomic.Int64
	serial  sync.Mutex
	bodies  atomic.Int64 // requests whose body arrived intact
	headers atomic.Int64 // requests carrying the X-Test header
}

var sseParts = []string{"Hel", "lo", ",", " wor", "ld"}

func newTestServer(t *testing.T) *testServer {
	ts := &testServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		if b, _ := io.ReadAll(r.Body); string(b) == `{"ping":true}` {
			ts.bodies.Add(1)
		}
		if r.Header.Get("X-Test") == "yes" {
			ts.headers.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream failed", http.StatusBadGateway)
	})
	mux.HandleFunc("/serial", func(w http.ResponseWriter, r *http.Request) {
		// One request at a time, 20 ms each: capacity 50 requests/s.
		ts.serial.Lock()
		time.Sleep(20 * time.Millisecond)
		ts.serial.Unlock()
		io.WriteString(w, "{}")
	})
	sse := func(spacing time.Duration) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			var out strings.Builder
			flush := func() {
				if spacing > 0 {
					io.WriteString(w, out.String())
					out.Reset()
					fl.Flush()
					time.Sleep(spacing)
				}
			}
			for i, p := range sseParts {
				delta := fmt.Sprintf(`{"content":%q}`, p)
				if i == 0 {
					delta = fmt.Sprintf(`{"role":"assistant","content":%q}`, p)
				}
				fmt.Fprintf(&out, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":%s}]}\n\n", delta)
				flush()
			}
			out.WriteString("data: [DONE]\n\n")
			io.WriteString(w, out.String())
		}
	}
	mux.HandleFunc("/sse", sse(5*time.Millisecond))
	mux.HandleFunc("/sse-batched", sse(0))

	ts.Server = httptest.NewUnstartedServer(mux)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			ts.conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// mustParse builds a config as the command line would.
func mustParse(t *testing.T, args ...string) *config {
	t.Helper()
	cfg, err := parseFlags(args)
	if err != nil {
		t.Fatalf("parseFlags(%q): %v", args, err)
	}
	return cfg
}

// runJSON runs cfg and round-trips the result through JSON into out, checking
// the printed shape rather than Go structs.
func runJSON(t *testing.T, cfg *config, out any) {
	t.Helper()
	res, err := run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

func TestClosedCount(t *testing.T) {
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/json", "-mode", "closed", "-c", "4", "-n", "200",
		"-warmup", "100ms", "-body", `{"ping":true}`, "-H", "X-Test: yes")
	var res LoadResult
	runJSON(t, cfg, &res)
	if res.Mode != "closed" || res.Requests != 200 || res.Errors != 0 || res.Statuses["200"] != 200 || len(res.Statuses) != 1 {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.RPS <= 0 || res.DurationS <= 0 || res.LatencyUS.P50 <= 0 || res.LatencyUS.Max < res.LatencyUS.P999 {
		t.Fatalf("implausible timings %+v", res)
	}
	// Keep-alive: never more connections than workers (warm-up included).
	if n := ts.conns.Load(); n > 4 {
		t.Fatalf("server saw %d connections, want <= 4", n)
	}
	// Every request, warm-up included, carried the body and the header.
	if b, h := ts.bodies.Load(), ts.headers.Load(); b < 200 || b != h {
		t.Fatalf("bodies=%d headers=%d, want equal and >= 200", b, h)
	}
}

func TestClosedDuration(t *testing.T) {
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/json", "-c", "2", "-d", "300ms", "-warmup", "0s")
	var res LoadResult
	runJSON(t, cfg, &res)
	if res.Requests == 0 || res.Errors != 0 {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.DurationS < 0.29 || res.DurationS > 0.6 {
		t.Fatalf("duration_s = %v, want about 0.3", res.DurationS)
	}
}

func TestClosedErrors(t *testing.T) {
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/bad", "-n", "20", "-warmup", "0s")
	var res LoadResult
	runJSON(t, cfg, &res)
	if res.Requests != 20 || res.Errors != 20 || res.Statuses["502"] != 20 {
		t.Fatalf("unexpected result %+v", res)
	}

	// A port nobody listens on: transport errors.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg = mustParse(t, "-url", "http://"+addr+"/", "-n", "5", "-warmup", "0s", "-timeout", "2s")
	runJSON(t, cfg, &res)
	if res.Requests != 5 || res.Errors != 5 || res.Statuses["transport"] != 5 {
		t.Fatalf("unexpected result %+v", res)
	}
}

func TestOpenRate(t *testing.T) {
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/json", "-mode", "open", "-rate", "200", "-d", "1s", "-warmup", "200ms")
	var res LoadResult
	runJSON(t, cfg, &res)
	// 1 s at 200/s schedules exactly 200 measured requests.
	if res.Mode != "open" || res.Requests != 200 || res.Errors != 0 {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.RPS < 150 || res.RPS > 250 {
		t.Fatalf("rps = %v, want about 200", res.RPS)
	}
	if res.DurationS < 0.95 || res.DurationS > 1.5 {
		t.Fatalf("duration_s = %v, want about 1", res.DurationS)
	}
}

func TestOpenNoCoordinatedOmission(t *testing.T) {
	// 100/s against a server that serves 50/s one at a time: the queue grows
	// by about 10 ms per request. Measured from the schedule, the last of 40
	// requests (due at 390 ms, served at about 800 ms) waits about 400 ms; a
	// client timing from its actual send would keep reporting about 20 ms.
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/serial", "-mode", "open", "-rate", "100", "-n", "40", "-warmup", "0s")
	var res LoadResult
	runJSON(t, cfg, &res)
	if res.Requests != 40 || res.Errors != 0 {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.LatencyUS.Max < 250_000 || res.LatencyUS.P50 < 100_000 {
		t.Fatalf("latency %+v does not show the queue", res.LatencyUS)
	}
	if res.RPS > 60 {
		t.Fatalf("rps = %v, want at most the server's ~50/s", res.RPS)
	}
}

func TestOpenDropped(t *testing.T) {
	// At most 2 outstanding against 20 ms responses at 200/s: most sends are
	// dropped, and the schedule is not delayed by them.
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/serial", "-mode", "open", "-rate", "200", "-n", "40",
		"-warmup", "0s", "-max-inflight", "2")
	var res LoadResult
	start := time.Now()
	runJSON(t, cfg, &res)
	if res.Requests != 40 || res.Statuses["dropped"] == 0 || res.Errors != res.Statuses["dropped"] {
		t.Fatalf("unexpected result %+v", res)
	}
	if el := time.Since(start); el > 600*time.Millisecond {
		t.Fatalf("run took %v; the schedule (200 ms) was held up", el)
	}
}

func TestStreamSpaced(t *testing.T) {
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/sse", "-mode", "stream", "-c", "2", "-n", "6",
		"-warmup", "0s", "-body", `{"model":"m","stream":true,"messages":[]}`)
	var res StreamResult
	runJSON(t, cfg, &res)
	if res.Mode != "stream" || res.Requests != 6 || res.Errors != 0 {
		t.Fatalf("unexpected result %+v", res)
	}
	if res.EventsMin != 6 || res.EventsMax != 6 {
		t.Fatalf("events min/max = %d/%d, want 6/6", res.EventsMin, res.EventsMax)
	}
	if res.BatchedReads != 0 {
		t.Fatalf("batched_reads = %d, want 0 for events 5 ms apart", res.BatchedReads)
	}
	if res.ContentSample != "Hello, world" {
		t.Fatalf("content_sample = %q", res.ContentSample)
	}
	// 4 gaps of ~5 ms per stream; the whole stream lasts ~25 ms.
	if res.GapUS.P50 < 4000 || res.GapUS.P50 > 50_000 {
		t.Fatalf("gap_us %+v, want p50 about 5000", res.GapUS)
	}
	if res.TotalUS.P50 < 20_000 || res.FirstContentUS.P50 > res.TotalUS.P50 || res.TTFBUS.P50 > res.FirstContentUS.P50 {
		t.Fatalf("implausible timings ttfb %+v first %+v total %+v", res.TTFBUS, res.FirstContentUS, res.TotalUS)
	}
}

func TestStreamBatched(t *testing.T) {
	ts := newTestServer(t)
	cfg := mustParse(t, "-url", ts.URL+"/sse-batched", "-mode", "stream", "-n", "3", "-warmup", "0s")
	var res StreamResult
	runJSON(t, cfg, &res)
	if res.Requests != 3 || res.Errors != 0 || res.EventsMax != 6 || res.ContentSample != "Hello, world" {
		t.Fatalf("unexpected result %+v", res)
	}
	// All six events arrive in one write, hence one read per stream.
	if res.BatchedReads != 3 {
		t.Fatalf("batched_reads = %d, want 3", res.BatchedReads)
	}
	if res.GapUS.Max > 1000 {
		t.Fatalf("gap_us %+v, want ~0 for events read together", res.GapUS)
	}
}

func TestStreamErrors(t *testing.T) {
	ts := newTestServer(t)
	// A 502 answer fails every stream.
	cfg := mustParse(t, "-url", ts.URL+"/bad", "-mode", "stream", "-n", "2", "-warmup", "0s")
	var res StreamResult
	runJSON(t, cfg, &res)
	if res.Requests != 2 || res.Errors != 2 || res.EventsMax != 0 {
		t.Fatalf("unexpected result %+v", res)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-url", "localhost:80"},
		{"-url", "http://x/", "-mode", "open"},
		{"-url", "http://x/", "-mode", "bogus"},
		{"-url", "http://x/", "-d", "1s", "-n", "3"},
		{"-url", "http://x/", "-H", "novalue"},
		{"-url", "http://x/", "-body", "a", "-body-file", "b"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded, want an error", args)
		}
	}
	cfg := mustParse(t, "-url", "http://x/", "-H", "Host: example.test", "-H", "Authorization: Bearer k")
	if cfg.host != "example.test" || cfg.headers.Get("Authorization") != "Bearer k" ||
		cfg.headers.Get("Content-Type") != "application/json" || cfg.duration != 10*time.Second || cfg.method != "POST" {
		t.Fatalf("unexpected config %+v", cfg)
	}
}
