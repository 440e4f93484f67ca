import type { RecordBatch } from 'apache-arrow';
import { StoreIoError } from './errors.js';

/*
 * LanceDB's toArray() is typed `any[]`; these readers narrow each column once so the rest of the
 * store works with checked values. A wrong type here means the table on disk is not what we wrote.
 */

export type RawRow = Record<string, unknown>;

function bad(column: string, value: unknown): never {
  throw new StoreIoError('read', new Error(`column ${column} holds unexpected ${typeof value}`));
}

export function num(row: RawRow, column: string): number {
  const v = row[column];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return bad(column, v);
}

export function numOrNull(row: RawRow, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, column);
}

export function str(row: RawRow, column: string): string {
  const v = row[column];
  return typeof v === 'string' ? v : bad(column, v);
}

export function strOrNull(row: RawRow, column: string): string | null {
  return row[column] === null || row[column] === undefined ? null : str(row, column);
}

/** Timestamps come back as epoch milliseconds (number or bigint depending on the path), or as Date. */
export function date(row: RawRow, column: string): Date {
  const v = row[column];
  return v instanceof Date ? v : new Date(num(row, column));
}

function iterable(column: string, v: unknown): Iterable<unknown> {
  if (v !== null && typeof v === 'object' && Symbol.iterator in v) return v as Iterable<unknown>;
  return bad(column, v);
}

export function strList(row: RawRow, column: string): string[] {
  return Array.from(iterable(column, row[column]), (s) => (typeof s === 'string' ? s : bad(column, s)));
}

export function vector(row: RawRow, column = 'vector'): Float32Array {
  return Float32Array.from(iterable(column, row[column]), (x) => (typeof x === 'number' ? x : bad(column, x)));
}

/*
 * Column readers for a query's record batches. Turning a large result into row objects (toArray)
 * costs ~8 µs a row on the event loop in one piece — 150 ms for the 20,000 likes an upkeep repair
 * reads (development run, 2026-12-07) — so scans that read many rows take Arrow's columns batch by
 * batch instead: numbers as the typed arrays Arrow already holds, and a turn for other work between
 * batches.
 */

/** A numeric column of one batch (Int8/Int32 as numbers, Int64/Uint64/timestamps as bigints). */
export function numberColumn(batch: RecordBatch, column: string): ArrayLike<number | bigint> {
  const values: unknown = batch.getChild(column)?.toArray();
  return ArrayBuffer.isView(values) && !(values instanceof DataView)
    ? (values as unknown as ArrayLike<number | bigint>)
    : bad(column, values);
}

/** A string column of one batch, read a row at a time. */
export function stringColumn(batch: RecordBatch, column: string): (row: number) => string {
  const vector = batch.getChild(column) ?? bad(column, undefined);
  return (row) => {
    const v: unknown = vector.get(row);
    return typeof v === 'string' ? v : bad(column, v);
  };
}
