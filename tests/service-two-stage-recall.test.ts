import { beforeAll, describe, expect, it } from 'vitest';
import { loadMovieLens } from '../src/recsys/data/index.js';
import { embedCatalogue, HashingEmbedder } from '../src/recsys/embed/index.js';
import { NeuMF } from '../src/recsys/ncf/neumf.js';
import { ML100K_BLEND, weightsFor } from '../src/service/blend-weights.js';
import type { CandidateLimits } from '../src/service/candidates.js';
import { type HybridParts, SIGNAL_DEFAULTS } from '../src/service/hybrid.js';
import { assembleParts } from '../src/service/parts.js';
import { scoreFull, topOf } from '../src/service/scoring.js';
import { buildTwoStageIndex, scoreTwoStage } from '../src/service/two-stage.js';
import { makeTasteDataset } from './fixtures/movielens-taste.js';
import { SMALL_NEUMF } from './helpers/service.js';

/**
 * The CI-sized check of the first stage (the cold-start bench measures it on MovieLens): on a
 * 400-movie synthetic catalogue, candidates of under a quarter of it hold ≥ 99 % of what full
 * ranking puts in the top 10. Limits are scaled down so the candidates are a minority, as they are
 * on real catalogues.
 */
const LIMITS: CandidateLimits = { popular: 20, perGenre: 8, itemItem: 30, prescore: 50, neighboursPerPick: 0 };

let parts: HybridParts;

beforeAll(async () => {
  const fixture = await makeTasteDataset({ movies: 400, users: 150, seed: 5 });
  const data = await loadMovieLens(fixture.dir, { textFile: fixture.textFile });
  const embedded = await embedCatalogue(data.catalogue, new HashingEmbedder(), { progress: false });
  const neumf = new NeuMF({ seed: 42, ...SMALL_NEUMF, epochs: 3 }, { datasetName: data.name });
  await neumf.fit(data.ratings);
  parts = assembleParts(data.catalogue, data.ratings, neumf, { vectors: embedded.vectors, dim: embedded.dim });
  neumf.dispose();
}, 180_000);

describe('two-stage candidate recall (synthetic catalogue)', () => {
  it('holds ≥ 99 % of the full hybrid’s top 10 with a minority of the catalogue', () => {
    const index = buildTwoStageIndex(parts, { limits: LIMITS });
    let seed = 3;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let found = 0;
    let wanted = 0;
    let size = 0;
    const cases = 80;
    for (let c = 0; c < cases; c++) {
      const picks = new Set<number>();
      // Picks lean to the popular end, as people pick posters they know.
      while (picks.size < 1 + (c % 10)) picks.add(Math.floor(next() ** 2 * parts.nItems));
      const liked = [...picks].sort((a, b) => a - b);
      const weights = weightsFor(ML100K_BLEND, liked.length);
      const exclude = new Uint8Array(parts.nItems);
      for (const i of liked) exclude[i] = 1;
      const top = topOf(scoreFull(parts, { liked, disliked: [] }, weights, SIGNAL_DEFAULTS), 10, exclude);
      const { candidates } = scoreTwoStage(parts, index, { liked, disliked: [] }, weights, SIGNAL_DEFAULTS);
      const inSet = new Set(candidates);
      found += Array.from(top).filter((j) => inSet.has(j)).length;
      wanted += top.length;
      size += candidates?.length ?? 0;
    }
    expect(size / cases).toBeLessThan(parts.nItems / 4);
    expect(found / wanted).toBeGreaterThanOrEqual(0.99);
  });
});
