import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataFormatError } from '../../errors.js';
import { startProgress } from '../../progress.js';
import { detectFormat } from './detect.js';
import { ML1M_RATINGS, readMl1mCatalogue } from './ml-1m.js';
import { ML100K_RATINGS, readMl100kCatalogue } from './ml-100k.js';
import { ML_LATEST_RATINGS, readMlLatestCatalogue } from './ml-latest.js';
import { RatingsBuilder } from './ratings-table.js';
import { joinTextFile, textStats } from './text-join.js';
import type { Catalogue, MovieLensDataset, MovieLensFormat, RatingsTable } from './types.js';

/** How a format writes its ratings: always `user item rating timestamp`, numeric only. */
export interface RatingsFileSpec {
  /** File name inside the dataset folder. */
  file: string;
  separator: string;
  /** The exact first line, or null for header-less files. */
  header: string | null;
  /** Valid ratings are min, min + step, …, max. */
  rating: { min: number; max: number; step: number };
}

export interface LoadOptions {
  /** Metadata CSV (overview, poster_path) to join; none is looked for when absent. */
  textFile?: string;
  /** Progress bar on stderr while the ratings file is read; default true. */
  progress?: boolean;
}

const FORMATS: Record<MovieLensFormat, { readCatalogue(dir: string): Promise<Catalogue>; ratings: RatingsFileSpec }> = {
  'ml-100k': { readCatalogue: readMl100kCatalogue, ratings: ML100K_RATINGS },
  'ml-1m': { readCatalogue: readMl1mCatalogue, ratings: ML1M_RATINGS },
  'ml-latest': { readCatalogue: readMlLatestCatalogue, ratings: ML_LATEST_RATINGS },
};

/** Reads a MovieLens folder (format detected from its files); throws DataFormatError / DatasetNotFoundError. */
export async function loadMovieLens(dir: string, options: LoadOptions = {}): Promise<MovieLensDataset> {
  const abs = path.resolve(dir);
  const format = await detectFormat(abs);
  const { readCatalogue, ratings: spec } = FORMATS[format];
  const catalogue = await readCatalogue(abs);
  const ratings = await readRatingsFile(path.join(abs, spec.file), spec, catalogue, options.progress ?? true);
  const text =
    options.textFile === undefined ? textStats(catalogue, null) : (await joinTextFile(catalogue, path.resolve(options.textFile))).stats;
  return { format, dir: abs, name: path.basename(abs), catalogue, ratings, text };
}

/** Streams a ratings file into a RatingsTable indexed over the whole catalogue. */
export async function readRatingsFile(file: string, spec: RatingsFileSpec, catalogue: Catalogue, progress = true): Promise<RatingsTable> {
  const itemIds = Int32Array.from(catalogue.movies, (movie) => movie.id);
  // A dense id → index table: one typed-array read per rating instead of a Map lookup.
  const maxId = itemIds.reduce((max, id) => Math.max(max, id), 0);
  const itemIndex = new Int32Array(maxId + 1).fill(-1);
  itemIds.forEach((id, index) => {
    itemIndex[id] = index;
  });
  const { min, max, step } = spec.rating;
  // ~24 bytes a line in every release, so the arrays rarely need to grow while 32 M rows stream in.
  const rows = new RatingsBuilder(Math.max(1024, Math.ceil((await stat(file)).size / 24)));

  await scanRatings(file, spec, progress, (user, item, rating, timestamp, line) => {
    if (user > 0x7fffffff) throw new DataFormatError(file, line, `user id ${user} is too large`);
    const index = item < itemIndex.length ? itemIndex[item] : -1;
    if (index < 0) throw new DataFormatError(file, line, `rating for movie id ${item}, which is not in the catalogue`);
    if (rating < min || rating > max || !Number.isInteger((rating - min) / step)) {
      throw new DataFormatError(file, line, `rating ${rating} out of range: expected ${min}..${max} in steps of ${step}`);
    }
    if (timestamp > 0xffffffff) throw new DataFormatError(file, line, `timestamp ${timestamp} is too large`);
    rows.push(user, index, rating, timestamp);
  });
  if (rows.length === 0) throw new DataFormatError(file, null, 'no ratings');
  return rows.finish(itemIds);
}

type RowSink = (user: number, item: number, rating: number, timestamp: number, line: number) => void;

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CHUNK = 1 << 22;
const FIELD_NAMES = ['user id', 'movie id', 'rating', 'timestamp'];

/**
 * Byte-level reader for numeric `user item rating timestamp` files: parses numbers straight from
 * the read buffer, so no per-line strings or arrays exist on the hot path (ml-32m has 32 M lines).
 */
