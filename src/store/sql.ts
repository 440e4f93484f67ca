import { StoreInputError } from './errors.js';

/*
 * Filters are SQL strings evaluated by DataFusion, so every value spliced into one goes through here:
 * strings are quoted with '' doubling (standard SQL; DataFusion treats backslash literally), and numbers
 * are checked to be integers so nothing but digits and a sign can reach the filter.
 */

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Movie ids are stored as int32; anything else is a caller bug, reported before it reaches LanceDB. */
export function checkMovieId(id: number, what = 'movie id'): number {
  if (!Number.isInteger(id) || id < INT32_MIN || id > INT32_MAX) {
    throw new StoreInputError(`${what} must be a 32-bit integer, got ${String(id)}`);
  }
  return id;
}

export function sqlInt(id: number): string {
  return String(checkMovieId(id));
}

export function sqlIntList(ids: readonly number[]): string {
  return `(${ids.map(sqlInt).join(', ')})`;
}

export function sqlStringList(values: readonly string[]): string {
  return `(${values.map(sqlString).join(', ')})`;
}

export function checkText(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new StoreInputError(`${what} must be a non-empty string`);
  return value;
}

/** Splits long IN lists so one filter never grows to megabytes (87k ids at ml-32m scale). */
export function chunks<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Last row wins for a repeated key: mergeInsert with two source rows for one key is ambiguous. */
export function lastByKey<T, K>(rows: readonly T[], key: (row: T) => K): T[] {
  return [...new Map(rows.map((r) => [key(r), r] as const)).values()];
}

export function and(...clauses: Array<string | null>): string | null {
  const present = clauses.filter((c): c is string => c !== null);
  return present.length === 0 ? null : present.map((c) => `(${c})`).join(' AND ');
}
