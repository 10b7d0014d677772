// A fake AWS Bedrock Runtime for gateway tests. Like the real service it insists on a valid SigV4 signature
// (sigv4-verify.ts, signing name `bedrock`), answers POST /model/{modelId}/converse as JSON,
// /converse-stream as real `application/vnd.amazon.eventstream` frames, and /invoke for the embedding models,
// validates Converse bodies the way Bedrock does (bedrock-validate.ts) and reports errors as `{"message":…}`
// with `x-amzn-ErrorType`. Streams are written the way TCP delivers them: one frame per write, except that one
// frame is split across two writes (with a pause) and two small frames share a write, so decoders must buffer.
// Scripted replies (script/scriptStream/scriptError) answer the next request without any checks.
import { randomUUID } from 'node:crypto';
import { startScriptedServer, type RecordedRequest, type ScriptedReply } from './scripted-server.ts';
import { verifySigV4, type SigV4Result, type SigV4Secret } from './sigv4-verify.ts';
import { bedrockEventFrame, bedrockExceptionFrame } from './eventstream-encode.ts';
import { validateConverseBody, validModelId } from './bedrock-validate.ts';
import { bedrockError, converseBody, converseStreamEvents, invokeEmbedding, planConverse, withPadding, type StreamEvent } from './bedrock-wire.ts';

export type { RecordedRequest, ScriptedReply } from './scripted-server.ts';
export { bedrockError, converseBody, converseStreamEvents, planConverse, EMBEDDING_MODELS, type StreamEvent } from './bedrock-wire.ts';

