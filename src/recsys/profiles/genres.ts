import type { Catalogue } from '../data/types.js';

/**
 * MovieLens writes this instead of an empty genre list. The ml-latest loader already drops it, but
 * a catalogue built elsewhere may still carry it, and it must never become a profile axis.
 * ml-100k's `unknown` is different: it is a real flag column in u.item, so it stays a genre.
 */
export const NO_GENRE_LABELS: ReadonlySet<string> = new Set(['(no genres listed)']);

/** Bitmasks hold one bit per genre in a uint32; larger vocabularies fall back to `membership`. */
export const MAX_MASK_GENRES = 32;

/** Genre membership of every catalogue item, as a matrix and (for G ≤ 32) as bitmasks. */
export interface GenreMembership {
  /** G, the number of genres kept. */
  nGenres: number;
  nItems: number;
  /** Row-major nItems × G: 1 when item j belongs to genre g. */
  membership: Uint8Array;
  /** Bit g set when item j belongs to genre g; null when G > 32. */
  masks: Uint32Array | null;
}

/**
 * The genre axes G of the profile steps. Index g (0..G-1) follows catalogue genre order, so "first
 * genre in catalogue order" and "lowest g" are the same thing everywhere downstream.
 */
export interface GenreSpace extends GenreMembership {
  /** Names of the kept genres, in catalogue order. */
  names: string[];
  /** `catalogue.genres` index of each kept genre. */
  catalogueIndex: Int32Array;
  /** Items of genre g, ascending: `genreItems[genreOffsets[g] .. genreOffsets[g+1])`. */
  genreOffsets: Uint32Array;
  genreItems: Uint32Array;
  /** Vocabulary genres that no movie has. */
  excludedNoMovies: string[];
  /** Genres whose movies all lack an embedding, so the genre has no mean vector. */
  excludedNoEmbedding: string[];
}

/**
 * Builds G from the catalogue. `hasVector[j]` (1 = movie j has a usable embedding) drops genres
 * whose mean would be the zero vector, since their cosine with anything is undefined.
 */
export function buildGenreSpace(catalogue: Catalogue, hasVector?: Uint8Array): GenreSpace {
  const vocab = catalogue.genres;
  const position = new Map<string, number>();
  vocab.forEach((name, c) => {
    if (!position.has(name)) position.set(name, c);
  });
  const nItems = catalogue.movies.length;
  const movieCount = new Uint32Array(vocab.length);
  const vectorCount = new Uint32Array(vocab.length);
  for (let j = 0; j < nItems; j++) {
    for (const c of catalogueGenresOf(catalogue, j, position)) {
      movieCount[c]++;
      if (hasVector === undefined || hasVector[j] === 1) vectorCount[c]++;
    }
  }

  const kept: number[] = [];
  const excludedNoMovies: string[] = [];
  const excludedNoEmbedding: string[] = [];
  vocab.forEach((name, c) => {
    if (NO_GENRE_LABELS.has(name) || position.get(name) !== c) return;
    if (movieCount[c] === 0) excludedNoMovies.push(name);
    else if (vectorCount[c] === 0) excludedNoEmbedding.push(name);
    else kept.push(c);
  });
  const nGenres = kept.length;
  const toG = new Int32Array(vocab.length).fill(-1);
  kept.forEach((c, g) => {
    toG[c] = g;
  });

  const membership = new Uint8Array(nItems * nGenres);
  const masks = nGenres <= MAX_MASK_GENRES ? new Uint32Array(nItems) : null;
  const genreOffsets = new Uint32Array(nGenres + 1);
  for (let j = 0; j < nItems; j++) {
    for (const c of catalogueGenresOf(catalogue, j, position)) {
      const g = toG[c];
      if (g < 0 || membership[j * nGenres + g] === 1) continue;
      membership[j * nGenres + g] = 1;
      if (masks !== null) masks[j] |= 1 << g;
      genreOffsets[g + 1]++;
    }
  }
  for (let g = 0; g < nGenres; g++) genreOffsets[g + 1] += genreOffsets[g];
  const cursor = genreOffsets.slice(0, nGenres);
  const genreItems = new Uint32Array(genreOffsets[nGenres]);
  for (let j = 0; j < nItems; j++) {
    for (let g = 0; g < nGenres; g++) if (membership[j * nGenres + g] === 1) genreItems[cursor[g]++] = j;
  }

  return {
    nGenres,
    nItems,
    membership,
    masks,
    names: kept.map((c) => vocab[c] as string),
    catalogueIndex: Int32Array.from(kept),
    genreOffsets,
    genreItems,
    excludedNoMovies,
    excludedNoEmbedding,
  };
}

function* catalogueGenresOf(catalogue: Catalogue, item: number, position: Map<string, number>): Generator<number> {
  const movie = catalogue.movies[item];
  if (movie === undefined) return;
  for (const name of movie.genres) {
    const c = position.get(name);
    if (c !== undefined) yield c;
  }
}

/** True when item j belongs to genre g. */
export function inGenre(space: GenreMembership, item: number, genre: number): boolean {
  return space.membership[item * space.nGenres + genre] === 1;
}
