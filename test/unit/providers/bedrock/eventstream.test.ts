import { describe, expect, test } from 'bun:test';
import { crc32, EventStreamDecoder, EventStreamError, type EventStreamMessage } from '../../../../src/providers/bedrock/eventstream.ts';
import {
  bedrockEventFrame, bedrockExceptionFrame, encodeEventStreamMessage, fromHex, toHex, type EventStreamHeader,
} from '../../../fakes/eventstream-encode.ts';

// Positive vectors from smithy-typescript's eventstream-codec test suite and the Bedrock-shaped frame, as
// recorded in design/providers.md 4.4. The 204-byte all_headers vector's full hex is not recorded there, so all
// ten header types are covered by the encoder → decoder round trip below instead.
const VECTORS = {
  empty_message: '000000100000000005c248eb7d98c8ff',
  payload_no_headers: '0000001d00000000fd528c5a7b27666f6f273a27626172277dc3653936',
  int32_header: '0000002d0000001041c424b80a6576656e742d74797065040000a00c7b27666f6f273a27626172277d36f480a0',
  payload_one_str_header:
    '0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27626172277d8d9c08b1',
  bedrock:
    '0000009f00000057c37babff0b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c74610d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b22636f6e74656e74426c6f636b496e646578223a302c2264656c7461223a7b2274657874223a224869227d2c2270223a2261626364227df2ace5ff',
};
const FOO = "{'foo':'bar'}";
const text = (m: EventStreamMessage) => new TextDecoder().decode(m.payload);

function decodeOne(hex: string): EventStreamMessage {
  const d = new EventStreamDecoder();
  const out = d.push(fromHex(hex));
  expect(out).toHaveLength(1);
  expect(d.pending).toBe(0);
  return out[0]!;
}

test('crc32 is the IEEE/zlib checksum and can be continued', () => {
  const bytes = new TextEncoder().encode('123456789');
  expect(crc32(bytes)).toBe(0xcbf43926);
  expect(crc32(bytes.subarray(4), crc32(bytes.subarray(0, 4)))).toBe(0xcbf43926);
  expect(crc32(new Uint8Array(0))).toBe(0);
});

describe('decoder: official vectors', () => {
  test('empty_message', () => {
    const m = decodeOne(VECTORS.empty_message);
    expect(m.headers).toEqual({});
    expect(m.payload.length).toBe(0);
  });
  test('payload_no_headers', () => {
    const m = decodeOne(VECTORS.payload_no_headers);
    expect(m.headers).toEqual({});
    expect(text(m)).toBe(FOO);
  });
  test('int32_header', () => {
    const m = decodeOne(VECTORS.int32_header);
    expect(m.headers).toEqual({ 'event-type': 40972 });
    expect(text(m)).toBe(FOO);
  });
  test('payload_one_str_header', () => {
    const m = decodeOne(VECTORS.payload_one_str_header);
    expect(m.headers).toEqual({ 'content-type': 'application/json' });
    expect(text(m)).toBe(FOO);
  });
  test('the 159-byte Bedrock frame', () => {
    const m = decodeOne(VECTORS.bedrock);
    expect(fromHex(VECTORS.bedrock).length).toBe(159);
    expect(m.headers).toEqual({ ':event-type': 'contentBlockDelta', ':content-type': 'application/json', ':message-type': 'event' });
    expect(JSON.parse(text(m))).toEqual({ contentBlockIndex: 0, delta: { text: 'Hi' }, p: 'abcd' });
  });
});