export const EXAMPLE_CREDENTIALS = { AKIDEXAMPLE: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

export interface StreamScriptOptions {
  /** End the stream with an exception frame (e.g. `throttlingException`) after `afterEvents` events (default: all). */
  exception?: { type: string; message: string; afterEvents?: number };
  /** Send this many frames whole, then the first half of the next one, then drop the connection. */
  cutAfter?: number;
  /** Split one frame across two writes: true (default) = the first contentBlockDelta (else the first frame) at
   * its middle; a number = that byte offset of that frame; false = never. */
  splitFrame?: boolean | number;
  /** Pause between writes (default: the fake's chunkDelayMs). */
  delayMs?: number;
  /** Add Bedrock's `p` padding field to each event payload (default true). */
  padding?: boolean;
}

export interface FakeBedrock {
  url: string; // http://127.0.0.1:PORT, the endpoint (no path)
  port: number;
  requests: RecordedRequest[];
  last(): RecordedRequest | undefined;
  reset(): void; // clears requests and scripted replies
  script(reply: ScriptedReply): void; // one-shot reply for the next request, FIFO
  /** A ConverseStream response made of these events, e.g. `[['messageStart', {role:'assistant'}], …]`. */
  scriptStream(events: StreamEvent[], opts?: StreamScriptOptions): void;
  /** A Bedrock error, e.g. `scriptError('ThrottlingException', 'Too many requests, please wait before trying again.')`. */
  scriptError(exceptionName: string, message: string, status?: number): void;
  stop(): Promise<void>;
}

export interface FakeBedrockOptions {
  /** Secrets by access key id (default AKIDEXAMPLE / the AWS docs' example secret); objects for temporary keys. */
  credentials?: Record<string, SigV4Secret>;
  chunkDelayMs?: number;
  /** Pause between the two halves of the split frame (default 8 ms), long enough to arrive as separate reads. */
  splitDelayMs?: number;
}

interface Frame { type: string; bytes: Uint8Array }
interface Write { bytes: Uint8Array; pauseMs: number }

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** Which frames go into which TCP write, and whether the connection is dropped after the last one. */
function layout(frames: Frame[], opts: StreamScriptOptions, delay: number, splitDelay: number): { writes: Write[]; destroy: boolean } {
  const firstDelta = frames.findIndex((f) => f.type === 'contentBlockDelta');
  const splitAt = opts.splitFrame === false ? -1 : Math.max(0, firstDelta);
  // Two small frames in one write: the last contentBlockStop rides with the frame after it (messageStop).
  const stops = frames.map((f, i) => (f.type === 'contentBlockStop' ? i : -1)).filter((i) => i >= 0 && i + 1 < frames.length && i !== splitAt && i + 1 !== splitAt);
  const pairAt = stops.length > 0 ? stops[stops.length - 1]! : -1;
  const writes: Write[] = [];
  for (let i = 0; i < frames.length; i++) {
    const bytes = frames[i]!.bytes;
    if (i === opts.cutAfter) {
      writes.push({ bytes: bytes.subarray(0, bytes.length >> 1), pauseMs: delay });
      return { writes, destroy: true };
    }
    if (i === splitAt) {
      const cut = typeof opts.splitFrame === 'number' ? opts.splitFrame : bytes.length >> 1;
      writes.push({ bytes: bytes.subarray(0, cut), pauseMs: delay }, { bytes: bytes.subarray(cut), pauseMs: splitDelay });
    } else if (i === pairAt && (opts.cutAfter === undefined || opts.cutAfter > i + 1)) {
      writes.push({ bytes: concat(bytes, frames[i + 1]!.bytes), pauseMs: delay });
      i += 1;
    } else {
      writes.push({ bytes, pauseMs: delay });
    }
  }
  return { writes, destroy: opts.cutAfter !== undefined };
}

function streamResponse(rec: RecordedRequest, writes: Write[], destroy: boolean, headers: Record<string, string>): Response {
  let next = 0;
  let finished = false;
  // Pull-based, as in scripted-server.ts: each write is produced only once Bun has taken the previous one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const w = writes[next];
      if (w) {
        if (next > 0) await Bun.sleep(w.pauseMs); // yields even at 0 ms
        next += 1;
        controller.enqueue(w.bytes);
        return;
      }
      finished = true;
      if (!destroy) return controller.close();
      await Bun.sleep(20); // let the last write flush before the socket is aborted
      controller.error();
    },
    cancel() {
      if (!finished) rec.aborted = true;
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream', ...headers } });
}

function authError(r: Extract<SigV4Result, { ok: false }>): ScriptedReply {
  switch (r.kind) {
    case 'missing': return bedrockError('MissingAuthenticationTokenException', r.reason);
    case 'incomplete': return bedrockError('IncompleteSignatureException', r.reason);
    case 'unknown-key': return bedrockError('UnrecognizedClientException', r.reason);
    default: {
      // AWS spells out what it expected, which is what makes signing bugs debuggable.
      const detail = r.canonicalRequest === undefined ? '' : `\n\nThe Canonical String for this request should have been\n'${r.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${r.stringToSign}'\n`;
      return bedrockError('InvalidSignatureException', r.reason + detail);
    }
  }
}

export async function startFakeBedrock(opts: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const credentials = opts.credentials ?? EXAMPLE_CREDENTIALS;
  const chunkDelayMs = opts.chunkDelayMs ?? 0;
  const splitDelayMs = opts.splitDelayMs ?? 8;
  const baseHeaders = () => ({ 'x-amzn-RequestId': randomUUID() });
  const invalid = (message: string) => bedrockError('ValidationException', message);

  function stream(events: StreamEvent[], so: StreamScriptOptions = {}): ScriptedReply {
    const frames: Frame[] = events.map(([type, payload]) => ({ type, bytes: bedrockEventFrame(type, so.padding === false ? payload : withPadding(payload)) }));
    if (so.exception) {
      const at = Math.min(so.exception.afterEvents ?? frames.length, frames.length);
      frames.splice(at, frames.length - at, { type: so.exception.type, bytes: bedrockExceptionFrame(so.exception.type, so.exception.message) });
    }
    const { writes, destroy } = layout(frames, so, so.delayMs ?? chunkDelayMs, splitDelayMs);
    return { respond: (rec) => streamResponse(rec, writes, destroy, baseHeaders()) };
  }

  /** Behaviour when nothing is scripted: decided entirely by the request, as the real service would. */
  function defaultReply(rec: RecordedRequest): ScriptedReply {
    const auth = verifySigV4(
      { method: rec.method, path: rec.path, query: rec.search.replace(/^\?/, ''), headers: rec.headers, body: rec.rawBody },
      credentials,
      { now: new Date() },
    );
    if (!auth.ok) return authError(auth);
    const route = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(rec.path);
    if (rec.method !== 'POST' || !route) return bedrockError('UnknownOperationException', `Unknown operation: ${rec.method} ${rec.path}`);
    let modelId = '';
    try {
      modelId = decodeURIComponent(route[1]!);
    } catch {}
    if (!validModelId(modelId)) return invalid('The provided model identifier is invalid.');
    let body: unknown = rec.body;
    if (body === null && rec.rawBody) {
      try {
        body = JSON.parse(rec.rawBody);
      } catch {
        return invalid('Malformed input request, please reformat your input and try again.');
      }
    }
    const op = route[2]!;
    if (op === 'invoke') {
      const result = invokeEmbedding(modelId, (body ?? {}) as Record<string, unknown>);
      if (result === null) return invalid(`The fake Bedrock serves InvokeModel only for embedding models; ${modelId} is not one. Use Converse.`);
      if ('error' in result) return invalid(result.error);
      return {
        json: result.body,
        headers: { 'X-Amzn-Bedrock-Input-Token-Count': String(result.inputTokens), 'X-Amzn-Bedrock-Invocation-Latency': '42' },
      };
    }
    const problem = validateConverseBody(body);
    if (problem) return invalid(problem);
    const plan = planConverse(body as Record<string, unknown>, rec.rawBody);
    return op === 'converse' ? { json: converseBody(plan) } : stream(converseStreamEvents(plan));
  }

  const server = await startScriptedServer({
    chunkDelayMs,
    baseHeaders,
    defaultReply,
    crashBody: (err) => ({ message: `fake upstream crashed: ${String(err)}` }),
  });
  return {
    ...server,
    scriptStream: (events, so) => server.script(stream(events, so)),
    scriptError: (name, message, status) => server.script(bedrockError(name, message, status)),
  };
}
