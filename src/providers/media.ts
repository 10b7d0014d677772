import { DvaraError } from '../server/errors.ts';
import type { ChatMessage } from '../protocols/openai/types.ts';

// Images and files in OpenAI content parts, for upstreams that want the bytes inline (Gemini, Bedrock): data
// URLs are decoded in place; http(s) URLs are fetched by the gateway once per request, before translation, so
// the translation itself stays synchronous and the common request (no remote media) never awaits anything.

export interface InlineMedia {
  mimeType: string;
  /** base64 */
  data: string;
}

/** Remote media already fetched for this request, by URL. */
export type MediaCache = ReadonlyMap<string, InlineMedia>;

const MAX_BYTES = 20 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;

/** `data:<mime>;base64,<data>` → its parts; null when `url` is not a base64 data URL. */
export function parseDataUrl(url: string): InlineMedia | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma === -1) return null;
  const header = url.slice(5, comma);
  if (!header.endsWith(';base64')) return null;
  return { mimeType: header.slice(0, header.indexOf(';')).toLowerCase() || 'application/octet-stream', data: url.slice(comma + 1) };
}

/** The http(s) URLs of the request's image parts that `keep` does not want left as URLs (with their params). */
export function remoteImageUrls(messages: readonly ChatMessage[], keep: (url: string) => boolean = () => false): Map<string, string> {
  const urls = new Map<string, string>();
  messages.forEach((m, i) => {
    if (!Array.isArray(m.content)) return;
    m.content.forEach((part, j) => {
      const url = part.type === 'image_url' ? (part as { image_url?: { url?: unknown } }).image_url?.url : undefined;
      if (typeof url === 'string' && /^https?:\/\//i.test(url) && !keep(url) && !urls.has(url)) urls.set(url, `messages[${i}].content[${j}].image_url.url`);
    });
  });
  return urls;
}

async function fetchOne(url: string, param: string, signal: AbortSignal): Promise<InlineMedia> {
  const fail = (why: string) => new DvaraError('INVALID_REQUEST', `Could not fetch image ${url}: ${why}`, { param });
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]), redirect: 'follow' });
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw fail(`HTTP ${res.status}`);
  }
  const mimeType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!mimeType.startsWith('image/') && mimeType !== 'application/pdf') {
    res.body?.cancel().catch(() => {});
    throw fail(`content-type "${mimeType || 'none'}" is not an image`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BYTES) {
    res.body?.cancel().catch(() => {});
    throw fail(`larger than ${MAX_BYTES / 1024 / 1024} MiB`);
  }
  const bytes = await res.arrayBuffer();
  if (bytes.byteLength > MAX_BYTES) throw fail(`larger than ${MAX_BYTES / 1024 / 1024} MiB`);
  return { mimeType, data: Buffer.from(bytes).toString('base64') };
}

/** Fetches every URL in parallel; a failure is the client's 400 naming the part. */
export async function fetchMedia(urls: ReadonlyMap<string, string>, signal: AbortSignal): Promise<MediaCache> {
  const out = new Map<string, InlineMedia>();
  if (urls.size === 0) return out;
  await Promise.all([...urls].map(async ([url, param]) => out.set(url, await fetchOne(url, param, signal))));
  return out;
}
