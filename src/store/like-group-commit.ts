import type { Store } from './connect.js';
import { LikeLimitError } from './errors.js';
import { likeKey } from './like-rows.js';
import { applyLikeChangesEach, checkLikeChange, type LikeChange, MAX_LIKES_PER_PERSON } from './likes.js';
import type { Source } from './schema.js';
import { checkSource } from './users.js';

/**
 * Write-through likes for many people at once. Each change is acknowledged only once LanceDB has
 * it, as a single write would be; but while one commit runs, the changes that arrive wait and then
 * go together in the next one (a group commit). A lone change commits at once; under load, N
 * concurrent people cost one read and one table version instead of N, so the table gathers fewer
 * versions and fragments for reads to look through and for upkeep to compact.
 */
export interface LikeGroupCommit {
  /** Resolves once the change is in the store; LikeLimitError when it would grow its person past the cap. */
  apply(change: LikeChange): Promise<void>;
}

export interface LikeGroupCommitOptions {
  /** Likes and dislikes one person may keep; default MAX_LIKES_PER_PERSON. */
  maxPerPerson?: number;
}

interface Waiting {
  change: LikeChange;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createLikeGroupCommit(store: Store, source: Source, options: LikeGroupCommitOptions = {}): LikeGroupCommit {
  checkSource(source);
  const maxPerPerson = options.maxPerPerson ?? MAX_LIKES_PER_PERSON;
  let waiting: Waiting[] = [];
  let committing = false;

  const commit = async (group: Waiting[]) => {
    try {
      const { refused } = await applyLikeChangesEach(
        store,
        group.map((w) => w.change),
        source,
        { maxPerPerson },
      );
      for (const w of group) {
        // A refused person's new likes were left out; their flips and removals were written.
        if (refused.has(likeKey(w.change.user, w.change.movie, source))) w.reject(new LikeLimitError(w.change.user, maxPerPerson));
        else w.resolve();
      }
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  };

  const drain = async () => {
    committing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      await commit(group);
    }
    committing = false;
  };

  return {
    apply(change) {
      return new Promise<void>((resolve, reject) => {
        // Checked alone first: a change the store cannot take must not fail the others in its group.
        checkLikeChange(change);
        waiting.push({ change, resolve, reject });
        if (!committing) void drain();
      });
    },
  };
}
