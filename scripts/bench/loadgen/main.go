// Command loadgen is the HTTP load generator of the benchmark harness
// (scripts/bench). It drives one URL in one of three modes and prints a single
// JSON object on stdout whose shape is LoadResult or StreamResult from
// scripts/bench/types.ts. Diagnostics go to stderr only.
//
//	closed: -c workers, each sends its next request as soon as the previous one
//	        finished (throughput at a fixed concurrency).
//	open:   requests are scheduled at a fixed rate regardless of responses, and
//	        each latency is measured from its scheduled send time (no
//	        coordinated omission).
//	stream: -c workers send streaming chat completions and time the SSE events.
package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is the parsed command line.
type config struct {
	url         string
	method      string
	headers     http.Header
	host        string // from -H "Host: ...", which Go takes from Request.Host
	body        []byte
	mode        string
	concurrency int
	duration    time.Duration // measured duration; 0 when the run is bounded by count
	count       int64         // measured requests; 0 when the run is bounded by duration
	warmup      time.Duration
	rate        float64
	maxInflight int
	timeout     time.Duration
}

// headerFlags collects repeated -H "Name: value" flags.
type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

func (h *headerFlags) Set(v string) error {
	name, _, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q is not of the form \"Name: value\"", v)
	}
	*h = append(*h, v)
	return nil
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	var (
		cfg      config
		hdrs     headerFlags
		body     string
		bodyFile string
		count    int64
	)
	fs.StringVar(&cfg.url, "url", "", "target URL (required)")
	fs.StringVar(&cfg.method, "method", http.MethodPost, "HTTP method")
	fs.Var(&hdrs, "H", "request header \"Name: value\" (repeatable)")
	fs.StringVar(&body, "body", "", "request body")
	fs.StringVar(&bodyFile, "body-file", "", "file holding the request body, sent as-is")
	fs.StringVar(&cfg.mode, "mode", "closed", "closed | open | stream")
	fs.IntVar(&cfg.concurrency, "c", 1, "concurrent workers (closed and stream modes)")
	fs.DurationVar(&cfg.duration, "d", 10*time.Second, "measured duration (default when -n is not given)")
	fs.Int64Var(&count, "n", 0, "measured requests (instead of -d)")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "warm-up before measuring; its requests are not recorded")
	fs.Float64Var(&cfg.rate, "rate", 0, "requests per second (open mode, required there)")
	fs.IntVar(&cfg.maxInflight, "max-inflight", 2000, "open mode: cap on outstanding requests; sends over the cap count as \"dropped\"")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "per-request timeout, including reading the body")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if cfg.url == "" {
		return nil, errors.New("-url is required")
	}
	if u, err := url.Parse(cfg.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q is not an http(s) URL", cfg.url)
	}
	switch cfg.mode {
	case "closed", "stream":
		if cfg.concurrency < 1 {
			return nil, errors.New("-c must be at least 1")
		}
	case "open":
		if cfg.rate <= 0 {
			return nil, errors.New("open mode needs -rate > 0")
		}
		if cfg.maxInflight < 1 {
			return nil, errors.New("-max-inflight must be at least 1")
		}
		if set["c"] {
			fmt.Fprintln(os.Stderr, "loadgen: -c is ignored in open mode (use -rate and -max-inflight)")
		}
	default:
		return nil, fmt.Errorf("-mode %q: want closed, open or stream", cfg.mode)
	}
	switch {
	case set["n"] && set["d"]:
		return nil, errors.New("give -d or -n, not both")
	case set["n"]:
		if count < 1 {
			return nil, errors.New("-n must be at least 1")
		}
		cfg.count, cfg.duration = count, 0
	case cfg.duration <= 0:
		return nil, errors.New("-d must be positive")
	}
	if cfg.warmup < 0 || cfg.timeout <= 0 {
		return nil, errors.New("-warmup must be >= 0 and -timeout > 0")
	}

	switch {
	case set["body"] && set["body-file"]:
		return nil, errors.New("give -body or -body-file, not both")
	case set["body-file"]:
		b, err := os.ReadFile(bodyFile)
		if err != nil {
			return nil, err
		}
		cfg.body = b
	default:
		cfg.body = []byte(body)
	}

	cfg.headers = http.Header{}
	for _, h := range hdrs {
		name, value, _ := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			cfg.host = value
			continue
		}
		cfg.headers.Add(name, value)
	}
	if cfg.headers.Get("Content-Type") == "" {
		cfg.headers.Set("Content-Type", "application/json")
	}
	if _, err := cfg.newRequest(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// newRequest builds one request. Each request gets its own body reader, so
// the transport can also replay it on a retried idle connection.
func (cfg *config) newRequest() (*http.Request, error) {
	var body io.Reader
	if len(cfg.body) > 0 {
		body = bytes.NewReader(cfg.body)
	}
	req, err := http.NewRequest(cfg.method, cfg.url, body)
	if err != nil {
		return nil, err
	}
	req.Header = cfg.headers.Clone()
	if cfg.host != "" {
		req.Host = cfg.host
	}
	return req, nil
}

// newClient returns a client over one keep-alive HTTP/1.1 transport with
// enough connections per host that the client never queues requests itself:
// the concurrency for closed/stream, the in-flight cap for open mode.
func newClient(cfg *config) *http.Client {
	conns := cfg.concurrency
	if cfg.mode == "open" {
		conns = cfg.maxInflight
	}
	tr := &http.Transport{
		Proxy:               nil, // the targets are local; never route through an env proxy
		DialContext:         (&net.Dialer{Timeout: cfg.timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		// Bodies are measured as the server sends them; gzip would add
		// client-side work and change what "first byte" means.
		DisableCompression: true,
		// A non-nil empty map disables HTTP/2 over TLS: HTTP/1.1 only.
		ForceAttemptHTTP2: false,
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.timeout,
		// A redirect is an answer of the system under test, not something to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// epoch anchors the monotonic clock; times are nanoseconds since epoch.
var epoch = time.Now()

// now returns monotonic nanoseconds since process start (time.Since uses the
// monotonic reading, so wall-clock steps cannot distort latencies).
func now() int64 { return int64(time.Since(epoch)) }

// schedule decides, for each request a closed-loop worker is about to send,
// whether it belongs to the warm-up, to the measured phase, or whether the run
// is over. Warm-up is time-based; the measured phase is bounded either by an
// end time (-d) or by a number of tickets (-n) shared by all workers.
type schedule struct {
	warmEnd int64
	measEnd int64 // used when count == 0
	count   int64
	issued  atomic.Int64
}

func newSchedule(cfg *config) *schedule {
	s := &schedule{warmEnd: now() + int64(cfg.warmup), count: cfg.count}
	s.measEnd = s.warmEnd + int64(cfg.duration)
	return s
}

// next returns the measured ticket number (0, 1, ...) or -1 for a warm-up
// request, and ok=false when the worker should stop.
func (s *schedule) next() (ticket int64, ok bool) {
	t := now()
	if t < s.warmEnd {
		return -1, true
	}
	if s.count > 0 {
		n := s.issued.Add(1) - 1
		return n, n < s.count
	}
	if t >= s.measEnd {
		return -1, false
	}
	return s.issued.Add(1) - 1, true
}

// runWorkers runs fn(w) for w in [0, n) concurrently and waits for all.
func runWorkers(n int, fn func(w int)) {
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			fn(w)
		}(w)
	}
	wg.Wait()
}

// round keeps a float to the given number of decimals for readable JSON.
func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}

func run(cfg *config) (any, error) {
	client := newClient(cfg)
	defer client.CloseIdleConnections()
	switch cfg.mode {
	case "closed":
		return runClosed(cfg, client), nil
	case "open":
		return runOpen(cfg, client), nil
	case "stream":
		return runStream(cfg, client), nil
	}
	return nil, fmt.Errorf("unknown mode %q", cfg.mode)
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
		}
		os.Exit(2)
	}
	res, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false) // keep content_sample readable
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
