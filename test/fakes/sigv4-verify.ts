// An independent AWS Signature Version 4 verifier for the fake Bedrock (design/providers.md 4.5), written
// against the spec with node:crypto rather than reusing a signer, so a signing bug on the client side cannot
// be mirrored here and pass unnoticed. It recomputes the signature from the request exactly as it arrived.
import { createHash, createHmac } from 'node:crypto';

/** A secret, or a temporary credential whose session token must accompany (and be signed with) each request. */
export type SigV4Secret = string | { secret: string; sessionToken?: string };

export interface SigV4Request {
  method: string;
  /** The path exactly as received on the wire, still percent-encoded (e.g. `/model/a.b-v1%3A0/converse`). */
  path: string;
  /** Query string without the leading `?` ('' when none). */
  query: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export type SigV4Failure =
  | 'missing' // no Authorization header
  | 'incomplete' // Authorization header malformed
  | 'unknown-key' // access key id (or session token) not recognised
  | 'mismatch' // signature or signing rules wrong
  | 'expired'; // x-amz-date too far from now

export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string }
  | { ok: false; kind: SigV4Failure; reason: string; canonicalRequest?: string; stringToSign?: string };

export interface SigV4VerifyOptions {
  /** The signing name the credential scope must name (default `bedrock`). */
  service?: string;
  /** When set, x-amz-date may differ from this instant by at most maxSkewMs (AWS allows 5 minutes). */
  now?: Date;
  maxSkewMs?: number;
}

const sha256hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding: everything but unreserved characters (A-Z a-z 0-9 - . _ ~). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Canonical URI for non-S3 services: the path normalised (empty and `.` segments dropped, `..` applied) and each
 * segment encoded once more. A wire path with `%3A` therefore becomes `%253A` — the double encoding AWS expects. */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(uriEncode(seg));
  }
  const joined = `/${segments.join('/')}`;
  return segments.length > 0 && path.endsWith('/') ? `${joined}/` : joined;
}

/** Canonical query: each key and value decoded then RFC 3986-encoded, sorted by key then value. */
export function canonicalQuery(query: string): string {
  const pairs = query
    .replace(/^\?/, '')
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const [k, v] = eq === -1 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    });
  pairs.sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export interface CanonicalInput {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  /** Lower-case names in the order the Authorization header lists them. */
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(c: CanonicalInput): string {
  const canonicalHeaders = c.signedHeaders.map((name) => `${name}:${(c.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [c.method.toUpperCase(), canonicalUri(c.path), canonicalQuery(c.query), canonicalHeaders, c.signedHeaders.join(';'), c.payloadHash].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
}

/** hex(HMAC(kSigning, StringToSign)) with kSigning derived from the secret, date, region and service. */
export function signatureFor(o: { secret: string; amzDate: string; region: string; service: string; canonicalRequest: string }): string {
  const date = o.amzDate.slice(0, 8);
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${o.secret}`, date), o.region), o.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign(o.amzDate, `${date}/${o.region}/${o.service}/aws4_request`, o.canonicalRequest)).digest('hex');
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!m) return `Unsupported AWS 'algorithm': '${header.split(/\s/)[0]}'.`;
  const params: Record<string, string> = {};
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !params[k]);
  if (missing.length > 0) return missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ');
  const scope = params.Credential!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') return `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${params.Credential}'`;
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: params.SignedHeaders!.split(';'), signature: params.Signature! };
}

/** Verifies a request's SigV4 Authorization header against the known secrets (by access key id). */
export function verifySigV4(req: SigV4Request, keys: Record<string, SigV4Secret>, opts: SigV4VerifyOptions = {}): SigV4Result {
  const fail = (kind: SigV4Failure, reason: string, extra: { canonicalRequest?: string; stringToSign?: string } = {}): SigV4Result => ({ ok: false, kind, reason, ...extra });
  const auth = req.headers.authorization;
  if (!auth) return fail('missing', 'Missing Authentication Token');
  const parsed = parseAuthorization(auth);
  if (typeof parsed === 'string') return fail('incomplete', parsed);
  const { accessKeyId, date, region, service, signedHeaders, signature } = parsed;

  const known = keys[accessKeyId];
  if (known === undefined) return fail('unknown-key', 'The security token included in the request is invalid.');
  const { secret, sessionToken } = typeof known === 'string' ? { secret: known, sessionToken: undefined } : known;
  const signed = new Set(signedHeaders);
  if (sessionToken !== undefined && req.headers['x-amz-security-token'] !== sessionToken) {
    return fail('unknown-key', 'The security token included in the request is invalid.');
  }
  if (sessionToken !== undefined && !signed.has('x-amz-security-token')) return fail('mismatch', "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");

  const expectedService = opts.service ?? 'bedrock';
  if (service !== expectedService) return fail('mismatch', `Credential should be scoped to correct service: '${expectedService}'. `);
  if (!signed.has('host')) return fail('mismatch', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (!signed.has('x-amz-date')) return fail('mismatch', "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  const amzDate = req.headers['x-amz-date'] ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return fail('incomplete', `Invalid X-Amz-Date '${amzDate}': expected YYYYMMDDTHHMMSSZ.`);
  if (date !== amzDate.slice(0, 8)) {
    return fail('mismatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  }
  if (opts.now) {
    const at = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (Math.abs(opts.now.getTime() - at) > (opts.maxSkewMs ?? 5 * 60_000)) return fail('expired', `Signature expired: ${amzDate} is outside the allowed clock skew.`);
  }
  const bodyHash = sha256hex(req.body);
  const declared = req.headers['x-amz-content-sha256'];
  // A signed x-amz-content-sha256 stands in for the body hash, so it must itself match the body.
  if (declared !== undefined && signed.has('x-amz-content-sha256') && declared !== bodyHash) {
    return fail('mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const canonical = canonicalRequest({ method: req.method, path: req.path, query: req.query, headers: req.headers, signedHeaders, payloadHash: bodyHash });
  const expected = signatureFor({ secret, amzDate, region, service, canonicalRequest: canonical });
  if (expected !== signature.toLowerCase()) {
    return fail('mismatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', {
      canonicalRequest: canonical,
      stringToSign: stringToSign(amzDate, `${date}/${region}/${service}/aws4_request`, canonical),
    });
  }
  return { ok: true, accessKeyId, region, service };
}
