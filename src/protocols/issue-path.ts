import type { z } from 'zod';
import { DvaraError } from '../server/errors.ts';

// Naming the field a validation issue is about, the same way on every front door.

/** `messages[0].content` from zod's ['messages', 0, 'content']. */
export function paramName(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** The value at a path in the body, or undefined: tells "missing" from "wrong" (union issues carry no input). */
export function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = body;
  for (const key of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}


type Issue = z.core.$ZodIssue;

/**
 * A union's own issue says only "Invalid input"; the branch that got furthest into the value (an array of
 * blocks rather than a string, say) says which block and field are wrong, so report that one.
 */
function deepest(issue: Issue, base: readonly PropertyKey[] = []): { issue: Issue; path: PropertyKey[] } {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union') return { issue, path };
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && first.path.length > (best?.path.length ?? 0)) best = first;
  }
  return best ? deepest(best, path) : { issue, path };
}

/** Validates a JSON body; the first issue becomes a 400 naming its field (`suffix` adds context). */
export function checkBody<T>(schema: z.ZodType, body: unknown, suffix = ''): T {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new DvaraError('INVALID_REQUEST', 'Request body must be a JSON object');
  }
  const r = schema.safeParse(body);
  if (r.success) return body as T; // the original object: unknown fields and key order intact
  const { issue, path } = deepest(r.error.issues[0]!);
  const param = paramName(path);
  const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_union') && valueAt(body, path) === undefined;
  const message = missing ? `Missing required field: ${param}` : `Invalid ${param || 'body'}: ${issue.message}`;
  throw new DvaraError('INVALID_REQUEST', message + suffix, { param: param || null });
}

