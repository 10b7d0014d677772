// Decoder for `application/vnd.amazon.eventstream`, the binary framing of Bedrock's ConverseStream
// (design/providers.md 4.4). Each frame: a 12-byte prelude (total length, headers length, CRC of the first 8
// bytes), typed headers, the payload, and a CRC of everything before it. TCP chunks do not respect frame
// boundaries, so the decoder buffers a partial frame until the rest arrives.

export type EventStreamHeaderValue = string | number | boolean | bigint | Uint8Array | Date;

export interface EventStreamMessage {
  /** By name. Types: bool → boolean, int8/16/32 → number, int64 → bigint, bytes → Uint8Array,
   * string → string, timestamp → Date, uuid → string (8-4-4-4-12 lower-case hex). */
  headers: Record<string, EventStreamHeaderValue>;
  /** A view (not a copy) into the pushed chunk, or into the decoder's buffer when the frame spanned pushes. */
  payload: Uint8Array;
}

export class EventStreamError extends Error {
  override name = 'EventStreamError';
}

/** IEEE / zlib CRC-32 (reflected polynomial 0xEDB88320), the one eventstream uses for both checksums. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`; pass a previous result as `seed` to continue a running checksum. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PRELUDE = 12;
const MIN_FRAME = PRELUDE + 4; // no headers, empty payload
/** Far above any real Bedrock event (they are a few KB); a larger length means a corrupt or hostile stream. */
const MAX_FRAME = 16 * 1024 * 1024;
const utf8 = new TextDecoder();
/** Value sizes of the fixed-width header types (bool true/false live in the type byte itself). */
const FIXED_SIZE: Record<number, number> = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };

function uuid(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Headers: [name_len u8][name][type u8][value], repeated. */
function parseHeaders(bytes: Uint8Array): Record<string, EventStreamHeaderValue> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: Record<string, EventStreamHeaderValue> = {};
  let at = 0;
  /** Claims the next n bytes and returns where they start; a header must not run past the section. */
  const take = (n: number) => {
    if (at + n > bytes.length) throw new EventStreamError('Malformed header: value runs past the headers section');
    at += n;
    return at - n;
  };
  while (at < bytes.length) {
    const name = utf8.decode(bytes.subarray(take(bytes[take(1)]!), at));
    const type = bytes[take(1)]!;
    if (type === 6 || type === 7) {
      const raw = bytes.subarray(take(view.getUint16(take(2))), at);
      headers[name] = type === 6 ? raw : utf8.decode(raw);
      continue;
    }
    const size = FIXED_SIZE[type];
    if (size === undefined) throw new EventStreamError(`Unknown header type ${type} for header "${name}"`);
    const p = take(size);
    switch (type) {
      case 0: headers[name] = true; break;
      case 1: headers[name] = false; break;
      case 2: headers[name] = view.getInt8(p); break;
      case 3: headers[name] = view.getInt16(p); break;
      case 4: headers[name] = view.getInt32(p); break;
      case 5: headers[name] = view.getBigInt64(p); break;
      case 8: headers[name] = new Date(Number(view.getBigInt64(p))); break; // milliseconds since the epoch
      default: headers[name] = uuid(bytes.subarray(p, at));
    }
  }
  return headers;
}

/** Validates the 12-byte prelude at `off` and returns the frame's lengths. The CRC is checked before the lengths
 * are trusted, so a corrupt length fails at once instead of making us wait for bytes that will never come. */
function readPrelude(buf: Uint8Array, off: number): { total: number; headersLen: number } {
  const view = new DataView(buf.buffer, buf.byteOffset + off, PRELUDE);
  if (crc32(buf.subarray(off, off + 8)) !== view.getUint32(8)) throw new EventStreamError('Prelude checksum mismatch');
  const total = view.getUint32(0);
  const headersLen = view.getUint32(4);
  if (total < MIN_FRAME || total > MAX_FRAME) throw new EventStreamError(`Invalid frame length ${total}`);
  if (headersLen > total - MIN_FRAME) throw new EventStreamError(`Invalid headers length ${headersLen} for frame length ${total}`);
  return { total, headersLen };
}

/**
 * Incremental decoder: push() each chunk as it arrives and get back every frame it completes. A frame may be
 * split anywhere, even inside the prelude. After a thrown EventStreamError the stream is unusable.
 */
export class EventStreamDecoder {
  /** Chunks of an incomplete frame, joined only once it is complete: a frame trickling in byte by byte costs
   * O(n), not O(n²). Copies, since a caller may reuse its chunk buffer after push() returns. */
  private parts: Uint8Array[] = [];
  private partsLen = 0;

  /** Bytes buffered but not yet decoded; non-zero at end of stream means the stream was truncated. */
  get pending(): number {
    return this.partsLen;
  }

  push(chunk: Uint8Array): EventStreamMessage[] {
    if (chunk.length === 0) return [];
    // Common case: nothing pending, decode the chunk in place.
    if (this.partsLen === 0) return this.decode(chunk);
    this.parts.push(chunk.slice());
    this.partsLen += chunk.length;
    if (this.partsLen < PRELUDE || this.partsLen < readPrelude(join(this.parts, PRELUDE), 0).total) return [];
    const buf = join(this.parts, this.partsLen);
    this.parts = [];
    this.partsLen = 0;
    return this.decode(buf);
  }

  /** Every whole frame in `buf`, as subarray views; a trailing partial frame is kept (copied) for later. */
  private decode(buf: Uint8Array): EventStreamMessage[] {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const out: EventStreamMessage[] = [];
    let off = 0;
    while (buf.length - off >= PRELUDE) {
      const { total, headersLen } = readPrelude(buf, off);
      if (buf.length - off < total) break; // the rest of this frame is still on the wire
      if (crc32(buf.subarray(off, off + total - 4)) !== view.getUint32(off + total - 4)) throw new EventStreamError('Message checksum mismatch');
      out.push({
        headers: parseHeaders(buf.subarray(off + PRELUDE, off + PRELUDE + headersLen)),
        payload: buf.subarray(off + PRELUDE + headersLen, off + total - 4),
      });
      off += total;
    }
    if (off < buf.length) {
      this.parts = [buf.slice(off)];
      this.partsLen = buf.length - off;
    }
    return out;
  }
}

/** The first `length` bytes of `parts`, joined. */
function join(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    if (at >= length) break;
    const take = p.subarray(0, length - at);
    out.set(take, at);
    at += take.length;
  }
  return out;
}
