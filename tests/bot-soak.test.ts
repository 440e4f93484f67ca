import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, startBot } from '../src/bot/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { deployCommandsTo } from '../src/testing/deploy-commands.js';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';
import { reactionSoak } from '../src/testing/reaction-soak.js';
import { createTestService } from './helpers/service.js';

// The full 10 000-event soak is `reelrec bench bot-soak`; this bounded one runs in every CI.
describe('reaction soak (bounded)', () => {
  let fake: FakeDiscord;
  let bot: Bot;
  let store: Store;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelrec-soak-'));
    store = await openStore({ uri: join(dir, 'db'), dimension: 4, embedder: { id: 'test', model: 'unit', dimension: 4 } });
    fake = await FakeDiscord.start();
    await deployCommandsTo(fake);
    bot = await startBot({
      service: await createTestService(),
      store,
      token: fake.token,
      restApi: fake.restUrl,
      logger: pino({ level: 'silent' }),
      remotePosters: false,
      commandLimit: { windowMs: 60_000, max: 100 },
      likeJournalDir: join(dir, 'journal'),
    });
  });

  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('2 000 reactions from 50 users: the stored likes are exactly the expected set', async () => {
    const r = await reactionSoak(fake, bot, store, { events: 2000, users: 50, pages: 3, removeShare: 0.3, seed: 7, timeoutMs: 30_000 });
    expect(r.messages).toBe(15);
    expect(r.expectedLikes).toBeGreaterThan(300);
    expect({ lost: r.lost, extra: r.extra, wrong: r.wrongValue, duplicated: r.duplicated, failed: r.failed }).toEqual({
      lost: 0,
      extra: 0,
      wrong: 0,
      duplicated: 0,
      failed: 0,
    });
    expect(r.storedLikes).toBe(r.expectedLikes);
  }, 60_000);
});
