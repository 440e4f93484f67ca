import { beforeAll, describe, expect, it } from 'vitest';
import { ReelrecError } from '../src/errors.js';
import { weightsFor } from '../src/service/blend-weights.js';
import { UnknownGenreError, UnknownMovieError, UnknownUserError } from '../src/service/errors.js';
import { computeSignals, SIGNAL_DEFAULTS } from '../src/service/hybrid.js';
import { itemItemWeight } from '../src/service/signals/sparse-item-item.js';
import type { RecommendationAnswer, RecommendationService } from '../src/service/types.js';
import { TASTE_GENRES } from './fixtures/movielens-taste.js';
import { createTestServiceBundle, type TestServiceBundle } from './helpers/service.js';

let bundle: TestServiceBundle;
let service: RecommendationService;

beforeAll(async () => {
  bundle = await createTestServiceBundle();
  service = bundle.service;
});

/** Movie ids whose first genre is `genre` in the taste fixture (movie m's is TASTE_GENRES[(m−1) % 6]). */
function firstGenre(genre: (typeof TASTE_GENRES)[number]): number[] {
  const g = TASTE_GENRES.indexOf(genre);
  return Array.from({ length: 72 }, (_, i) => i + 1).filter((m) => (m - 1) % 6 === g);
}

const idsOf = (answer: RecommendationAnswer) => answer.items.map((item) => item.movie.id);

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<ReelrecError> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ReelrecError);
  expect((caught as ReelrecError).code).toBe(code);
  return caught as ReelrecError;
}