async function scanRatings(file: string, spec: RatingsFileSpec, showProgress: boolean, sink: RowSink): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const progress = startProgress(`Reading ${path.basename(file)}`, size, 'bytes', showProgress);
    const separator = Buffer.from(spec.separator, 'latin1');
    // One spare byte so a final line without a newline can be given one.
    const buf = Buffer.allocUnsafe(CHUNK + 1);
    let carry = 0;
    let line = 1;
    let read = 0;
    let headerPending = spec.header !== null;
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buf, carry, CHUNK - carry, null);
        read += bytesRead;
        const filled = carry + bytesRead;
        let end: number;
        if (bytesRead > 0) {
          end = buf.lastIndexOf(LF, filled - 1) + 1;
          if (end === 0) {
            if (filled === CHUNK) throw new DataFormatError(file, line, `line longer than ${CHUNK} bytes`);
            carry = filled;
            continue;
          }
        } else {
          if (filled === 0) break;
          buf[filled] = LF;
          end = filled + 1;
        }
        let start = 0;
        if (headerPending) {
          start = checkHeader(buf, end, spec.header as string, file);
          headerPending = false;
          line = 2;
        }
        line = scanLines(buf, start, end, separator, line, sink, file);
        progress.update(read);
        if (bytesRead === 0) break;
        carry = filled - end;
        buf.copy(buf, 0, end, filled);
      }
      if (headerPending) checkHeader(buf, 0, spec.header as string, file);
    } finally {
      progress.stop();
    }
  } finally {
    await handle.close();
  }
}

/** Returns the offset after the header line, or throws when line 1 is not the expected header. */
function checkHeader(buf: Buffer, end: number, header: string, file: string): number {
  const lineEnd = end === 0 ? 0 : buf.indexOf(LF);
  const found = buf
    .toString('utf8', 0, lineEnd)
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '');
  if (found !== header) {
    throw new DataFormatError(file, 1, `missing header: expected "${header}", found "${found.slice(0, 80)}"`);
  }
  return lineEnd + 1;
}

/** Parses the whole lines in buf[start, end) (buf[end - 1] is LF); returns the next line number. */
function scanLines(buf: Buffer, start: number, end: number, sep: Buffer, firstLine: number, sink: RowSink, file: string): number {
  const sep0 = sep[0];
  const sepLen = sep.length;
  const values = [0, 0, 0, 0];
  let line = firstLine;
  let i = start;
  for (; i < end; line++) {
    const lineStart = i;
    let c = buf[i];
    if (c === LF || (c === CR && buf[i + 1] === LF)) {
      i += c === LF ? 1 : 2;
      continue;
    }
    for (let f = 0; f < 4; f++) {
      const fieldStart = i;
      let v = 0;
      c = buf[i];
      while (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        c = buf[++i];
      }
      if (i === fieldStart) throw badLine(buf, lineStart, sep, file, line);
      if (c === DOT && f === 2) {
        const fractionStart = ++i;
        let scale = 1;
        c = buf[i];
        while (c >= 48 && c <= 57) {
          v = v * 10 + (c - 48);
          scale *= 10;
          c = buf[++i];
        }
        if (i === fractionStart) throw badLine(buf, lineStart, sep, file, line);
        v /= scale;
      }
      values[f] = v;
      if (f < 3) {
        if (c !== sep0) throw badLine(buf, lineStart, sep, file, line);
        for (let k = 1; k < sepLen; k++) if (buf[i + k] !== sep[k]) throw badLine(buf, lineStart, sep, file, line);
        i += sepLen;
      }
    }
    if (c === CR) c = buf[++i];
    if (c !== LF) throw badLine(buf, lineStart, sep, file, line);
    i++;
    sink(values[0], values[1], values[2], values[3], line);
  }
  return line;
}

/** The slow path: re-reads the offending line as text to say what is wrong with it. */
function badLine(buf: Buffer, lineStart: number, sep: Buffer, file: string, line: number): DataFormatError {
  const text = buf.toString('utf8', lineStart, buf.indexOf(LF, lineStart)).replace(/\r$/, '');
  const fields = text.split(sep.toString('latin1'));
  if (fields.length !== 4) {
    return new DataFormatError(file, line, `expected 4 fields (user, movie, rating, timestamp), found ${fields.length}`);
  }
  for (let f = 0; f < 4; f++) {
    const pattern = f === 2 ? /^\d+(\.\d+)?$/ : /^\d+$/;
    if (!pattern.test(fields[f])) {
      const kind = f === 2 ? 'a number' : 'a non-negative integer';
      return new DataFormatError(file, line, `${FIELD_NAMES[f]} "${fields[f]}" is not ${kind}`);
    }
  }
  return new DataFormatError(file, line, `cannot parse "${text.slice(0, 80)}"`);
}
