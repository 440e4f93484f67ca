import { beforeAll, describe, expect, it } from 'vitest';
import { topK } from '../src/recsys/eval/top-k.js';
import { weightsFor } from '../src/service/blend-weights.js';
import type { CandidateLimits } from '../src/service/candidates.js';
import {
  buildCatalogueStats,
  contentMoments,
  genreMoments,
  genreSetScores,
  momentsOf,
  sparseMoments,
} from '../src/service/catalogue-stats.js';
import { computeSignals, SIGNAL_DEFAULTS, SIGNALS } from '../src/service/hybrid.js';
import { catalogueScores, scoreFull, topOf } from '../src/service/scoring.js';
import { createRecommendationService } from '../src/service/service.js';
import { tasteVector } from '../src/service/signals/content.js';
import { centredGenreTaste, genreAffinity, genreScores } from '../src/service/signals/genre.js';
import { accumulateItemItem } from '../src/service/signals/sparse-item-item.js';
import { buildTwoStageIndex, scoreTwoStage } from '../src/service/two-stage.js';
import type { RecommendationService } from '../src/service/types.js';
import { createTestServiceBundle, type TestServiceBundle } from './helpers/service.js';

/** Small enough that the candidates are a minority of the fixture's 72 movies. */
const SMALL: CandidateLimits = { popular: 6, perGenre: 3, itemItem: 8, prescore: 10, neighboursPerPick: 2 };

let bundle: TestServiceBundle;
let full: RecommendationService;
let twoStage: RecommendationService;

function pickSets(n: number, seed: number, nItems: number): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: n }, (_, c) => {
    const size = 1 + (c % 6);
    const set = new Set<number>();
    while (set.size < size) set.add(Math.floor(next() * nItems));
    return [...set].sort((a, b) => a - b);
  });
}

beforeAll(async () => {
  bundle = await createTestServiceBundle();
  const data = {
    dataset: bundle.data.name,
    catalogue: bundle.data.catalogue,
    ratings: bundle.data.ratings,
    parts: bundle.parts,
    blend: bundle.artifact.blend,
    knownUser: bundle.artifact.knownUser,
    neumf: bundle.neumf,
    embedder: 'hashing',
    backend: 'test',
    cacheEntries: 0,
  };
  full = createRecommendationService({ ...data, ranking: 'full' });
  twoStage = createRecommendationService({ ...data, ranking: 'two-stage' });
}, 120_000);