describe('encoder reproduces the vectors byte for byte', () => {
  test('all positive vectors', () => {
    expect(toHex(encodeEventStreamMessage([], ''))).toBe(VECTORS.empty_message);
    expect(toHex(encodeEventStreamMessage([], FOO))).toBe(VECTORS.payload_no_headers);
    expect(toHex(encodeEventStreamMessage([{ name: 'event-type', type: 'integer', value: 40972 }], FOO))).toBe(VECTORS.int32_header);
    expect(toHex(encodeEventStreamMessage({ 'content-type': 'application/json' }, FOO))).toBe(VECTORS.payload_one_str_header);
    // The payload key order matters for the bytes: contentBlockIndex, delta, p.
    expect(toHex(bedrockEventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' }, p: 'abcd' }))).toBe(VECTORS.bedrock);
  });
});

describe('decoder: corrupt input', () => {
  const corrupt = (hex: string, at: number) => {
    const b = fromHex(hex);
    b[at]! ^= 0x01;
    return b;
  };
  const fails = (bytes: Uint8Array, message: string) => {
    expect(() => new EventStreamDecoder().push(bytes)).toThrow(EventStreamError);
    expect(() => new EventStreamDecoder().push(bytes)).toThrow(message);
  };
  test('a corrupted length fails the prelude checksum', () => fails(corrupt(VECTORS.payload_one_str_header, 3), 'Prelude checksum mismatch'));
  test('a corrupted headers length fails the prelude checksum', () => fails(corrupt(VECTORS.int32_header, 7), 'Prelude checksum mismatch'));
  test('a corrupted payload byte fails the message checksum', () => fails(corrupt(VECTORS.payload_no_headers, 14), 'Message checksum mismatch'));
  test('a corrupted header byte fails the message checksum', () => fails(corrupt(VECTORS.payload_one_str_header, 16), 'Message checksum mismatch'));
  test('a corrupted message CRC fails', () => fails(corrupt(VECTORS.bedrock, 158), 'Message checksum mismatch'));
  test('a corrupt prelude is reported before the frame is complete', () => {
    const d = new EventStreamDecoder();
    const b = corrupt(VECTORS.bedrock, 2);
    d.push(b.subarray(0, 5));
    expect(() => d.push(b.subarray(5, 13))).toThrow('Prelude checksum mismatch');
  });
  test('lengths below 16 or above 16 MiB are rejected even with a valid prelude CRC', () => {
    for (const total of [15, 16 * 1024 * 1024 + 1]) {
      const b = new Uint8Array(16);
      const v = new DataView(b.buffer);
      v.setUint32(0, total);
      v.setUint32(8, crc32(b.subarray(0, 8)));
      expect(() => new EventStreamDecoder().push(b)).toThrow('Invalid frame length');
    }
  });
  test('a header running past the headers section is rejected', () => {
    // Headers section of 3 bytes: name length 1, name "a", type 7 — but no room for the string length.
    const b = new Uint8Array(19);
    const v = new DataView(b.buffer);
    v.setUint32(0, 19);
    v.setUint32(4, 3);
    v.setUint32(8, crc32(b.subarray(0, 8)));
    b.set([1, 0x61, 7], 12);
    v.setUint32(15, crc32(b.subarray(0, 15)));
    expect(() => new EventStreamDecoder().push(b)).toThrow('Malformed header');
  });
});

describe('decoder: buffering', () => {
  const frames = [
    bedrockEventFrame('messageStart', { role: 'assistant', p: 'abc' }),
    fromHex(VECTORS.bedrock),
    bedrockEventFrame('messageStop', { stopReason: 'end_turn' }),
  ];
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (all.set(f, at), at + f.length), 0);
  const types = (ms: EventStreamMessage[]) => ms.map((m) => m.headers[':event-type']);

  test('a frame split at every byte offset across two pushes', () => {
    const frame = fromHex(VECTORS.bedrock);
    for (let cut = 0; cut <= frame.length; cut++) {
      const d = new EventStreamDecoder();
      const first = d.push(frame.subarray(0, cut));
      expect(first).toHaveLength(cut === frame.length ? 1 : 0);
      expect(d.pending).toBe(cut === frame.length ? 0 : cut);
      const second = d.push(frame.subarray(cut));
      const got = [...first, ...second];
      expect(got).toHaveLength(1);
      expect(JSON.parse(text(got[0]!)).delta.text).toBe('Hi');
      expect(d.pending).toBe(0);
    }
  });

  test('three frames in one push', () => {
    const d = new EventStreamDecoder();
    expect(types(d.push(all))).toEqual(['messageStart', 'contentBlockDelta', 'messageStop']);
    expect(d.pending).toBe(0);
  });

  test('frames fed byte by byte', () => {
    const d = new EventStreamDecoder();
    const got: EventStreamMessage[] = [];
    for (let i = 0; i < all.length; i++) got.push(...d.push(all.subarray(i, i + 1)));
    expect(types(got)).toEqual(['messageStart', 'contentBlockDelta', 'messageStop']);
    expect(JSON.parse(text(got[2]!))).toEqual({ stopReason: 'end_turn' });
  });

  test('a chunk ending mid-frame completes the earlier frames and leaves the rest pending', () => {
    const d = new EventStreamDecoder();
    const cut = frames[0]!.length + 20;
    expect(types(d.push(all.subarray(0, cut)))).toEqual(['messageStart']);
    expect(d.pending).toBe(20);
    expect(types(d.push(all.subarray(cut)))).toEqual(['contentBlockDelta', 'messageStop']);
    expect(d.pending).toBe(0);
  });

  test('pending reports a truncated stream', () => {
    const d = new EventStreamDecoder();
    d.push(all.subarray(0, all.length - 1));
    expect(d.pending).toBeGreaterThan(0);
  });

  test('a buffered chunk may be reused by the caller', () => {
    const d = new EventStreamDecoder();
    const frame = fromHex(VECTORS.bedrock);
    const scratch = frame.slice(0, 50);
    d.push(scratch);
    scratch.fill(0);
    expect(types(d.push(frame.subarray(50)))).toEqual(['contentBlockDelta']);
  });
});

test('round trip: all ten header types', () => {
  const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  const headers: EventStreamHeader[] = [
    { name: 'true', type: 'boolean', value: true },
    { name: 'false', type: 'boolean', value: false },
    { name: 'byte', type: 'byte', value: -49 },
    { name: 'short', type: 'short', value: 20612 },
    { name: 'integer', type: 'integer', value: -2147483648 },
    { name: 'long', type: 'long', value: 8589934592n },
    { name: 'binary', type: 'binary', value: Uint8Array.of(0, 1, 2, 255) },
    { name: 'string', type: 'string', value: 'héllo ሴ' },
    { name: 'timestamp', type: 'timestamp', value: when },
    { name: 'uuid', type: 'uuid', value: 'b79bc914-de21-4e13-b8b2-bc47e85b7f0b' },
  ];
  const frame = encodeEventStreamMessage(headers, Uint8Array.of(1, 2, 3));
  const [m] = new EventStreamDecoder().push(frame);
  expect(m!.headers).toEqual({
    true: true,
    false: false,
    byte: -49,
    short: 20612,
    integer: -2147483648,
    long: 8589934592n,
    binary: Uint8Array.of(0, 1, 2, 255),
    string: 'héllo ሴ',
    timestamp: when,
    uuid: 'b79bc914-de21-4e13-b8b2-bc47e85b7f0b',
  });
  expect([...m!.payload]).toEqual([1, 2, 3]);
  expect(m!.headers.timestamp).toBeInstanceOf(Date);
});

test('exception frames carry :exception-type and a message payload', () => {
  const [m] = new EventStreamDecoder().push(bedrockExceptionFrame('throttlingException', 'Too many requests'));
  expect(m!.headers).toEqual({ ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' });
  expect(JSON.parse(text(m!))).toEqual({ message: 'Too many requests' });
});
