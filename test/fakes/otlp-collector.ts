// A fake OpenTelemetry collector: OTLP/HTTP with JSON bodies (what @opentelemetry/exporter-trace-otlp-http
// sends) on POST /v1/traces, gzip-encoded or not. Every span received is flattened into a plain record
// (hex ids, attribute values decoded) so tests can assert on names, parentage and attributes.

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';

export interface CollectedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** Empty string for a root span. */
  parentSpanId: string;
  kind: SpanKindName;
  attributes: Record<string, unknown>;
  status: { code: StatusCodeName; message?: string };
  /** The exporting process's resource attributes (service.name, ...). */
  resource: Record<string, unknown>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface CollectorRequest {
  path: string;
  contentType: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
}

export interface FakeCollector {
  /** http://127.0.0.1:PORT: the base to configure as `otlp_endpoint`. */
  url: string;
  spans: CollectedSpan[];
  requests: CollectorRequest[];
  /** Resolves once at least `count` spans arrived; rejects after `timeoutMs`. */
  waitForSpans(count: number, timeoutMs?: number): Promise<CollectedSpan[]>;
  reset(): void;
  stop(): Promise<void>;
}

const KINDS: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

function decodeValue(v: AnyValue | undefined): unknown {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  if (v.kvlistValue !== undefined) return decodeAttributes(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

function decodeAttributes(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = decodeValue(kv.value);
  return out;
}

/** OTLP/JSON carries ids as hex; tolerate base64 (the protobuf-JSON mapping) too. */
function hexId(id: unknown, bytes: number): string {
  if (typeof id !== 'string' || id === '') return '';
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function enumName<T extends string>(names: readonly T[], v: unknown, fallback: T): T {
  if (typeof v === 'number') return names[v] ?? fallback;
  if (typeof v === 'string') {
    const short = v.replace(/^(SPAN_KIND_|STATUS_CODE_)/, '') as T;
    if (names.includes(short)) return short;
  }
  return fallback;
}

/** Flattens one OTLP ExportTraceServiceRequest (JSON) into spans. */
export function decodeTraces(body: any): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const rs of body?.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const status: CollectedSpan['status'] = { code: enumName(STATUS, s.status?.code, 'UNSET') };
        if (s.status?.message) status.message = s.status.message;
        out.push({
          name: s.name,
          traceId: hexId(s.traceId, 16),
          spanId: hexId(s.spanId, 8),
          parentSpanId: hexId(s.parentSpanId, 8),
          kind: enumName(KINDS, s.kind, 'UNSPECIFIED'),
          attributes: decodeAttributes(s.attributes),
          status,
          resource,
          startTimeUnixNano: String(s.startTimeUnixNano ?? ''),
          endTimeUnixNano: String(s.endTimeUnixNano ?? ''),
        });
      }
    }
  }
  return out;
}

export function startFakeCollector(): FakeCollector {
  const spans: CollectedSpan[] = [];
  const requests: CollectorRequest[] = [];
  let waiters: Array<() => void> = [];

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method !== 'POST' || path !== '/v1/traces') return new Response('not found', { status: 404 });
      const contentType = req.headers.get('content-type') ?? '';
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => {
        headers[k] = v;
      });
      requests.push({ path, contentType, headers });
      if (!contentType.startsWith('application/json')) {
        return new Response(JSON.stringify({ error: `this fake decodes application/json only, got ${contentType}` }), { status: 415 });
      }
      let bytes = new Uint8Array(await req.arrayBuffer());
      if (req.headers.get('content-encoding') === 'gzip') bytes = Bun.gunzipSync(bytes);
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return new Response(JSON.stringify({ error: 'bad JSON' }), { status: 400 });
      }
      spans.push(...decodeTraces(body));
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
      // ExportTraceServiceResponse: an empty object means everything was accepted.
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    spans,
    requests,
    waitForSpans(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`collector got ${spans.length} span(s), wanted ${count}`)), timeoutMs);
        const check = () => {
          if (spans.length >= count) {
            clearTimeout(timer);
            resolve(spans);
          } else waiters.push(check);
        };
        check();
      });
    },
    reset() {
      spans.length = 0;
      requests.length = 0;
    },
    async stop() {
      await server.stop(true);
    },
  };
}
