// Encoder for `application/vnd.amazon.eventstream` frames (design/providers.md 4.4), for the fake Bedrock and
// decoder tests. Reproduces the smithy test vectors and the 159-byte Bedrock frame of providers.md byte for byte.
import { crc32 } from '../../src/providers/bedrock/eventstream.ts';

/** One header with its wire type (type codes 0-9; booleans pick 0/1 from the value). */
export type EventStreamHeader =
  | { name: string; type: 'boolean'; value: boolean }
  | { name: string; type: 'byte' | 'short' | 'integer'; value: number } // int8 / int16 / int32
  | { name: string; type: 'long'; value: bigint } // int64
  | { name: string; type: 'binary'; value: Uint8Array }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'timestamp'; value: Date } // int64 milliseconds since the epoch
  | { name: string; type: 'uuid'; value: string }; // 32 hex digits, dashes optional

const utf8 = new TextEncoder();

function encodeHeader(h: EventStreamHeader): Uint8Array {
  const name = utf8.encode(h.name);
  if (name.length > 255) throw new Error(`header name too long: ${h.name}`);
  let body: Uint8Array;
  const fixed = (type: number, size: number, write: (v: DataView) => void) => {
    const b = new Uint8Array(1 + size);
    b[0] = type;
    write(new DataView(b.buffer, 1));
    return b;
  };
  const sized = (type: number, bytes: Uint8Array) => {
    if (bytes.length > 0xffff) throw new Error(`header ${h.name} value too long`);
    return fixed(type, 2 + bytes.length, (v) => {
      v.setUint16(0, bytes.length);
      new Uint8Array(v.buffer, 3).set(bytes);
    });
  };
  switch (h.type) {
    case 'boolean': body = Uint8Array.of(h.value ? 0 : 1); break;
    case 'byte': body = fixed(2, 1, (v) => v.setInt8(0, h.value)); break;
    case 'short': body = fixed(3, 2, (v) => v.setInt16(0, h.value)); break;
    case 'integer': body = fixed(4, 4, (v) => v.setInt32(0, h.value)); break;
    case 'long': body = fixed(5, 8, (v) => v.setBigInt64(0, h.value)); break;
    case 'binary': body = sized(6, h.value); break;
    case 'string': body = sized(7, utf8.encode(h.value)); break;
    case 'timestamp': body = fixed(8, 8, (v) => v.setBigInt64(0, BigInt(h.value.getTime()))); break;
    case 'uuid': {
      const hex = h.value.replace(/-/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`bad uuid ${h.value}`);
      body = Uint8Array.of(9, ...hex.match(/../g)!.map((x) => parseInt(x, 16)));
      break;
    }
  }
  const out = new Uint8Array(1 + name.length + body.length);
  out[0] = name.length;
  out.set(name, 1);
  out.set(body, 1 + name.length);
  return out;
}

/** A whole frame. A plain record means type-7 string headers, in insertion order. */
export function encodeEventStreamMessage(headers: EventStreamHeader[] | Record<string, string>, payload: Uint8Array | string): Uint8Array {
  const list: EventStreamHeader[] = Array.isArray(headers)
    ? headers
    : Object.entries(headers).map(([name, value]) => ({ name, type: 'string', value }));
  const encoded = list.map(encodeHeader);
  const headersLen = encoded.reduce((n, h) => n + h.length, 0);
  const body = typeof payload === 'string' ? utf8.encode(payload) : payload;
  const total = 12 + headersLen + body.length + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headersLen);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  let at = 12;
  for (const h of encoded) {
    out.set(h, at);
    at += h.length;
  }
  out.set(body, at);
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)));
  return out;
}

/** A Bedrock stream event as the service frames it: `:event-type`, `:content-type`, `:message-type`, in that order. */
export function bedrockEventFrame(eventType: string, payload: object): Uint8Array {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

/** An in-stream exception (e.g. `throttlingException`), after which Bedrock ends the stream. */
export function bedrockExceptionFrame(exceptionType: string, message: string): Uint8Array {
  return encodeEventStreamMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify({ message }),
  );
}

export const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
