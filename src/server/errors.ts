// One error type for everything Dvara reports to a client, rendered once at the edge.

export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'NO_PROVIDER'
  | 'UNAUTHORIZED'
  | 'BUDGET_EXCEEDED'
  | 'POLICY_DENIED'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT'
  | 'INTERNAL_ERROR';

const STATUS: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  NO_PROVIDER: 400,
  UNAUTHORIZED: 401,
  BUDGET_EXCEEDED: 402,
  POLICY_DENIED: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  PROVIDER_ERROR: 502,
  PROVIDER_UNAVAILABLE: 503,
  PROVIDER_TIMEOUT: 504,
  INTERNAL_ERROR: 500,
};

/** Whether a string is one of Dvara's codes (errors arriving as data, e.g. inside an SSE stream). */
export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.hasOwn(STATUS, v);
}

/** OpenAI's `error.type` for each status class, so SDKs that switch on it behave. */
function openAIType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export interface DvaraErrorOptions {
  /** Overrides the code's default status (an upstream 4xx passed through keeps its own status). */
  status?: number;
  param?: string | null;
  /** Overrides OpenAI's error.type (e.g. the upstream's own type on passthrough). */
  type?: string;
  headers?: Record<string, string>;
}

export class DvaraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  readonly type: string;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, opts: DvaraErrorOptions = {}) {
    super(message);
    this.name = 'DvaraError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.param = opts.param ?? null;
    this.type = opts.type ?? openAIType(this.status);
    this.headers = opts.headers;
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: ErrorCode; param: string | null; trace_id: string };
}

export function toOpenAIErrorBody(err: DvaraError, traceId: string): OpenAIErrorBody {
  return { error: { message: err.message, type: err.type, code: err.code, param: err.param, trace_id: traceId } };
}

/** Anything thrown that is not a DvaraError is a bug: the client sees a generic message, the log the detail. */
export function asDvaraError(err: unknown): DvaraError {
  if (err instanceof DvaraError) return err;
  return new DvaraError('INTERNAL_ERROR', 'Internal error in Dvara. The trace id identifies it in the gateway log.');
}