describe('recommendFromLikes', () => {
  const horror = firstGenre('Horror').slice(0, 3);

  it('picking three Horror movies recommends mostly Horror', async () => {
    expect(horror).toEqual([4, 10, 16]);
    const answer = await service.recommendFromLikes({ liked: horror });
    const withHorror = answer.items.filter((item) => item.movie.genres.includes('Horror')).length;
    // The catalogue is one third Horror (24 of 72); the fixture's service gives 10 of 10.
    const share = bundle.data.catalogue.movies.filter((m) => m.genres.includes('Horror')).length / bundle.data.catalogue.movies.length;
    expect(share).toBeCloseTo(1 / 3, 6);
    expect(withHorror).toBeGreaterThanOrEqual(6);
    // The first three are all Horror.
    for (const item of answer.items.slice(0, 3)) expect(item.movie.genres).toContain('Horror');
  });

  it('likes of another genre lead to that genre', async () => {
    const answer = await service.recommendFromLikes({ liked: firstGenre('Sci-Fi').slice(0, 4) });
    const hits = answer.items.filter((item) => item.movie.genres.includes('Sci-Fi')).length;
    expect(hits).toBeGreaterThanOrEqual(5);
  });

  it('returns exactly k items, sorted by score, never the picks', async () => {
    for (const k of [1, 10, 50]) {
      const answer = await service.recommendFromLikes({ liked: horror, k });
      expect(answer.items).toHaveLength(k);
      const ids = idsOf(answer);
      expect(new Set(ids).size).toBe(k);
      for (const id of horror) expect(ids).not.toContain(id);
      for (let i = 1; i < k; i++) expect(answer.items[i - 1].score).toBeGreaterThanOrEqual(answer.items[i].score);
    }
    expect((await service.recommendFromLikes({ liked: horror })).items).toHaveLength(10);
  });

  it('returns what is left when filters leave fewer than k movies', async () => {
    // 72 movies − 3 picks − 20 excluded = 49 < 50.
    const exclude = Array.from({ length: 20 }, (_, i) => 30 + i);
    const answer = await service.recommendFromLikes({ liked: horror, exclude, k: 50 });
    expect(answer.items).toHaveLength(49);
  });

  it('never returns disliked movies, and respects exclude', async () => {
    const first = await service.recommendFromLikes({ liked: horror });
    const top = idsOf(first).slice(0, 3);
    const disliked = await service.recommendFromLikes({ liked: horror, disliked: [top[0] as number] });
    expect(idsOf(disliked)).not.toContain(top[0]);
    const excluded = await service.recommendFromLikes({ liked: horror, exclude: top.slice(1) });
    for (const id of top.slice(1)) expect(idsOf(excluded)).not.toContain(id);
    // Everything else about the excluded answer is the first answer minus those movies.
    expect(idsOf(excluded).slice(0, 8)).toEqual(idsOf(first).filter((id) => !top.slice(1).includes(id)));
    const all = await service.recommendFromLikes({ liked: horror, disliked: [22, 64], exclude: [3, 52], k: 50 });
    for (const id of [...horror, 22, 64, 3, 52]) expect(idsOf(all)).not.toContain(id);
  });

  it('respects the genres filter (any of the listed genres)', async () => {
    const romance = await service.recommendFromLikes({ liked: horror, genres: ['Romance'], k: 20 });
    expect(romance.items.length).toBeGreaterThan(0);
    for (const item of romance.items) expect(item.movie.genres).toContain('Romance');
    const either = await service.recommendFromLikes({ liked: horror, genres: ['Romance', 'Comedy'], k: 50 });
    for (const item of either.items) expect(item.movie.genres.some((g) => g === 'Romance' || g === 'Comedy')).toBe(true);
    const expected = bundle.data.catalogue.movies.filter((m) => m.genres.includes('Romance') || m.genres.includes('Comedy')).length;
    expect(either.items).toHaveLength(Math.min(50, expected));
    // An empty list means no filter.
    expect(idsOf(await service.recommendFromLikes({ liked: horror, genres: [] }))).toEqual(
      idsOf(await service.recommendFromLikes({ liked: horror })),
    );
  });

  it('disliking a movie pushes down its nearest item-item neighbour', async () => {
    const { itemItem } = bundle.parts;
    const { ratings } = bundle.data;
    const liked = horror;
    const likedIndices = liked.map((id) => ratings.itemIndex.get(id) as number);
    const before = idsOf(await service.recommendFromLikes({ liked }));
    const weightOf = (from: number, to: number) =>
      itemItemWeight(itemItem, ratings.itemIndex.get(from) as number, ratings.itemIndex.get(to) as number);
    /** The unpicked movie that liking `id` says most about (largest item-item weight). */
    const nearest = (id: number): number => {
      let best = -1;
      for (let j = 0; j < itemItem.nItems; j++) {
        const movie = ratings.itemIds[j];
        if (movie === id || liked.includes(movie)) continue;
        if (best < 0 || weightOf(id, movie) > weightOf(id, best)) best = movie;
      }
      return best;
    };
    // Movies outside the answer (so excluding them moves nothing up) whose nearest neighbour is in it.
    const candidates = bundle.data.catalogue.movies
      .map((m) => ({ id: m.id, neighbour: nearest(m.id) }))
      .filter((c) => !liked.includes(c.id) && !before.includes(c.id) && before.includes(c.neighbour))
      .sort((a, b) => weightOf(b.id, b.neighbour) - weightOf(a.id, a.neighbour));
    expect(candidates.length).toBeGreaterThanOrEqual(4);
    let down = 0;
    for (const [n, { id, neighbour }] of candidates.entries()) {
      // The item-item signal of the neighbour falls by exactly dislikeWeight × B[disliked, neighbour].
      const plain = computeSignals(bundle.parts, { liked: likedIndices, disliked: [] }, SIGNAL_DEFAULTS, ['itemItem']);
      const dis = computeSignals(bundle.parts, { liked: likedIndices, disliked: [ratings.itemIndex.get(id) as number] }, SIGNAL_DEFAULTS, [
        'itemItem',
      ]);
      const at = ratings.itemIndex.get(neighbour) as number;
      expect(plain.raw.itemItem[at] - dis.raw.itemItem[at]).toBeCloseTo(SIGNAL_DEFAULTS.dislikeWeight * weightOf(id, neighbour), 6);

      const after = idsOf(await service.recommendFromLikes({ liked, disliked: [id] }));
      const was = before.indexOf(neighbour);
      const now = after.indexOf(neighbour);
      // Never up.
      expect(now === -1 || now >= was, `dislike ${id}: neighbour ${neighbour} was #${was}, now #${now}`).toBe(true);
      if (now === -1 || now > was) down++;
      // The strongest pair must move down or out.
      if (n === 0) expect(now === -1 || now > was, `dislike ${id}: neighbour ${neighbour} was #${was}, now #${now}`).toBe(true);
    }
    // Strictly down or out for most pairs. Not for all: the penalty also counts text similarity,
    // so a dislike lowers other movies like it too, and a neighbour can keep its rank when the
    // movies above it drop as well.
    expect(down / candidates.length).toBeGreaterThanOrEqual(0.75);
  });

  it('a dislike never raises a score, and lowers its closest movies the most', async () => {
    for (const [liked, disliked] of [
      [horror, 58],
      [[4, 10, 16, 9], 17],
      [[4, 10, 16, 22, 28], 17],
    ] as Array<[number[], number]>) {
      const scoreOf = (answer: Awaited<ReturnType<typeof service.recommendFromLikes>>) =>
        new Map(answer.items.map((i) => [i.movie.id, i.score]));
      const before = scoreOf(await service.recommendFromLikes({ liked, k: 50 }));
      const after = scoreOf(await service.recommendFromLikes({ liked, disliked: [disliked], k: 50 }));
      const drops: Array<[number, number]> = [];
      for (const [id, score] of after) {
        const was = before.get(id);
        if (was === undefined) continue;
        expect(score, `dislike ${disliked} raised movie ${id}`).toBeLessThanOrEqual(was + 1e-4);
        drops.push([id, was - score]);
      }
      // The movie the dislike says most about (largest EASE weight) is among the three biggest drops.
      const { itemItem } = bundle.parts;
      const { ratings } = bundle.data;
      const from = ratings.itemIndex.get(disliked) as number;
      const closest = drops
        .map(([id]) => id)
        .sort(
          (a, b) =>
            itemItemWeight(itemItem, from, ratings.itemIndex.get(b) as number) -
            itemItemWeight(itemItem, from, ratings.itemIndex.get(a) as number),
        )[0];
      const biggest = drops
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([id]) => id);
      expect(biggest, `dislike ${disliked}: closest movie ${closest}`).toContain(closest);
    }
  });

  it('explains every item: a liked reason names a pick, a genre reason one of the movie’s genres', async () => {
    const requests = [
      { liked: horror },
      { liked: [1] },
      { liked: [2, 8, 14, 20, 26] },
      { liked: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], k: 30 },
      { liked: horror, disliked: [5] },
    ];
    const kinds = new Set<string>();
    for (const request of requests) {
      const answer = await service.recommendFromLikes(request);
      for (const item of answer.items) {
        expect(item.reasons.length).toBeGreaterThanOrEqual(1);
        expect(item.reasons.length).toBeLessThanOrEqual(2);
        for (const reason of item.reasons) {
          kinds.add(reason.kind);
          expect(reason.text.trim().length).toBeGreaterThan(0);
          if (reason.kind === 'liked') {
            expect(request.liked).toContain(reason.movieId);
            const title = bundle.data.catalogue.byId.get(reason.movieId as number)?.title as string;
            expect(reason.text).toContain(title);
          }
          if (reason.kind === 'genre') {
            expect(item.movie.genres).toContain(reason.genre);
            expect(reason.text).toContain(reason.genre);
          }
        }
      }
    }
    expect(kinds.has('liked')).toBe(true);
    expect(kinds.has('genre')).toBe(true);
  });

  it('uses the blend weights of the pick-count bucket', async () => {
    const { blend } = bundle.artifact;
    for (const liked of [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]) {
      const answer = await service.recommendFromLikes({ liked });
      expect(answer.strategy.kind).toBe('hybrid');
      expect(answer.strategy.weights).toEqual(weightsFor(blend, liked.length));
    }
    // Duplicates count once: [1, 1, 1, 1] is one pick.
    const dup = await service.recommendFromLikes({ liked: [1, 1, 1, 1] });
    expect(dup.strategy.weights).toEqual(weightsFor(blend, 1));
    // The buckets really differ, so the check above can tell them apart.
    expect(weightsFor(blend, 1)).not.toEqual(weightsFor(blend, 10));
  });

  it('treats duplicate ids as one', async () => {
    const once = await service.recommendFromLikes({ liked: horror, disliked: [5], exclude: [22] });
    const twice = await service.recommendFromLikes({ liked: [...horror, ...horror], disliked: [5, 5], exclude: [22, 22] });
    expect(twice).toEqual(once);
  });

  it('answers an empty like list from popularity, with popular reasons', async () => {
    const answer = await service.recommendFromLikes({ liked: [] });
    expect(answer.items).toHaveLength(10);
    for (const item of answer.items) expect(item.reasons.map((r) => r.kind)).toEqual(['popular']);
    const { ratings } = bundle.data;
    const counts = new Map<number, number>();
    for (let r = 0; r < ratings.length; r++)
      counts.set(ratings.itemIds[ratings.item[r]], (counts.get(ratings.itemIds[ratings.item[r]]) ?? 0) + 1);
    const mean = (ids: number[]) => ids.reduce((s, id) => s + (counts.get(id) ?? 0), 0) / ids.length;
    // Well-known movies first: the answer's mean rating count is above the catalogue's.
    expect(mean(idsOf(answer))).toBeGreaterThan(mean(bundle.data.catalogue.movies.map((m) => m.id)));
    // Nothing liked: popularity alone, and the strategy says so.
    expect(answer.strategy.weights).toEqual({ popularity: 1, content: 0, foldIn: 0, itemItem: 0, genre: 0 });
    const mostRated = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
    expect(idsOf(answer).map((id) => counts.get(id))).toEqual(mostRated.map(([, n]) => n));
  });

  it('is deterministic', async () => {
    const request = { liked: [4, 10, 16, 3], disliked: [5], k: 25 };
    const a = await service.recommendFromLikes(request);
    const b = await service.recommendFromLikes(request);
    expect(b).toEqual(a);
    expect(await service.recommendFromLikes({ liked: [] })).toEqual(await service.recommendFromLikes({ liked: [] }));
  });

  it('does not let a request change the next one', async () => {
    const a = await service.recommendFromLikes({ liked: horror });
    await service.recommendFromLikes({ liked: [1, 2, 3], disliked: [4], genres: ['Drama'], exclude: [9] });
    expect(await service.recommendFromLikes({ liked: horror })).toEqual(a);
  });
});

