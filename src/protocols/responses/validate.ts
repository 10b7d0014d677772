import { z } from 'zod';
import { checkBody } from '../issue-path.ts';
import type { ResponsesRequest } from './types.ts';

// Two levels, as on the Anthropic door: what every route needs (model, input), leaving items open so a native
// OpenAI upstream receives item types Dvara has never heard of; and, before translation to Chat Completions,
// every item and tool Dvara must understand. Declarative loose objects, no refinements.

const part = z.looseObject({ type: z.string().min(1) });
const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'system', 'developer', 'assistant']),
  content: z.union([z.string(), z.array(part)], { error: 'must be a string or an array of content parts' }),
});
const anyItem = z.union([messageItem, z.looseObject({ type: z.string().min(1) })], { error: 'must be a message ({role, content}) or an item with a type' });

export const responsesSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(anyItem)], { error: 'must be a string or an array of input items' }),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(z.looseObject({ type: z.string().min(1) })).nullish(),
});

// --- what translation to Chat Completions understands ---

const textPart = z.looseObject({ type: z.enum(['input_text', 'output_text']), text: z.string() });
const translatablePart = z.discriminatedUnion(
  'type',
  [
    textPart,
    z.looseObject({ type: z.literal('input_image'), image_url: z.string({ error: 'image_url is required (file_id images need an OpenAI provider)' }).min(1), detail: z.string().nullish() }),
    z.looseObject({ type: z.literal('input_file'), file_data: z.string({ error: 'file_data is required (file_id and file_url need an OpenAI provider)' }).min(1), filename: z.string().nullish() }),
    z.looseObject({ type: z.literal('refusal'), refusal: z.string() }),
  ],
  { error: 'must be an input_text, output_text, input_image or input_file part' },
);
const translatableItem = z.union(
  [
    z.looseObject({ type: z.literal('message').optional(), role: z.enum(['user', 'system', 'developer', 'assistant']), content: z.union([z.string(), z.array(translatablePart)]) }),
    z.looseObject({ type: z.literal('function_call'), call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() }),
    z.looseObject({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.union([z.string(), z.array(textPart)]) }),
    // Reasoning from an earlier turn is the model's own; other providers cannot read it, and it is dropped.
    z.looseObject({ type: z.literal('reasoning') }),
    // An earlier output item by id (clients that assume stored responses); resolved from item-store.ts.
    z.looseObject({ type: z.literal('item_reference'), id: z.string().min(1) }),
  ],
  { error: 'must be a message, function_call, function_call_output, reasoning or item_reference item' },
);

const translatableSchema = z.looseObject({
  input: z.union([z.string(), z.array(translatableItem)]),
  tools: z
    .array(
      z.looseObject({
        type: z.literal('function', { error: 'names a built-in tool (web search, file search, ...), which only OpenAI providers run' }),
        name: z.string().min(1),
        parameters: z.record(z.string(), z.unknown()).nullish(),
      }),
    )
    .nullish(),
  previous_response_id: z.null({ error: 'is not supported: Dvara stores no responses for this provider; send the whole conversation in `input`' }).optional(),
  conversation: z.null({ error: 'is not supported: Dvara stores no conversations for this provider; send the whole conversation in `input`' }).optional(),
  background: z.literal(false, { error: 'is not supported for this provider (no background responses)' }).nullish(),
});

export const validateResponses = (body: unknown) => checkBody<ResponsesRequest>(responsesSchema, body);

/** Checks a validated body can be translated for `provider`, an upstream without a Responses API. */
export function validateTranslatable(body: ResponsesRequest, provider: string): ResponsesRequest {
  return checkBody<ResponsesRequest>(translatableSchema, body, ` (translating for provider ${provider}, which does not speak OpenAI's Responses API)`);
}
