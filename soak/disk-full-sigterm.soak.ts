import { execFile } from 'node:child_process';
import { cp, mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeUserId } from '../src/bot/index.js';
import { likesOf, openBuiltStore } from '../src/store/index.js';
import { deployCommandsTo } from '../src/testing/deploy-commands.js';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';
import { freshDataDir, killAll, recordSoak, removeScratch, serverEnv, sleep, startServer } from './helpers.js';

const run = promisify(execFile);

const TMPFS_SIZE = '16m';
const USERS = ['520000000000000001', '520000000000000002', '520000000000000003'];
/** The bot's stop bound (5 s) plus the HTTP drain and the store's close, with room for a busy machine. */
const EXIT_BOUND_SECONDS = 8;

/**
 * The disk-full case as an operator meets it: a real `reelrec start` with the bot, its LanceDB
 * store on a tmpfs that is then filled, its like journal on the data dir (which has room). Likes the
 * bot shows in /likes cannot reach the store; SIGTERM must still end the process within its bound,
 * and once space is freed the next start must put every shown like into the store.
 */
describe('disk full under a real process: SIGTERM exits within its bound, 0 shown likes lost', () => {
  let fake: FakeDiscord;
  let mount: string;
  let mounted = false;

  beforeAll(async () => {
    mount = await mkdtemp(join(tmpdir(), 'reelrec-soak-sigterm-full-'));
    // No skip: a machine where this cannot mount fails the suite.
    await run('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mount]).catch((error: Error) => {
      throw new Error(`disk-full soak: cannot mount a ${TMPFS_SIZE} tmpfs at ${mount} (needs root): ${error.message}`);
    });
    mounted = true;
    fake = await FakeDiscord.start();
    await deployCommandsTo(fake);
  });

  afterAll(async () => {
    await killAll();
    await fake?.stop();
    if (mounted) await run('umount', [mount]);
    await rmdir(mount).catch(() => undefined);
    await removeScratch();
  });

  /** Movie ids /likes shows as 👍 for a person, read through the bot like a person would. */
  async function shownLikes(user: string, byTitle: Map<string, number>): Promise<number[]> {
    const id = await fake.sendCommand('likes', {}, { id: user, username: `u${user.slice(-3)}` });
    const reply = await fake.waitForInteractionResponse(id, 30_000);
    return reply.content
      .split('\n')
      .filter((line) => line.startsWith('👍 '))
      .map((line) => byTitle.get(line.slice(3)) ?? Number.NaN);
  }

  it('acknowledged likes stay in the journal through SIGTERM and reach the store after the restart', async () => {
    const dataDir = await freshDataDir('sigterm-full');
    const storeUri = join(mount, 'lancedb');
    await cp(join(dataDir, 'lancedb'), storeUri, { recursive: true });
    const env = serverEnv(dataDir, {
      DISCORD_TOKEN: fake.token,
      REELREC_DISCORD_API: fake.restUrl,
      REELREC_LANCEDB_URI: storeUri,
      REELREC_RATE_LIMIT: '0',
      LOG_LEVEL: 'info',
    });
    const server = await startServer(env);
    await fake.waitFor(() => fake.identifies >= 1, 15_000);

    const interaction = await fake.sendCommand('movies');
    const posters = () => fake.messages.filter((m) => m.interactionId === interaction && m.embeds.length > 0);
    await fake.waitFor(() => posters().length >= 5, 30_000);
    const ids = new Set(posters().map((m) => m.id));
    await fake.waitFor(() => fake.reactions.filter((r) => ids.has(r.messageId)).length >= ids.size * 2, 30_000);
    const movieOf = new Map(
      posters().map((m) => [
        m.id,
        { movie: Number(/movie (\d+)/.exec(JSON.stringify(m.embeds))?.[1]), title: (m.embeds[0] as { title?: string } | undefined)?.title },
      ]),
    );
    const byTitle = new Map([...movieOf.values()].map((p) => [String(p.title), p.movie]));
    expect(byTitle.size).toBe(movieOf.size);

    // Fill the store's disk to the last byte.
    const handle = await open(join(mount, 'filler'), 'w');
    try {
      for (;;) await handle.write(Buffer.alloc(256 * 1024, 1));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      await handle.close();
    }

    for (const user of USERS) for (const messageId of movieOf.keys()) fake.reactionAdd(user, messageId, '👍');
    const expected = [...movieOf.values()].map((p) => p.movie).sort((a, b) => a - b);
    const shown = new Map<string, number[]>();
    const deadline = Date.now() + 30_000;
    for (const user of USERS) {
      for (;;) {
        const now = (await shownLikes(user, byTitle)).sort((a, b) => a - b);
        shown.set(user, now);
        if (now.length >= expected.length || Date.now() > deadline) break;
        await sleep(250);
      }
    }
    const acknowledged = [...shown.values()].reduce((n, list) => n + list.length, 0);
    // Give the write-behind time to fail against the full disk at least once.
    await sleep(500);

    const signalledAt = performance.now();
    const code = await server.kill('SIGTERM');
    const exitSeconds = (performance.now() - signalledAt) / 1000;
    const keptLine = server.stderr().includes('stay in the journal') || server.stdout().includes('stay in the journal');

    await rm(join(mount, 'filler'));
    const identifies = fake.identifies;
    const restarted = await startServer(env);
    await fake.waitFor(() => fake.identifies > identifies, 15_000);
    const shownAfter = new Map<string, number[]>();
    for (const user of USERS)
      shownAfter.set(
        user,
        (await shownLikes(user, byTitle)).sort((a, b) => a - b),
      );
    const secondExit = await restarted.stop();

    const store = await openBuiltStore(storeUri);
    const lost: string[] = [];
    try {
      for (const [user, movies] of shown) {
        const stored = new Set((await likesOf(store, storeUserId(user))).filter((r) => r.value === 1).map((r) => r.movie));
        for (const movie of movies) if (!stored.has(movie)) lost.push(`${user}/${movie}`);
      }
    } finally {
      store.close();
    }

    await recordSoak('disk_full_sigterm', {
      mode: 'reelrec start with the bot (child process); LanceDB store on a full tmpfs, journal on the data dir',
      tmpfs: TMPFS_SIZE,
      likesSent: USERS.length * movieOf.size,
      acknowledged,
      exitCode: code,
      exitSecondsAfterSigterm: Number(exitSeconds.toFixed(2)),
      exitBoundSeconds: EXIT_BOUND_SECONDS,
      journalKeptLine: keptLine,
      lostAfterRestart: lost.length,
      restartExitCode: secondExit,
    });

    for (const user of USERS) expect(shown.get(user)).toEqual(expected);
    expect(code).toBe(0);
    expect(exitSeconds).toBeLessThan(EXIT_BOUND_SECONDS);
    // Loud, not silent: the operator is told that likes wait in the journal.
    expect(keptLine).toBe(true);
    expect(lost).toEqual([]);
    for (const user of USERS) expect(shownAfter.get(user)).toEqual(expected);
    expect(secondExit).toBe(0);
  });
});
