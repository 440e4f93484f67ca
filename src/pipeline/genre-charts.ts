import { ReelrecError } from '../errors.js';
import type { GenreProfileRun } from '../recsys/profiles/index.js';
import { barProfileSvg, heatmapSvg } from '../report/index.js';

/** The G × G genre–genre cosine matrix as a heatmap. */
export function genreSimilaritySvg(run: GenreProfileRun, dataset: string): Promise<string> {
  const G = run.space.nGenres;
  const matrix = Array.from({ length: G }, (_, a) => Array.from({ length: G }, (_, b) => run.genreGenre[a * G + b] as number));
  return heatmapSvg(run.space.names, matrix, { title: `Genre–genre cosine similarity (${dataset})`, valueLabel: 'cosine' });
}

/**
 * One user's similarity to every genre, actual positive / negative genres marked and the median
 * drawn. A user with no positive movie has no embedding, hence no profile: that is an error here.
 */
export function userGenreProfileSvg(run: GenreProfileRun, user: number, label: string): Promise<string> {
  const profile = run.profiles.profiles[user];
  if (!profile) {
    throw new ReelrecError('no_embedding', `user ${label} has no positive movie (no rating ≥ 3 with an embedding), so no genre profile`);
  }
  const G = run.space.nGenres;
  const rows = run.space.names.map((name, g) => ({
    label: name,
    value: run.userGenre[user * G + g] as number,
    group: profile.positive.includes(g) ? 'positive' : profile.negative.includes(g) ? 'negative' : 'neutral',
  }));
  return barProfileSvg(rows, {
    title: `Genre profile of user ${label}`,
    threshold: profile.median,
    thresholdLabel: `median ${profile.median.toFixed(3)}`,
    valueLabel: 'cosine similarity to the genre',
  });
}
