import type { MovieLensDataset } from '../../recsys/data/index.js';
import { embedCatalogue, HashingEmbedder } from '../../recsys/embed/index.js';
import { evaluateGenreNdcg } from '../../recsys/eval/genre-ndcg.js';
import type { Recommender, Split } from '../../recsys/eval/index.js';
import { buildGenreDataset, buildGenreProfiles, type GenreDataset, type GenreProfileRun } from '../../recsys/profiles/index.js';
import { K } from './protocol.js';

/** What the genre rows of the ml100k benchmark share: profiles and the genre dataset of the train half. */
export interface GenreContext {
  embedder: string;
  run: GenreProfileRun;
  dataset: GenreDataset;
  /** Genre NDCG@10 of a fitted recommender (profiles from the train half, train items excluded). */
  genreNdcg(rec: Recommender): Promise<number>;
}

/**
 * Builds the seed's genre profiles from the train half only, so no held-out rating leaks into the
 * profiles that define genre relevance. The movie vectors come from the hashing embedder: LaMini
 * cannot be downloaded on the benchmark machine, and the JSON says which embedder was used.
 */
export async function genreContext(data: MovieLensDataset, split: Split, seed: number): Promise<GenreContext> {
  const embedder = new HashingEmbedder();
  const embeddings = await embedCatalogue(data.catalogue, embedder);
  const run = buildGenreProfiles(data.catalogue, split.train, embeddings);
  const dataset = buildGenreDataset(split.train, run.space, run.profiles, { seed });
  return {
    embedder: embedder.info.model,
    run,
    dataset,
    genreNdcg: async (rec) => (await evaluateGenreNdcg(rec, split, run.profiles, run.space, { k: K })).ndcg,
  };
}
