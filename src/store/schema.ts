import { Field, FixedSizeList, Float32, Int8, Int32, List, Schema, TimestampMillisecond, Utf8 } from 'apache-arrow';

/**
 * Bump whenever a table's columns or their meaning change. Stores carrying another version are refused
 * rather than migrated: they are rebuilt from the dataset by `reelrec build`, which is cheap.
 */
export const SCHEMA_VERSION = 1;

export const TABLES = {
  meta: 'meta',
  movies: 'movies',
  genres: 'genres',
  users: 'users',
  likes: 'likes',
  messages: 'messages',
  visitors: 'visitors',
} as const;
export type TableName = (typeof TABLES)[keyof typeof TABLES];

/** Where a user or a like came from. */
export const SOURCES = ['movielens', 'discord', 'web'] as const;
export type Source = (typeof SOURCES)[number];

function vectorField(dimension: number): Field {
  return new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false);
}

/** Key/value rather than typed columns, so any future layout can still read the version it must refuse. */
export function metaSchema(): Schema {
  return new Schema([new Field('key', new Utf8(), false), new Field('value', new Utf8(), false)]);
}

/**
 * Column names are snake_case because DataFusion folds unquoted identifiers to lower case in filters.
 * `genres` is list<utf8>, not a '|'-joined string: `array_has(genres, '...')` matches whole names only
 * (no 'Drama' matching 'Docudrama'), and LanceDB can put a LABEL_LIST scalar index on it later.
 */
export function moviesSchema(dimension: number): Schema {
  return new Schema([
    new Field('id', new Int32(), false),
    new Field('title', new Utf8(), false),
    new Field('year', new Int32(), true),
    new Field('genres', new List(new Field('item', new Utf8(), true)), false),
    new Field('overview', new Utf8(), true),
    new Field('poster_path', new Utf8(), true),
    vectorField(dimension),
  ]);
}

export function genresSchema(dimension: number): Schema {
  return new Schema([new Field('name', new Utf8(), false), new Field('movie_count', new Int32(), false), vectorField(dimension)]);
}

export function usersSchema(dimension: number): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('source', new Utf8(), false),
    new Field('updated', new TimestampMillisecond(), false),
    vectorField(dimension),
  ]);
}

/** `user` is an SQL keyword, hence `user_id` / `movie_id`. Unique per (user_id, movie_id, source). */
export function likesSchema(): Schema {
  return new Schema([
    new Field('user_id', new Utf8(), false),
    new Field('movie_id', new Int32(), false),
    new Field('value', new Int8(), false),
    new Field('source', new Utf8(), false),
    new Field('time', new TimestampMillisecond(), false),
  ]);
}

/**
 * Which movie a front posted in which message (the bot's poster embeds), so a reaction on a message
 * posted before a restart still maps to its movie. A table added after schema 1: stores that lack
 * it get it created empty on open.
 */
export function messagesSchema(): Schema {
  return new Schema([
    new Field('message_id', new Utf8(), false),
    new Field('movie_id', new Int32(), false),
    new Field('channel_id', new Utf8(), false),
    new Field('source', new Utf8(), false),
    new Field('time', new TimestampMillisecond(), false),
  ]);
}

/**
 * Web visitors the server issued. Only a hash of the secret is kept: a copy of the store does not
 * let anyone act as a visitor. A table added after schema 1, created empty on open.
 */
export function visitorsSchema(): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('secret_hash', new Utf8(), false),
    new Field('created', new TimestampMillisecond(), false),
  ]);
}

export function dataTableSchemas(dimension: number): Array<[TableName, Schema]> {
  return [
    [TABLES.movies, moviesSchema(dimension)],
    [TABLES.genres, genresSchema(dimension)],
    [TABLES.users, usersSchema(dimension)],
    [TABLES.likes, likesSchema()],
    [TABLES.messages, messagesSchema()],
    [TABLES.visitors, visitorsSchema()],
  ];
}
