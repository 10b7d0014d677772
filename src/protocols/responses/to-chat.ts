import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../openai/types.ts';
import { DvaraError } from '../../server/errors.ts';
import { ITEM_TTL_DESCRIPTION, recallItem } from './item-store.ts';
import type { FunctionToolDef, InputContentPart, InputItem, ResponsesRequest } from './types.ts';

// Responses request → Chat Completions (the pivot), for every provider without a Responses API. Items map
// one to one onto messages; consecutive function_call items (and the assistant text before them) become one
// assistant message with tool_calls, as Chat Completions wants.

function toPart(p: InputContentPart): ContentPart | null {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: p.text ?? '' };
    case 'input_image':
      return { type: 'image_url', image_url: p.detail ? { url: p.image_url!, detail: p.detail } : { url: p.image_url! } };
    case 'input_file':
      return { type: 'file', file: { file_data: p.file_data, ...(p.filename ? { filename: p.filename } : {}) } };
    default:
      return null; // refusal: nothing the model needs to see again
  }
}

function content(c: string | InputContentPart[]): string | ContentPart[] {
  if (typeof c === 'string') return c;
  const parts = c.map(toPart).filter((p): p is ContentPart => p !== null);
  // Plain text stays a string: the widest-supported form across providers.
  return parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('') : parts;
}

function outputText(o: string | InputContentPart[]): string {
  return typeof o === 'string' ? o : o.map((p) => p.text ?? '').join('');
}

/** An item_reference replaced by the output item it names (kept by item-store.ts), or a 400 saying what to do. */
function resolve(item: InputItem, index: number): InputItem {
  if (item.type !== 'item_reference') return item;
  const found = recallItem(String(item.id));
  if (found?.type === 'message') return { role: 'assistant', content: found.content.map((c) => ({ type: 'output_text', text: c.text })) };
  if (found) return found;
  throw new DvaraError(
    'INVALID_REQUEST',
    `Unknown item_reference ${String(item.id)}: for providers without a Responses API, Dvara keeps the items it returned for ${ITEM_TTL_DESCRIPTION}, in one gateway process; send the item itself instead (with the Vercel AI SDK: providerOptions.openai.store = false)`,
    { param: `input[${index}].id` },
  );
}

function toMessages(req: ResponsesRequest): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (req.instructions) out.push({ role: 'system', content: req.instructions });
  if (typeof req.input === 'string') {
    out.push({ role: 'user', content: req.input });
    return out;
  }
  for (const [index, raw] of (req.input as InputItem[]).entries()) {
    const item = resolve(raw, index);
    if (item.type === 'function_call') {
      const fc = item as Extract<InputItem, { type: 'function_call' }>;
      const call: ToolCall = { id: fc.call_id, type: 'function', function: { name: fc.name, arguments: fc.arguments } };
      const last = out[out.length - 1];
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (item.type === 'function_call_output') {
      const fo = item as Extract<InputItem, { type: 'function_call_output' }>;
      out.push({ role: 'tool', tool_call_id: fo.call_id, content: outputText(fo.output) });
    } else if (item.type === undefined || item.type === 'message') {
      const m = item as Extract<InputItem, { role: string }>;
      out.push({ role: m.role, content: content(m.content) });
    }
    // reasoning items: dropped (validate.ts says why)
  }
  return out;
}

function toToolChoice(choice: ResponsesRequest['tool_choice']): ChatRequest['tool_choice'] {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  return undefined;
}

export function toChatRequest(req: ResponsesRequest): ChatRequest {
  const chat: ChatRequest = { model: req.model, messages: toMessages(req) };
  if (req.stream === true) chat.stream = true;
  if (typeof req.max_output_tokens === 'number') chat.max_tokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.user === 'string') chat.user = req.user;
  if (req.reasoning?.effort) chat.reasoning_effort = req.reasoning.effort;
  if (req.tools?.length) {
    chat.tools = (req.tools as FunctionToolDef[]).map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.parameters ?? { type: 'object', properties: {} },
        ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}),
      },
    }));
    const choice = toToolChoice(req.tool_choice);
    if (choice) chat.tool_choice = choice;
    if (typeof req.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  const format = req.text?.format;
  if (format?.type === 'json_object') chat.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    chat.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name, schema: format.schema, ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}), ...(format.description ? { description: format.description } : {}) },
    };
  }
  return chat;
}
