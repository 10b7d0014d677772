import type { Preset } from '../openai-compatible/presets.ts';
import type { UpstreamCall } from '../types.ts';
import { callFailure, type Deadline } from '../upstream-call.ts';
import { providerErrorFromResponse } from './errors.ts';

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

/** POSTs a JSON body text; resolves once a 2xx response's headers arrive, otherwise throws a ProviderError. */
export async function postJson(up: Upstream, path: OpenAIPath, body: string | Uint8Array, call: UpstreamCall, deadline: Deadline): Promise<Response> {
  let res: Response;
  try {
    res = await deadline.race(
      fetch(up.url(path, call.model), {
        method: 'POST',
        headers: { ...up.headers, 'x-trace-id': call.traceId },
        body,
        signal: call.signal,
      }),
      (late) => void late.body?.cancel().catch(() => {}),
    );
  } catch (err) {
    deadline.clear();
    throw upstreamFailure(up, deadline, call, err);
  }
  if (!res.ok) {
    const text = await deadline.race(res.text()).catch(() => '');
    deadline.clear();
    throw providerErrorFromResponse(up.name, res.status, up.redact(text), res.headers);
  }
  return res;
}

/** A failure while talking to this upstream, with Dvara's credentials kept out of the message. */
export function upstreamFailure(up: Upstream, deadline: Deadline, call: UpstreamCall, err: unknown) {
  return callFailure(up.name, deadline, call.signal, err, up.redact);
}
