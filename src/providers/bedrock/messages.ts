import type { ChatMessage, ContentPart, ToolCall } from '../../protocols/openai/types.ts';
import { parseDataUrl, type InlineMedia, type MediaCache } from '../media.ts';
import { contentText, mapContent } from '../content-parts.ts';
import { parseToolArguments } from '../tool-arguments.ts';
import { refuse, type ContentBlock, type ConverseMessage, type ConverseRequest, type Obj } from './wire.ts';

// OpenAI messages → Converse `system` + `messages` (providers.md 4.1, pitfalls 4.8): roles alternate starting
// with user (consecutive same-role turns merge, so parallel tool results share one user turn), blank text is
// never sent, images and PDFs travel as bytes with a format name.

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf', 'text/csv': 'csv', 'text/plain': 'txt', 'text/html': 'html', 'text/markdown': 'md',
  'application/msword': 'doc', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

function imageBlock(provider: string, media: InlineMedia | null, param: string): ContentBlock {
  if (!media) throw refuse(provider, param, 'image URLs other than http(s) and base64 data: URLs');
  const format = media.mimeType.replace(/^image\//, '').replace('jpg', 'jpeg');
  if (!IMAGE_FORMATS.has(format)) throw refuse(provider, param, `images of type ${media.mimeType} (png, jpeg, gif and webp only)`);
  return { image: { format, source: { bytes: media.data } } };
}

function documentBlock(provider: string, part: Obj, index: number, param: string): ContentBlock {
  const file = (part.file ?? {}) as Obj;
  const media = parseDataUrl(String(file.file_data ?? ''));
  const format = media ? DOCUMENT_FORMATS[media.mimeType] : undefined;
  if (!media || !format) throw refuse(provider, param, 'file parts other than inline documents (pdf, csv, txt, html, md, doc(x), xls(x))');
  // Converse wants a document name: letters, digits, spaces, hyphens, parentheses and brackets only.
  const raw = typeof file.filename === 'string' ? file.filename.replace(/\.[^.]*$/, '') : '';
  const name = raw.replace(/[^A-Za-z0-9 ()[\]-]/g, ' ').replace(/\s+/g, ' ').trim() || `document ${index + 1}`;
  return { document: { format, name, source: { bytes: media.data } } };
}

function toBlock(provider: string, part: ContentPart, media: MediaCache, index: number, param: string): ContentBlock | null {
  const p = part as Obj;
  switch (part.type) {
    case 'text':
      return typeof p.text === 'string' && p.text.trim() ? { text: p.text } : null;
    case 'image_url': {
      const url = (p.image_url as Obj | undefined)?.url;
      const inline = typeof url === 'string' ? (parseDataUrl(url) ?? media.get(url) ?? null) : null;
      return imageBlock(provider, inline, `${param}.image_url.url`);
    }
    case 'file':
      return documentBlock(provider, p, index, param);
    case 'refusal':
      return null;
    default:
      throw refuse(provider, `${param}.type`, `content parts of type "${part.type}"`);
  }
}

function toBlocks(provider: string, content: ChatMessage['content'], media: MediaCache, param: string): ContentBlock[] {
  return mapContent<ContentBlock>(content, param, (text) => (text.trim() ? { text } : null), (part, p, j) => toBlock(provider, part, media, j, p));
}

function toolUseBlocks(provider: string, calls: ToolCall[], param: string): ContentBlock[] {
  return calls.map((c, j) => ({
    toolUse: { toolUseId: c.id, name: c.function.name, input: parseToolArguments(provider, c.function.arguments, `${param}[${j}].function.arguments`) },
  }));
}

/** Claude on Bedrock wants a user turn's tool results before anything else in it. */
function toolResultsFirst(turn: ConverseMessage): void {
  const results = turn.content.filter((b) => b.toolResult);
  if (results.length === 0 || results.length === turn.content.length) return;
  turn.content = [...results, ...turn.content.filter((b) => !b.toolResult)];
}

export interface ConverseConversation {
  system: NonNullable<ConverseRequest['system']>;
  messages: ConverseMessage[];
  /** Tool names used in the history: Converse wants every one of them declared in toolConfig. */
  historyTools: Set<string>;
}

export function toConverseMessages(provider: string, messages: readonly ChatMessage[], media: MediaCache): ConverseConversation {
  const system: ConverseConversation['system'] = [];
  const out: ConverseMessage[] = [];
  const historyTools = new Set<string>();
  const push = (role: ConverseMessage['role'], blocks: ContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = contentText(m.content);
        if (text.trim()) system.push({ text });
        break;
      }
      case 'user':
        push('user', toBlocks(provider, m.content, media, `${param}.content`));
        break;
      case 'assistant': {
        const blocks = toBlocks(provider, m.content, media, `${param}.content`);
        if (m.tool_calls?.length) {
          for (const c of m.tool_calls) historyTools.add(c.function.name);
          blocks.push(...toolUseBlocks(provider, m.tool_calls, `${param}.tool_calls`));
        }
        push('assistant', blocks);
        break;
      }
      case 'tool': {
        const text = contentText(m.content);
        // A tool result with no output still needs a block; Converse rejects blank text.
        push('user', [{ toolResult: { toolUseId: m.tool_call_id ?? '', content: [{ text: text.trim() ? text : '(no output)' }], status: 'success' } }]);
        break;
      }
      default:
        throw refuse(provider, `${param}.role`, `messages with role "${m.role}" (legacy functions; use tools)`);
    }
  });
  // Converse wants the conversation to open with a user turn.
  if (out[0]?.role === 'assistant') out.unshift({ role: 'user', content: [{ text: '(continue)' }] });
  for (const turn of out) if (turn.role === 'user') toolResultsFirst(turn);
  return { system, messages: out, historyTools };
}
