import { loadMovieLens } from '../../src/recsys/data/index.js';
import { UnknownGenreError, UnknownMovieError, UnknownUserError } from '../../src/service/errors.js';
import type { MovieSummary, RecommendationService } from '../../src/service/types.js';
import { makeTasteDataset } from '../fixtures/movielens-taste.js';

/**
 * TEMPORARY stand-in used while the real service is being written: answers from the taste fixture's
 * catalogue with a trivial genre-overlap rule. It will be replaced by the real service built from the
 * same fixture; tests must only rely on the RecommendationService contract.
 */
export async function createTestService(): Promise<RecommendationService> {
  const fixture = await makeTasteDataset();
  const data = await loadMovieLens(fixture.dir, { textFile: fixture.textFile });
  const movies: MovieSummary[] = data.catalogue.movies.map((m) => ({
    id: m.id,
    title: m.title,
    year: m.year,
    genres: m.genres,
    overview: m.overview ?? null,
    posterPath: m.posterPath ?? null,
  }));
  const byId = new Map(movies.map((m) => [m.id, m]));
  const genres = data.catalogue.genres;
  const check = (ids: number[]) => {
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length > 0) throw new UnknownMovieError(unknown);
  };
  return {
    info: () => ({ dataset: data.name, movies: movies.length, users: data.ratings.userIds.length, embedder: 'fake', backend: 'fake' }),
    async recommendFromLikes(input) {
      check([...input.liked, ...(input.disliked ?? []), ...(input.exclude ?? [])]);
      const bad = (input.genres ?? []).filter((g) => !genres.includes(g));
      if (bad.length > 0) throw new UnknownGenreError(bad, genres);
      const liked = new Set(input.genres ?? input.liked.flatMap((id) => byId.get(id)?.genres ?? []));
      const skip = new Set([...input.liked, ...(input.disliked ?? []), ...(input.exclude ?? [])]);
      const items = movies
        .filter((m) => !skip.has(m.id) && (liked.size === 0 || m.genres.some((g) => liked.has(g))))
        .slice(0, input.k ?? 10)
        .map((movie, i) => ({
          movie,
          score: 1 - i / 100,
          reasons: [{ kind: 'genre' as const, text: `you like ${movie.genres[0]}`, genre: movie.genres[0] as string }],
        }));
      return { items, strategy: { kind: 'hybrid', weights: { genre: 1 } } };
    },
    async recommendForKnownUser(userId, k = 10) {
      if (!data.ratings.userIndex.has(userId)) throw new UnknownUserError(userId);
      return {
        items: movies.slice(0, k).map((movie) => ({ movie, score: 1, reasons: [] })),
        strategy: { kind: 'known-user', weights: { neumf: 1 } },
      };
    },
    searchMovies({ q, genre, offset = 0, limit = 24 }) {
      const hits = movies.filter((m) => (!q || m.title.toLowerCase().includes(q.toLowerCase())) && (!genre || m.genres.includes(genre)));
      return { total: hits.length, offset, limit, items: hits.slice(offset, offset + limit) };
    },
    getMovie(id) {
      check([id]);
      return byId.get(id) as MovieSummary;
    },
    listGenres: () => genres.map((name) => ({ name, movieCount: movies.filter((m) => m.genres.includes(name)).length })),
    genreSimilarity: () => ({ genres, matrix: genres.map((a) => genres.map((b) => (a === b ? 1 : 0.5))) }),
    genreProfile: (liked) => {
      check(liked);
      return genres.map((genre) => ({
        genre,
        affinity: liked.some((id) => byId.get(id)?.genres.includes(genre)) ? 0.8 : 0.1,
        positive: false,
      }));
    },
  };
}
