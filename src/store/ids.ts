// Random identifiers and key secrets, base62 so they survive shells, URLs and YAML unquoted.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform base62 (rejection sampling: 62 does not divide 256, so `byte % 62` would be biased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const newTenantId = () => `ten_${randomBase62(16)}`;
export const newKeyId = () => `key_${randomBase62(16)}`;

export const KEY_PREFIX = 'mk-';
const SECRET_LENGTH = 40;

export function newKeySecret(): string {
  return KEY_PREFIX + randomBase62(SECRET_LENGTH);
}

export function hashKey(secret: string): string {
  return new Bun.CryptoHasher('sha256').update(secret).digest('hex');
}

/** What lists and logs show of a key: enough to recognise it, useless to an attacker. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX.length + 6);
}
