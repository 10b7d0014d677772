import { z } from 'zod';
import { paramName, valueAt } from '../issue-path.ts';
import { DvaraError } from '../../server/errors.ts';
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from './types.ts';

// Inbound bodies are checked for what Dvara and every provider rely on; unknown fields are allowed
// (loose objects) and reach OpenAI-compatible upstreams untouched.

const nullishInt = (min: number) => z.number().int().min(min).nullish();

const contentPart = z.looseObject({ type: z.string().min(1) });
const content = z.union([z.string(), z.array(contentPart), z.null()]);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const requiredContent = z.union([z.string(), z.array(contentPart)]);

// Declarative per role (no refinements), so z.compile can generate a fast path for the whole body.
const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer', 'user']), content: requiredContent, name: z.string().optional() }),
  z.looseObject({ role: z.literal('assistant'), content: content.optional(), name: z.string().optional(), tool_calls: z.array(toolCall).nullish() }),
  z.looseObject({ role: z.literal('tool'), content: requiredContent, tool_call_id: z.string().min(1) }),
  z.looseObject({ role: z.literal('function'), content: content.optional(), name: z.string().min(1) }),
]);

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "-" or "."'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const streamFields = {
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
};

export const chatSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  ...streamFields,
  max_tokens: nullishInt(1),
  max_completion_tokens: nullishInt(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: nullishInt(1),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  user: z.string().optional(),
});

const tokenArray = z.array(z.number().int().min(0)).min(1);
const promptInput = z.union([z.string(), z.array(z.string()).min(1), tokenArray, z.array(tokenArray).min(1)], {
  error: 'must be a string, an array of strings, an array of token ids, or an array of token-id arrays',
});

export const completionSchema = z.looseObject({
  model: z.string().min(1),
  prompt: promptInput,
  ...streamFields,
  max_tokens: nullishInt(0),
  n: nullishInt(1),
  temperature: z.number().min(0).max(2).nullish(),
});

export const embeddingSchema = z.looseObject({
  model: z.string().min(1),
  input: promptInput,
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});

function validate<T>(schema: z.ZodType, body: unknown): T {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new DvaraError('INVALID_REQUEST', 'Request body must be a JSON object');
  }
  const r = schema.safeParse(body);
  if (r.success) return body as T; // the original object: unknown fields and key order intact
  const issue = r.error.issues[0]!;
  const param = paramName(issue.path);
  // An absent value fails as a type (or, for a union such as content, as every option): say it is missing.
  // The body itself is asked, since union issues do not carry their input.
  const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_union') && valueAt(body, issue.path) === undefined;
  const message = missing ? `Missing required field: ${param}` : `Invalid ${param || 'body'}: ${issue.message}`;
  throw new DvaraError('INVALID_REQUEST', message, { param: param || null });
}

// Not z.compile'd: its generated fast path saves ~0.8 µs a body but costs ~5 MiB of resident memory, and
// memory is the scarcer budget (docs/benchmarks.md). Keep these schemas free of refinements: zod 4.6 walks a
// schema with a refinement on every parse, which cost ~3 µs a body before they were made declarative.
export const validateChat = (body: unknown) => validate<ChatRequest>(chatSchema, body);
export const validateCompletion = (body: unknown) => validate<CompletionRequest>(completionSchema, body);
export const validateEmbedding = (body: unknown) => validate<EmbeddingRequest>(embeddingSchema, body);
