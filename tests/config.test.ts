import { describe, expect, it } from 'vitest';
import { loadConfig, parseIntFlag } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.seed).toBe(42);
    expect(config.dataset).toBe('ml-100k');
    expect(config.movielensDir).toBeUndefined();
    expect(config.movielensBaseUrl).toBe('https://files.grouplens.org/datasets/movielens/');
    expect(config.dataDir.endsWith('data')).toBe(true);
  });

  it('reads env vars and lets flags win', () => {
    const config = loadConfig({ REELREC_SEED: '7', MOVIELENS_DIR: '/a' }, { movielensDir: '/b' });
    expect(config.seed).toBe(7);
    expect(config.movielensDir).toBe('/b');
  });

  it('treats empty env values as unset', () => {
    expect(loadConfig({ REELREC_SEED: '' }).seed).toBe(42);
  });

  it.each([
    [{ REELREC_SEED: 'abc' }, /^REELREC_SEED: .*"abc"/],
    [{ REELREC_SEED: '-1' }, /^REELREC_SEED: /],
    [{ REELREC_DATASET: 'ml-2m' }, /^REELREC_DATASET: .*"ml-2m"/],
    [{ REELREC_MOVIELENS_BASE_URL: 'ftp://x' }, /^REELREC_MOVIELENS_BASE_URL: /],
  ])('rejects %o with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });
});

describe('parseIntFlag', () => {
  it('parses in range and falls back when absent', () => {
    expect(parseIntFlag('--negatives', '8', 4, 0, 100)).toBe(8);
    expect(parseIntFlag('--negatives', undefined, 4, 0, 100)).toBe(4);
  });

  it.each(['x', '1.5', '101', '', '4x'])('rejects %j naming the flag', (raw) => {
    expect(() => parseIntFlag('--negatives', raw, 4, 0, 100)).toThrow(/^--negatives: expected an integer from 0 to 100/);
  });
});
