import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { DataFormatError } from '../../errors.js';

/**
 * Text decoding and RFC-4180 CSV parsing for the small MovieLens files (movies, links, tags,
 * metadata). The big numeric ratings files
 * go through the byte-level scanner in load.ts instead, which never builds per-line strings.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

const utf8 = new TextDecoder('utf-8', { fatal: true });
// WHATWG maps the 'latin1' label to windows-1252, a superset that matches ISO-8859-1 on every byte
// the official ml-100k / ml-1m files use.
const latin1 = new TextDecoder('latin1');

/** Decodes strict UTF-8; an invalid byte sequence is reported with the line it sits on. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DataFormatError(file, firstInvalidUtf8Line(bytes), 'invalid UTF-8 byte sequence');
  }
}

/** Only runs on the error path: LF never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one. */
function firstInvalidUtf8Line(bytes: Uint8Array): number | null {
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    if (!isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
  return null;
}

export async function readUtf8File(file: string): Promise<string> {
  return decodeUtf8(await readFile(file), file);
}

export async function readLatin1File(file: string): Promise<string> {
  return latin1.decode(await readFile(file));
}

export interface CsvRow {
  fields: string[];
  /** 1-based line on which the record starts (records can span lines inside quotes). */
  line: number;
}

/** RFC-4180 records: quoted fields may hold commas, doubled quotes and newlines; CRLF or LF. Blank lines are skipped. */
export function* parseCsv(text: string, file: string): Generator<CsvRow> {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const c0 = text.charCodeAt(i);
    if (c0 === LF || c0 === CR) {
      i += c0 === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let segment = i + 1;
        for (;;) {
          const q = text.indexOf('"', segment);
          if (q < 0) throw new DataFormatError(file, line, 'unterminated quoted field');
          line += countNewlines(text, segment, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(segment, q + 1);
            segment = q + 2;
            continue;
          }
          value += text.slice(segment, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        const c = text.charCodeAt(i);
        if (i < n && c !== COMMA && c !== CR && c !== LF) {
          throw new DataFormatError(file, line, 'unexpected character after a closing quote');
        }
      } else {
        // A quote inside an unquoted field is kept literally, as most real-world writers expect.
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === CR || c === LF) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      i++;
      if (c === COMMA) continue;
      if (c === CR && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    yield { fields, line: rowLine };
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) count++;
  return count;
}

export interface CsvTable {
  header: string[];
  /** Column position by name, or -1 when the header lacks it. */
  column(name: string): number;
  /** Data records; each is checked to have as many fields as the header. */
  rows: Iterable<CsvRow>;
}

/** A CSV with a header row that must name every column in `required`. */
export function readCsvTable(text: string, file: string, required: readonly string[]): CsvTable {
  const records = parseCsv(text, file);
  const first = records.next();
  const header = first.done ? [] : first.value.fields.map((name) => name.trim());
  const missing = required.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    const found = header.length === 0 ? 'an empty file' : `"${header.join(',')}"`;
    throw new DataFormatError(
      file,
      first.done ? null : first.value.line,
      `missing header: expected columns ${required.join(', ')} (missing ${missing.join(', ')}), found ${found}`,
    );
  }
  function* rows(): Generator<CsvRow> {
    for (const row of records) {
      if (row.fields.length !== header.length) {
        throw new DataFormatError(file, row.line, `expected ${header.length} fields, found ${row.fields.length}`);
      }
      yield row;
    }
  }
  return { header, column: (name) => header.indexOf(name), rows: rows() };
}

/** Dataset ids are positive integers that fit the Int32Array id maps. */
export function parseId(text: string, file: string, line: number, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 0x7fffffff) {
    throw new DataFormatError(file, line, `${what} "${text}" is not a valid integer id`);
  }
  return value;
}

/** IMDb ids are written as bare digits (`0114709`), or already with the `tt` prefix. */
export function normaliseImdbId(text: string, file: string, line: number): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const digits = trimmed.startsWith('tt') ? trimmed.slice(2) : trimmed;
  if (!/^\d+$/.test(digits)) throw new DataFormatError(file, line, `IMDb id "${text}" is not numeric`);
  return `tt${digits.padStart(7, '0')}`;
}

/** TMDB ids may be empty (unknown) or float-formatted by pandas (`862.0`). */
export function parseOptionalTmdbId(text: string, file: string, line: number): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  if (!/^\d+(\.0*)?$/.test(trimmed) || value > 0x7fffffff) {
    throw new DataFormatError(file, line, `TMDB id "${text}" is not a valid integer id`);
  }
  return value;
}

/** MovieLens titles end in the release year, `Heat (1995)`, sometimes a range `(2006–2007)`. */
export function yearFromTitle(title: string): number | null {
  const match = /\((\d{4})(?:[-–]\d{4})?\)\s*$/.exec(title);
  return match ? Number(match[1]) : null;
}

/** Non-blank lines of a line-oriented file (LF or CRLF) with their 1-based numbers. */
export function* nonBlankLines(text: string): Generator<{ text: string; line: number }> {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k];
    if (line.trim() !== '') yield { text: line, line: k + 1 };
  }
}
