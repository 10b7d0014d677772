import type { ChatMessage, ContentPart, ToolCall } from '../../protocols/openai/types.ts';
import { parseToolArguments } from '../tool-arguments.ts';
import { refuse, type AnthropicMessageParam, type Block } from './wire.ts';

// OpenAI messages → Anthropic `system` + `messages` (providers.md 2.2, pitfalls 2.6): system and developer
// turns move to the top-level system, tool results become tool_result blocks in one user turn, consecutive
// same-role turns merge (Anthropic wants user/assistant alternation), empty text never goes upstream.

type Obj = Record<string, unknown>;

/** Anthropic rejects blank text blocks; an empty string part is dropped rather than sent. */
function textBlock(text: string, part?: Obj): Block | null {
  if (!text) return null;
  const block: Block = { type: 'text', text };
  if (part?.cache_control !== undefined) block.cache_control = part.cache_control;
  return block;
}

/** `data:<mime>;base64,<data>` → base64 source; http(s) URLs → url source (Anthropic fetches them). */
function imageSource(provider: string, url: unknown, param: string): Obj {
  if (typeof url !== 'string') throw refuse(provider, param, 'an image_url part without image_url.url');
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const header = comma === -1 ? '' : url.slice(5, comma);
    if (!header.endsWith(';base64')) throw refuse(provider, param, 'image data URLs that are not base64 (data:<mime>;base64,...)');
    return { type: 'base64', media_type: header.slice(0, header.indexOf(';')), data: url.slice(comma + 1) };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw refuse(provider, param, 'image URLs other than https:// and data: URLs');
}

/** A PDF sent as OpenAI's `file` part with inline data → a document block. */
function documentBlock(provider: string, part: Obj, param: string): Block {
  const file = (part.file ?? {}) as Obj;
  const data = typeof file.file_data === 'string' ? file.file_data : '';
  const comma = data.indexOf(',');
  if (!data.startsWith('data:application/pdf;base64,') || comma === -1) {
    throw refuse(provider, param, 'file parts other than inline PDFs (file.file_data = data:application/pdf;base64,...)');
  }
  const block: Block = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.slice(comma + 1) } };
  if (part.cache_control !== undefined) block.cache_control = part.cache_control;
  return block;
}

function partToBlock(provider: string, part: ContentPart, param: string): Block | null {
  const p = part as Obj;
  switch (part.type) {
    case 'text':
      return textBlock(typeof p.text === 'string' ? p.text : '', p);
    case 'image_url': {
      const block: Block = { type: 'image', source: imageSource(provider, (p.image_url as Obj | undefined)?.url, param) };
      if (p.cache_control !== undefined) block.cache_control = p.cache_control;
      return block;
    }
    case 'file':
      return documentBlock(provider, p, param);
    case 'refusal':
      return null; // an earlier refusal carries nothing the model needs to see again
    default:
      throw refuse(provider, `${param}.type`, `content parts of type "${part.type}"`);
  }
}

function contentBlocks(provider: string, content: ChatMessage['content'], param: string): Block[] {
  if (typeof content === 'string') {
    const b = textBlock(content);
    return b ? [b] : [];
  }
  if (!Array.isArray(content)) return [];
  const out: Block[] = [];
  for (let j = 0; j < content.length; j++) {
    const b = partToBlock(provider, content[j]!, `${param}[${j}]`);
    if (b) out.push(b);
  }
  return out;
}

function toolUseBlocks(provider: string, calls: ToolCall[], param: string): Block[] {
  return calls.map((c, j) => ({
    type: 'tool_use',
    id: c.id,
    name: c.function.name,
    input: parseToolArguments(provider, c.function.arguments, `${param}[${j}].function.arguments`),
  }));
}

function toolResultBlock(provider: string, m: ChatMessage, param: string): Block {
  const block: Block = { type: 'tool_result', tool_use_id: m.tool_call_id };
  if (typeof m.content === 'string') {
    if (m.content) block.content = m.content;
  } else {
    const blocks = contentBlocks(provider, m.content, `${param}.content`);
    if (blocks.length > 0) block.content = blocks;
  }
  return block;
}

/** Anthropic requires a user turn's tool_result blocks to come before anything else in it. */
function toolResultsFirst(turn: AnthropicMessageParam): void {
  const c = turn.content;
  const firstOther = c.findIndex((b) => b.type !== 'tool_result');
  if (firstOther === -1 || !c.slice(firstOther).some((b) => b.type === 'tool_result')) return;
  turn.content = [...c.filter((b) => b.type === 'tool_result'), ...c.filter((b) => b.type !== 'tool_result')];
}

export interface AnthropicConversation {
  system: Block[];
  messages: AnthropicMessageParam[];
}

export function toAnthropicMessages(provider: string, messages: readonly ChatMessage[]): AnthropicConversation {
  const system: Block[] = [];
  const out: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return; // an empty turn (assistant content "" with no tool calls) says nothing
    const last = out[out.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const param = `messages[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...contentBlocks(provider, m.content, `${param}.content`));
        break;
      case 'user':
        push('user', contentBlocks(provider, m.content, `${param}.content`));
        break;
      case 'assistant': {
        const blocks = contentBlocks(provider, m.content, `${param}.content`);
        if (m.tool_calls?.length) blocks.push(...toolUseBlocks(provider, m.tool_calls, `${param}.tool_calls`));
        push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [toolResultBlock(provider, m, param)]);
        break;
      default:
        throw refuse(provider, `${param}.role`, `messages with role "${m.role}" (legacy functions; use tools)`);
    }
  }
  for (const turn of out) if (turn.role === 'user') toolResultsFirst(turn);
  return { system, messages: out };
}
