import type { Movie } from '../data/types.js';

/** ml-100k writes "Usual Suspects, The (1995)"; the natural order reads better to a language model. */
const TRAILING_ARTICLE = /^(.+), (The|A|An|Les|Le|La|L'|Il|Das|Der|Die|El)(\s*\(\d{4}(?:[-–]\d{4})?\))?$/;

/** ml-100k's placeholder genre; it says nothing about the film. */
const NO_GENRE = new Set(['unknown', '(no genres listed)']);

/**
 * The text a movie is embedded from, e.g.
 * "Toy Story (1995). Genres: Animation, Children's, Comedy. Toys come to life… Tags: pixar, fun."
 * Missing parts are left out; the title alone is always enough for non-empty text.
 */
export function movieText(movie: Movie): string {
  const parts: string[] = [];
  let title = clean(movie.title).replace(
    TRAILING_ARTICLE,
    (_, rest: string, article: string, year?: string) => `${article}${article.endsWith("'") ? '' : ' '}${rest}${year ?? ''}`,
  );
  // MovieLens titles usually carry the year already; add it only when they do not.
  if (movie.year !== null && !title.includes(`(${movie.year}`)) title = `${title} (${movie.year})`;
  if (title !== '') parts.push(sentence(title));
  const genres = movie.genres.map(clean).filter((g) => g !== '' && !NO_GENRE.has(g.toLowerCase()));
  if (genres.length > 0) parts.push(sentence(`Genres: ${genres.join(', ')}`));
  const overview = clean(movie.overview ?? '');
  if (overview !== '') parts.push(sentence(overview));
  const tags = (movie.tags ?? []).map(clean).filter((t) => t !== '');
  if (tags.length > 0) parts.push(sentence(`Tags: ${tags.join(', ')}`));
  // A movie with a blank title still needs some text; its id is the only thing left.
  return parts.length > 0 ? parts.join(' ') : `Movie ${movie.id}.`;
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Ends with a full stop unless the text already ends a sentence. */
function sentence(text: string): string {
  return /[.!?…]["')\]]?$/.test(text) ? text : `${text}.`;
}
