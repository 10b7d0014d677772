// OpenAI's SSE framing: each event is `data: <compact JSON>\n\n`, the stream ends with `data: [DONE]\n\n`.

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
} as const;

export const DONE_EVENT = 'data: [DONE]\n\n';

export function sseEvent(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export function encodeSse(text: string): Uint8Array {
  return encoder.encode(text);
}
