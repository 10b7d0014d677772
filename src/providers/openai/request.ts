import type { ChatRequest, CompletionRequest, EmbeddingRequest } from '../../protocols/openai/types.ts';
import { usesMaxCompletionTokens, type Preset } from '../openai-compatible/presets.ts';

// The inbound body is forwarded as is (unknown fields included), with only what the upstream needs changed:
// the model name, the usage request on streams, and the preset's parameter quirks. Each shaper reports
// whether it changed anything, so an unchanged body goes out as the client's own text.

type Body = Record<string, unknown>;

export interface Shaped {
  body: Body;
  changed: boolean;
}

/** What to send upstream: the client's own bytes when nothing was rewritten, else the rewritten body. */
export function bodyText(shaped: Shaped, rawBody: string | Uint8Array | undefined): string | Uint8Array {
  return !shaped.changed && rawBody !== undefined ? rawBody : JSON.stringify(shaped.body);
}

function withStreamUsage(body: Body, preset: Preset): boolean {
  const options = body.stream_options as { include_usage?: boolean } | null | undefined;
  if (body.stream !== true || preset.streamUsage === 'always') {
    if (options === undefined) return false;
    delete body.stream_options;
    return true;
  }
  if (options?.include_usage === true) return false;
  body.stream_options = { ...options, include_usage: true };
  return true;
}

function withMaxTokensField(body: Body, preset: Preset, model: string): boolean {
  const want =
    preset.maxTokensField === 'model-dependent'
      ? usesMaxCompletionTokens(model)
        ? 'max_completion_tokens'
        : 'max_tokens'
      : preset.maxTokensField;
  const other = want === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] === undefined) return false;
  if (body[want] === undefined) body[want] = body[other];
  delete body[other];
  return true;
}

export function chatBody(req: ChatRequest, model: string, preset: Preset): Shaped {
  const body: Body = { ...req, model };
  let changed = model !== req.model;
  changed = withStreamUsage(body, preset) || changed;
  // OpenAI itself accepts both fields for non-reasoning models; only rename what the target would reject.
  if (preset.maxTokensField !== 'model-dependent' || usesMaxCompletionTokens(model)) changed = withMaxTokensField(body, preset, model) || changed;
  if (body.stream !== true && preset.nonStreamOverrides) {
    Object.assign(body, preset.nonStreamOverrides);
    changed = true;
  }
  return { body, changed };
}

export function completionBody(req: CompletionRequest, model: string, preset: Preset): Shaped {
  const body: Body = { ...req, model };
  const changed = withStreamUsage(body, preset) || model !== req.model;
  return { body, changed };
}

/** The body to send, and whether Dvara must base64-encode the floats the upstream returns. */
export function embeddingBody(req: EmbeddingRequest, model: string, preset: Preset): Shaped & { encodeLocally: boolean } {
  const body: Body = { ...req, model };
  const encodeLocally = req.encoding_format === 'base64' && !preset.embeddingsBase64;
  if (encodeLocally) delete body.encoding_format;
  return { body, changed: encodeLocally || model !== req.model, encodeLocally };
}
