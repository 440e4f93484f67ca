import { type FileHandle, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { LikeNotSavedError } from './errors.js';
import type { LikeValue } from './likes.js';

/** One line of a segment: a like change, or a person's erasure (everything of theirs before it is void). */
export type JournalRecord =
  | { user: string; movie: number; value: LikeValue | null; time: string }
  | { user: string; forget: true; time: string };

export interface LikeJournalOptions {
  /** How segment files are opened; tests pass one that fails to simulate a full disk. */
  openFile?: typeof open;
}

export interface Recovered {
  records: JournalRecord[];
  /** Segments read; they are kept (sealed) until `release` says their changes are in the store. */
  segments: number[];
  /** Last lines cut short by a crash mid-append: never acknowledged (their fsync had not returned), so skipped. */
  tornLines: number;
  /** Complete lines that are not records (should never happen); skipped and reported. */
  badLines: string[];
}

interface Segment {
  number: number;
  handle: FileHandle;
  /** Bytes known to be written and fsynced. */
  size: number;
  records: number;
}

interface Waiting {
  line: string;
  onDurable: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const SEGMENT = /^segment-(\d{12})\.jsonl$/;
const segmentName = (n: number) => `segment-${String(n).padStart(12, '0')}.jsonl`;

function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (typeof r.user !== 'string' || typeof r.time !== 'string') return false;
  if (r.forget === true) return true;
  return Number.isInteger(r.movie) && (r.value === 1 || r.value === -1 || r.value === null);
}

/** Splits a segment into records; only newline-terminated lines count (the rest was cut by a crash). */
export function parseSegment(text: string): { records: JournalRecord[]; torn: boolean; bad: string[] } {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const records: JournalRecord[] = [];
  const bad: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (isRecord(parsed)) records.push(parsed);
    else bad.push(line.slice(0, 200));
  }
  return { records, torn: tail !== '', bad };
}

/**
 * An append-only, fsynced log of like changes in numbered segment files, so a change is on disk before
 * it is applied and shown. Appends that arrive while a write is under way go out together in the next
 * write (one fsync for the group). `seal` starts a new segment; `release` deletes sealed segments once
 * their changes are in the store, so the journal holds only what is not yet written.
 * Every file operation runs one at a time, in call order.
 */
export class LikeJournal {
  private readonly openFile: typeof open;
  private chain: Promise<void> = Promise.resolve();
  private waiting: Waiting[] = [];
  private writeScheduled = false;
  private current: Segment | null = null;
  private readonly sealed = new Set<number>();
  private next = 1;
  private closed = false;

  constructor(
    readonly dir: string,
    options: LikeJournalOptions = {},
  ) {
    this.openFile = options.openFile ?? open;
  }

  /** Creates the folder if needed and reads every segment left by an earlier run, oldest first. */
  async recover(): Promise<Recovered> {
    return this.exclusive(async () => {
      await mkdir(this.dir, { recursive: true });
      const numbers = (await readdir(this.dir))
        .map((name) => SEGMENT.exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      const result: Recovered = { records: [], segments: numbers, tornLines: 0, badLines: [] };
      for (const n of numbers) {
        const parsed = parseSegment(await readFile(path.join(this.dir, segmentName(n)), 'utf8'));
        result.records.push(...parsed.records);
        if (parsed.torn) result.tornLines++;
        result.badLines.push(...parsed.bad);
        this.sealed.add(n);
        this.next = Math.max(this.next, n + 1);
      }
      return result;
    });
  }

  /**
   * Writes the record and fsyncs it; `onDurable` runs right after the fsync, before any later seal, so
   * whoever applies the change sees it in the same segment order as the file. Rejects with
   * LikeNotSavedError (and `onDurable` never runs) when the write or fsync fails.
   */
  append(record: JournalRecord, onDurable: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new LikeNotSavedError(`the like journal in ${this.dir} is closed`, { closing: true }));
    return new Promise((resolve, reject) => {
      this.waiting.push({ line: `${JSON.stringify(record)}\n`, onDurable, resolve, reject });
      if (!this.writeScheduled) {
        this.writeScheduled = true;
        void this.exclusive(() => this.writeWaiting());
      }
    });
  }

