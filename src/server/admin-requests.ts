import type { RequestFilter, RequestLog, StoredRequest } from '../store/request-log.ts';
import { DvaraError } from './errors.ts';

// GET /admin/requests: the request log for `dvara tail --url`, read with a cursor so a follower polls cheaply.
// Mounted behind the admin guard. Bodies and HMACs never leave the store through here: bodies may hold prompts a
// tail has no business showing, and the chain is for `dvara audit verify`, which runs against the store itself.
//
// Contract:
//   limit      1..1000, default 20
//   tenant, key (key id), model (asked-for or upstream name), status (HTTP status), errors=1 (status >= 400 or an
//   error code)
//   since_seq  without it: the last `limit` matching rows; with it: the first `limit` matching rows after that seq
//   → 200 { requests: RequestRow[] (oldest first), last_seq: number }; pass last_seq back as since_seq to follow.
//   A bad parameter → 400 INVALID_REQUEST naming it.

/** A request row as admin output shows it: no bodies, no chain fields. */
export type RequestRow = Omit<StoredRequest, 'request_body' | 'response_body' | 'prev_hmac' | 'hmac'>;

export interface RequestsQuery {
  filter: Omit<RequestFilter, 'sinceSeq' | 'limit' | 'since'>;
  limit: number;
  sinceSeq?: number;
}

export const MAX_LIMIT = 1000;

export function toRequestRow(r: StoredRequest): RequestRow {
  const { request_body: _req, response_body: _res, prev_hmac: _prev, hmac: _hmac, ...row } = r;
  return row;
}

/**
 * The rows for a query and the cursor to continue from. The cursor moves past rows the filter skipped (up to the
 * log's head, read before the query so a row committed in between is never stepped over), so a filtered follower
 * does not rescan the same unmatched rows on every poll.
 */
export function readRequests(log: RequestLog, q: RequestsQuery): { requests: RequestRow[]; last_seq: number } {
  const head = log.query({ limit: 1 })[0]?.seq ?? 0;
  const rows = log.query({ ...q.filter, sinceSeq: q.sinceSeq, limit: q.limit });
  const newest = rows[rows.length - 1]?.seq ?? 0;
  // A full page after since_seq may have more matching rows behind it: continue right after the page.
  const full = q.sinceSeq !== undefined && rows.length === q.limit;
  const last_seq = full ? newest : Math.max(head, newest, q.sinceSeq ?? 0);
  return { requests: rows.map(toRequestRow), last_seq };
}

function intParam(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new DvaraError('INVALID_REQUEST', `${name} must be a whole number from ${min} to ${max}`, { param: name });
  }
  return n;
}

/** The query string as a RequestsQuery; throws INVALID_REQUEST naming the first bad parameter. */
export function parseRequestsQuery(params: URLSearchParams): RequestsQuery {
  const text = (name: string) => params.get(name) || undefined;
  const errors = params.get('errors');
  if (errors !== null && !['', '0', '1', 'true', 'false'].includes(errors)) {
    throw new DvaraError('INVALID_REQUEST', 'errors must be 1 or 0', { param: 'errors' });
  }
  return {
    filter: {
      tenant: text('tenant'),
      keyId: text('key'),
      model: text('model'),
      status: intParam(params, 'status', 100, 599),
      errorsOnly: errors === '1' || errors === 'true',
    },
    limit: intParam(params, 'limit', 1, MAX_LIMIT) ?? 20,
    sinceSeq: intParam(params, 'since_seq', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** GET /admin/requests (the caller checks the admin token first). */
export function handleAdminRequests(url: URL, log: RequestLog): Response {
  const body = readRequests(log, parseRequestsQuery(url.searchParams));
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}
