import type { Bot } from '../bot/index.js';
import { storeUserId } from '../bot/index.js';
import { createRng } from '../recsys/random.js';
import { likesOf, type Store } from '../store/index.js';
import type { FakeDiscord } from './fake-discord/index.js';

export interface SoakOptions {
  events: number;
  users: number;
  /** `/movies` pages to post first; their poster messages are what people react to. */
  pages: number;
  /** Share of events that remove a reaction instead of adding one. */
  removeShare: number;
  seed: number;
  timeoutMs: number;
}

export interface SoakResult {
  messages: number;
  postSeconds: number;
  sentSeconds: number;
  handledSeconds: number;
  writtenSeconds: number;
  expectedLikes: number;
  storedLikes: number;
  lost: number;
  extra: number;
  wrongValue: number;
  duplicated: number;
  failed: number;
}

type State = Map<string, Map<number, 1 | -1>>;

/** What the store must hold after the events, by the bot's rules (a removal undoes only the current value). */
function expectedState(events: ReadonlyArray<{ user: string; movie: number; value: 1 | -1; added: boolean }>): State {
  const state: State = new Map();
  for (const e of events) {
    const mine = state.get(e.user) ?? new Map<number, 1 | -1>();
    state.set(e.user, mine);
    if (e.added) mine.set(e.movie, e.value);
    else if (mine.get(e.movie) === e.value) mine.delete(e.movie);
  }
  return state;
}

/**
 * Posts poster pages, then sends `events` reaction adds/removes from `users` fake people through the
 * fake gateway as fast as it can write them, waits until the bot has handled every one, flushes its
 * likes, and compares the store with the expected set: nothing lost, nothing extra, no duplicate rows.
 */
export async function reactionSoak(fake: FakeDiscord, bot: Bot, store: Store, options: SoakOptions): Promise<SoakResult> {
  const { stats } = bot.context;
  const postStarted = performance.now();
  for (let page = 1; page <= options.pages; page++) {
    const id = await fake.sendCommand('movies', { page });
    await fake.waitFor(() => fake.messages.filter((m) => m.interactionId === id && m.embeds.length > 0).length >= 5, 30_000);
  }
  const postSeconds = (performance.now() - postStarted) / 1000;
  const posters = fake.messages.filter((m) => m.embeds.length > 0);
  const movieOf = new Map(posters.map((m) => [m.id, Number(/movie (\d+)/.exec(JSON.stringify(m.embeds))?.[1])]));
  // The bot's own 👍/👎 come back as events too; wait for them so they are not counted below.
  await fake.waitFor(() => stats.reactionsIgnored >= posters.length * 2, 30_000);
  const before = stats.reactionsHandled + stats.reactionsIgnored + stats.reactionsFailed + stats.reactionsRefused;

  const rng = createRng(options.seed);
  const messageIds = [...movieOf.keys()];
  const events = Array.from({ length: options.events }, () => ({
    discordUser: String(400_000_000_000_000_000n + BigInt(rng.int(options.users))),
    messageId: messageIds[rng.int(messageIds.length)] as string,
    emoji: rng.next() < 0.5 ? '👍' : '👎',
    added: rng.next() >= options.removeShare,
  }));
  const started = performance.now();
  for (const e of events) {
    if (e.added) fake.reactionAdd(e.discordUser, e.messageId, e.emoji);
    else fake.reactionRemove(e.discordUser, e.messageId, e.emoji);
  }
  const sentSeconds = (performance.now() - started) / 1000;
  await fake.waitFor(
    () => stats.reactionsHandled + stats.reactionsIgnored + stats.reactionsFailed + stats.reactionsRefused - before >= options.events,
    options.timeoutMs,
  );
  const handledSeconds = (performance.now() - started) / 1000;
  await bot.context.likes.flush();
  const writtenSeconds = (performance.now() - started) / 1000;

  const expected = expectedState(
    events.map((e) => ({
      user: storeUserId(e.discordUser),
      movie: movieOf.get(e.messageId) as number,
      value: e.emoji === '👍' ? 1 : -1,
      added: e.added,
    })),
  );
  const result: SoakResult = {
    messages: messageIds.length,
    postSeconds,
    sentSeconds,
    handledSeconds,
    writtenSeconds,
    expectedLikes: 0,
    storedLikes: 0,
    lost: 0,
    extra: 0,
    wrongValue: 0,
    duplicated: 0,
    failed: stats.reactionsFailed + stats.reactionsRefused,
  };
  for (const [user, want] of expected) {
    const rows = await likesOf(store, user);
    result.expectedLikes += want.size;
    result.storedLikes += rows.length;
    const seen = new Set<number>();
    for (const r of rows) {
      if (seen.has(r.movie)) result.duplicated++;
      seen.add(r.movie);
      const w = want.get(r.movie);
      if (w === undefined) result.extra++;
      else if (w !== r.value) result.wrongValue++;
    }
    for (const movie of want.keys()) if (!seen.has(movie)) result.lost++;
  }
  return result;
}
