import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../config.js';
import { loadService } from '../../service/index.js';
import { openStore } from '../../store/index.js';
import type { BenchBar, Benchmark, BenchRow } from '../types.js';

export const SOAK = { events: 10_000, users: 200, pages: 10, removeShare: 0.3, timeoutMs: 120_000 } as const;
const MODEL = 'reactions through discord.js';

/**
 * The Discord bot under a burst: 10 000 reaction events from 200 fake users on 50 poster messages,
 * through the fake Discord's gateway into the real discord.js client, on the service `reelrec
 * build` made. The likes go to a scratch store; the bars demand it equals the expected set exactly.
 */
export const botSoakBenchmark: Benchmark = {
  name: 'bot-soak',
  description: `${SOAK.events} reactions from ${SOAK.users} users through a fake Discord (real discord.js client)`,
  async run({ dataDir, seed }) {
    // Test infrastructure and the bot load only when this benchmark runs.
    const { FakeDiscord } = await import('../../testing/fake-discord/index.js');
    const { reactionSoak } = await import('../../testing/reaction-soak.js');
    const { startBot } = await import('../../bot/index.js');
    const { deployCommandsTo } = await import('../../testing/deploy-commands.js');
    const loaded = await loadService(loadConfig({ ...process.env, MOVIELENS_DIR: dataDir }));
    const work = await mkdtemp(path.join(tmpdir(), 'reelrec-bot-soak-'));
    const store = await openStore({ uri: path.join(work, 'db'), dimension: 4, embedder: { id: 'soak', model: 'none', dimension: 4 } });
    const fake = await FakeDiscord.start();
    try {
      await deployCommandsTo(fake);
      const bot = await startBot({
        service: loaded.service,
        store,
        token: fake.token,
        restApi: fake.restUrl,
        logger: pino({ level: 'silent' }),
        remotePosters: false,
        commandLimit: { windowMs: 60_000, max: 1000 },
        likeJournalDir: path.join(work, 'journal'),
      });
      try {
        const r = await reactionSoak(fake, bot, store, { ...SOAK, seed });
        const rows: BenchRow[] = [
          {
            model: MODEL,
            events: SOAK.events,
            users: SOAK.users,
            messages: r.messages,
            'sent in s': r.sentSeconds,
            'handled in s': r.handledSeconds,
            'events/s handled': SOAK.events / r.handledSeconds,
            'written in s': r.writtenSeconds,
            'expected likes': r.expectedLikes,
            'stored likes': r.storedLikes,
            lost: r.lost,
            extra: r.extra,
            'wrong value': r.wrongValue,
            duplicated: r.duplicated,
            failed: r.failed,
          },
        ];
        const bars: BenchBar[] = ['lost', 'extra', 'wrong value', 'duplicated', 'failed'].map((metric) => ({
          model: MODEL,
          metric,
          max: 0,
          why: 'stored likes equal the expected set exactly',
        }));
        return {
          dataset: `${loaded.service.info().dataset} (${SOAK.pages} /movies pages of 5 posters posted in ${r.postSeconds.toFixed(1)} s)`,
          rows,
          bars,
          details: { soak: SOAK, seed, likesTableVersions: await store.tables.likes.version() },
        };
      } finally {
        await bot.stop();
      }
    } finally {
      await fake.stop();
      store.close();
      await loaded.close();
      await rm(work, { recursive: true, force: true });
    }
  },
};
