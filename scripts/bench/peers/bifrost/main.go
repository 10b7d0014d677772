// Command bifrost-wrapper serves POST /v1/chat/completions (OpenAI wire format) on top of Bifrost's core
// engine (github.com/maximhq/bifrost/core), configured with one OpenAI provider whose base URL points at
// the benchmark's mock upstream.
//
// It is a benchmark stand-in, not stock Bifrost: Bifrost's HTTP transport (governance, logging, plugins,
// config store, UI) is not included, so what it measures is a lower bound of Bifrost's cost.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	bifrost "github.com/maximhq/bifrost/core"
	"github.com/maximhq/bifrost/core/schemas"
	"github.com/valyala/fasthttp"
)

// account is Bifrost's source of providers, keys and provider settings: a single OpenAI provider.
type account struct {
	baseURL string
	key     string
}

func (a *account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	return []schemas.ModelProvider{schemas.OpenAI}, nil
}

func (a *account) GetKeysForProvider(_ context.Context, p schemas.ModelProvider) ([]schemas.Key, error) {
	if p != schemas.OpenAI {
		return nil, fmt.Errorf("provider %s is not configured", p)
	}
	return []schemas.Key{{
		ID:     "bench-key",
		Name:   "bench",
		Value:  *schemas.NewSecretVar(a.key),
		Models: schemas.WhiteList{"*"}, // any model name
		Weight: 1,
	}}, nil
}

func (a *account) GetConfigForProvider(p schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	if p != schemas.OpenAI {
		return nil, fmt.Errorf("provider %s is not configured", p)
	}
	cfg := &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{
			BaseURL:                        a.baseURL, // Bifrost appends /v1/chat/completions itself
			DefaultRequestTimeoutInSeconds: 60,
		},
		ConcurrencyAndBufferSize: schemas.DefaultConcurrencyAndBufferSize,
	}
	return cfg, nil
}

// chatEnvelope holds the request fields that are not ChatParameters. The parameters are decoded
// separately: ChatParameters has its own UnmarshalJSON, which would take over an embedding struct.
type chatEnvelope struct {
	Model     string                `json:"model"`
	Messages  []schemas.ChatMessage `json:"messages"`
	Stream    bool                  `json:"stream"`
	MaxTokens *int                  `json:"max_tokens"`
}

type server struct {
	client *bifrost.Bifrost
}

var (
	chatPath  = []byte("/v1/chat/completions")
	sseDone   = []byte("data: [DONE]\n\n")
	ssePrefix = []byte("data: ")
	sseSuffix = []byte("\n\n")
)

func writeError(ctx *fasthttp.RequestCtx, status int, errType, msg string) {
	body, _ := schemas.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": errType}})
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func writeBifrostError(ctx *fasthttp.RequestCtx, e *schemas.BifrostError) {
	status := fasthttp.StatusInternalServerError
	if e.StatusCode != nil && *e.StatusCode >= 400 {
		status = *e.StatusCode
	}
	msg, typ := "bifrost error", "api_error"
	if e.Error != nil {
		msg = e.Error.Message
		if e.Error.Type != nil {
			typ = *e.Error.Type
		}
	}
	writeError(ctx, status, typ, msg)
}

func (s *server) handle(ctx *fasthttp.RequestCtx) {
	if string(ctx.Path()) != string(chatPath) {
		writeError(ctx, fasthttp.StatusNotFound, "invalid_request_error", "not found")
		return
	}
	if !ctx.IsPost() {
		writeError(ctx, fasthttp.StatusMethodNotAllowed, "invalid_request_error", "method not allowed")
		return
	}
	body := ctx.PostBody()
	var env chatEnvelope
	if err := schemas.Unmarshal(body, &env); err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, "invalid_request_error", "invalid JSON body: "+err.Error())
		return
	}
	params := &schemas.ChatParameters{}
	if err := schemas.Unmarshal(body, params); err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, "invalid_request_error", "invalid parameters: "+err.Error())
		return
	}
	if env.Model == "" || len(env.Messages) == 0 {
		writeError(ctx, fasthttp.StatusBadRequest, "invalid_request_error", "model and messages are required")
		return
	}
	if params.MaxCompletionTokens == nil && env.MaxTokens != nil {
		params.MaxCompletionTokens = env.MaxTokens // legacy max_tokens
	}
	// "openai/gpt-4o" and "gpt-4o" both go to the one configured provider.
	model := env.Model
	if p, m, ok := strings.Cut(model, "/"); ok && schemas.ModelProvider(p) == schemas.OpenAI {
		model = m
	}
	req := &schemas.BifrostChatRequest{Provider: schemas.OpenAI, Model: model, Input: env.Messages, Params: params}

	if env.Stream {
		s.stream(ctx, req)
		return
	}
	bctx, cancel := schemas.NewBifrostContextWithCancel(context.Background())
	defer cancel()
	resp, berr := s.client.ChatCompletionRequest(bctx, req)
	if berr != nil {
		writeBifrostError(ctx, berr)
		return
	}
	out, err := schemas.Marshal(resp)
	if err != nil {
		writeError(ctx, fasthttp.StatusInternalServerError, "api_error", "marshal response: "+err.Error())
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(out)
}