describe('recommendFromLikes errors', () => {
  it('unknown movie ids → UnknownMovieError listing them', async () => {
    const error = await expectCode(service.recommendFromLikes({ liked: [4, 9999, 8888] }), 'unknown_movie');
    expect(error).toBeInstanceOf(UnknownMovieError);
    expect((error as UnknownMovieError).ids).toEqual([9999, 8888]);
    expect(error.message).toContain('9999');
    const disliked = await expectCode(service.recommendFromLikes({ liked: [4], disliked: [0] }), 'unknown_movie');
    expect((disliked as UnknownMovieError).ids).toEqual([0]);
    const excluded = await expectCode(service.recommendFromLikes({ liked: [4], exclude: [-3] }), 'unknown_movie');
    expect((excluded as UnknownMovieError).ids).toEqual([-3]);
  });

  it('unknown genre → UnknownGenreError', async () => {
    const error = await expectCode(service.recommendFromLikes({ liked: [4], genres: ['Horror', 'Western'] }), 'unknown_genre');
    expect(error).toBeInstanceOf(UnknownGenreError);
    expect((error as UnknownGenreError).genres).toEqual(['Western']);
    // Genre names are case-sensitive, as listGenres gives them.
    await expectCode(service.recommendFromLikes({ liked: [4], genres: ['horror'] }), 'unknown_genre');
  });

  it('k outside 1..50 or not an integer → invalid_input', async () => {
    for (const k of [0, 51, 1.5, -1, Number.NaN]) {
      const error = await expectCode(service.recommendFromLikes({ liked: [4], k }), 'invalid_input');
      expect(error.message).toMatch(/^k:/);
    }
  });

  it('the same id liked and disliked → invalid_input', async () => {
    const error = await expectCode(service.recommendFromLikes({ liked: [4, 10], disliked: [22, 10] }), 'invalid_input');
    expect(error.message).toContain('10');
  });
});

