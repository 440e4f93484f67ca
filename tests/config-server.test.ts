import { describe, expect, it } from 'vitest';
import { describeSettings, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('server settings', () => {
  it('defaults to a public port 3000 server with rate limit, body limit and remote posters on', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.corsOrigins).toEqual([]);
    expect(config.rateLimit).toBe(120);
    expect(config.bodyLimit).toBe(65_536);
    expect(config.remotePosters).toBe('on');
    expect(config.logLevel).toBe('info');
  });

  it('reads every server variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      REELREC_CORS_ORIGINS: ' https://a.example , http://localhost:5173,',
      REELREC_RATE_LIMIT: '0',
      REELREC_BODY_LIMIT: '1024',
      REELREC_REMOTE_POSTERS: 'off',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      corsOrigins: ['https://a.example', 'http://localhost:5173'],
      rateLimit: 0,
      bodyLimit: 1024,
      remotePosters: 'off',
      logLevel: 'debug',
    });
  });

  it('accepts * as a CORS origin', () => {
    expect(loadConfig({ REELREC_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each([
    [{ PORT: '70000' }, /^PORT: .*"70000"/],
    [{ PORT: 'http' }, /^PORT: /],
    [{ REELREC_CORS_ORIGINS: 'https://a.example/path' }, /^REELREC_CORS_ORIGINS: expected `\*` or origins/],
    [{ REELREC_CORS_ORIGINS: 'example.com' }, /^REELREC_CORS_ORIGINS: /],
    [{ REELREC_RATE_LIMIT: '-1' }, /^REELREC_RATE_LIMIT: /],
    [{ REELREC_RATE_LIMIT: '1.5' }, /^REELREC_RATE_LIMIT: /],
    [{ REELREC_BODY_LIMIT: '0' }, /^REELREC_BODY_LIMIT: /],
    [{ REELREC_REMOTE_POSTERS: 'yes' }, /^REELREC_REMOTE_POSTERS: .*"yes"/],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL: .*"verbose"/],
  ])('rejects %o with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });

  it('reads REELREC_RANK_WORKERS: unset = one per core (decided at load), 0 = inline, bad values named', () => {
    expect(loadConfig({}).rankWorkers).toBeUndefined();
    expect(loadConfig({ REELREC_RANK_WORKERS: '0' }).rankWorkers).toBe(0);
    expect(loadConfig({ REELREC_RANK_WORKERS: '3' }).rankWorkers).toBe(3);
    for (const bad of ['-1', '1.5', 'many', '65']) {
      expect(() => loadConfig({ REELREC_RANK_WORKERS: bad })).toThrow(/REELREC_RANK_WORKERS/);
    }
  });

  it('lists the server variables with their defaults for --help', () => {
    const byEnv = new Map(describeSettings().map((s) => [s.env, s.default]));
    expect(byEnv.get('PORT')).toBe('3000');
    expect(byEnv.get('HOST')).toBe('0.0.0.0');
    expect(byEnv.get('REELREC_RATE_LIMIT')).toBe('120');
    expect(byEnv.get('REELREC_BODY_LIMIT')).toBe('65536');
    expect(byEnv.get('REELREC_REMOTE_POSTERS')).toBe('on');
    expect(byEnv.get('LOG_LEVEL')).toBe('info');
    expect(byEnv.has('REELREC_CORS_ORIGINS')).toBe(true);
  });
});
