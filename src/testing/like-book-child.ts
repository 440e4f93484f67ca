/**
 * A process for the crash soak: a LikeBook on a store and a journal, setting likes as fast as it can
 * from several concurrent writers and printing `ack <user> <movie> <value>` once each `set` resolved
 * (acknowledged). The soak kills it with SIGKILL mid-burst and checks a new LikeBook recovers every ack.
 *
 *   node dist/testing/like-book-child.js <store uri> <journal dir> <round>
 */
import { writeSync } from 'node:fs';
import { LikeBook, openStore } from '../store/index.js';

const CHILD_EMBEDDER = { id: 'soak-journal', model: 'none', dimension: 4 };
const WRITERS = 8;
const MOVIES = 500;

async function main(): Promise<void> {
  const [uri, journalDir, round] = process.argv.slice(2);
  if (!uri || !journalDir || !round) throw new Error('usage: like-book-child <store uri> <journal dir> <round>');
  const store = await openStore({ uri, dimension: 4, embedder: CHILD_EMBEDDER });
  const book = new LikeBook(store, { source: 'discord', journalDir, flushMs: 20 });
  await book.open();
  writeSync(1, `ready ${book.replayed.records}\n`);
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      // Each (user, movie) is set once, so the value it must hold is known from its ack alone.
      for (let i = 0; ; i++) {
        const user = `discord:crash-r${round}-w${w}-u${Math.floor(i / MOVIES)}`;
        const movie = (i % MOVIES) + 1;
        const value = (i * 7 + w) % 3 === 0 ? -1 : 1;
        await book.set(user, movie, value);
        // Synchronous: the line is in the pipe before the next like starts.
        writeSync(1, `ack ${user} ${movie} ${value}\n`);
      }
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`like-book-child: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
