import { describe, expect, it } from 'vitest';
import { FULL_BUILD, fullBuildSize } from '../src/bench/benchmarks/full-build.js';
import { BENCHMARKS, selectBenchmarks } from '../src/bench/registry.js';
import { ReelrecError } from '../src/errors.js';

describe('selectBenchmarks', () => {
  it('runs every benchmark for "all" except the hour-long full build, which runs only by name', () => {
    const all = selectBenchmarks('all').map((b) => b.name);
    expect(all).toContain('ml100k');
    expect(all).toContain('http');
    expect(all).not.toContain('full-build');
    expect(all).toHaveLength(BENCHMARKS.length - 1);
    expect(selectBenchmarks('full-build').map((b) => b.name)).toEqual(['full-build']);
    expect(selectBenchmarks('nope')).toEqual([]);
  });
});

describe('fullBuildSize', () => {
  it("is ml-25m's size unless REELREC_FULL_BUILD_SIZE names ratings:movies", () => {
    expect(fullBuildSize(undefined)).toEqual({ ratings: FULL_BUILD.ratings, movies: FULL_BUILD.movies });
    expect(fullBuildSize('500000:62000')).toEqual({ ratings: 500_000, movies: 62_000 });
    for (const bad of ['500000', '500000.5:62000', '500000:10', 'a:b']) {
      expect(() => fullBuildSize(bad)).toThrow(ReelrecError);
    }
  });
});