describe('recommendForKnownUser', () => {
  it('never returns a movie the user rated', async () => {
    const { ratings } = bundle.data;
    for (const userId of [1, 17, 60]) {
      const user = ratings.userIndex.get(userId) as number;
      const seen = new Set<number>();
      for (let r = 0; r < ratings.length; r++) if (ratings.user[r] === user) seen.add(ratings.itemIds[ratings.item[r]]);
      const answer = await service.recommendForKnownUser(userId, 20);
      expect(answer.items).toHaveLength(Math.min(20, 72 - seen.size));
      expect(answer.strategy.kind).toBe('known-user');
      for (const item of answer.items) {
        expect(seen.has(item.movie.id)).toBe(false);
        expect(item.reasons.length).toBeGreaterThanOrEqual(1);
        for (const reason of item.reasons) {
          if (reason.kind === 'liked') expect(seen.has(reason.movieId as number)).toBe(true);
          if (reason.kind === 'genre') expect(item.movie.genres).toContain(reason.genre);
        }
      }
    }
    expect((await service.recommendForKnownUser(1)).items).toHaveLength(10);
  });

  it('unknown user → unknown_user; bad k → invalid_input', async () => {
    const error = await expectCode(service.recommendForKnownUser(9999), 'unknown_user');
    expect(error).toBeInstanceOf(UnknownUserError);
    expect((error as UnknownUserError).userId).toBe(9999);
    await expectCode(service.recommendForKnownUser(1, 0), 'invalid_input');
    await expectCode(service.recommendForKnownUser(1, 51), 'invalid_input');
  });
});

