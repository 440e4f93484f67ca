import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JournalRecord, LikeJournal, LikeNotSavedError } from '../src/store/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelrec-journal-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (user: string, movie: number, value: 1 | -1 | null): JournalRecord => ({
  user,
  movie,
  value,
  time: '2026-01-01T00:00:00.000Z',
});
const segments = async (journal: string) => (await readdir(journal)).filter((n) => n.startsWith('segment-')).sort();

/** An `open` whose handles fail the way a full disk does: after `okBytes` bytes, every write is ENOSPC. */
function fullDiskOpen(okBytes: number, stats: { syncs: number } = { syncs: 0 }): typeof open {
  let room = okBytes;
  return (async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    const write = handle.write.bind(handle) as (b: Buffer, o: number, l: number, p: number) => Promise<{ bytesWritten: number }>;
    Object.assign(handle, {
      write: async (buffer: Buffer, offset: number, length: number, position: number) => {
        if (room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        // A short write, as the kernel does when the disk fills mid-buffer; the next call fails.
        const n = Math.min(length, room);
        room -= n;
        return write(buffer, offset, n, position);
      },
      sync: async () => {
        stats.syncs++;
      },
    });
    return handle;
  }) as typeof open;
}

describe('LikeJournal', () => {
  it('appends fsynced lines, reads them back in order after a reopen, and deletes released segments', async () => {
    const journal = new LikeJournal(join(dir, 'j'));
    expect((await journal.recover()).records).toEqual([]);
    const applied: number[] = [];
    await journal.append(rec('u', 1, 1), () => applied.push(1));
    await journal.append(rec('u', 2, -1), () => applied.push(2));
    const sealed = await journal.seal();
    await journal.append(rec('u', 1, null), () => applied.push(3));
    expect(applied).toEqual([1, 2, 3]);
    await journal.close();
    expect(await segments(join(dir, 'j'))).toHaveLength(2);

    const again = new LikeJournal(join(dir, 'j'));
    const found = await again.recover();
    expect(found.records).toEqual([rec('u', 1, 1), rec('u', 2, -1), rec('u', 1, null)]);
    expect(found).toMatchObject({ tornLines: 0, badLines: [], segments: [1, 2] });
    // Releasing the first seal deletes only the first segment; new appends go to a third one.
    expect(sealed).toBe(1);
    await again.release(1);
    await again.append(rec('v', 3, 1), () => undefined);
    expect(await segments(join(dir, 'j'))).toEqual(['segment-000000000002.jsonl', 'segment-000000000003.jsonl']);
    await again.release((await again.seal()) ?? 0);
    expect(await segments(join(dir, 'j'))).toEqual([]);
    await again.close();
  });

  it('ignores a torn last line (a crash mid-append) and keeps every complete one', async () => {
    await mkdir(join(dir, 'j'));
    const good = `${JSON.stringify(rec('u', 1, 1))}\n${JSON.stringify(rec('u', 2, 1))}\n`;
    await writeFile(join(dir, 'j', 'segment-000000000007.jsonl'), `${good}{"user":"u","movie":3,"va`);
    const journal = new LikeJournal(join(dir, 'j'));
    const found = await journal.recover();
    expect(found.records).toEqual([rec('u', 1, 1), rec('u', 2, 1)]);
    expect(found.tornLines).toBe(1);
    expect(found.badLines).toEqual([]);
    // Later segments are numbered after what was found.
    await journal.append(rec('u', 4, 1), () => undefined);
    expect(await segments(join(dir, 'j'))).toEqual(['segment-000000000007.jsonl', 'segment-000000000008.jsonl']);
    await journal.close();
  });

  it('a failed write rejects with LikeNotSavedError, applies nothing, and leaves no partial line behind', async () => {
    const line = `${JSON.stringify(rec('u', 1, 1))}\n`.length;
    // Room for one record and half of the next.
    const journal = new LikeJournal(join(dir, 'j'), { openFile: fullDiskOpen(line + Math.floor(line / 2)) });
    await journal.recover();
    const applied: number[] = [];
    await journal.append(rec('u', 1, 1), () => applied.push(1));
    const failed = await journal.append(rec('u', 2, 1), () => applied.push(2)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LikeNotSavedError);
    expect(failed).toMatchObject({ code: 'likes_unavailable' });
    expect((failed as LikeNotSavedError).message).not.toContain(dir);
    expect((failed as LikeNotSavedError).detail).toContain('ENOSPC');
    expect(applied).toEqual([1]);
    await journal.close();
    // The half-written second record was cut off: a reopen sees exactly the acknowledged one, nothing torn.
    const files = await segments(join(dir, 'j'));
    expect(await readFile(join(dir, 'j', files[0] as string), 'utf8')).toBe(`${JSON.stringify(rec('u', 1, 1))}\n`);
    const found = await new LikeJournal(join(dir, 'j')).recover();
    expect(found.records).toEqual([rec('u', 1, 1)]);
    expect(found.tornLines).toBe(0);
  });

  it('groups appends that arrive together into one fsync', async () => {
    const stats = { syncs: 0 };
    const journal = new LikeJournal(join(dir, 'j'), { openFile: fullDiskOpen(10 ** 9, stats) });
    await journal.recover();
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(rec(`u${i}`, i + 1, 1), () => undefined)));
    expect(stats.syncs).toBeGreaterThan(0);
    expect(stats.syncs).toBeLessThan(10);
    await journal.close();
    expect((await new LikeJournal(join(dir, 'j')).recover()).records).toHaveLength(50);
  });

  it('refuses appends once closed', async () => {
    const journal = new LikeJournal(join(dir, 'j'));
    await journal.recover();
    await journal.close();
    await expect(journal.append(rec('u', 1, 1), () => undefined)).rejects.toBeInstanceOf(LikeNotSavedError);
  });
});
