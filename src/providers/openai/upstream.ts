import type { Preset } from '../openai-compatible/presets.ts';
import type { UpstreamCall } from '../types.ts';
import { DvaraError } from '../../server/errors.ts';
import { networkError, providerErrorFromResponse, timeoutError } from './errors.ts';

export type OpenAIPath = 'chat/completions' | 'completions' | 'embeddings';

/** One configured OpenAI-compatible provider, compiled once at start. */
export interface Upstream {
  name: string;
  preset: Preset;
  timeoutMs: number;
  headers: Record<string, string>;
  url(path: OpenAIPath, model: string): string;
  /** Removes Dvara's own credentials from upstream text (some providers echo the key they rejected). */
  redact(text: string): string;
}

/** The client went away; nothing is sent back and nothing fails over. */
export class ClientClosedError extends DvaraError {
  constructor() {
    super('INVALID_REQUEST', 'client closed the request', { status: 499 });
  }
}

/**
 * Time allowed for the upstream to start answering. Cleared at the first byte of a stream or at the end of
 * a JSON body, so a long stream is not cut by it.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  readonly signal: AbortSignal;

  constructor(
    readonly ms: number,
    clientSignal: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
    this.signal = AbortSignal.any([clientSignal, this.controller.signal]);
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** Maps a failure while talking to the upstream onto the error the client and failover should see. */
export function upstreamFailure(up: Upstream, deadline: Deadline, call: UpstreamCall, err: unknown): DvaraError {
  if (err instanceof DvaraError) return err;
  if (call.signal.aborted) return new ClientClosedError();
  if (deadline.expired) return timeoutError(up.name, deadline.ms);
  return networkError(up.name, new Error(up.redact(err instanceof Error ? err.message : String(err))));
}

/** POSTs a JSON body; resolves once a 2xx response's headers arrive, otherwise throws a ProviderError. */
export async function postJson(up: Upstream, path: OpenAIPath, body: unknown, call: UpstreamCall, deadline: Deadline): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(up.url(path, call.model), {
      method: 'POST',
      headers: { ...up.headers, 'x-trace-id': call.traceId },
      body: JSON.stringify(body),
      signal: deadline.signal,
    });
  } catch (err) {
    deadline.clear();
    throw upstreamFailure(up, deadline, call, err);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    deadline.clear();
    throw providerErrorFromResponse(up.name, res.status, up.redact(text), res.headers);
  }
  return res;
}
