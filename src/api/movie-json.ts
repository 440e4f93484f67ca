import { remotePosterUrl, TMDB_IMAGE_BASE } from '../posters/index.js';
import type { MovieSummary, RecommendationAnswer } from '../service/index.js';

export { remotePosterUrl, TMDB_IMAGE_BASE };

/** A movie as the API (and the Discord bot) shows it. */
export interface MovieJson {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
  overview: string | null;
  poster: {
    /** Self-drawn SVG served by this app; always available, so a client never depends on a third party. */
    svg: string;
    /** TMDB image URL, or null when unknown or when remote posters are turned off. */
    remote: string | null;
  };
}

export interface MovieJsonOptions {
  remotePosters: boolean;
}

export function posterSvgPath(id: number): string {
  return `/posters/${id}.svg`;
}

export function toMovieJson(movie: MovieSummary, options: MovieJsonOptions): MovieJson {
  return {
    id: movie.id,
    title: movie.title,
    year: movie.year,
    genres: movie.genres,
    overview: movie.overview,
    poster: { svg: posterSvgPath(movie.id), remote: options.remotePosters ? remotePosterUrl(movie.posterPath) : null },
  };
}

export function toAnswerJson(answer: RecommendationAnswer, options: MovieJsonOptions) {
  return {
    items: answer.items.map((item) => ({ movie: toMovieJson(item.movie, options), score: item.score, reasons: item.reasons })),
    strategy: answer.strategy,
  };
}

/**
 * Answers' JSON text, byte for byte `JSON.stringify(toAnswerJson(answer, options))`, with each
 * movie's part (most of an answer's bytes: the overview) serialised once per movie and reused, since
 * the same movies recur across answers. Keyed by the service's own movie summaries, which live as
 * long as the service.
 */
export function answerTextWriter(options: MovieJsonOptions): (answer: RecommendationAnswer) => string {
  const movies = new WeakMap<MovieSummary, string>();
  const movieText = (movie: MovieSummary): string => {
    let text = movies.get(movie);
    if (text === undefined) {
      text = JSON.stringify(toMovieJson(movie, options));
      movies.set(movie, text);
    }
    return text;
  };
  return (answer) => {
    const items = answer.items.map(
      (item) => `{"movie":${movieText(item.movie)},"score":${JSON.stringify(item.score)},"reasons":${JSON.stringify(item.reasons)}}`,
    );
    return `{"items":[${items.join(',')}],"strategy":${JSON.stringify(answer.strategy)}}`;
  };
}
