import type { MessagesBody } from './types.ts';

// count_tokens for providers without a native counter: an estimate, not a tokenizer (README says so).
// ~4 characters a token is the usual rule of thumb for English; it is what the mock provider bills by too.

const CHARS_PER_TOKEN = 4;

type Block = Record<string, unknown>;

/** The text a block puts before the model; images and PDFs are not counted (their cost is not in characters). */
function blockText(block: unknown): string {
  if (!block || typeof block !== 'object') return '';
  const b = block as Block;
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' ? b.text : '';
    case 'thinking':
      return typeof b.thinking === 'string' ? b.thinking : '';
    case 'tool_use':
      return `${typeof b.name === 'string' ? b.name : ''}${JSON.stringify(b.input ?? {})}`;
    case 'tool_result':
      return contentText(b.content);
    case 'document': {
      const source = b.source as Block | undefined;
      return source?.type === 'text' && typeof source.data === 'string' ? source.data : '';
    }
    default:
      return '';
  }
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map(blockText).join('') : '';
}

/** Estimated input tokens of a Messages body: system, every message's text, and the tool definitions. */
export function estimateInputTokens(body: MessagesBody): number {
  let chars = contentText(body.system).length;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) chars += contentText((m as Block | null)?.content).length;
  if (Array.isArray(body.tools) && body.tools.length > 0) chars += JSON.stringify(body.tools).length;
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN));
}
