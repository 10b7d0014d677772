import type { ChatMessage, ContentPart, ToolCall } from '../../protocols/openai/types.ts';
import { parseDataUrl, type MediaCache } from '../media.ts';
import { contentText, mapContent } from '../content-parts.ts';
import { parseToolArguments } from '../tool-arguments.ts';
import { SKIP_SIGNATURE, signatureOf } from './tool-ids.ts';
import { refuse, type Content, type Obj, type Part } from './wire.ts';

// OpenAI messages → Gemini `systemInstruction` + `contents` (providers.md 3.1): assistant is `model`, tool
// results are `functionResponse` parts of a user turn matched to their call by name, consecutive same-role
// turns merge (all answers to a parallel call belong in one turn), empty text never goes upstream.

/** URIs Gemini reads itself: its Files API, Cloud Storage, YouTube. Everything else http(s) is fetched and inlined. */
export function isGeminiFileUri(url: string): boolean {
  return /^gs:\/\//.test(url) || /^https:\/\/generativelanguage\.googleapis\.com\/v\w+\/files\//.test(url) || /^https:\/\/(www\.)?(youtube\.com|youtu\.be)\//.test(url);
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic',
  pdf: 'application/pdf', mp3: 'audio/mp3', wav: 'audio/wav', mp4: 'video/mp4', txt: 'text/plain',
};

function mediaPart(provider: string, url: unknown, media: MediaCache, param: string): Part {
  if (typeof url !== 'string') throw refuse(provider, param, 'an image_url part without image_url.url');
  const inline = parseDataUrl(url) ?? media.get(url);
  if (inline) return { inlineData: inline };
  if (isGeminiFileUri(url)) {
    if (/youtu/.test(url)) return { fileData: { fileUri: url } };
    const ext = /\.(\w+)$/.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    const mimeType = ext ? MIME_BY_EXTENSION[ext] : undefined;
    return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
  }
  throw refuse(provider, param, 'image URLs other than http(s), gs:// and base64 data: URLs');
}

function toPart(provider: string, part: ContentPart, media: MediaCache, param: string): Part | null {
  const p = part as Obj;
  switch (part.type) {
    case 'text':
      return typeof p.text === 'string' && p.text ? { text: p.text } : null;
    case 'image_url':
      return mediaPart(provider, (p.image_url as Obj | undefined)?.url, media, `${param}.image_url.url`);
    case 'file': {
      const data = parseDataUrl(String((p.file as Obj | undefined)?.file_data ?? ''));
      if (!data) throw refuse(provider, param, 'file parts other than inline data (file.file_data = data:<mime>;base64,...)');
      return { inlineData: data };
    }
    case 'input_audio': {
      const a = (p.input_audio ?? {}) as Obj;
      return { inlineData: { mimeType: `audio/${a.format === 'mp3' ? 'mp3' : 'wav'}`, data: String(a.data ?? '') } };
    }
    case 'refusal':
      return null;
    default:
      throw refuse(provider, `${param}.type`, `content parts of type "${part.type}"`);
  }
}

function toParts(provider: string, content: ChatMessage['content'], media: MediaCache, param: string): Part[] {
  return mapContent<Part>(content, param, (text) => (text ? { text } : null), (part, p) => toPart(provider, part, media, p));
}

/** Gemini 3 checks the first call of each step for its signature; calls it never signed get the documented skip value. */
function callParts(provider: string, calls: ToolCall[], signed: boolean, param: string): Part[] {
  return calls.map((c, j) => {
    const part: Part = { functionCall: { name: c.function.name, args: parseToolArguments(provider, c.function.arguments, `${param}[${j}].function.arguments`) } };
    const signature = signatureOf(c.id) ?? (signed ? SKIP_SIGNATURE : undefined);
    if (signature) part.thoughtSignature = signature;
    return part;
  });
}

export interface GeminiConversation {
  systemInstruction?: { parts: Part[] };
  contents: Content[];
}

export function toGeminiContents(provider: string, messages: readonly ChatMessage[], media: MediaCache, signed: boolean): GeminiConversation {
  const system: Part[] = [];
  const contents: Content[] = [];
  /** Function names by tool_call_id: a tool message names only the call it answers. */
  const callNames = new Map<string, string>();
  const push = (role: Content['role'], parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = contentText(m.content);
        if (text) system.push({ text });
        break;
      }
      case 'user':
        push('user', toParts(provider, m.content, media, `${param}.content`));
        break;
      case 'assistant': {
        const parts = toParts(provider, m.content, media, `${param}.content`);
        if (m.tool_calls?.length) {
          for (const c of m.tool_calls) callNames.set(c.id, c.function.name);
          parts.push(...callParts(provider, m.tool_calls, signed, `${param}.tool_calls`));
        }
        push('model', parts);
        break;
      }
      case 'tool': {
        const name = callNames.get(m.tool_call_id ?? '') ?? (typeof m.name === 'string' ? m.name : undefined);
        if (!name) throw refuse(provider, `${param}.tool_call_id`, `a tool message whose tool_call_id matches no earlier assistant tool call`);
        // The response must be an object; tool output is text, so it is wrapped (providers.md 3.6).
        push('user', [{ functionResponse: { name, response: { name, content: contentText(m.content) } } }]);
        break;
      }
      default:
        throw refuse(provider, `${param}.role`, `messages with role "${m.role}" (legacy functions; use tools)`);
    }
  });
  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}
