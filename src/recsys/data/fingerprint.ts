import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { RatingsTable } from './types.js';

const LITTLE_ENDIAN = endianness() === 'LE';

/** A typed array's bytes in little-endian order, so a fingerprint is the same on every machine. */
function leBytes(a: Int32Array | Uint32Array | Float32Array): Buffer {
  const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return LITTLE_ENDIAN ? view : Buffer.from(view).swap32();
}

/**
 * SHA-256 (hex) identifying the ratings a model was trained on: row count, both id maps and the
 * user / item / rating columns. Timestamps are left out on purpose: training never reads them,
 * so a re-export that only shifts times should not force a retrain. Splits made by time produce a
 * different training table anyway, and that table is what gets fingerprinted.
 */
export function datasetFingerprint(table: RatingsTable): string {
  const n = table.length;
  const hash = createHash('sha256');
  // The header fixes where each column ends, so different tables can never concatenate alike.
  hash.update(`reelrec-ratings-v1\n${n} ${table.userIds.length} ${table.itemIds.length}\n`);
  hash.update(leBytes(table.userIds));
  hash.update(leBytes(table.itemIds));
  hash.update(leBytes(table.user.subarray(0, n)));
  hash.update(leBytes(table.item.subarray(0, n)));
  hash.update(leBytes(table.rating.subarray(0, n)));
  return hash.digest('hex');
}
