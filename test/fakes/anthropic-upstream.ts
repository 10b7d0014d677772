// A fake Anthropic Messages API for gateway tests: checks headers and bodies the way the real one does
// (anthropic-validate.ts), answers POST /v1/messages as JSON or as Anthropic's SSE stream and
// POST /v1/messages/count_tokens, records every request, and can be scripted to misbehave (401, 429,
// 529 overloaded, an `event: error` mid-stream, cut connections, slow headers).
import { startScriptedServer, type RecordedRequest, type ScriptedReply } from './scripted-server.ts';
import { anthropicError, countTokens, messageBody, planReply, streamEvents } from './anthropic-wire.ts';
import { validateMessagesBody } from './anthropic-validate.ts';
import { fakeId } from './openai-wire.ts';

export type { RecordedRequest, ScriptedReply } from './scripted-server.ts';
export { anthropicError, anthropicEvent, PING, messageBody, planReply, streamEvents } from './anthropic-wire.ts';

/** The anthropic-version values the fake accepts, as the API at the time of the design notes did. */
const KNOWN_VERSIONS = new Set(['2023-06-01', '2023-01-01']);

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

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
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
    // The API knows its own dated versions only; an SDK's newer date is refused.
    if (!KNOWN_VERSIONS.has(headers['anthropic-version'])) return invalid(`anthropic-version: invalid version ${headers['anthropic-version']}`);
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

  return startScriptedServer({
    chunkDelayMs,
    baseHeaders: () => ({ 'request-id': fakeId('req_') }),
    defaultReply,
    crashBody: (err) => anthropicError('api_error', `fake upstream crashed: ${String(err)}`),
  });
}
