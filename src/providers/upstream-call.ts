// What every provider adapter needs around an upstream HTTP call, whatever its wire format: the time allowed
// for the first byte, the client leaving, and mapping transport failures onto Dvara's errors.
import { DvaraError } from '../server/errors.ts';
import { ProviderError } from './errors.ts';
import type { UpstreamCall } from './types.ts';

export function networkError(provider: string, reason: string): ProviderError {
  return new ProviderError({ provider, failureClass: 'transient', message: `Could not reach provider ${provider}: ${reason}` });
}

export function timeoutError(provider: string, ms: number, what = 'answer'): ProviderError {
  return new ProviderError({ provider, failureClass: 'timeout', message: `Provider ${provider} did not ${what} within ${ms} ms` });
}

/** The client went away; nothing is sent back and nothing fails over. */
export class ClientClosedError extends DvaraError {
  constructor() {
    super('INVALID_REQUEST', 'client closed the request', { status: 499 });
  }
}

/** Deadlines in force; one shared sweeper checks them, instead of a timer per request. */
const active = new Set<Deadline>();
const SWEEP_MS = 50;
let sweeper: ReturnType<typeof setInterval> | undefined;

function sweep(): void {
  const now = performance.now();
  for (const d of active) if (d.expiresAt <= now) d.expire();
  if (active.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

class DeadlineExpired extends Error {}

/**
 * Time allowed for the upstream to start answering. Cleared at the first event of a stream or at the end of
 * a JSON body, so a long stream is not cut by it.
 *
 * Cost matters here, on every request: in Bun a timer, an AbortController or an AbortSignal.any per request
 * cost several microseconds and 15-20 MiB of RSS at 64 concurrent requests (docs/benchmarks.md). So the
 * upstream fetch carries the client's own signal (a client that leaves aborts it natively), one shared
 * sweeper checks expiry every 50 ms, and an expired wait is abandoned: the caller gets PROVIDER_TIMEOUT (and
 * can fail over) at once, and the late response is discarded when it arrives.
 */
export class Deadline {
  readonly expiresAt: number;
  expired = false;
  private onExpire: (() => void) | null = null;

  constructor(readonly ms: number) {
    this.expiresAt = performance.now() + ms;
    active.add(this);
    if (!sweeper) {
      sweeper = setInterval(sweep, SWEEP_MS);
      sweeper.unref?.();
    }
  }

  /** `work`, unless the deadline passes first; then rejects, and `discard` gets the late result. */
  race<T>(work: Promise<T>, discard: (late: T) => void = () => {}): Promise<T> {
    if (this.expired) {
      work.then(discard, () => {});
      return Promise.reject(new DeadlineExpired());
    }
    return new Promise<T>((resolve, reject) => {
      this.onExpire = () => {
        work.then(discard, () => {});
        reject(new DeadlineExpired());
      };
      work.then(resolve, reject);
    });
  }

  expire(): void {
    this.expired = true;
    active.delete(this);
    this.onExpire?.();
  }

  clear(): void {
    active.delete(this);
    this.onExpire = null;
  }
}

/** The first-byte deadline of one call: its own limit (a route's override) or the provider's, never past the total. */
export function callDeadline(up: { timeoutMs: number }, call: UpstreamCall): Deadline {
  const t = call.timeouts;
  const first = t?.firstByteMs ?? up.timeoutMs;
  return new Deadline(t?.totalMs !== undefined ? Math.min(first, t.totalMs) : first);
}

/** Maps a failure while talking to an upstream onto the error the client and failover should see. */
export function callFailure(provider: string, deadline: Deadline, clientSignal: AbortSignal, err: unknown, redact: (text: string) => string): DvaraError {
  if (err instanceof DvaraError) return err;
  if (clientSignal.aborted) return new ClientClosedError();
  if (deadline.expired) return timeoutError(provider, deadline.ms);
  return networkError(provider, redact(err instanceof Error ? err.message : String(err)));
}


/** The provider's own headers plus the call's trace headers (x-trace-id; W3C traceparent when tracing is on). */
export function callHeaders(base: Record<string, string>, call: UpstreamCall): Record<string, string> {
  const h: Record<string, string> = { ...base, 'x-trace-id': call.traceId };
  if (call.traceparent) h.traceparent = call.traceparent;
  return h;
}

/** What a call needs to know of its provider: the name, and how to keep Dvara's credentials out of text. */
export interface UpstreamTarget {
  name: string;
  redact(text: string): string;
}

/** A failure while talking to an upstream, with Dvara's credentials kept out of the message. */
export function upstreamFailure(up: UpstreamTarget, deadline: Deadline, call: UpstreamCall, err: unknown): DvaraError {
  return callFailure(up.name, deadline, call.signal, err, up.redact);
}

/**
 * POSTs a body within the deadline; resolves once a 2xx response's headers arrive. A non-2xx answer becomes
 * the provider's own error mapping (`toError`), with its body redacted; transport failures become Dvara's.
 */
export async function postUpstream(
  up: UpstreamTarget,
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  call: UpstreamCall,
  deadline: Deadline,
  toError: (status: number, text: string, headers: Headers) => DvaraError,
): Promise<Response> {
  let res: Response;
  // The connect limit covers only the wait for response headers: a host that never answers fails fast.
  const connectMs = call.timeouts?.connectMs;
  const connect = connectMs !== undefined && connectMs < deadline.ms ? new Deadline(connectMs) : null;
  try {
    const sent = deadline.race(fetch(url, { method: 'POST', headers, body, signal: call.signal }), (late) => void late.body?.cancel().catch(() => {}));
    res = await (connect ? connect.race(sent, (late) => void late.body?.cancel().catch(() => {})) : sent);
  } catch (err) {
    deadline.clear();
    if (connect?.expired) throw timeoutError(up.name, connect.ms, 'respond (response headers)');
    throw upstreamFailure(up, deadline, call, err);
  } finally {
    connect?.clear();
  }
  if (!res.ok) {
    const text = await deadline.race(res.text()).catch(() => '');
    deadline.clear();
    throw toError(res.status, up.redact(text), res.headers);
  }
  return res;
}

/** Reads a complete body within the deadline; the text, for forwarding or parsing. */
export async function readUpstreamText(up: UpstreamTarget, res: Response, call: UpstreamCall, deadline: Deadline): Promise<string> {
  try {
    return await deadline.race(res.text());
  } catch (err) {
    throw upstreamFailure(up, deadline, call, err);
  } finally {
    deadline.clear();
  }
}

/** Reads and parses a complete JSON body; a body that is not JSON is the provider's failure, not the client's. */
export async function readUpstreamJson<T>(up: UpstreamTarget, res: Response, call: UpstreamCall, deadline: Deadline): Promise<T> {
  const text = await readUpstreamText(up, res, call, deadline);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ProviderError({ provider: up.name, failureClass: 'transient', message: `Provider ${up.name} returned a body that is not JSON` });
  }
}
