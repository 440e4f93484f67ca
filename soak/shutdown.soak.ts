import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeUserId } from '../src/bot/index.js';
import { createRng } from '../src/recsys/random.js';
import { likesOf, openBuiltStore, visitorUserId } from '../src/store/index.js';
import { deployCommandsTo } from '../src/testing/deploy-commands.js';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';
import type { RunningCli } from '../tests/helpers/cli.js';
import {
  freshDataDir,
  getJson,
  type HeldRequest,
  holdRequest,
  killAll,
  newVisitor,
  recordSoak,
  removeScratch,
  type SoakVisitor,
  serverEnv,
  sleep,
  startServer,
} from './helpers.js';

const RECOMMENDS = 20;
const PUTS = 6;
/** How long the requests stay unfinished after SIGTERM: the server must keep them, and refuse new ones. */
const HOLD_AFTER_SIGTERM_MS = 400;
const REACTORS = ['310000000000000001', '310000000000000002'];

describe('graceful shutdown on SIGTERM with the Discord bot running', () => {
  let fake: FakeDiscord;
  let dataDir: string;

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    await deployCommandsTo(fake);
    dataDir = await freshDataDir('shutdown');
  });

  afterAll(async () => {
    await killAll();
    await fake?.stop();
    await removeScratch();
  });

  const env = () =>
    serverEnv(dataDir, { DISCORD_TOKEN: fake.token, REELREC_DISCORD_API: fake.restUrl, REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'info' });

  it('finishes in-flight requests, flushes the bot likes, closes the gateway with 1000 and exits 0', async () => {
    const server: RunningCli = await startServer(env());
    await fake.waitFor(() => fake.identifies >= 1, 10_000);

    // A /movies page: five poster messages people can react to.
    const interaction = await fake.sendCommand('movies');
    const posters = () => fake.messages.filter((m) => m.interactionId === interaction && m.embeds.length > 0);
    await fake.waitFor(() => posters().length >= 5, 20_000);
    const shown = posters().map((m) => ({ messageId: m.id, movie: Number(/movie (\d+)/.exec(JSON.stringify(m.embeds))?.[1]) }));
    const ids = new Set(shown.map((p) => p.messageId));
    // The bot's own 👍/👎 on each poster come first, so they cannot race the people's reactions below.
    await fake.waitFor(() => fake.reactions.filter((r) => ids.has(r.messageId)).length >= shown.length * 2, 20_000);

    // Visitors for the held PUTs, issued before anything is held.
    const puts: Array<{ visitor: SoakVisitor; movie: number; value: number }> = [];
    for (let i = 0; i < PUTS; i++) puts.push({ visitor: await newVisitor(server.url), movie: 10 + i, value: i % 2 === 0 ? 1 : -1 });
    // Slow work: requests whose head and first half of the body are in, the rest held back.
    const rng = createRng(7);
    const held: Array<{ what: string; request: HeldRequest }> = [];
    for (let i = 0; i < RECOMMENDS; i++) {
      const liked = [...new Set(Array.from({ length: 5 }, () => 1 + rng.int(72)))];
      held.push({ what: `recommend ${liked}`, request: holdRequest(server.url, 'POST', '/api/recommend', { liked, k: 10 }) });
    }
    for (const p of puts) {
      held.push({
        what: `PUT ${p.visitor.id}/${p.movie}`,
        request: holdRequest(server.url, 'PUT', `/api/visitors/${p.visitor.id}/likes/${p.movie}`, { value: p.value }, p.visitor.auth),
      });
    }
    await Promise.all(held.map((h) => h.request.started));
    await sleep(300);

    // Reactions right before SIGTERM: written behind, so only the shutdown flush guarantees them.
    const expectedBotLikes = REACTORS.flatMap((user, u) =>
      shown.map((p, i) => ({ user, movie: p.movie, value: (i + u) % 2 === 0 ? 1 : -1, messageId: p.messageId })),
    );
    for (const like of expectedBotLikes) fake.reactionAdd(like.user, like.messageId, like.value === 1 ? '👍' : '👎');
    const closesBefore = fake.closes.length;

    const signalledAt = performance.now();
    const exited = server.kill('SIGTERM');
    await sleep(HOLD_AFTER_SIGTERM_MS);
    // Draining: new connections are refused while the held ones are kept.
    const newcomer = await fetch(`${server.url}/healthz`).then(
      (res) => `answered ${res.status}`,
      (error: Error) => `refused (${(error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.message})`,
    );
    for (const h of held) h.request.finish();
    const answers = await Promise.all(held.map(async (h) => ({ what: h.what, answer: await h.request.response })));
    const code = await exited;
    const exitSeconds = (performance.now() - signalledAt) / 1000;
    const closes = fake.closes.slice(closesBefore);

    // What the store holds once the process is gone (nothing else has it open now).
    const store = await openBuiltStore(join(dataDir, 'lancedb'));
    const botLikes = new Map<string, number>();
    const webLikes = new Map<string, number>();
    try {
      for (const user of REACTORS) {
        for (const row of await likesOf(store, storeUserId(user))) botLikes.set(`${user}/${row.movie}`, row.value);
      }
      for (const p of puts)
        for (const row of await likesOf(store, visitorUserId(p.visitor.id))) webLikes.set(`${p.visitor.id}/${row.movie}`, row.value);
    } finally {
      store.close();
    }
    const botLost = expectedBotLikes.filter((l) => botLikes.get(`${l.user}/${l.movie}`) !== l.value);
    const putsLost = puts.filter((p) => webLikes.get(`${p.visitor.id}/${p.movie}`) !== p.value);

    // Restart on the same data: the store opens cleanly, the bot logs in again, the likes are served.
    const identifiesBefore = fake.identifies;
    const restarted = await startServer(env());
    const ready = await getJson<{ status: string }>(`${restarted.url}/readyz`);
    const first = puts[0] as (typeof puts)[number];
    const servedRes = await fetch(`${restarted.url}/api/visitors/${first.visitor.id}/likes`, { headers: first.visitor.auth });
    const servedLikes = {
      status: servedRes.status,
      body: (await servedRes.json()) as { likes: Array<{ movieId: number; value: number }> },
    };
    await fake.waitFor(() => fake.identifies > identifiesBefore, 10_000);
    const secondExit = await restarted.stop();

    const ok = answers.filter((a) => 'status' in a.answer && a.answer.status === 200).length;
    await recordSoak('shutdown', {
      inFlightRequests: held.length,
      inFlightRecommends: RECOMMENDS,
      inFlightPuts: PUTS,
      completedWith200: ok,
      failed: held.length - ok,
      newConnectionDuringDrain: newcomer,
      exitCode: code,
      exitSecondsAfterSigterm: Number(exitSeconds.toFixed(2)),
      heldAfterSigtermMs: HOLD_AFTER_SIGTERM_MS,
      gatewayCloses: closes,
      reactionsBeforeSigterm: expectedBotLikes.length,
      botLikesStored: expectedBotLikes.length - botLost.length,
      botLikesLost: botLost.length,
      visitorPutsLost: putsLost.length,
      restartReady: ready.body.status,
      restartExitCode: secondExit,
    });

    expect(answers.filter((a) => !('status' in a.answer) || a.answer.status !== 200)).toEqual([]);
    for (const a of answers) {
      const body = JSON.parse((a.answer as { body: string }).body) as { items?: unknown[]; movieId?: number };
      if (a.what.startsWith('recommend')) expect(body.items).toHaveLength(10);
      else expect(body.movieId).toBeGreaterThan(0);
    }
    expect(newcomer).toMatch(/^refused/);
    expect(code).toBe(0);
    expect(exitSeconds).toBeLessThan(10);
    expect(closes.map((c) => c.code)).toContain(1000);
    expect(closes.filter((c) => c.code !== 1000)).toEqual([]);
    expect(server.stderr()).toMatch(/SIGTERM, finishing in-flight requests/);
    expect(botLost).toEqual([]);
    expect(putsLost).toEqual([]);
    expect(ready).toEqual({ status: 200, body: expect.objectContaining({ status: 'ready' }) });
    expect(servedLikes.body.likes).toEqual([{ movieId: 10, value: 1 }]);
    expect(secondExit).toBe(0);
    // Nothing went wrong on the way down (pino level 50 = error).
    expect(
      server
        .stdout()
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line)),
    ).toEqual([]);
  });
});