  /**
   * Closes the current segment to appends (the next append opens a new one) and returns the newest
   * sealed segment: once every change appended so far is in the store, `release(that)` may delete it.
   */
  seal(): Promise<number | null> {
    return this.exclusive(async () => {
      if (this.current && this.current.records > 0) await this.retire(this.current);
      return this.sealed.size > 0 ? Math.max(...this.sealed) : null;
    });
  }

  /** Deletes sealed segments up to `upTo`: every change in them is durable in the store. */
  release(upTo: number): Promise<void> {
    return this.exclusive(async () => {
      const gone = [...this.sealed].filter((n) => n <= upTo);
      for (const n of gone) {
        await unlink(path.join(this.dir, segmentName(n))).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        this.sealed.delete(n);
      }
      if (gone.length > 0) await this.syncDir();
    });
  }

  /** Segments on disk (sealed and current): what the next start replays if nothing more is written. */
  get segments(): number {
    return this.sealed.size + (this.current && this.current.records > 0 ? 1 : 0);
  }

  /** Refuses further appends and closes the open segment; what is on disk stays for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new LikeNotSavedError(`the like journal in ${this.dir} is closed`, { closing: true });
    for (const w of this.waiting.splice(0)) w.reject(failure);
    await this.exclusive(async () => {
      if (this.current) await this.retire(this.current);
    });
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.chain.then(operation);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async writeWaiting(): Promise<void> {
    this.writeScheduled = false;
    const group = this.waiting.splice(0);
    if (group.length === 0) return;
    try {
      if (this.closed) throw new Error('the journal is closed');
      const segment = this.current ?? (await this.create());
      const data = Buffer.from(group.map((w) => w.line).join(''));
      try {
        for (let at = 0; at < data.length; ) {
          const { bytesWritten } = await segment.handle.write(data, at, data.length - at, segment.size + at);
          at += bytesWritten;
        }
        await segment.handle.sync();
      } catch (error) {
        await this.abandon(segment);
        throw error;
      }
      segment.size += data.length;
      segment.records += group.length;
    } catch (error) {
      const failure = new LikeNotSavedError(
        `the like journal in ${this.dir} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        { cause: error },
      );
      for (const w of group) w.reject(failure);
      return;
    }
    for (const w of group) {
      try {
        w.onDurable();
        w.resolve();
      } catch (error) {
        w.reject(error);
      }
    }
  }

  private async create(): Promise<Segment> {
    const number = this.next++;
    const handle = await this.openFile(path.join(this.dir, segmentName(number)), 'wx');
    const segment = { number, handle, size: 0, records: 0 };
    this.current = segment;
    try {
      // The new name must survive a crash too, or the records in it would be unreachable.
      await this.syncDir();
    } catch (error) {
      await this.abandon(segment);
      throw error;
    }
    return segment;
  }

  /**
   * After a failed write or fsync the file's tail is unknown: cut it back to what was fsynced (a later
   * append must never land behind a partial line) and use a new segment from then on.
   */
  private async abandon(segment: Segment): Promise<void> {
    await segment.handle.truncate(segment.size).catch(() => undefined);
    await segment.handle.sync().catch(() => undefined);
    await this.retire(segment);
  }

  /** Closes a segment's handle; one holding records waits for release, an empty one is removed. */
  private async retire(segment: Segment): Promise<void> {
    if (this.current === segment) this.current = null;
    await segment.handle.close().catch(() => undefined);
    if (segment.records > 0) this.sealed.add(segment.number);
    else await unlink(path.join(this.dir, segmentName(segment.number))).catch(() => undefined);
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
