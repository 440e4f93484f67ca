import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadMovieLens, type MovieLensDataset } from '../../src/recsys/data/index.js';
import { embedCatalogue, HashingEmbedder } from '../../src/recsys/embed/index.js';
import { NeuMF } from '../../src/recsys/ncf/neumf.js';
import { buildServiceArtifact, type ServiceArtifact } from '../../src/service/artifact.js';
import type { HybridParts } from '../../src/service/hybrid.js';
import { annNeighbours, collaborativeVectors } from '../../src/service/neighbour-lists.js';
import { serviceFromPieces } from '../../src/service/parts.js';
import type { RecommendationService } from '../../src/service/types.js';
import { makeTasteDataset } from '../fixtures/movielens-taste.js';

/** A NeuMF small enough to train on the taste fixture in about a second. */
export const SMALL_NEUMF = { factors: 8, layers: [16, 8], epochs: 6, batchSize: 256, learningRate: 0.01 };

export interface TestServiceBundle {
  service: RecommendationService;
  data: MovieLensDataset;
  parts: HybridParts;
  artifact: ServiceArtifact;
  neumf: NeuMF;
}

let cached: Promise<TestServiceBundle> | null = null;

/**
 * The real recommendation service, built the way `reelrec build` builds it (hashing embedder,
 * NeuMF, blend tuned on validation users, EASE) from the made-up taste fixture. Built once per
 * test file and shared, since every piece of it is read-only.
 */
export function createTestServiceBundle(): Promise<TestServiceBundle> {
  cached ??= (async () => {
    const fixture = await makeTasteDataset();
    const data = await loadMovieLens(fixture.dir, { textFile: fixture.textFile });
    const embedded = await embedCatalogue(data.catalogue, new HashingEmbedder(), { progress: false });
    const movies = { vectors: embedded.vectors, dim: embedded.dim };
    const neumf = new NeuMF({ seed: 42, ...SMALL_NEUMF }, { datasetName: data.name });
    await neumf.fit(data.ratings);
    // The fixture's 72 movies are too few to index, so these are exact lists, as a tiny build's are.
    const vectorsDir = await mkdtemp(path.join(os.tmpdir(), 'reelrec-test-item-vectors-'));
    const neighbours = await annNeighbours(vectorsDir, movies, collaborativeVectors(neumf)).finally(() =>
      rm(vectorsDir, { recursive: true, force: true }),
    );
    const { artifact } = await buildServiceArtifact({
      name: data.name,
      catalogue: data.catalogue,
      ratings: data.ratings,
      movies,
      neighbours,
      served: neumf,
      seed: 42,
      neumf: SMALL_NEUMF,
      // 6 validation users: few, but this exercises the tuning path that real builds take.
      minValidationUsers: 5,
    });
    const { service, parts } = await serviceFromPieces({
      data,
      neumf,
      movies,
      artifact,
      embedder: `${embedded.info.id} ${embedded.info.model}`,
    });
    return { service, data, parts, artifact, neumf };
  })();
  return cached;
}

export async function createTestService(): Promise<RecommendationService> {
  return (await createTestServiceBundle()).service;
}
