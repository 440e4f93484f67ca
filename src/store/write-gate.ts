/**
 * A queue that lets this process's commits of one kind go one at a time.
 *
 * LanceDB commits optimistically. Two commits that change the same fragment at once (a delete and
 * a compaction, two updates) conflict, and the loser is retried; each lost attempt leaves the files
 * it wrote behind, with no manifest naming them, so cleanup cannot tell them from a write in
 * progress and keeps them for 7 days (measured: the `likes` table grew to 96 MB after 25,000 API
 * writes, 90% of it such leftovers). Many appends committing at once do not conflict but contend
 * for the next version: one add was seen waiting over a minute behind the others' retries. A commit
 * takes milliseconds, so queueing costs little. A store has two queues (see Store): appends, and
 * everything else (deletes, upserts, compactions). The two run side by side, because an append
 * conflicts with none of the others: that is why likes are written as appended rows (see
 * applyLikeChanges), and why a compaction never holds a like up.
 *
 * Only the LanceDB call that commits goes through a queue, never a function that itself writes
 * through one: a queued call waiting on a later one would wait forever. A commit that hangs (a
 * stalled object store) holds the queue for at most `stallMs`; after that the next one goes ahead
 * beside it, rather than every write of the process hanging too.
 */
export class WriteGate {
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;

  constructor(readonly stallMs = 10_000) {}

  /** Runs one committing LanceDB call once every call queued before it has settled (or stalled). */
  write<T>(commit: () => Promise<T>): Promise<T> {
    this.#queued += 1;
    const previous = this.#tail;
    const turn = previous.then(commit);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    void settled.then(() => {
      this.#queued -= 1;
    });
    // The next call's turn: when this one settles, or stallMs after this one's turn came.
    this.#tail = previous.then(
      () =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.stallMs);
          timer.unref();
          void settled.then(() => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    return turn;
  }

  /** Calls queued or running now (for tests and stats). */
  get queued(): number {
    return this.#queued;
  }
}
