import type { ApiKeyRecord, Store } from '../store/types.ts';
import { hashKey, KEY_PREFIX } from '../store/ids.ts';
import { compileMatcher } from '../routing/glob.ts';
import { DvaraError } from './errors.ts';

export interface AuthedKey {
  record: ApiKeyRecord;
  /** The key's model allowlist, compiled; null when it may use every model. */
  allowsModel: ((model: string) => boolean) | null;
}

const CACHE_LIMIT = 50_000;

const unauthorized = (message: string) => new DvaraError('UNAUTHORIZED', message);

/**
 * Key checks without a store round trip per request: lookups are cached by secret, and the cache is dropped
 * whenever the store reports a change made by another process (the CLI revoking a key), polled every
 * `pollMs`, so a revocation takes effect within that time.
 */
export class KeyAuthenticator {
  private readonly cache = new Map<string, AuthedKey | null>();
  private lastToken: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly store: Store,
    pollMs = 250,
  ) {
    this.lastToken = store.changeToken();
    this.timer = setInterval(() => this.checkForChanges(), pollMs);
    this.timer.unref?.();
  }

  /** Drops cached lookups (also called by in-process admin changes). */
  invalidate(): void {
    this.cache.clear();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private checkForChanges(): void {
    try {
      const token = this.store.changeToken();
      if (token !== this.lastToken) {
        this.lastToken = token;
        this.cache.clear();
      }
    } catch {
      this.cache.clear(); // store unreachable: fail closed on the next request's lookup
    }
  }

  /** The key behind an `Authorization: Bearer mk-...` (or `x-api-key`) header, or UNAUTHORIZED. */
  async authenticate(authorization: string | null, apiKeyHeader: string | null = null): Promise<AuthedKey> {
    const secret = extractSecret(authorization) ?? apiKeyHeader?.trim();
    if (!secret) throw unauthorized('Missing API key. Send it as `Authorization: Bearer mk-...` or `x-api-key: mk-...`.');
    if (!secret.startsWith(KEY_PREFIX)) throw unauthorized('Invalid API key: Dvara keys start with "mk-".');
    let entry = this.cache.get(secret);
    if (entry === undefined) {
      const record = await this.store.findKeyByHash(hashKey(secret));
      entry = record ? { record, allowsModel: record.models?.length ? compileMatcher(record.models) : null } : null;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(secret, entry);
    }
    if (!entry) throw unauthorized('Invalid API key.');
    const r = entry.record;
    if (r.revoked_at !== null) throw unauthorized(`API key ${r.prefix}… has been revoked.`);
    if (r.expires_at !== null && r.expires_at <= Date.now()) throw unauthorized(`API key ${r.prefix}… expired.`);
    return entry;
  }
}

function extractSecret(header: string | null): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1]!.trim() : undefined;
}