describe('searchMovies', () => {
  it('matches a case-insensitive title substring', () => {
    const page = service.searchMovies({ q: 'HAUNTED', limit: 100 });
    expect(page.total).toBeGreaterThan(0);
    for (const movie of page.items) expect(movie.title.toLowerCase()).toContain('haunted');
    const expected = bundle.data.catalogue.movies.filter((m) => m.title.toLowerCase().includes('haunted')).length;
    expect(page.total).toBe(expected);
    expect(service.searchMovies({ q: '  haunted ' }).total).toBe(expected);
    expect(service.searchMovies({ q: 'no such title' })).toMatchObject({ total: 0, items: [] });
  });

  it('puts titles that start with the query first', () => {
    // Every title starts with "The " except movie 7 ('<b>Bold</b> & "Quoted" heist (2001)'), which contains a t.
    const page = service.searchMovies({ q: 't', limit: 100 });
    expect(page.total).toBe(72);
    expect(page.items[page.items.length - 1]?.id).toBe(7);
    const firstNonPrefix = page.items.findIndex((m) => !m.title.toLowerCase().startsWith('t'));
    expect(firstNonPrefix).toBe(71);
    const bold = service.searchMovies({ q: 'bold' });
    expect(bold.items.map((m) => m.id)).toEqual([7]);
  });

  it('filters by genre, alone and with a query', () => {
    const horror = service.searchMovies({ genre: 'Horror', limit: 100 });
    expect(horror.total).toBe(24);
    for (const movie of horror.items) expect(movie.genres).toContain('Horror');
    const both = service.searchMovies({ q: 'night', genre: 'Horror', limit: 100 });
    for (const movie of both.items) {
      expect(movie.genres).toContain('Horror');
      expect(movie.title.toLowerCase()).toContain('night');
    }
    expect(both.total).toBe(
      bundle.data.catalogue.movies.filter((m) => m.genres.includes('Horror') && m.title.toLowerCase().includes('night')).length,
    );
  });

  it('pages: total is stable, pages are disjoint and cover everything', () => {
    const seen: number[] = [];
    let total = -1;
    for (let offset = 0; offset < 72; offset += 10) {
      const page = service.searchMovies({ offset, limit: 10 });
      if (total < 0) total = page.total;
      expect(page.total).toBe(total);
      expect(page.offset).toBe(offset);
      expect(page.limit).toBe(10);
      seen.push(...page.items.map((m) => m.id));
    }
    expect(total).toBe(72);
    expect(seen).toHaveLength(72);
    expect(new Set(seen).size).toBe(72);
    expect(service.searchMovies({ offset: 80 })).toMatchObject({ total: 72, items: [] });
    // Default page: 24 items.
    expect(service.searchMovies({})).toMatchObject({ offset: 0, limit: 24 });
    expect(service.searchMovies({}).items).toHaveLength(24);
  });

  it('bad limit/offset → invalid_input; unknown genre → unknown_genre', async () => {
    for (const query of [{ limit: 0 }, { limit: 101 }, { limit: 2.5 }, { offset: -1 }, { offset: 1.5 }]) {
      await expectCode(() => service.searchMovies(query), 'invalid_input');
    }
    await expectCode(() => service.searchMovies({ genre: 'Western' }), 'unknown_genre');
  });
});

