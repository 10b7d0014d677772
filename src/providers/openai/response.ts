import type { Usage } from '../../protocols/openai/types.ts';
import { ProviderError } from '../errors.ts';
import { providerErrorFromEvent } from './errors.ts';
import { normalizeChoices, normalizeUsage } from './normalize.ts';
import type { Deadline } from '../upstream-call.ts';
import { upstreamFailure, type Upstream } from './upstream.ts';
import type { UpstreamCall } from '../types.ts';

export interface ParsedBody<T> {
  /** The upstream's text when nothing needed changing (forwarded byte for byte), else the rewritten object. */
  body: T | string;
  parsed: T;
  usage: Usage | null;
}

/** Reads a complete JSON response, normalises what the preset needs, and extracts usage. */
export async function readJsonBody<T extends object>(up: Upstream, res: Response, call: UpstreamCall, deadline: Deadline): Promise<ParsedBody<T>> {
  let text: string;
  try {
    text = await deadline.race(res.text());
  } catch (err) {
    throw upstreamFailure(up, deadline, call, err);
  } finally {
    deadline.clear();
  }
  let obj: Record<string, unknown>;
  try {
    // DeepSeek sends blank lines while a request is queued; JSON.parse skips the whitespace.
    obj = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ProviderError({ provider: up.name, failureClass: 'transient', message: `Provider ${up.name} returned a body that is not JSON` });
  }
  if (obj.error && !obj.choices && !obj.data) throw providerErrorFromEvent(up.name, obj.error, up.redact);
  const changed = normalizeChoices(obj, up.preset);
  return { body: changed ? (obj as T) : text, parsed: obj as T, usage: normalizeUsage(obj.usage) };
}
