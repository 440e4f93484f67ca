/**
 * One of several processes writing likes into one store at once, for soak/writers.soak.ts: what
 * several app instances on one store do. Reads its job from the environment, writes until its time is
 * up, and prints one JSON line: the final value it was answered for each key it owns, and counts.
 *
 *   WRITER_URI, WRITER_STORAGE (JSON storage options), WRITER_INDEX, WRITER_SECONDS, WRITER_SEED,
 *   WRITER_UPKEEP=on (this one also runs store upkeep, as the one instance told to).
 */
import { createRng } from '../recsys/random.js';
import {
  applyLikeChanges,
  type LikeValue,
  MaintenanceLock,
  maintenanceLockFile,
  openBuiltStore,
  startMaintenance,
} from '../store/index.js';

export const OWNED_USERS = 20;
export const OWNED_MOVIES = 50;
export const SHARED_USERS = 5;
export const SHARED_MOVIES = 4;

export const ownedUser = (writer: number, i: number): string => `web:w${writer}-u${i}`;
export const sharedUser = (i: number): string => `web:shared-u${i}`;

export interface WriterReport {
  writer: number;
  writes: number;
  failed: number;
  firstError: string | null;
  upkeepRuns: number;
  /** The longest single write, in ms: a write that hangs shows here (and on stderr as it happens). */
  slowestWriteMs: number;
  /** `user/movie` → the value last acknowledged (null: removed), for the keys only this writer writes. */
  owned: Record<string, LikeValue | null>;
  /** Owned keys whose last write failed: it may or may not have landed, so either value is right. */
  uncertain: Record<string, LikeValue | null>;
}

async function main(): Promise<void> {
  const env = process.env;
  const writer = Number(env.WRITER_INDEX);
  const seconds = Number(env.WRITER_SECONDS ?? 60);
  const uri = env.WRITER_URI as string;
  const storage = env.WRITER_STORAGE ? (JSON.parse(env.WRITER_STORAGE) as Record<string, string>) : undefined;
  const rng = createRng(Number(env.WRITER_SEED ?? 1) + writer);
  const store = await openBuiltStore(uri, storage);
  const lockFile = maintenanceLockFile(uri);
  const upkeep =
    env.WRITER_UPKEEP === 'on'
      ? startMaintenance(store, {
          checkMs: 250,
          versionsTrigger: 50,
          intervalSeconds: 5,
          graceSeconds: 10,
          lock: lockFile ? new MaintenanceLock(lockFile) : null,
          log: { info: () => undefined, warn: (d, m) => process.stderr.write(`${m} ${JSON.stringify(d)}\n`) },
        })
      : null;
  const report: WriterReport = {
    writer,
    writes: 0,
    failed: 0,
    firstError: null,
    upkeepRuns: 0,
    slowestWriteMs: 0,
    owned: {},
    uncertain: {},
  };
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    let key: string | null = null;
    let value: LikeValue | null = null;
    const started = Date.now();
    // A write that hangs is otherwise invisible until the parent kills this process: say so as it happens.
    const slow = setInterval(
      () =>
        process.stderr.write(
          `writer ${writer}: write ${report.writes + report.failed + 1} still running after ${Math.round((Date.now() - started) / 1000)} s\n`,
        ),
      15_000,
    );
    try {
      if (rng.next() < 0.6) {
        // A key only this writer touches: its last acknowledged value must be what everyone reads.
        const user = ownedUser(writer, rng.int(OWNED_USERS));
        const movie = 1 + rng.int(OWNED_MOVIES);
        key = `${user}/${movie}`;
        value = rng.next() < 0.15 ? null : rng.int(2) === 0 ? 1 : -1;
        await applyLikeChanges(store, [{ user, movie, value }], 'web');
        report.owned[key] = value;
        delete report.uncertain[key];
      } else {
        // A key every writer changes at once: it cycles absent → like → dislike every 300 ms slot, so the
        // writers race to insert it again after each removal (where concurrent writers duplicate rows).
        const slot = Math.floor(Date.now() / 300) % 3;
        const shared: LikeValue | null = slot === 0 ? null : slot === 1 ? 1 : -1;
        await applyLikeChanges(
          store,
          [{ user: sharedUser(rng.int(SHARED_USERS)), movie: 1 + rng.int(SHARED_MOVIES), value: shared }],
          'web',
        );
      }
      report.writes++;
    } catch (error) {
      if (key !== null) report.uncertain[key] = value;
      report.failed++;
      report.firstError ??= error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    } finally {
      clearInterval(slow);
      report.slowestWriteMs = Math.max(report.slowestWriteMs, Date.now() - started);
    }
  }
  process.stderr.write(`writer ${writer}: ${report.writes} writes done, stopping upkeep and closing the store\n`);
  await upkeep?.stop();
  report.upkeepRuns = upkeep?.runs ?? 0;
  store.close();
  // The report is this process's whole answer: exit once it is flushed rather than wait for the
  // native store runtime to let the event loop go.
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

if (process.argv[1]?.endsWith('store-writer.js')) await main();