describe('catalogue stats', () => {
  it('score each genre set exactly as the full pass scores each of its movies', () => {
    const { parts } = bundle;
    const stats = buildCatalogueStats(parts);
    for (const liked of pickSets(6, 5, parts.nItems)) {
      const affinity = genreAffinity(parts.genres, tasteVector(parts.movies, liked, [], 0));
      const perMovie = new Float32Array(parts.nItems);
      genreScores(parts.genres, affinity, SIGNAL_DEFAULTS.genreWiden, perMovie);
      const perSet = genreSetScores(stats, centredGenreTaste(parts.genres, affinity, SIGNAL_DEFAULTS.genreWiden));
      expect(Array.from(stats.genreSets.setOf, (p) => perSet[p])).toEqual(Array.from(perMovie));
    }
  });

  it('give the moments the full z-scoring computes, without scoring the catalogue', () => {
    const { parts } = bundle;
    const stats = buildCatalogueStats(parts);
    for (const liked of pickSets(12, 3, parts.nItems)) {
      const raw = computeSignals(parts, { liked, disliked: [] }).raw;
      const close = (got: { mean: number; sd: number }, scores: Float32Array) => {
        const want = momentsOf(scores);
        expect(got.mean).toBeCloseTo(want.mean, 6);
        expect(got.sd).toBeCloseTo(want.sd, 6);
      };
      close(stats.popularity, raw.popularity);
      const taste = tasteVector(parts.movies, liked, [], SIGNAL_DEFAULTS.dislikeWeight);
      close(contentMoments(stats, taste), raw.content);
      const centred = centredGenreTaste(parts.genres, genreAffinity(parts.genres, taste), SIGNAL_DEFAULTS.genreWiden);
      close(genreMoments(stats, genreSetScores(stats, centred)), raw.genre);
      close(sparseMoments(accumulateItemItem(parts.itemItem, liked, [], 0.5).values, parts.nItems), raw.itemItem);
    }
    // The fold-in sample is the whole catalogue when the catalogue is no bigger than the sample.
    expect(stats.foldInSample.length).toBe(parts.nItems);
    expect(buildCatalogueStats(parts, 20).foldInSample.length).toBe(20);
  });

  it('z-scores each candidate as the full ranking does (every signal, with dislikes)', () => {
    const { parts } = bundle;
    const index = buildTwoStageIndex(parts, { limits: SMALL });
    for (const [n, liked] of pickSets(15, 9, parts.nItems).entries()) {
      const disliked = n % 3 === 0 ? [(liked[0] as number) === 0 ? 1 : 0].filter((d) => !liked.includes(d)) : [];
      const weights = weightsFor(bundle.artifact.blend, liked.length);
      const want = scoreFull(parts, { liked, disliked }, weights, SIGNAL_DEFAULTS);
      const got = scoreTwoStage(parts, index, { liked, disliked }, weights, SIGNAL_DEFAULTS);
      expect(got.scores).toHaveLength(got.candidates?.length ?? -1);
      for (const [c, j] of (got.candidates ?? []).entries()) {
        for (const name of SIGNALS) if (weights[name] !== 0) expect(got.z[name]?.[c]).toBeCloseTo(want.z[name]?.[j] as number, 4);
        expect(got.scores[c]).toBeCloseTo(want.scores[j] as number, 4);
      }
    }
  });
});

describe('candidates', () => {
  it('stay within their bound whatever the picks', () => {
    const { parts } = bundle;
    const index = buildTwoStageIndex(parts, { limits: SMALL });
    const G = parts.genres.names.length;
    const bound = SMALL.popular + SMALL.perGenre * G + SMALL.itemItem + SMALL.prescore;
    for (const liked of pickSets(30, 21, parts.nItems)) {
      const { candidates } = scoreTwoStage(
        parts,
        index,
        { liked, disliked: [] },
        weightsFor(bundle.artifact.blend, liked.length),
        SIGNAL_DEFAULTS,
      );
      expect(candidates?.length).toBeLessThanOrEqual(bound);
      expect(candidates?.length).toBeLessThan(parts.nItems);
    }
  });
});

describe('a genre filter or a long answer on small candidate limits', () => {
  it('still answers min(k, movies allowed), the best of its candidates', () => {
    const { parts } = bundle;
    const index = buildTwoStageIndex(parts, { limits: SMALL });
    const G = parts.genres.names.length;
    for (const [n, liked] of pickSets(12, 41, parts.nItems).entries()) {
      const weights = weightsFor(bundle.artifact.blend, liked.length);
      // A filter on one genre (as the page sends it), or none with an answer bigger than the prescore's limit.
      const genre = n % 2 === 0 ? n % G : -1;
      const exclude = Uint8Array.from({ length: parts.nItems }, (_, j) =>
        liked.includes(j) || (genre >= 0 && parts.genres.membership[j * G + genre] !== 1) ? 1 : 0,
      );
      const k = genre >= 0 ? 30 : 2 * SMALL.prescore;
      const allowed = exclude.reduce((count, e) => count + (e === 0 ? 1 : 0), 0);
      const got = scoreTwoStage(parts, index, { liked, disliked: [] }, weights, SIGNAL_DEFAULTS, {
        genres: genre >= 0 ? [genre] : [],
        exclude,
        k,
      });
      const want = scoreFull(parts, { liked, disliked: [] }, weights, SIGNAL_DEFAULTS);
      const top = Array.from(topOf(got, k, exclude));
      expect(top).toHaveLength(Math.min(k, allowed));
      // The best of the candidates by the full ranking's scores (which of them the full top holds is
      // the candidate recall, measured by the cold-start bench on real catalogues).
      const candidates = new Set(got.candidates);
      const outside = Uint8Array.from(exclude, (e, j) => (e === 1 || !candidates.has(j) ? 1 : 0));
      expect(top).toEqual(Array.from(topK(want.scores, k, outside)));
    }
  });
});

