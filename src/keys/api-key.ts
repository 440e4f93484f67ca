import { createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';

/**
 * A developer API key: `rr_` and 43 base64url characters (256 random bits). Only its SHA-256 (hex, of the
 * whole string) is ever stored. A slow hash is not needed: the key is random, not a password to guess.
 */
export const API_KEY_PATTERN = /^rr_[A-Za-z0-9_-]{43}$/;
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface ApiKeyEntry {
  name: string;
  /** sha256 hex of the key. */
  hash: string;
  /** Requests per minute for this key; absent = REELREC_API_KEY_RATE_LIMIT. */
  limit?: number;
  /** ISO time `reelrec keys create` made it (keys file only). */
  created?: string;
  source: 'env' | 'file';
}

export function generateApiKey(): string {
  return `rr_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isValidKeyName(name: string): boolean {
  return KEY_NAME_PATTERN.test(name);
}

export function isValidKeyHash(hash: string): boolean {
  return HASH_PATTERN.test(hash);
}

export const MAX_KEY_LIMIT = 1_000_000;

/** REELREC_API_KEYS: `name:sha256hex[:limit]` entries, comma-separated; a bad entry stops the start. */
export function parseApiKeysSetting(raw: string | undefined): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  for (const [i, item] of (raw ?? '').split(',').entries()) {
    const text = item.trim();
    if (text === '') continue;
    const [name = '', hash = '', limit, ...rest] = text.split(':');
    const where = `entry ${i + 1}`;
    if (rest.length > 0 || !isValidKeyName(name) || !isValidKeyHash(hash.toLowerCase())) {
      // Never echo the entry: someone may have pasted a key instead of its hash.
      throw new ConfigError('REELREC_API_KEYS', `${where}: expected name:sha256hex[:limit] (as \`reelrec keys create\` prints)`);
    }
    if (names.has(name)) throw new ConfigError('REELREC_API_KEYS', `${where}: the name ${name} is listed twice`);
    names.add(name);
    const entry: ApiKeyEntry = { name, hash: hash.toLowerCase(), source: 'env' };
    if (limit !== undefined) {
      const n = Number(limit);
      if (!/^\d+$/.test(limit) || n < 1 || n > MAX_KEY_LIMIT)
        throw new ConfigError('REELREC_API_KEYS', `${where}: the limit must be an integer from 1 to ${MAX_KEY_LIMIT}`);
      entry.limit = n;
    }
    entries.push(entry);
  }
  return entries;
}
