import { DvaraError } from './errors.ts';

function tooLarge(limit: number): DvaraError {
  return new DvaraError('PAYLOAD_TOO_LARGE', `Request body is larger than the ${limit}-byte limit (server.max_body_size)`);
}

/** Reads and parses a JSON body, refusing bodies over `limit` bytes before reading them where possible. */
export async function readJson(req: Request, limit: number): Promise<unknown> {
  return (await readJsonWithText(req, limit)).body;
}

/** The parsed body and its text, which an adapter may forward unchanged instead of serialising it again. */
export async function readJsonWithText(req: Request, limit: number): Promise<{ body: unknown; text: string }> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  let text: string;
  if (Number.isFinite(declared)) {
    text = await req.text();
  } else {
    // Chunked upload: count as it arrives so an endless body cannot fill memory.
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of req.body ?? []) {
      size += chunk.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  if (text.length > limit) throw tooLarge(limit);
  try {
    return { body: JSON.parse(text), text };
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'parse error';
    throw new DvaraError('INVALID_REQUEST', `Request body is not valid JSON: ${reason}`);
  }
}
