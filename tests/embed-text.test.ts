import { describe, expect, it } from 'vitest';
import type { Movie } from '../src/recsys/data/types.js';
import { assertSameEmbedder, type EmbedderInfo, EmbedderMismatchError } from '../src/recsys/embed/embedder.js';
import { movieText } from '../src/recsys/embed/movie-text.js';

const base: Movie = { id: 1, title: 'Toy Story (1995)', year: 1995, genres: ['Animation', "Children's", 'Comedy'] };

describe('movieText', () => {
  it('joins title, genres, overview and tags as sentences', () => {
    const text = movieText({ ...base, overview: 'Toys come to life when nobody is looking.', tags: ['pixar', 'fun'] });
    expect(text).toBe(
      "Toy Story (1995). Genres: Animation, Children's, Comedy. Toys come to life when nobody is looking. Tags: pixar, fun.",
    );
  });

  it('adds the year only when the title lacks it, and fronts trailing articles', () => {
    expect(movieText({ ...base, title: 'Toy Story' })).toBe("Toy Story (1995). Genres: Animation, Children's, Comedy.");
    expect(movieText({ id: 2, title: 'Usual Suspects, The (1995)', year: 1995, genres: ['Crime'] })).toBe(
      'The Usual Suspects (1995). Genres: Crime.',
    );
    expect(movieText({ id: 3, title: "Enfant, L' (2005)", year: 2005, genres: [] })).toBe("L'Enfant (2005).");
  });

  it('never prints undefined, double spaces or empty sections', () => {
    const text = movieText({
      id: 4,
      title: '  Heat   (1995) ',
      year: null,
      genres: ['unknown'],
      overview: '  A  cop\tand a thief.  ',
      tags: ['', ' '],
    });
    expect(text).toBe('Heat (1995). A cop and a thief.');
    const messy = movieText({ id: 5, title: 'Heat', year: null, genres: [], overview: 'A cop\n\nand   a thief', tags: [] });
    expect(messy).toBe('Heat. A cop and a thief.');
    for (const t of [text, messy]) {
      expect(t).not.toMatch(/undefined|null| {2}/);
    }
  });

  it('gives non-empty text for a movie with only a title, or even none', () => {
    expect(movieText({ id: 6, title: 'It', year: null, genres: [] })).toBe('It.');
    expect(movieText({ id: 7, title: ' ', year: null, genres: [] })).toBe('Movie 7.');
  });

  it('does not add a second full stop after a sentence that already ends', () => {
    expect(movieText({ id: 8, title: 'Airplane!', year: 1980, genres: [], overview: "Surely you can't be serious?" })).toBe(
      "Airplane! (1980). Surely you can't be serious?",
    );
  });
});

describe('assertSameEmbedder', () => {
  const lamini: EmbedderInfo = { id: 'lamini', model: 'Xenova/LaMini-Flan-T5-77M', dimension: 512 };
  const hashing: EmbedderInfo = { id: 'hashing', model: 'hashing-v1-256', dimension: 256 };

  it('accepts the same embedder', () => {
    expect(() => assertSameEmbedder(lamini, { ...lamini }, 'movies table')).not.toThrow();
  });

  it('refuses a different embedder, model or dimension with a clear message', () => {
    expect(() => assertSameEmbedder(lamini, hashing, 'movies table')).toThrow(
      'movies table was embedded with lamini Xenova/LaMini-Flan-T5-77M (512-d) but the query uses hashing hashing-v1-256 (256-d); rebuild with `reelrec build`',
    );
    const err = (() => {
      try {
        assertSameEmbedder(hashing, { ...hashing, model: 'hashing-v1-128', dimension: 128 }, 'movies table');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EmbedderMismatchError);
    expect(err).toMatchObject({ code: 'embedder_mismatch' });
    expect(() => assertSameEmbedder(lamini, { ...lamini, model: 'Xenova/LaMini-T5-61M' }, 'movies table')).toThrow(EmbedderMismatchError);
  });
});
