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
