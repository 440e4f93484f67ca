import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allLikeRows, likesOf, openBuiltStore, openStore, optimizeStore, type Store } from '../src/store/index.js';
import { OWNED_MOVIES, OWNED_USERS, ownedUser, SHARED_USERS, sharedUser, type WriterReport } from '../src/testing/store-writer.js';
import { type Azurite, startAzurite } from '../tests/helpers/azurite.js';
import { captureOutput, REPO_ROOT } from '../tests/helpers/cli.js';
import { freshDataDir, recordSoak, removeScratch } from './helpers.js';

const SECONDS = Number(process.env.SOAK_WRITERS_SECONDS ?? 60);
const WRITERS = 3;
/**
 * How long after its SECONDS a writer may still be finishing its last write before it counts as
 * hung. A hang guard, not a latency bar: under this contention LanceDB retries a conflicting commit
 * with a back-off that grows each time it loses, and single writes of over 60 s were seen on a busy
 * machine (they complete; `slowestWriteMs` records the longest).
 */
const HANG_SECONDS = 150;

/**
 * Three processes writing likes into one store at once, each running the store functions the API
 * runs for a PUT or DELETE (applyLikeChanges); one of them also runs store upkeep, as the one
 * instance that is told to. Processes rather than three `reelrec start`s: the start lock keeps one
 * server per data dir, and three servers on two cores would measure the CPU, not the store.
 */
function runWriter(index: number, uri: string, storage: Record<string, string> | undefined): Promise<WriterReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'testing', 'store-writer.js')], {
      env: {
        ...process.env,
        LANCEDB_LOG: 'error',
        WRITER_URI: uri,
        WRITER_INDEX: String(index),
        WRITER_SECONDS: String(SECONDS),
        WRITER_SEED: '7',
        ...(storage ? { WRITER_STORAGE: JSON.stringify(storage) } : {}),
        ...(index === 0 ? { WRITER_UPKEEP: 'on' } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { stdout, stderr } = captureOutput(child);
    const killer = setTimeout(() => child.kill('SIGKILL'), (SECONDS + HANG_SECONDS) * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      if (code !== 0) {
        // Its stderr says which write was still running (store-writer.ts prints it every 15 s) or how far it got.
        const how = code === null ? `was killed (${signal}) after ${SECONDS + HANG_SECONDS} s` : `exited ${code}`;
        reject(new Error(`writer ${index} ${how}; its stderr: ${stderr().trim() || '(empty)'}`));
      } else resolve(JSON.parse(stdout().trim().split('\n').at(-1) ?? '{}') as WriterReport);
    });
  });
}

async function check(store: Store, reports: WriterReport[]) {
  let lost = 0;
  let checked = 0;
  for (const report of reports) {
    for (let u = 0; u < OWNED_USERS; u++) {
      const user = ownedUser(report.writer, u);
      const seen = new Map((await likesOf(store, user)).map((l) => [l.movie, l.value]));
      for (let movie = 1; movie <= OWNED_MOVIES; movie++) {
        const key = `${user}/${movie}`;
        if (!(key in report.owned) && !(key in report.uncertain)) continue;
        checked++;
        const got = seen.get(movie) ?? null;
        const ok = got === (report.owned[key] ?? null) || (key in report.uncertain && got === report.uncertain[key]);
        if (!ok) lost++;
      }
    }
  }
  // Visible duplicates: what likesOf (the API's read) returns for every user, one row per key or not.
  let visibleDuplicates = 0;
  const users = [
    ...reports.flatMap((r) => Array.from({ length: OWNED_USERS }, (_, u) => ownedUser(r.writer, u))),
    ...Array.from({ length: SHARED_USERS }, (_, i) => sharedUser(i)),
  ];
  for (const user of users) {
    const likes = await likesOf(store, user);
    visibleDuplicates += likes.length - new Set(likes.map((l) => `${l.movie}/${l.source}`)).size;
  }
  return { lost, checked, visibleDuplicates };
}