describe('movies and genres', () => {
  it('getMovie returns the summary, unknown → unknown_movie', async () => {
    const movie = service.getMovie(7);
    expect(movie).toMatchObject({ id: 7, year: 2001, posterPath: '/poster-7.jpg' });
    expect(movie.title).toContain('<b>Bold</b>');
    expect(movie.overview).toEqual(expect.any(String));
    await expectCode(() => service.getMovie(9999), 'unknown_movie');
  });

  it('listGenres counts movies per genre', () => {
    const genres = service.listGenres();
    expect(genres.map((g) => g.name).sort()).toEqual([...TASTE_GENRES].sort());
    expect(genres.find((g) => g.name === 'Horror')?.movieCount).toBe(24);
    const info = service.info();
    expect(info).toMatchObject({ movies: 72, users: 60 });
  });

  it('genreSimilarity is square, symmetric, with a unit diagonal', () => {
    const { genres, matrix } = service.genreSimilarity();
    expect(genres.sort()).toEqual([...TASTE_GENRES].sort());
    expect(matrix).toHaveLength(genres.length);
    for (let a = 0; a < genres.length; a++) {
      expect(matrix[a]).toHaveLength(genres.length);
      expect(matrix[a][a]).toBeCloseTo(1, 4);
      for (let b = 0; b < genres.length; b++) {
        expect(matrix[a][b]).toBe(matrix[b][a]);
        expect(Number.isFinite(matrix[a][b])).toBe(true);
        expect(Math.abs(matrix[a][b])).toBeLessThanOrEqual(1 + 1e-9);
      }
    }
  });

  it('genreProfile splits at the median and ranks Horror first for Horror picks', async () => {
    const profile = service.genreProfile([4, 10, 16]);
    expect(profile.map((p) => p.genre)).toEqual(service.genreSimilarity().genres);
    // Six distinct affinities: strictly above the median is exactly half.
    expect(profile.filter((p) => p.positive)).toHaveLength(profile.length / 2);
    const sorted = [...profile].sort((a, b) => b.affinity - a.affinity);
    expect(sorted[0]?.genre).toBe('Horror');
    const median = (sorted[2].affinity + sorted[3].affinity) / 2;
    for (const p of profile) expect(p.positive).toBe(p.affinity > median);
    // No picks: nothing is positive.
    expect(service.genreProfile([]).every((p) => !p.positive)).toBe(true);
    await expectCode(() => service.genreProfile([9999]), 'unknown_movie');
  });
});
