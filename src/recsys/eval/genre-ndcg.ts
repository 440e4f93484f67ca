import type { Progress } from '../../progress.js';
import { groupByUser } from '../data/ratings-table.js';
import type { GenreProfiles } from '../profiles/genre-split.js';
import type { GenreMembership } from '../profiles/genres.js';
import { forEachUserScores, type Recommender } from './recommender.js';
import type { Split } from './splits.js';
import { topK } from './top-k.js';

/**
 * Genre NDCG@k, the seed's profile metric: a recommended movie is relevant (gain 1) when it shares
 * a genre with the user's actual positive genres P. Unlike item NDCG, many movies are relevant, so
 * the ideal list is capped by R, the number of candidates (movies not in the user's train ratings)
 * that share a genre with P: IDCG@k = Σ_{r=1..min(k, R)} 1 / log2(r + 1).
 */

/** DCG / IDCG over a per-item relevance flag (1 = relevant); 0 when no candidate is relevant. */
export function genreNdcgFromRelevance(ranked: ArrayLike<number>, relevant: Uint8Array, k: number, relevantCandidates: number): number {
  const ideal = Math.min(k, relevantCandidates);
  if (ideal <= 0) return 0;
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if (relevant[ranked[i] as number] === 1) dcg += 1 / Math.log2(i + 2);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

/** Genre NDCG@k with genre bitmasks (G ≤ 32): item j is relevant when `movieGenreMask[j] & positiveMask`. */
export function genreNdcgAtK(
  ranked: ArrayLike<number>,
  movieGenreMask: Uint32Array,
  positiveMask: number,
  k: number,
  relevantCandidates: number,
): number {
  const ideal = Math.min(k, relevantCandidates);
  if (ideal <= 0 || positiveMask === 0) return 0;
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if ((movieGenreMask[ranked[i] as number] as number) & positiveMask) dcg += 1 / Math.log2(i + 2);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

export interface GenreNdcgOptions {
  k?: number;
  /** Gets setTotal(users to score) and one increment per user; the caller stops it. */
  progress?: Progress;
}

export interface GenreNdcgResult {
  k: number;
  /** Users averaged over. */
  users: number;
  ndcg: number;
  /** Users skipped: no embedding (no profile) or an empty actual-positive set. */
  skippedNoPositiveGenre: number;
  /** Users with P but no candidate movie in P's genres, so IDCG would be 0. */
  skippedNoCandidate: number;
}

/**
 * Scores every user with a non-empty P over all items except their train items, and averages
 * genre NDCG@k. `profiles` should come from `split.train`. Uses the bitmasks when the membership
 * has them, else the G-wide matrix (vocabularies over 32 genres).
 */
export async function evaluateGenreNdcg(
  rec: Recommender,
  split: Split,
  profiles: GenreProfiles,
  genreMasks: GenreMembership,
  options: GenreNdcgOptions = {},
): Promise<GenreNdcgResult> {
  const { k = 10, progress } = options;
  const { train } = split;
  const nItems = train.itemIds.length;
  const G = genreMasks.nGenres;
  const nUsers = Math.min(train.userIds.length, profiles.profiles.length);
  const trainGroups = groupByUser(train);

  const toScore: number[] = [];
  let skippedNoPositiveGenre = profiles.profiles.length - nUsers;
  for (let u = 0; u < nUsers; u++) {
    if ((profiles.profiles[u]?.positive.length ?? 0) > 0) toScore.push(u);
    else skippedNoPositiveGenre++;
  }
  progress?.setTotal(toScore.length);

  const exclude = new Uint8Array(nItems);
  const relevant = new Uint8Array(nItems);
  const positiveGenre = new Uint8Array(G);
  let users = 0;
  let total = 0;
  let skippedNoCandidate = 0;
  await forEachUserScores(rec, toScore, nItems, (u, scores) => {
    const positive = profiles.profiles[u]?.positive ?? [];
    const t0 = trainGroups.offsets[u];
    const t1 = trainGroups.offsets[u + 1];
    for (let j = t0; j < t1; j++) exclude[train.item[trainGroups.order[j]]] = 1;
    // One pass flags the relevant items and counts R among the candidates.
    let mask = 0;
    positiveGenre.fill(0);
    for (const g of positive) {
      positiveGenre[g] = 1;
      mask |= 1 << g;
    }
    let candidates = 0;
    for (let j = 0; j < nItems; j++) {
      const hit = genreMasks.masks !== null ? (genreMasks.masks[j] as number) & mask : sharesGenre(genreMasks, j, positiveGenre);
      relevant[j] = hit ? 1 : 0;
      if (hit && exclude[j] === 0) candidates++;
    }
    if (candidates === 0) skippedNoCandidate++;
    else {
      total += genreNdcgFromRelevance(topK(scores, k, exclude), relevant, k, candidates);
      users++;
    }
    for (let j = t0; j < t1; j++) exclude[train.item[trainGroups.order[j]]] = 0;
    progress?.increment();
  });

  return { k, users, ndcg: users > 0 ? total / users : 0, skippedNoPositiveGenre, skippedNoCandidate };
}

function sharesGenre(space: GenreMembership, item: number, positiveGenre: Uint8Array): boolean {
  const G = space.nGenres;
  for (let g = 0; g < G; g++) if (positiveGenre[g] === 1 && space.membership[item * G + g] === 1) return true;
  return false;
}