describe('LanceDB neighbour lists in the candidates', () => {
  it('add each pick’s nearest movies, scored as the full ranking scores them', () => {
    const { parts, artifact } = bundle;
    const lists = artifact.neighbours;
    const index = buildTwoStageIndex(parts, { limits: SMALL, neighbours: lists });
    for (const liked of pickSets(15, 5, parts.nItems)) {
      const weights = weightsFor(bundle.artifact.blend, liked.length);
      const want = scoreFull(parts, { liked, disliked: [] }, weights, SIGNAL_DEFAULTS);
      const got = scoreTwoStage(parts, index, { liked, disliked: [] }, weights, SIGNAL_DEFAULTS);
      const candidates = new Set(got.candidates ?? []);
      const scores = catalogueScores(got, parts.nItems);
      for (const i of liked) {
        const start = lists.offsets[i] as number;
        const end = Math.min(lists.offsets[i + 1] as number, start + SMALL.neighboursPerPick);
        for (let k = start; k < end; k++) expect(candidates.has(lists.targets[k] as number)).toBe(true);
      }
      for (const j of candidates) expect(scores[j]).toBeCloseTo(want.scores[j] as number, 4);
    }
  });

  it('reach the served service: built from pieces with the lists, it answers what full ranking answers', async () => {
    // bundle.service is serviceFromPieces over the artefact, whose neighbour lists it passes to the ranker.
    const ids = bundle.data.ratings.itemIds;
    for (const set of pickSets(12, 31, ids.length)) {
      const request = { liked: set.map((i) => ids[i] as number), k: 10 };
      const a = await full.recommendFromLikes(request);
      const b = await bundle.service.recommendFromLikes(request);
      expect(b.items.map((i) => i.movie.id)).toEqual(a.items.map((i) => i.movie.id));
      b.items.forEach((item, n) => {
        expect(item.score).toBeCloseTo(a.items[n]?.score as number, 3);
      });
    }
  });
});

describe('two-stage service', () => {
  it('answers what full ranking answers: likes, dislikes, genre filters, exclusions, no likes', async () => {
    const ids = bundle.data.ratings.itemIds;
    const requests = pickSets(20, 77, ids.length).map((set, n) => ({
      liked: set.map((i) => ids[i] as number),
      ...(n % 4 === 1
        ? {
            disliked: [ids[(set[0] as number) + 1 < ids.length ? (set[0] as number) + 1 : 0] as number].filter(
              (d) => !set.map((i) => ids[i]).includes(d),
            ),
          }
        : {}),
      ...(n % 5 === 2 ? { genres: [bundle.data.catalogue.genres[0] as string] } : {}),
      ...(n % 6 === 3 ? { exclude: [ids[5] as number] } : {}),
      k: 10,
    }));
    requests.push({ liked: [], k: 10 });
    for (const request of requests) {
      const a = await full.recommendFromLikes(request);
      const b = await twoStage.recommendFromLikes(request);
      expect(b.items.map((i) => i.movie.id)).toEqual(a.items.map((i) => i.movie.id));
      b.items.forEach((item, n) => {
        expect(item.score).toBeCloseTo(a.items[n]?.score as number, 3);
        expect(item.reasons).toEqual(a.items[n]?.reasons);
      });
    }
  });
});
