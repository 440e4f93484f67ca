import { execFile } from 'node:child_process';
import { mkdtemp, open, readdir, rm, rmdir, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../src/bot/embeds.js';
import { type Bot, startBot, storeUserId } from '../src/bot/index.js';
import { loadConfig } from '../src/config.js';
import { discordLikesJournalDir } from '../src/paths.js';
import { type LoadedService, loadService } from '../src/service/index.js';
import { likesOf, openStore, type Store } from '../src/store/index.js';
import { deployCommandsTo } from '../src/testing/deploy-commands.js';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';
import { freshDataDir, recordSoak, removeScratch, serverEnv, soakFixture } from './helpers.js';

const run = promisify(execFile);

const TMPFS_SIZE = '8m';
/** Room left after the filler: a few journal segments' worth, so some likes are journaled and later ones refused. */
const LEFT_FREE_BYTES = 256 * 1024;
const PAGES = 4;
const USERS = 8;
const STOP_BOUND_MS = 5000;
const EMBEDDER = { id: 'soak-disk-full', model: 'none', dimension: 4 };

/**
 * The Discord bot with a full disk. The bot runs in this process (startBot, the same code `reelrec
 * start` runs) against the fake Discord; its LanceDB store and like journal live on a small tmpfs
 * (`<tmpfs>/lancedb`, `<tmpfs>/journal/discord-likes`), the recommendation service on the fixture copy.
 * After /movies pages are posted, a filler file takes all but LEFT_FREE_BYTES; people react 👍 to
 * every poster. What /likes then shows is what the bot acknowledged. bot.stop() runs with the disk
 * still full (its bound is measured), the filler is removed, a new bot starts on the same journal, and
 * every acknowledged like must be in the store.
 */
describe('disk full: the bot loses no acknowledged like and stops within its bound', () => {
  let fake: FakeDiscord;
  let loaded: LoadedService;
  let mount: string;
  let mounted = false;
  let store: Store | null = null;
  const bots: Bot[] = [];

  beforeAll(async () => {
    mount = await mkdtemp(join(tmpdir(), 'reelrec-soak-diskfull-'));
    // No skip: a machine where this cannot mount must fail the suite, not pass it silently.
    await run('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mount]).catch((error: Error) => {
      throw new Error(`disk-full soak: cannot mount a ${TMPFS_SIZE} tmpfs at ${mount} (needs root): ${error.message}`);
    });
    mounted = true;
    fake = await FakeDiscord.start();
    await deployCommandsTo(fake);
    const dataDir = await freshDataDir('disk-full');
    loaded = await loadService(loadConfig({ ...serverEnv(dataDir), MOVIELENS_DIR: soakFixture().datasetDir, LOG_LEVEL: 'silent' }));
  });

  afterAll(async () => {
    for (const bot of bots) await bot.stop().catch(() => undefined);
    store?.close();
    await loaded?.close();
    await fake?.stop();
    if (mounted) await run('umount', [mount]);
    await rmdir(mount).catch(() => undefined);
    await removeScratch();
  });

  const journalDir = () => discordLikesJournalDir({ dataDir: mount } as Parameters<typeof discordLikesJournalDir>[0]);
  const openBotStore = () => openStore({ uri: join(mount, 'lancedb'), dimension: 4, embedder: EMBEDDER });

  async function start(logs: string[]): Promise<Bot> {
    if (!store) throw new Error('no store');
    const bot = await startBot({
      service: loaded.service,
      store,
      token: fake.token,
      restApi: fake.restUrl,
      logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }),
      remotePosters: false,
      commandLimit: { windowMs: 60_000, max: 10_000 },
      likeFlushMs: 20,
      likeJournalDir: journalDir(),
      stopTimeoutMs: STOP_BOUND_MS,
    });
    bots.push(bot);
    return bot;
  }

  /** Every 👍 /likes shows for a person, as movie ids (titles are unique in the fixture). */
  async function shownLikes(user: string, byTitle: Map<string, number>): Promise<number[]> {
    const id = await fake.sendCommand('likes', {}, { id: user, username: `u${user.slice(-3)}` });
    const reply = await fake.waitForInteractionResponse(id, 30_000);
    if (reply.content.startsWith('Nothing yet')) return [];
    return reply.content
      .split('\n')
      .filter((line) => line.startsWith('👍 '))
      .map((line) => {
        const movie = byTitle.get(line.slice(3));
        if (movie === undefined) throw new Error(`/likes shows a title no poster had: ${line}`);
        return movie;
      });
  }

  it('fills the disk, reacts, stops, frees space, restarts: 0 acknowledged likes lost', async () => {
    store = await openBotStore();
    const firstLogs: string[] = [];
    const bot = await start(firstLogs);
    const { stats } = bot.context;

    // Poster pages while there is room (the bot records which movie each message shows).
    for (let page = 1; page <= PAGES; page++) {
      const id = await fake.sendCommand('movies', { page });
      await fake.waitFor(() => fake.messages.filter((m) => m.interactionId === id && m.embeds.length > 0).length >= 5, 30_000);
    }
    const posters = fake.messages.filter((m) => m.embeds.length > 0);
    await fake.waitFor(() => stats.reactionsIgnored >= posters.length * 2, 30_000);
    const movieOf = new Map(posters.map((m) => [m.id, Number(/movie (\d+)/.exec(JSON.stringify(m.embeds))?.[1])]));
    const byTitle = new Map([...movieOf.values()].map((movie) => [escapeMarkdown(loaded.service.getMovie(movie).title), movie]));
    expect(byTitle.size).toBe(movieOf.size);

    // Fill the tmpfs, then give back a little.
    const filler = join(mount, 'filler');
    const handle = await open(filler, 'w');
    const chunk = Buffer.alloc(256 * 1024, 1);
    try {
      for (;;) await handle.write(chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      await handle.close();
    }
    const { size } = await stat(filler);
    await truncate(filler, Math.max(0, size - LEFT_FREE_BYTES));

    // Each person 👍 every poster, one reaction at a time (each is handled or refused before the next).
    const users = Array.from({ length: USERS }, (_, u) => String(500_000_000_000_000_001n + BigInt(u)));
    let sent = 0;
    for (const messageId of movieOf.keys()) {
      for (const user of users) {
        const before = stats.reactionsHandled + stats.reactionsRefused + stats.reactionsFailed;
        fake.reactionAdd(user, messageId, '👍');
        sent++;
        await fake.waitFor(() => stats.reactionsHandled + stats.reactionsRefused + stats.reactionsFailed > before, 30_000);
      }
    }
    const acknowledged = new Map<string, number[]>();
    for (const user of users) acknowledged.set(user, await shownLikes(user, byTitle));
    const acknowledgedCount = [...acknowledged.values()].reduce((n, list) => n + list.length, 0);
    const refusedDms = fake.messages.filter((m) => m.content.includes('did not count')).length;
    const segmentsBeforeStop = (await readdir(journalDir())).length;

    // Stop with the disk still full: the last write fails, the rest stays in the journal, within the bound.
    const stopStarted = performance.now();
    await bot.stop();
    const stopSeconds = (performance.now() - stopStarted) / 1000;
    bots.splice(bots.indexOf(bot), 1);
    const gaveUp = firstLogs.find((line) => line.includes('stay in the journal at'));

    // Space freed; the store reopened; a new bot replays the journal.
    await rm(filler);
    store.close();
    store = await openBotStore();
    const secondLogs: string[] = [];
    const restarted = await start(secondLogs);
    const replayed = { ...restarted.context.likes.replayed };
    const storedByUser = new Map<string, Set<number>>();
    for (const user of users) storedByUser.set(user, new Set((await likesOf(store, storeUserId(user))).map((r) => r.movie)));
    const lost = [...acknowledged].flatMap(([user, movies]) =>
      movies.filter((m) => !storedByUser.get(user)?.has(m)).map((m) => `${user}/${m}`),
    );
    const shownAfter = new Map<string, number[]>();
    for (const user of users) shownAfter.set(user, await shownLikes(user, byTitle));
    await restarted.stop();
    bots.splice(bots.indexOf(restarted), 1);
    const journalLeft = (await readdir(journalDir())).length;

    await recordSoak('disk_full', {
      mode: 'bot in-process (startBot) on a fake Discord; store and journal on a tmpfs',
      tmpfs: TMPFS_SIZE,
      leftFreeBytes: LEFT_FREE_BYTES,
      likesSent: sent,
      acknowledged: acknowledgedCount,
      refused: stats.reactionsRefused,
      failedOtherwise: stats.reactionsFailed,
      refusalDirectMessages: refusedDms,
      journalSegmentsAtStop: segmentsBeforeStop,
      stopSeconds: Number(stopSeconds.toFixed(2)),
      stopBoundSeconds: STOP_BOUND_MS / 1000,
      stopLeftInJournal: gaveUp ? Number(/"unwritten":(\d+)/.exec(gaveUp)?.[1] ?? Number.NaN) : 0,
      replayedRecords: replayed.records,
      replayedTornLines: replayed.tornLines,
      lostAfterRestart: lost.length,
      journalSegmentsAfterRestart: journalLeft,
    });

    // Every reaction was either acknowledged or refused (and the person told); none vanished.
    expect(stats.reactionsFailed).toBe(0);
    expect(acknowledgedCount + stats.reactionsRefused).toBe(sent);
    expect(refusedDms).toBe(stats.reactionsRefused);
    // The disk really was full: some likes were refused, and some were acknowledged before it filled.
    expect(stats.reactionsRefused).toBeGreaterThan(0);
    expect(acknowledgedCount).toBeGreaterThan(0);
    expect(stopSeconds).toBeLessThan(STOP_BOUND_MS / 1000 + 1);
    expect(lost).toEqual([]);
    // Shown after the restart exactly as before it.
    for (const user of users) expect(new Set(shownAfter.get(user))).toEqual(new Set(acknowledged.get(user)));
    expect(journalLeft).toBe(0);
  });
});
