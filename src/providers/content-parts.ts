import type { ChatMessage, ContentPart } from '../protocols/openai/types.ts';

// OpenAI message content is a string or an array of parts; translating adapters walk it the same way.

/** The text of a message's content: the string, or its text parts joined (images and files carry no text). */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

/**
 * The content as the provider's blocks: a string is one text block (or none: `textBlock` returns null for blank text),
 * each part goes through `toBlock` with its param path (`messages[0].content[1]`); nulls are dropped.
 */
export function mapContent<T>(
  content: ChatMessage['content'],
  param: string,
  textBlock: (text: string) => T | null,
  toBlock: (part: ContentPart, param: string, index: number) => T | null,
): T[] {
  if (typeof content === 'string') {
    const b = textBlock(content);
    return b ? [b] : [];
  }
  if (!Array.isArray(content)) return [];
  const out: T[] = [];
  content.forEach((part, j) => {
    const b = toBlock(part, `${param}[${j}]`, j);
    if (b) out.push(b);
  });
  return out;
}