// sseReader turns Bifrost's chunk channel into the response body: each Read returns exactly one SSE
// event, and fasthttp writes (and flushes) each Read as its own HTTP chunk, so events are not batched.
type sseReader struct {
	ch      chan *schemas.BifrostStreamChunk
	cancel  context.CancelFunc
	pending []byte
	ended   bool // [DONE] queued
	once    sync.Once
}

func (r *sseReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.ended {
			return 0, io.EOF
		}
		chunk, ok := <-r.ch
		if !ok {
			r.pending = sseDone
			r.ended = true
			break
		}
		if chunk == nil {
			continue
		}
		data, err := schemas.Marshal(chunk)
		if err != nil {
			continue
		}
		ev := make([]byte, 0, len(ssePrefix)+len(data)+len(sseSuffix))
		ev = append(append(append(ev, ssePrefix...), data...), sseSuffix...)
		r.pending = ev
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// Close is called by fasthttp when the body is done or the client went away: cancel the upstream
// stream if it has not finished, and drain the channel so Bifrost's producer can exit.
func (r *sseReader) Close() error {
	r.once.Do(func() {
		r.cancel()
		go func() {
			for range r.ch {
			}
		}()
	})
	return nil
}

func (s *server) stream(ctx *fasthttp.RequestCtx, req *schemas.BifrostChatRequest) {
	bctx, cancel := schemas.NewBifrostContextWithCancel(context.Background())
	ch, berr := s.client.ChatCompletionStreamRequest(bctx, req)
	if berr != nil {
		cancel()
		writeBifrostError(ctx, berr)
		return
	}
	ctx.SetContentType("text/event-stream")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.SetBodyStream(&sseReader{ch: ch, cancel: cancel}, -1)
}

// coreVersion is the version of the Bifrost core module linked into this binary.
func coreVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/maximhq/bifrost/core" {
				return m.Version
			}
		}
	}
	return "unknown"
}

func main() {
	host := flag.String("host", "127.0.0.1", "listen address")
	port := flag.Int("port", 8080, "listen port")
	baseURL := flag.String("base-url", "", "OpenAI-compatible upstream root (Bifrost appends /v1/...), e.g. http://127.0.0.1:9999")
	key := flag.String("key", "sk-bench", "API key sent to the upstream")
	logLevel := flag.String("log-level", "warn", "Bifrost log level: debug, info, warn, error")
	pool := flag.Int("initial-pool-size", 300, "Bifrost InitialPoolSize (pre-allocated request objects)")
	flag.Parse()
	if *baseURL == "" {
		log.Fatal("-base-url is required")
	}

	client, err := bifrost.Init(context.Background(), schemas.BifrostConfig{
		Account:         &account{baseURL: strings.TrimRight(*baseURL, "/"), key: *key},
		Logger:          bifrost.NewDefaultLogger(schemas.LogLevel(*logLevel)),
		InitialPoolSize: *pool,
	})
	if err != nil {
		log.Fatalf("bifrost init: %v", err)
	}
	s := &server{client: client}
	srv := &fasthttp.Server{Handler: s.handle, Name: "bifrost-core-wrapper"}

	// Nothing to flush on the way out: exit at once on SIGTERM/SIGINT.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		os.Exit(0)
	}()

	addr := fmt.Sprintf("%s:%d", *host, *port)
	log.Printf("bifrost-wrapper (github.com/maximhq/bifrost/core %s) listening on %s, upstream %s", coreVersion(), addr, *baseURL)
	if err := srv.ListenAndServe(addr); err != nil {
		log.Fatalf("listen: %v", err)
	}
}
