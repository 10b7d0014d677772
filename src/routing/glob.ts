/** Compiles a glob with `*` (any run of characters) and `?` (one character) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export const isGlob = (s: string) => /[*?]/.test(s);

/** A matcher for a list of exact names and globs, compiled once. */
export function compileMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !isGlob(p)));
  const globs = patterns.filter(isGlob).map(globToRegExp);
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}
