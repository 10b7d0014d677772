// The machinery every fake upstream shares: record each request before answering, answer with the next
// scripted reply (FIFO) or the fake's own default, stream SSE events one write each, hang, cut or delay on
// request, and notice when the client goes away. A fake supplies only its protocol: the default reply, the
// headers every response carries, and the body of a crash.

export interface RecordedRequest {
  method: string;
  path: string; // pathname
  search: string; // query string incl '?', or ''
  headers: Record<string, string>; // lower-cased names
  body: any; // parsed JSON (when content-type is JSON) or null
  rawBody: string;
  aborted: boolean; // client disconnected before the fake finished responding
}

type Headers = Record<string, string>;

export type ScriptedReply =
  /** JSON body (error or success). status defaults to 200. */
  | { status?: number; json: unknown; headers?: Headers }
  /** Events written verbatim, one write each (include the `\n\n` yourself; see sseData/SSE_DONE).
   * delayMs between writes (default: chunkDelayMs). hangAfter keeps the connection open afterwards;
   * destroy cuts it abruptly (no terminating chunk). headers override defaults incl. content-type. */
  | { sse: string[]; delayMs?: number; status?: number; headers?: Headers; hangAfter?: boolean; destroy?: boolean }
  /** Arbitrary body, e.g. DeepSeek's blank lines before JSON or an HTML error page. */
  | { raw: string; status?: number; contentType?: string; headers?: Headers }
  /** Wait before sending headers, then answer with `then` (or the default behaviour). */
  | { delayMs: number; then?: ScriptedReply }
  /** Escape hatch: build the Response yourself. */
  | { respond: (req: RecordedRequest) => Response | Promise<Response> };

export interface ScriptedServer {
  url: string; // http://127.0.0.1:PORT — no trailing slash, no /v1
  port: number;
  requests: RecordedRequest[];
  last(): RecordedRequest | undefined;
  reset(): void; // clears requests and scripted replies
  script(reply: ScriptedReply): void; // one-shot reply for the next request (any path), FIFO
  stop(): Promise<void>;
}

export interface ScriptedServerOptions {
  /** Pause between streamed events (default 0: still one write each). */
  chunkDelayMs?: number;
  /** Headers on every response (e.g. a fresh request id). */
  baseHeaders: () => Headers;
  /** The answer when nothing is scripted, decided by the request as the real API would. */
  defaultReply: (rec: RecordedRequest) => ScriptedReply;
  /** The body of a 500 when the fake itself throws. */
  crashBody: (err: unknown) => unknown;
}

/** Per-request lifecycle: once the fake has finished, a later disconnect is not an abort. */
interface Life { finished: boolean }

const encoder = new TextEncoder();

export async function startScriptedServer(opts: ScriptedServerOptions): Promise<ScriptedServer> {
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
  const { baseHeaders, defaultReply } = opts;
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];

  function json(status: number, body: unknown, headers: Headers = {}): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...baseHeaders(), ...headers } });
  }

  function stream(r: Extract<ScriptedReply, { sse: string[] }>, rec: RecordedRequest, life: Life): Response {
    const delay = r.delayMs ?? chunkDelayMs;
    let next = 0;
    let release = (): void => {};
    // Pull-based: the next event is produced only once Bun has taken the previous one, so every event
    // is its own write and nothing queued is discarded when `destroy` errors the stream.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next > 0) await Bun.sleep(delay); // yields even at 0 ms
        const event = r.sse[next];
        if (event !== undefined) {
          next += 1;
          controller.enqueue(encoder.encode(event));
          return;
        }
        if (r.hangAfter) return new Promise<void>((resolve) => { release = resolve; }); // until cancel/stop()
        life.finished = true;
        if (!r.destroy) return controller.close();
        // Bun may still hold the last event in its write buffer; erroring at once can drop it (seen in
        // ~2% of runs at 0 ms, none in 1000 at 5 ms), so let it flush first.
        await Bun.sleep(20);
        // error() without a reason aborts the socket (no terminating chunk) without Bun logging it.
        controller.error();
      },
      // Bun cancels the body stream when the client goes away mid-response.
      cancel() {
        if (!life.finished) rec.aborted = true;
        release();
      },
    });
    return new Response(body, {
      status: r.status ?? 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...baseHeaders(), ...r.headers },
    });
  }

  async function render(r: ScriptedReply, rec: RecordedRequest, life: Life): Promise<Response> {
    if ('sse' in r) return stream(r, rec, life);
    if ('delayMs' in r) {
      await Bun.sleep(r.delayMs);
      return render(r.then ?? defaultReply(rec), rec, life);
    }
    life.finished = true;
    if ('respond' in r) return r.respond(rec);
    if ('json' in r) return json(r.status ?? 200, r.json, r.headers);
    return new Response(r.raw, {
      status: r.status ?? 200,
      headers: { 'content-type': r.contentType ?? 'text/plain; charset=utf-8', ...baseHeaders(), ...r.headers },
    });
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const rawBody = await req.text();
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
    let body: any = null;
    if (rawBody && /json/i.test(headers['content-type'] ?? '')) {
      try { body = JSON.parse(rawBody); } catch { body = null; }
    }
    const rec: RecordedRequest = { method: req.method, path: url.pathname, search: url.search, headers, body, rawBody, aborted: false };
    requests.push(rec);
    const life: Life = { finished: false };
    // Covers disconnects while we are still delaying headers; streams also get cancel() above.
    req.signal.addEventListener('abort', () => { if (!life.finished) rec.aborted = true; });
    return render(queue.shift() ?? defaultReply(rec), rec, life);
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0, // long/hanging streams must not be cut by the server
    fetch: handle,
    error: (err) => json(500, opts.crashBody(err)),
  });
  const port = server.port ?? 0;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    last: () => requests[requests.length - 1],
    reset: () => { requests.length = 0; queue.length = 0; },
    script: (reply) => { queue.push(reply); },
    stop: async () => { await server.stop(true); },
  };
}
