import { describe, expect, it } from 'vitest';
import { answerTextWriter, toAnswerJson } from '../src/api/movie-json.js';
import type { MovieSummary, RecommendationAnswer } from '../src/service/index.js';

const movie = (id: number, title: string, overview: string | null, posterPath: string | null): MovieSummary => ({
  id,
  title,
  year: id % 2 ? 1999 : null,
  genres: id % 2 ? ['Drama', 'Sci-Fi'] : [],
  overview,
  posterPath,
});

const MOVIES = [
  movie(1, 'Amélie "Le Fabuleux Destin" \\ 2', 'Line one\nline two\t"quoted" — ✓ \u2028 end', '/a.jpg'),
  movie(2, 'Plain', null, null),
  movie(3, 'Emoji 🎬 and </script>', '', '/b c.jpg'),
];

function answerOf(order: number[], scores: number[]): RecommendationAnswer {
  return {
    items: order.map((i, n) => ({
      movie: MOVIES[i] as MovieSummary,
      score: scores[n] as number,
      reasons: [{ kind: 'liked', text: `because of "${(MOVIES[(i + 1) % 3] as MovieSummary).title}"`, movieId: 2 }],
    })) as RecommendationAnswer['items'],
    strategy: { kind: 'hybrid', weights: { popularity: 0.25, content: -1e-7, genre: 0 } },
  };
}

describe('answerTextWriter', () => {
  for (const remotePosters of [true, false]) {
    it(`writes exactly JSON.stringify(toAnswerJson(…)), movies reused across answers (remote posters ${remotePosters})`, () => {
      const write = answerTextWriter({ remotePosters });
      const answers = [answerOf([0, 1, 2], [1.5, -0.25, 1e-9]), answerOf([2, 0], [3, Number.NaN]), answerOf([], [])];
      for (const answer of [...answers, ...answers]) expect(write(answer)).toBe(JSON.stringify(toAnswerJson(answer, { remotePosters })));
    });
  }
});
