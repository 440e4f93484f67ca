/** The MovieLens layouts reelrec reads. ml-latest covers ml-latest, ml-latest-small, ml-20m, ml-25m, ml-32m. */
export type MovieLensFormat = 'ml-100k' | 'ml-1m' | 'ml-latest';

export interface Movie {
  /** The dataset's own movie id (ml-100k item id, or MovieLens movieId). */
  id: number;
  title: string;
  /** Release year parsed from the title or release date; null when unknown. */
  year: number | null;
  genres: string[];
  /** IMDb id with the `tt` prefix, when known. */
  imdbId?: string;
  tmdbId?: number;
  overview?: string;
  /** TMDB poster path such as `/abc.jpg`; the URL is `https://image.tmdb.org/t/p/w500` + path. */
  posterPath?: string;
  /** MovieLens user tags (ml-latest tags.csv), deduplicated, lower-cased. */
  tags?: string[];
}

export interface Catalogue {
  /** Movies in ascending id order. */
  movies: Movie[];
  byId: Map<number, Movie>;
  /** Genre vocabulary in the dataset's own order (ml-100k u.genre order; else first appearance). */
  genres: string[];
}

/**
 * Ratings as parallel typed arrays (16 bytes a rating, so 32 M ratings fit in ~0.5 GB).
 * `user[i]` and `item[i]` are dense indices; `userIds` / `itemIds` map them back to dataset ids.
 * Items are indexed over the whole catalogue (unrated movies included) in catalogue order,
 * so `itemIds[j] === catalogue.movies[j].id`.
 */
export interface RatingsTable {
  length: number;
  user: Uint32Array;
  item: Uint32Array;
  rating: Float32Array;
  /** Unix seconds. */
  timestamp: Uint32Array;
  userIds: Int32Array;
  itemIds: Int32Array;
  userIndex: Map<number, number>;
  itemIndex: Map<number, number>;
}

export interface TextJoinStats {
  /** The metadata CSV that was joined, or null when none was given. */
  file: string | null;
  movies: number;
  withOverview: number;
  withPoster: number;
}

export interface MovieLensDataset {
  format: MovieLensFormat;
  /** Folder the files were read from (absolute). */
  dir: string;
  /** Folder name, e.g. `ml-100k`; used as the dataset name in reports. */
  name: string;
  catalogue: Catalogue;
  ratings: RatingsTable;
  text: TextJoinStats;
}
