import { z } from 'zod';
import { checkBody } from '../issue-path.ts';
import type { MessagesBody, MessagesRequest } from './types.ts';

// Two levels of checking. The front door checks what every route needs (model, max_tokens, roles) and
// leaves content blocks open, so a native Anthropic upstream receives block types Dvara has never heard of.
// Before a body is translated for an OpenAI-format upstream, the translatable schema checks every block
// Dvara must understand. Both stay declarative (loose objects, no refinements), like the OpenAI door's.

const anyBlock = z.looseObject({ type: z.string().min(1) });
const content = z.union([z.string(), z.array(anyBlock)], { error: 'must be a string or an array of content blocks' });

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.enum(['auto', 'any', 'none']), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
]);

const common = {
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content })).min(1),
  system: content.nullish(),
  tools: z.array(z.looseObject({ name: z.string().min(1) })).nullish(),
  tool_choice: toolChoice.nullish(),
};

export const messagesSchema = z.looseObject({
  ...common,
  max_tokens: z.number().int().min(1),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
});

export const countTokensSchema = z.looseObject(common);

// --- what translation to OpenAI Chat Completions understands ---

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const base64Source = z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [base64Source, z.looseObject({ type: z.literal('url'), url: z.string().min(1) })]),
});
const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [base64Source, z.looseObject({ type: z.literal('text'), data: z.string() })], {
    error: 'must be a base64 or text document source (URL and file-id documents need an Anthropic provider)',
  }),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock], { error: 'must be a text or image block' }))], {
      error: 'must be a string or an array of text and image blocks',
    })
    .optional(),
  is_error: z.boolean().nullish(),
});
const toolUseBlock = z.looseObject({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.unknown() });
// Earlier turns' reasoning: accepted so a conversation can move between providers, dropped in translation.
const thinkingBlock = z.looseObject({ type: z.literal('thinking') });
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking') });

const userContent = z.union(
  [
    z.string(),
    z.array(
      z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock, toolResultBlock], {
        error: 'is not a user block type Dvara can translate (text, image, document, tool_result)',
      }),
    ),
  ],
  { error: 'must be a string or an array of content blocks' },
);
const assistantContent = z.union(
  [
    z.string(),
    z.array(
      z.discriminatedUnion('type', [textBlock, toolUseBlock, thinkingBlock, redactedThinkingBlock], {
        error: 'is not an assistant block type Dvara can translate (text, tool_use, thinking)',
      }),
    ),
  ],
  { error: 'must be a string or an array of content blocks' },
);

export const translatableSchema = z.looseObject({
  messages: z.array(
    z.discriminatedUnion('role', [
      z.looseObject({ role: z.literal('user'), content: userContent }),
      z.looseObject({ role: z.literal('assistant'), content: assistantContent }),
    ]),
  ),
  system: z.union([z.string(), z.array(textBlock)], { error: 'must be a string or an array of text blocks' }).nullish(),
  tools: z
    .array(
      z.looseObject({
        // Server tools (web search, code execution, ...) run on Anthropic's side; no other upstream has them.
        type: z.literal('custom', { error: 'names a server tool, which only Anthropic providers run' }).nullish(),
        name: z.string().min(1),
        description: z.string().nullish(),
        input_schema: z.record(z.string(), z.unknown()),
      }),
    )
    .nullish(),
});

export const validateMessages = (body: unknown) => checkBody<MessagesBody>(messagesSchema, body);
export const validateCountTokens = (body: unknown) => checkBody<MessagesBody>(countTokensSchema, body);

/** Checks a validated body can be translated for `provider`, an upstream that speaks OpenAI's format. */
export function validateTranslatable(body: MessagesBody, provider: string): MessagesRequest {
  return checkBody<MessagesRequest>(translatableSchema, body, ` (translating for provider ${provider}, which does not speak Anthropic's Messages API)`);
}