/** Rows beyond the first per (user, movie, source) in the table itself: what reads must resolve. */
async function tableDuplicates(store: Store): Promise<number> {
  const rows = await allLikeRows(store);
  return rows.length - new Set(rows.map((r) => `${r.user}/${r.movie}/${r.source}`)).size;
}

async function round(uri: string, storage: Record<string, string> | undefined) {
  const started = performance.now();
  const store = await openBuiltStore(uri, storage);
  // While they write, look at the table as it is: how often concurrent writers left duplicate rows.
  const sampled = { samples: 0, withDuplicates: 0, most: 0 };
  let writing = true;
  const sampler = (async () => {
    while (writing) {
      const d = await tableDuplicates(store);
      sampled.samples++;
      if (d > 0) sampled.withDuplicates++;
      sampled.most = Math.max(sampled.most, d);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const reports = await Promise.all(Array.from({ length: WRITERS }, (_, i) => runWriter(i, uri, storage))).finally(() => {
    writing = false;
  });
  await sampler;
  try {
    const { lost, checked, visibleDuplicates } = await check(store, reports);
    const duplicateRowsInTable = await tableDuplicates(store);
    const repair = await optimizeStore(store, { graceSeconds: 10 });
    const afterRepair = await tableDuplicates(store);
    const after = await check(store, reports);
    return {
      seconds: Math.round((performance.now() - started) / 100) / 10,
      writes: reports.reduce((n, r) => n + r.writes, 0),
      failedWrites: reports.reduce((n, r) => n + r.failed, 0),
      slowestWriteMs: Math.max(...reports.map((r) => r.slowestWriteMs)),
      firstError: reports.find((r) => r.firstError)?.firstError ?? null,
      upkeepRuns: reports.reduce((n, r) => n + r.upkeepRuns, 0),
      acknowledgedKeysChecked: checked,
      lost,
      visibleDuplicates,
      duplicateRowsSampledDuringRun: sampled,
      duplicateRowsInTable,
      duplicatesRepaired: repair.duplicatesRepaired,
      duplicateRowsAfterRepair: afterRepair,
      lostAfterRepair: after.lost,
    };
  } finally {
    store.close();
  }
}

describe(`writers: ${WRITERS} processes writing one store for ${SECONDS} s`, () => {
  const figures: Record<string, unknown> = {
    writers: WRITERS,
    secondsEach: SECONDS,
    how: `${WRITERS} child processes running applyLikeChanges (what a PUT/DELETE runs), writer 0 also running upkeep`,
  };
  let azurite: Azurite | undefined;

  afterAll(async () => {
    await azurite?.stop();
    await removeScratch();
    await recordSoak('writers', figures);
  });

  const expectClean = (r: Awaited<ReturnType<typeof round>>) => {
    expect(r.writes).toBeGreaterThan(WRITERS * SECONDS);
    expect(r.lost).toBe(0);
    expect(r.visibleDuplicates).toBe(0);
    expect(r.duplicateRowsAfterRepair).toBe(0);
    expect(r.lostAfterRepair).toBe(0);
  };

  it(
    'local store folder: 0 lost, 0 duplicates visible',
    async () => {
      const uri = join(await freshDataDir('writers'), 'lancedb');
      const r = await round(uri, undefined);
      figures.local = r;
      expectClean(r);
    },
    (SECONDS + HANG_SECONDS + 60) * 1000,
  );

  it(
    'az:// on Azurite: 0 lost, 0 duplicates visible',
    async () => {
      azurite = await startAzurite();
      await azurite.createContainer('writers');
      const uri = 'az://writers/store';
      const storage = { account_name: azurite.accountName, account_key: azurite.accountKey, endpoint: azurite.blobUrl, allow_http: 'true' };
      const embedder = { id: 'soak', model: 'soak/writers', dimension: 4 };
      (await openStore({ uri, storageOptions: storage, dimension: 4, embedder })).close();
      const r = await round(uri, storage);
      figures.azurite = r;
      expectClean(r);
    },
    (SECONDS + HANG_SECONDS + 120) * 1000,
  );
});
