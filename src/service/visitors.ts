import {
  createLikeGroupCommit,
  createVisitor,
  deleteVisitor,
  findVisitor,
  type LikeValue,
  likesOf,
  MAX_LIKES_PER_PERSON,
  type Store,
  secretMatches,
  VISITOR_ID_PATTERN,
  VISITOR_SECRET_PATTERN,
  visitorsVersion,
  visitorUserId,
} from '../store/index.js';
import { LruCache } from '../util/lru.js';
import { UnknownVisitorError } from './errors.js';
import type { RecommendationAnswer, RecommendationService } from './types.js';

declare const authenticated: unique symbol;
/** A visitor id that came out of authenticate(): the likes operations take nothing else. */
export type VisitorId = string & { readonly [authenticated]: true };

export interface VisitorLike {
  movieId: number;
  value: LikeValue;
}

/** What POST /api/visitors hands out once: the id, and the token `<id>.<secret>` that proves it. */
export interface NewVisitor {
  id: string;
  token: string;
}

/**
 * Visitors the server issued and their likes, kept in the shared store and read back on every
 * request, so any instance behind a load balancer answers from the same likes. A like is
 * acknowledged only once LanceDB has it (write-through, unlike the bot's write-behind bursts).
 */
export interface VisitorLikes {
  create(): Promise<NewVisitor>;
  /**
   * The visitor a token proves, or UnknownVisitorError — also when `claimedId` (the id in a path)
   * is not the token's own, so another visitor's id answers exactly like an unknown one.
   */
  authenticate(token: string | null | undefined, claimedId?: string): Promise<VisitorId>;
  /** Deletes the visitor and every like of theirs. */
  erase(visitorId: VisitorId): Promise<void>;
  set(visitorId: VisitorId, movieId: number, value: LikeValue): Promise<VisitorLike>;
  /** Never checks the catalogue: a like of a movie a rebuild dropped can always be taken back. */
  remove(visitorId: VisitorId, movieId: number): Promise<void>;
  /** Likes of movies the catalogue no longer has are left out (they stay stored until removed). */
  list(visitorId: VisitorId): Promise<VisitorLike[]>;
  recommend(visitorId: VisitorId, k?: number): Promise<RecommendationAnswer>;
}

export interface VisitorLikesOptions {
  /** Likes and dislikes one visitor may keep; default MAX_LIKES_PER_PERSON. */
  maxLikes?: number;
  /**
   * How long a verified secret hash is reused without asking the store anything. Past it, the hash is
   * reused while the visitors table has not changed (one look at its version, no query), and read
   * again once it has. An erase on another instance takes effect here within this time; default 10 s.
   */
  authCacheMs?: number;
  /** Visitors whose hash is cached; default 10,000. */
  authCacheEntries?: number;
}

/** `<id>.<secret>` with both parts shaped as issued; null for anything else. */
function parseToken(token: string | null | undefined): { id: string; secret: string } | null {
  if (typeof token !== 'string') return null;
  const dot = token.indexOf('.');
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  return dot > 0 && VISITOR_ID_PATTERN.test(id) && VISITOR_SECRET_PATTERN.test(secret) ? { id, secret } : null;
}

/** How long one look at the visitors table's version is reused (capped by the credential time). */
const VERSION_REUSE_MS = 1000;

export function createVisitorLikes(store: Store, service: RecommendationService, options: VisitorLikesOptions = {}): VisitorLikes {
  const maxLikes = options.maxLikes ?? MAX_LIKES_PER_PERSON;
  const cacheMs = options.authCacheMs ?? 10_000;
  // Caches the hash, not the verdict: a wrong secret for a cached id is still compared and refused.
  const verified = new LruCache<string, { secretHash: string; until: number; version: number }>(options.authCacheEntries ?? 10_000);

  // One look at the visitors table's version serves every request for a second: far inside the
  // 10 s an erase elsewhere may take anyway, and a loaded server no longer asks it per request.
  let versionSeen: { version: Promise<number>; at: number } | null = null;
  const currentVersion = (): { version: Promise<number>; at: number } => {
    const now = Date.now();
    if (!versionSeen || now - versionSeen.at >= Math.min(VERSION_REUSE_MS, cacheMs)) {
      const seen = { version: visitorsVersion(store), at: now };
      versionSeen = seen;
      seen.version.catch(() => {
        if (versionSeen === seen) versionSeen = null;
      });
    }
    return versionSeen;
  };

  const secretHashOf = async (id: string): Promise<string | null> => {
    const cached = verified.get(id);
    if (cached && cached.until > Date.now()) return cached.secretHash;
    // Read before the row: an erase committed after this look makes the version differ next time.
    const seen = currentVersion();
    const version = await seen.version;
    if (cached && cached.version === version) {
      // Counted from the look, not from now: an erase just after it still takes effect within cacheMs.
      cached.until = seen.at + cacheMs;
      return cached.secretHash;
    }
    const visitor = await findVisitor(store, id);
    if (!visitor) return null;
    verified.set(id, { secretHash: visitor.secretHash, until: Date.now() + cacheMs, version });
    return visitor.secretHash;
  };
  // Write-through, and while one commit runs the likes of other visitors gather for the next.
  const writes = createLikeGroupCommit(store, 'web', { maxPerPerson: maxLikes });
  const stored = async (visitorId: VisitorId) => likesOf(store, visitorUserId(visitorId));
  const list = async (visitorId: VisitorId): Promise<VisitorLike[]> =>
    (await stored(visitorId))
      .filter((r) => r.source === 'web' && service.hasMovie(r.movie))
      .map((r) => ({ movieId: r.movie, value: r.value }));

  return {
    async create() {
      const { id, secret } = await createVisitor(store);
      return { id, token: `${id}.${secret}` };
    },
    async authenticate(token, claimedId) {
      const parsed = parseToken(token);
      if (!parsed || (claimedId !== undefined && claimedId !== parsed.id)) throw new UnknownVisitorError();
      const secretHash = await secretHashOf(parsed.id);
      if (secretHash === null || !secretMatches(secretHash, parsed.secret)) throw new UnknownVisitorError();
      return parsed.id as VisitorId;
    },
    async erase(visitorId) {
      verified.delete(visitorId);
      await deleteVisitor(store, visitorId);
      // Again: an authenticate that ran during the delete may have cached the hash anew.
      verified.delete(visitorId);
    },
    async set(visitorId, movieId, value) {
      service.getMovie(movieId);
      // The store reads the person's rows once, and refuses a like past the cap without writing it.
      await writes.apply({ user: visitorUserId(visitorId), movie: movieId, value });
      return { movieId, value };
    },
    async remove(visitorId, movieId) {
      await writes.apply({ user: visitorUserId(visitorId), movie: movieId, value: null });
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
