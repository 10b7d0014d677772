import { DvaraError } from './errors.ts';

function tooLarge(limit: number): DvaraError {
  return new DvaraError('PAYLOAD_TOO_LARGE', `Request body is larger than the ${limit}-byte limit (server.max_body_size)`);
}

/** Reads and parses a JSON body, refusing bodies over `limit` bytes before reading them where possible. */
export async function readJson(req: Request, limit: number): Promise<unknown> {
  return (await readJsonWithRaw(req, limit)).body;
}

/** Below this, text is the cheaper way in and out; above it, encoding a string for fetch costs ~0.45 ms a MiB. */
const LARGE_BODY = 64 * 1024;

/**
 * The parsed body and its raw form, which an adapter may forward unchanged instead of serialising again:
 * small bodies as text, large ones as the client's bytes (measured: docs/benchmarks.md).
 */
export async function readJsonWithRaw(req: Request, limit: number): Promise<{ body: unknown; raw: string | Uint8Array }> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  let bytes: Uint8Array;
  if (declared < LARGE_BODY) {
    const text = await req.text();
    return { body: parse(text), raw: text };
  } else if (Number.isFinite(declared)) {
    bytes = new Uint8Array(await req.arrayBuffer());
  } else {
    // Chunked upload: count as it arrives so an endless body cannot fill memory.
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of req.body ?? []) {
      size += chunk.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
    bytes = Buffer.concat(chunks);
  }
  if (bytes.byteLength > limit) throw tooLarge(limit);
  return { body: parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')), raw: bytes };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'parse error';
    throw new DvaraError('INVALID_REQUEST', `Request body is not valid JSON: ${reason}`);
  }
}
