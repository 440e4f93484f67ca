import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LikeBook, likesOf, openBuiltStore } from '../src/store/index.js';
import { REPO_ROOT, type RunningCli } from '../tests/helpers/cli.js';
import {
  freshDataDir,
  getJson,
  killAll,
  recordSoak,
  removeScratch,
  SoakVisitors,
  scratchDir,
  serverEnv,
  sleep,
  startServer,
} from './helpers.js';

const ROUNDS = 3;
const CLIENTS = 8;
const KILL_AFTER_MS = 1500;
const MOVIES = 72;

interface Like {
  visitor: string;
  movie: number;
  value: 1 | -1;
}

const key = (visitor: string, movie: number) => `${visitor}/${movie}`;

/**
 * Client `c` of round `r` walks its own visitors' (visitor, movie) pairs once each, so every pair is
 * written at most once and the value it must hold is known from the PUT alone.
 */
function likeAt(round: number, client: number, i: number): Like {
  return {
    visitor: `crash-r${round}-c${client}-v${Math.floor(i / MOVIES)}`,
    movie: (i % MOVIES) + 1,
    value: (i * 7 + client + round) % 3 === 0 ? -1 : 1,
  };
}

describe('crash consistency: kill -9 during write-through visitor likes', () => {
  let dataDir: string;
  const sent = new Map<string, Like>();
  const acknowledged = new Map<string, Like>();
  const unexpected: string[] = [];
  const started = { n: 0 };
  /** The server-issued visitor behind each label; visitors live in the store, so they outlast the kills. */
  const visitors = new SoakVisitors();

  beforeAll(async () => {
    dataDir = await freshDataDir('crash');
  });

  afterEach(async () => {
    await killAll();
  });

  afterAll(async () => {
    await killAll();
    await removeScratch();
  });

  const env = () => serverEnv(dataDir, { REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'warn' });

  /** Sequential PUTs until the server is gone. */
  async function client(url: string, round: number, c: number, stop: { killed: boolean }): Promise<void> {
    for (let i = 0; !stop.killed; i++) {
      const like = likeAt(round, c, i);
      let visitor: Awaited<ReturnType<SoakVisitors['of']>>;
      try {
        visitor = await visitors.of(url, like.visitor);
      } catch {
        // The server died while issuing this visitor: nothing of it was acknowledged or sent.
        break;
      }
      // Counted as sent before the request goes out: an unanswered PUT may still have been written.
      started.n++;
      sent.set(key(like.visitor, like.movie), like);
      let res: Response;
      try {
        res = await fetch(`${url}/api/visitors/${visitor.id}/likes/${like.movie}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', ...visitor.auth },
          body: JSON.stringify({ value: like.value }),
        });
      } catch {
        // The server died with this request in flight: not acknowledged, so either outcome is allowed.
        break;
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        break;
      }
      if (res.status === 200 && JSON.stringify(body) === JSON.stringify({ movieId: like.movie, value: like.value })) {
        acknowledged.set(key(like.visitor, like.movie), like);
      } else unexpected.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    }
  }

  /** Every acknowledged like is stored with its value; nothing stored was never sent. */
  async function verify(url: string): Promise<{ lost: Like[]; neverSent: string[]; landedUnacknowledged: number; stored: number }> {
    const labels = [...new Set([...sent.values()].map((l) => l.visitor))];
    const stored = new Map<string, 1 | -1>();
    for (const visitor of labels) {
      const v = await visitors.of(url, visitor);
      const res = await fetch(`${url}/api/visitors/${v.id}/likes`, { headers: v.auth });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { likes: Array<{ movieId: number; value: 1 | -1 }> };
      for (const like of body.likes) stored.set(key(visitor, like.movieId), like.value);
    }
    const lost = [...acknowledged.values()].filter((l) => stored.get(key(l.visitor, l.movie)) !== l.value);
    const neverSent = [...stored].filter(([k, value]) => sent.get(k)?.value !== value).map(([k, value]) => `${k}=${value}`);
    const landedUnacknowledged = [...stored.keys()].filter((k) => !acknowledged.has(k)).length;
    return { lost, neverSent, landedUnacknowledged, stored: stored.size };
  }

  it(`${ROUNDS} rounds of ${CLIENTS} concurrent writers, SIGKILL after ${KILL_AFTER_MS} ms, restart: no acknowledged like lost`, async () => {
    const rounds: Array<Record<string, number>> = [];
    let server: RunningCli = await startServer(env());
    for (let round = 1; round <= ROUNDS; round++) {
      const ackBefore = acknowledged.size;
      const startedBefore = started.n;
      const stop = { killed: false };
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(server.url, round, c, stop));
      await sleep(KILL_AFTER_MS);
      stop.killed = true;
      const exit = await server.kill('SIGKILL');
      await Promise.all(clients);
      const attempts = started.n - startedBefore;
      expect(exit).toBeNull(); // ended by the signal, not by itself

      const restartedAt = performance.now();
      server = await startServer(env());
      const restartSeconds = (performance.now() - restartedAt) / 1000;
      const ready = await getJson<{ status: string }>(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      const check = await verify(server.url);
      rounds.push({
        round,
        putsSent: attempts,
        acknowledged: acknowledged.size - ackBefore,
        // Checked after the restart against every round so far:
        acknowledgedSoFar: acknowledged.size,
        lostSoFar: check.lost.length,
        neverSentSoFar: check.neverSent.length,
        storedUnacknowledgedSoFar: check.landedUnacknowledged,
        storedAfterRestart: check.stored,
        restartSeconds: Number(restartSeconds.toFixed(2)),
      });
      expect(check.lost.slice(0, 5)).toEqual([]);
      expect(check.neverSent.slice(0, 5)).toEqual([]);
    }
    expect(await server.stop()).toBe(0);

    const last = rounds[rounds.length - 1] ?? {};
    const lost = last.lostSoFar ?? Number.NaN;
    await recordSoak('crash', {
      rounds: ROUNDS,
      clients: CLIENTS,
      killAfterMs: KILL_AFTER_MS,
      acknowledged: acknowledged.size,
      sent: sent.size,
      lost,
      neverSent: last.neverSentSoFar,
      storedUnacknowledged: last.storedUnacknowledgedSoFar,
      unexpectedAnswers: unexpected.length,
      perRound: rounds,
    });
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(ROUNDS * CLIENTS);
    expect(lost).toBe(0);
  });
});

const JOURNAL_ROUNDS = 3;
const JOURNAL_KILL_AFTER_MS = 1500;

/**
 * The bot's like journal under kill -9: a child process runs a LikeBook (the bot's write path, without
 * Discord: a reaction cannot be acknowledged to anyone, so the child prints each `set` that resolved)
 * on a store and a journal, is SIGKILLed mid-burst, and a new LikeBook on the same folders must
 * replay every acknowledged like into the store.
 */
describe('crash consistency: kill -9 during the bot like journal', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await scratchDir('crash-journal');
  });

  afterAll(async () => {
    await removeScratch();
  });

  it(`${JOURNAL_ROUNDS} rounds: SIGKILL after ${JOURNAL_KILL_AFTER_MS} ms of likes, replay: no acknowledged like lost`, async () => {
    const uri = join(dir, 'lancedb');
    const journalDir = join(dir, 'journal', 'discord-likes');
    const acknowledged = new Map<string, { user: string; movie: number; value: number }>();
    const rounds: Array<Record<string, number>> = [];
    for (let round = 1; round <= JOURNAL_ROUNDS; round++) {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'testing', 'like-book-child.js'), uri, journalDir, String(round)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
      let ackThisRound = 0;
      let ready: () => void = () => undefined;
      const isReady = new Promise<void>((resolve) => {
        ready = resolve;
      });
      const lines = createInterface({ input: child.stdout });
      const linesClosed = new Promise<void>((resolve) => lines.once('close', () => resolve()));
      lines.on('line', (line) => {
        const [kind, user, movie, value] = line.split(' ');
        if (kind === 'ready') ready();
        if (kind === 'ack' && user && movie && value) {
          acknowledged.set(`${user}/${movie}`, { user, movie: Number(movie), value: Number(value) });
          ackThisRound++;
        }
      });
      await Promise.race([isReady, exited.then(() => Promise.reject(new Error(`like-book-child exited early: ${stderr}`)))]);
      await sleep(JOURNAL_KILL_AFTER_MS);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await linesClosed;

      // The next start: a new book on the same journal replays it into the store.
      const replayStarted = performance.now();
      const store = await openBuiltStore(uri);
      const book = new LikeBook(store, { source: 'discord', journalDir });
      let lost = 0;
      try {
        await book.open();
        const replaySeconds = (performance.now() - replayStarted) / 1000;
        const stored = new Map<string, number>();
        for (const user of new Set([...acknowledged.values()].map((a) => a.user))) {
          for (const row of await likesOf(store, user)) stored.set(`${user}/${row.movie}`, row.value);
        }
        lost = [...acknowledged].filter(([key, a]) => stored.get(key) !== a.value).length;
        rounds.push({
          round,
          acknowledged: ackThisRound,
          acknowledgedSoFar: acknowledged.size,
          replayedRecords: book.replayed.records,
          replayedTornLines: book.replayed.tornLines,
          lostSoFar: lost,
          replaySeconds: Number(replaySeconds.toFixed(2)),
        });
      } finally {
        await book.close();
        store.close();
      }
      expect(lost).toBe(0);
    }
    await recordSoak('crash_bot_journal', {
      mode: 'child process running a LikeBook (the bot write path) SIGKILLed mid-burst; a new LikeBook replays',
      rounds: JOURNAL_ROUNDS,
      killAfterMs: JOURNAL_KILL_AFTER_MS,
      acknowledged: acknowledged.size,
      lost: rounds.at(-1)?.lostSoFar,
      perRound: rounds,
    });
    expect(acknowledged.size).toBeGreaterThan(JOURNAL_ROUNDS * 10);
    // The kill landed with changes only the journal held (otherwise the journal would not be tested).
    expect(rounds.some((r) => (r.replayedRecords ?? 0) > 0)).toBe(true);
  });
});
