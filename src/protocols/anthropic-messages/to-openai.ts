import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, ToolCall, ToolChoice } from '../openai/types.ts';
import type { AssistantBlock, DocumentBlock, ImageBlock, MessagesRequest, TextBlock, ToolChoice as AnthropicToolChoice, ToolResultBlock, UserBlock } from './types.ts';

// Anthropic Messages request → OpenAI Chat Completions request (the pivot). A fresh body is built, so no
// Anthropic-only field reaches an OpenAI-format upstream. Not translated, because Chat Completions has
// nothing to carry them: top_k, thinking, cache_control hints, and earlier turns' thinking blocks.

/** Text-only content becomes a plain string: several OpenAI-compatible servers accept no part arrays. */
function textOrParts(parts: ContentPart[]): string | ContentPart[] {
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => (p as { text: string }).text).join('\n\n');
  return parts;
}

function imagePart(block: ImageBlock): ContentPart {
  const url = block.source.type === 'base64' ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url;
  return { type: 'image_url', image_url: { url } };
}

function documentPart(block: DocumentBlock): ContentPart {
  const s = block.source;
  if (s.type === 'text') return { type: 'text', text: s.data };
  return { type: 'file', file: { filename: block.title ?? 'document.pdf', file_data: `data:${s.media_type};base64,${s.data}` } };
}

/** A tool result's text; images in it cannot ride in a role "tool" message and are returned separately. */
function toolResultContent(block: ToolResultBlock): { text: string; images: ContentPart[] } {
  const c = block.content;
  const blocks = typeof c === 'string' ? [{ type: 'text' as const, text: c }] : (c ?? []);
  const text = blocks.filter((b): b is TextBlock => b.type === 'text').map((b) => b.text).join('\n\n');
  const images = blocks.filter((b): b is ImageBlock => b.type === 'image').map(imagePart);
  // OpenAI has no error flag on tool results; the model still needs to know the call failed.
  return { text: block.is_error ? `Error: ${text}` : text, images };
}

/**
 * One user turn. Its tool results become role "tool" messages first, in order, since OpenAI wants them
 * right after the assistant's tool calls; the turn's other blocks follow as one user message.
 */
function userMessages(content: string | UserBlock[]): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') {
      const { text, images } = toolResultContent(block);
      out.push({ role: 'tool', tool_call_id: block.tool_use_id, content: text });
      parts.push(...images);
    } else if (block.type === 'text') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imagePart(block));
    else parts.push(documentPart(block));
  }
  if (parts.length > 0) out.push({ role: 'user', content: textOrParts(parts) });
  return out;
}

function assistantMessage(content: string | AssistantBlock[]): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  for (const block of content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_use') {
      calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const text = texts.join('\n\n');
  const msg: ChatMessage = { role: 'assistant', content: text || (calls.length > 0 ? null : '') };
  if (calls.length > 0) msg.tool_calls = calls;
  return msg;
}

function systemText(system: MessagesRequest['system']): string {
  if (system == null) return '';
  return typeof system === 'string' ? system : system.map((b) => b.text).join('\n\n');
}

function toolChoice(choice: AnthropicToolChoice): ToolChoice {
  switch (choice.type) {
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return 'auto';
  }
}

export function toOpenAIRequest(req: MessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(req.system);
  if (system) messages.push({ role: 'system', content: system });
  for (const m of req.messages) {
    if (m.role === 'user') messages.push(...userMessages(m.content));
    else messages.push(assistantMessage(m.content));
  }
  const out: ChatRequest = { model: req.model, messages, max_tokens: req.max_tokens };
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  if (req.stop_sequences && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (req.metadata?.user_id) out.user = req.metadata.user_id;
  // OpenAI rejects tool_choice and parallel_tool_calls without tools; Anthropic accepts them.
  if (req.tools && req.tools.length > 0) {
    out.tools = req.tools.map((t): FunctionTool => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema },
    }));
    if (req.tool_choice) {
      out.tool_choice = toolChoice(req.tool_choice);
      if (req.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
    }
  }
  // Translation needs the usage chunk for message_delta, whether or not the client thinks in such terms.
  if (req.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}
