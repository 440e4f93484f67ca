import type { Movie } from '../recsys/data/types.js';
import type { MovieSummary } from './types.js';

/** The movie as both fronts show it. */
export function movieSummary(movie: Movie): MovieSummary {
  return {
    id: movie.id,
    title: movie.title,
    year: movie.year,
    genres: movie.genres,
    overview: movie.overview ?? null,
    posterPath: movie.posterPath ?? null,
  };
}
