import type { ChatRequest, CompletionRequest, EmbeddingRequest } from '../../protocols/openai/types.ts';
import { usesMaxCompletionTokens, type Preset } from '../openai-compatible/presets.ts';

// The inbound body is forwarded as is (unknown fields included), with only what the upstream needs changed:
// the model name, the usage request on streams, and the preset's parameter quirks.

type Body = Record<string, unknown>;

function withStreamUsage(body: Body, preset: Preset): void {
  if (body.stream !== true) {
    delete body.stream_options;
    return;
  }
  if (preset.streamUsage === 'always') delete body.stream_options;
  else body.stream_options = { ...(body.stream_options as object | null | undefined), include_usage: true };
}

function withMaxTokensField(body: Body, preset: Preset, model: string): void {
  const want =
    preset.maxTokensField === 'model-dependent'
      ? usesMaxCompletionTokens(model)
        ? 'max_completion_tokens'
        : 'max_tokens'
      : preset.maxTokensField;
  const other = want === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] !== undefined && body[want] === undefined) body[want] = body[other];
  delete body[other];
}

export function chatBody(req: ChatRequest, model: string, preset: Preset): Body {
  const body: Body = { ...req, model };
  withStreamUsage(body, preset);
  // OpenAI itself accepts both fields for non-reasoning models; only rename what the target would reject.
  if (preset.maxTokensField !== 'model-dependent' || usesMaxCompletionTokens(model)) withMaxTokensField(body, preset, model);
  if (body.stream !== true && preset.nonStreamOverrides) Object.assign(body, preset.nonStreamOverrides);
  return body;
}

export function completionBody(req: CompletionRequest, model: string, preset: Preset): Body {
  const body: Body = { ...req, model };
  withStreamUsage(body, preset);
  return body;
}

/** The body to send, and whether Dvara must base64-encode the floats the upstream returns. */
export function embeddingBody(req: EmbeddingRequest, model: string, preset: Preset): { body: Body; encodeLocally: boolean } {
  const body: Body = { ...req, model };
  const encodeLocally = req.encoding_format === 'base64' && !preset.embeddingsBase64;
  if (encodeLocally) delete body.encoding_format;
  return { body, encodeLocally };
}
