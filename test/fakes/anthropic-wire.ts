// Body and SSE-event builders for the fake Anthropic upstream (anthropic-upstream.ts). Deterministic given the
// request, so tests can assert exact content and usage. Shapes follow design/providers.md section 2: the
// Messages response, the `event: X\ndata: {...}\n\n` stream (ping with Anthropic's own spacing, an empty first
// input_json_delta), and `{"type":"error","error":{...}}` errors.
import { sampleFromSchema } from '../../src/providers/mock/json-schema-sample.ts';
import { fakeId, fragments } from './openai-wire.ts';

type Obj = Record<string, any>;

export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: fakeId('req_') };
}

/** One SSE event exactly as Anthropic frames it. */
export function anthropicEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Anthropic's ping, byte for byte (note the space after the colon). */
export const PING = 'event: ping\ndata: {"type": "ping"}\n\n';

export interface ReplyPlan {
  content: Obj[];
  stop_reason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  stop_sequence: string | null;
  usage: { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number; output_tokens: number };
}

const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean).length;

function blocksOf(content: unknown): Obj[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? (content as Obj[]) : [];
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .filter((b) => b.type === 'text')
    .map((b) => b.text as string)
    .join(' ');
}

/** Tokens the fake "reads": a quarter of the request's characters; cache_control'd blocks count as a cache hit. */
function inputUsage(body: Obj, raw: string) {
  const chars = JSON.stringify([body.system ?? '', body.messages ?? [], body.tools ?? []]).length;
  return { input_tokens: Math.ceil(chars / 4), cache_creation_input_tokens: 0, cache_read_input_tokens: raw.includes('"cache_control"') ? 32 : 0 };
}

export function countTokens(body: Obj, raw: string): number {
  return inputUsage(body, raw).input_tokens;
}

/** The tools the model calls: each tool named in the user's words (all of them with parallel use), else the first. */
function chooseTools(tools: Obj[], choice: Obj, userText: string): Obj[] {
  if (choice.type === 'tool') return tools.filter((t) => t.name === choice.name).slice(0, 1);
  const named = tools.filter((t) => userText.includes(t.name));
  const picked = named.length > 0 ? named : tools.slice(0, 1);
  return choice.disable_parallel_tool_use ? picked.slice(0, 1) : picked;
}

/** What the fake "model" answers: tool calls when tools are offered (and not answered yet), otherwise text. */
export function planReply(body: Obj, raw: string): ReplyPlan {
  const messages = (body.messages ?? []) as Obj[];
  const last = messages[messages.length - 1];
  const lastBlocks = blocksOf(last?.content);
  const toolResults = lastBlocks.filter((b) => b.type === 'tool_result');
  const userText = textOf(last?.content);
  const tools = (body.tools ?? []) as Obj[];
  const choice = (body.tool_choice ?? { type: 'auto' }) as Obj;
  const content: Obj[] = [];
  if (body.thinking?.type === 'enabled') content.push({ type: 'thinking', thinking: 'Let me think about this.', signature: 'c2lnbmF0dXJl' });
  const usage = { ...inputUsage(body, raw), output_tokens: 0 };

  const forced = choice.type === 'any' || choice.type === 'tool';
  if (tools.length > 0 && choice.type !== 'none' && (forced || toolResults.length === 0)) {
    // Claude says what it is about to do unless the tool choice forces a call.
    if (!forced) content.push({ type: 'text', text: 'I will use a tool for that.' });
    for (const tool of chooseTools(tools, choice, userText)) {
      content.push({ type: 'tool_use', id: fakeId('toolu_'), name: tool.name, input: sampleFromSchema(tool.input_schema ?? {}) ?? {} });
    }
    usage.output_tokens = 8 * content.length;
    return { content, stop_reason: 'tool_use', stop_sequence: null, usage };
  }

  let text: string;
  if (toolResults.length > 0) {
    text = `Tool results: ${toolResults.map((r) => (typeof r.content === 'string' ? r.content : textOf(r.content))).join('; ')}`;
  } else {
    const images = lastBlocks.filter((b) => b.type === 'image').length;
    text = `${images > 0 ? `I see ${images} image${images > 1 ? 's' : ''}. ` : ''}You said: ${userText}`;
  }
  let stop: ReplyPlan['stop_reason'] = 'end_turn';
  let stopSequence: string | null = null;
  for (const seq of (body.stop_sequences ?? []) as string[]) {
    const at = text.indexOf(seq);
    if (at !== -1) {
      text = text.slice(0, at);
      stop = 'stop_sequence';
      stopSequence = seq;
    }
  }
  // One "token" per word, so max_tokens cuts predictably.
  const words = text.match(/\s*\S+/g) ?? [];
  if (typeof body.max_tokens === 'number' && words.length > body.max_tokens) {
    text = words.slice(0, body.max_tokens).join('');
    stop = 'max_tokens';
    stopSequence = null;
  }
  content.push({ type: 'text', text });
  usage.output_tokens = wordsOf(text) + 1;
  return { content, stop_reason: stop, stop_sequence: stopSequence, usage };
}

export function messageBody(body: Obj, plan: ReplyPlan): Obj {
  return {
    id: fakeId('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: plan.content,
    stop_reason: plan.stop_reason,
    stop_sequence: plan.stop_sequence,
    usage: { ...plan.usage, service_tier: 'standard' },
  };
}

function blockEvents(block: Obj, index: number): string[] {
  const start = (content_block: Obj) => anthropicEvent('content_block_start', { type: 'content_block_start', index, content_block });
  const delta = (d: Obj) => anthropicEvent('content_block_delta', { type: 'content_block_delta', index, delta: d });
  const events: string[] = [];
  if (block.type === 'text') {
    events.push(start({ type: 'text', text: '' }));
    for (const piece of fragments(block.text)) events.push(delta({ type: 'text_delta', text: piece }));
  } else if (block.type === 'tool_use') {
    events.push(start({ type: 'tool_use', id: block.id, name: block.name, input: {} }));
    events.push(delta({ type: 'input_json_delta', partial_json: '' }));
    const json = JSON.stringify(block.input);
    if (json !== '{}') for (const piece of fragments(json)) events.push(delta({ type: 'input_json_delta', partial_json: piece }));
  } else if (block.type === 'thinking') {
    events.push(start({ type: 'thinking', thinking: '' }));
    events.push(delta({ type: 'thinking_delta', thinking: block.thinking }));
    events.push(delta({ type: 'signature_delta', signature: block.signature }));
  }
  events.push(anthropicEvent('content_block_stop', { type: 'content_block_stop', index }));
  return events;
}

/** The whole stream: message_start, ping, each block, message_delta (stop reason, output tokens), message_stop. */
export function streamEvents(body: Obj, plan: ReplyPlan): string[] {
  const msg = messageBody(body, plan);
  const events = [
    anthropicEvent('message_start', {
      type: 'message_start',
      message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: { ...plan.usage, output_tokens: 1 } },
    }),
    PING,
  ];
  plan.content.forEach((block, i) => events.push(...blockEvents(block, i)));
  events.push(
    anthropicEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: plan.stop_reason, stop_sequence: plan.stop_sequence },
      usage: { output_tokens: plan.usage.output_tokens },
    }),
    anthropicEvent('message_stop', { type: 'message_stop' }),
  );
  return events;
}
