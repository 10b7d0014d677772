// A fake Anthropic Messages API for gateway tests: checks headers and bodies the way the real one does
// (anthropic-validate.ts), answers POST /v1/messages as JSON or as Anthropic's SSE stream and
// POST /v1/messages/count_tokens, records every request, and can be scripted to misbehave (401, 429,
// 529 overloaded, an `event: error` mid-stream, cut connections, slow headers).
import type { RecordedRequest, ScriptedReply } from './openai-upstream.ts';
import { anthropicError, countTokens, messageBody, planReply, streamEvents } from './anthropic-wire.ts';
import { validateMessagesBody } from './anthropic-validate.ts';
import { fakeId } from './openai-wire.ts';

export type { RecordedRequest, ScriptedReply } from './openai-upstream.ts';
export { anthropicError, anthropicEvent, PING, messageBody, planReply, streamEvents } from './anthropic-wire.ts';

export interface FakeAnthropic {
  url: string; // http://127.0.0.1:PORT, the base_url (no /v1)
  port: number;
  requests: RecordedRequest[];
  last(): RecordedRequest | undefined;
  reset(): void; // clears requests and scripted replies
  script(reply: ScriptedReply): void; // one-shot reply for the next request, FIFO
  stop(): Promise<void>;
}

export interface FakeAnthropicOptions {
  /** The only x-api-key accepted; any non-empty key when unset. */
  apiKey?: string;
  chunkDelayMs?: number;
}

interface Life { finished: boolean }

const encoder = new TextEncoder();

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];

  const baseHeaders = (): Record<string, string> => ({ 'request-id': fakeId('req_') });

  function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...baseHeaders(), ...headers } });
  }

  function stream(r: Extract<ScriptedReply, { sse: string[] }>, rec: RecordedRequest, life: Life): Response {
    const delay = r.delayMs ?? chunkDelayMs;
    let next = 0;
    let release = (): void => {};
    // Pull-based: every event is its own write, as the real API sends them.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next > 0) await Bun.sleep(delay);
        const event = r.sse[next];
        if (event !== undefined) {
          next += 1;
          controller.enqueue(encoder.encode(event));
          return;
        }
        if (r.hangAfter) return new Promise<void>((resolve) => { release = resolve; });
        life.finished = true;
        if (!r.destroy) return controller.close();
        await Bun.sleep(20); // let the last event flush before cutting the connection
        controller.error();
      },
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
    return new Response(r.raw, { status: r.status ?? 200, headers: { 'content-type': r.contentType ?? 'text/plain; charset=utf-8', ...baseHeaders(), ...r.headers } });
  }

  const invalid = (message: string): ScriptedReply => ({ status: 400, json: anthropicError('invalid_request_error', message) });

  /** Behaviour when nothing is scripted: decided entirely by the request, as the real API would. */
  function defaultReply(rec: RecordedRequest): ScriptedReply {
    const { path, headers } = rec;
    if (rec.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      return { status: 404, json: anthropicError('not_found_error', 'Not Found') };
    }
    const key = headers['x-api-key'];
    if (!key) return { status: 401, json: anthropicError('authentication_error', 'x-api-key header is required') };
    if (opts.apiKey !== undefined && key !== opts.apiKey) return { status: 401, json: anthropicError('authentication_error', 'invalid x-api-key') };
    if (!headers['anthropic-version']) return invalid('anthropic-version: header is required');
    const body = rec.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return invalid('There was an error parsing the body of your request');
    if (path === '/v1/messages/count_tokens') {
      if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return invalid('messages: Field required');
      return { json: { input_tokens: countTokens(body, rec.rawBody) } };
    }
    const problem = validateMessagesBody(body);
    if (problem) return invalid(problem);
    const plan = planReply(body, rec.rawBody);
    return body.stream === true ? { sse: streamEvents(body, plan), delayMs: chunkDelayMs } : { json: messageBody(body, plan) };
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
    req.signal.addEventListener('abort', () => { if (!life.finished) rec.aborted = true; });
    return render(queue.shift() ?? defaultReply(rec), rec, life);
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch: handle,
    error: (err) => json(500, anthropicError('api_error', `fake upstream crashed: ${String(err)}`)),
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
