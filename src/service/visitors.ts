import { applyLikeChanges, type LikeValue, likesOf, type Store } from '../store/index.js';
import { ServiceInputError } from './errors.js';
import type { RecommendationAnswer, RecommendationService } from './types.js';

/** Web visitors pick their own id (the page keeps one in localStorage); this keeps it short and plain. */
const VISITOR_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface VisitorLike {
  movieId: number;
  value: LikeValue;
}

/**
 * Likes of web visitors, kept in the shared store and read back on every request, so any instance
 * behind a load balancer answers from the same likes. A like is acknowledged only once LanceDB
 * has it (write-through, unlike the bot's write-behind bursts).
 */
export interface VisitorLikes {
  set(visitorId: string, movieId: number, value: LikeValue): Promise<VisitorLike>;
  remove(visitorId: string, movieId: number): Promise<void>;
  list(visitorId: string): Promise<VisitorLike[]>;
  recommend(visitorId: string, k?: number): Promise<RecommendationAnswer>;
}

export function visitorStoreId(visitorId: string): string {
  if (!VISITOR_ID.test(visitorId)) throw new ServiceInputError('visitorId', 'use 1 to 64 letters, digits, _ or -');
  return `web:${visitorId}`;
}

export function createVisitorLikes(store: Store, service: RecommendationService): VisitorLikes {
  const list = async (visitorId: string): Promise<VisitorLike[]> =>
    (await likesOf(store, visitorStoreId(visitorId))).filter((r) => r.source === 'web').map((r) => ({ movieId: r.movie, value: r.value }));
  return {
    async set(visitorId, movieId, value) {
      const user = visitorStoreId(visitorId);
      service.getMovie(movieId);
      await applyLikeChanges(store, [{ user, movie: movieId, value }], 'web');
      return { movieId, value };
    },
    async remove(visitorId, movieId) {
      const user = visitorStoreId(visitorId);
      service.getMovie(movieId);
      await applyLikeChanges(store, [{ user, movie: movieId, value: null }], 'web');
    },
    list,
    async recommend(visitorId, k = 10) {
      const likes = await list(visitorId);
      return service.recommendFromLikes({
        liked: likes.filter((l) => l.value === 1).map((l) => l.movieId),
        disliked: likes.filter((l) => l.value === -1).map((l) => l.movieId),
        k,
      });
    },
  };
}
