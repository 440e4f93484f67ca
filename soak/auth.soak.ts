import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCli } from '../tests/helpers/cli.js';
import { freshDataDir, killAll, newVisitor, recordSoak, removeScratch, type SoakVisitor, serverEnv, startServer } from './helpers.js';

const VISITORS = Number(process.env.SOAK_AUTH_VISITORS ?? 50);
const LIKES_EACH = 4;
const MOVIES = 72;

interface Attempt {
  what: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};
const ms = (x: number) => Math.round(x * 100) / 100;

/** Runs `fn` over `items`, `width` at a time, answers in input order. */
async function pool<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}
const WIDTH = 8;

describe(`auth: ${VISITORS} visitors against one \`reelrec start\`, every cross-visitor request refused`, () => {
  let server: RunningCli;
  let url: string;
  const visitors: SoakVisitor[] = [];
  /** What each visitor stored, movie → value, as its own token reads it back. */
  const own = new Map<string, Array<{ movieId: number; value: number }>>();

  beforeAll(async () => {
    // No rate limit: a refusal must be the visitor check's 404, not a 429.
    server = await startServer(serverEnv(await freshDataDir('auth'), { REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'warn' }));
    url = server.url;
  });

  afterAll(async () => {
    await killAll();
    await removeScratch();
  });

  const send = async (a: Pick<Attempt, 'method' | 'path' | 'headers' | 'body'>) => {
    const started = performance.now();
    const res = await fetch(`${url}${a.path}`, {
      method: a.method,
      headers: { ...(a.body ? { 'content-type': 'application/json' } : {}), ...a.headers },
      ...(a.body ? { body: a.body } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  };
  const likesOf = async (v: SoakVisitor) => {
    const res = await send({ method: 'GET', path: `/api/visitors/${v.id}/likes`, headers: v.auth });
    expect(res.status).toBe(200);
    return (JSON.parse(res.text) as { likes: Array<{ movieId: number; value: number }> }).likes.sort((a, b) => a.movieId - b.movieId);
  };

  it('0 of N cross-visitor reads, writes, deletes and erases succeed; unknown and foreign ids answer the same bytes', async () => {
    const began = performance.now();
    const phases: Record<string, number> = {};
    let mark = performance.now();
    const phase = (name: string) => {
      phases[name] = Math.round((performance.now() - mark) / 100) / 10;
      mark = performance.now();
    };
    visitors.push(...(await pool(Array.from({ length: VISITORS }), WIDTH, () => newVisitor(url))));
    expect(new Set(visitors.map((v) => v.id)).size).toBe(VISITORS);
    await pool(visitors, WIDTH, async (v, i) => {
      for (let k = 0; k < LIKES_EACH; k++) {
        const movie = ((i * 7 + k * 11) % MOVIES) + 1;
        const res = await send({
          method: 'PUT',
          path: `/api/visitors/${v.id}/likes/${movie}`,
          headers: v.auth,
          body: JSON.stringify({ value: k % 2 ? -1 : 1 }),
        });
        expect(res.status).toBe(200);
      }
      own.set(v.id, await likesOf(v));
    });
    phase('createAndLike');

    // The owner's own requests, one at a time, for the latency figures (the credential is cached after the first).
    const ownerMs: number[] = [];
    const meMs: number[] = [];
    for (const v of visitors) {
      for (let r = 0; r < 2; r++) {
        ownerMs.push((await send({ method: 'GET', path: `/api/visitors/${v.id}/likes`, headers: v.auth })).ms);
        meMs.push((await send({ method: 'GET', path: '/api/visitors/me', headers: v.auth })).ms);
      }
    }
    phase('ownerReads');

    const attempts: Attempt[] = [];
    for (const [i, target] of visitors.entries()) {
      const other = visitors[(i + 1) % VISITORS] as SoakVisitor;
      const forgedSecret = randomBytes(32).toString('base64url');
      const credentials: Array<[string, Record<string, string>]> = [
        ["another visitor's bearer token", other.auth],
        ["another visitor's cookie", { cookie: `reelrec_visitor=${other.token}` }],
        ['no credential', {}],
        ['forged token (target id, random secret)', { authorization: `Bearer ${target.id}.${forgedSecret}` }],
        ["forged token (target id, another visitor's secret)", { authorization: `Bearer ${target.id}.${other.token.split('.')[1]}` }],
        ['forged cookie', { cookie: `reelrec_visitor=${target.id}.${forgedSecret}` }],
      ];
      const held = own.get(target.id)?.[0]?.movieId ?? 1;
      for (const [who, headers] of credentials) {
        const base = `/api/visitors/${target.id}`;
        attempts.push(
          { what: `read likes: ${who}`, method: 'GET', path: `${base}/likes`, headers },
          { what: `read recommendations: ${who}`, method: 'GET', path: `${base}/recommendations`, headers },
          {
            what: `write a new like: ${who}`,
            method: 'PUT',
            path: `${base}/likes/${((i * 7 + 40) % MOVIES) + 1}`,
            headers,
            body: '{"value":1}',
          },
          { what: `flip a held like: ${who}`, method: 'PUT', path: `${base}/likes/${held}`, headers, body: '{"value":-1}' },
          { what: `delete a held like: ${who}`, method: 'DELETE', path: `${base}/likes/${held}`, headers },
          { what: `erase the visitor: ${who}`, method: 'DELETE', path: base, headers },
        );
      }
    }
    const bodies = new Set<string>();
    const succeeded: string[] = [];
    const refusedOtherwise: string[] = [];
    const foreignMs: number[] = [];
    await pool(attempts, WIDTH, async (a) => {
      const res = await send(a);
      foreignMs.push(res.ms);
      if (res.status < 400) succeeded.push(`${a.what} → ${res.status}`);
      else if (res.status !== 404) refusedOtherwise.push(`${a.what} → ${res.status} ${res.text.slice(0, 120)}`);
      else bodies.add(res.text);
    });
    phase('crossVisitorAttempts');

    // Enumeration: ids nobody holds, asked with and without a token, answer what a held id answers.
    const unknownMs: number[] = [];
    const probeBodies = new Set<string>();
    let probes = 0;
    for (const [i, v] of visitors.entries()) {
      const unknown = randomBytes(16).toString('base64url');
      const other = visitors[(i + 1) % VISITORS] as SoakVisitor;
      for (const headers of [{}, other.auth]) {
        for (const id of [unknown, v.id]) {
          const res = await send({ method: 'GET', path: `/api/visitors/${id}/likes`, headers });
          if (id === unknown) unknownMs.push(res.ms);
          probeBodies.add(`${res.status} ${res.text}`);
          probes++;
        }
      }
    }
    const me = await send({ method: 'GET', path: '/api/visitors/me', headers: {} });
    probeBodies.add(`${me.status} ${me.text}`);
    phase('enumerationProbes');

    // Nothing any attempt did shows in any visitor's likes.
    let changed = 0;
    await pool(visitors, WIDTH, async (v) => {
      if (JSON.stringify(await likesOf(v)) !== JSON.stringify(own.get(v.id))) changed++;
    });
    phase('verifyUnchanged');

    // Each visitor erases itself: 204, then its token is refused and its likes are gone.
    let erased = 0;
    let survivedErase = 0;
    await pool(visitors, WIDTH, async (v) => {
      if ((await send({ method: 'DELETE', path: `/api/visitors/${v.id}`, headers: v.auth })).status === 204) erased++;
      const after = await send({ method: 'GET', path: `/api/visitors/${v.id}/likes`, headers: v.auth });
      if (after.status !== 404 || !bodies.has(after.text)) survivedErase++;
    });
    phase('erase');

    const figures = {
      visitors: VISITORS,
      likesPerVisitor: LIKES_EACH,
      crossVisitorAttempts: attempts.length,
      crossVisitorSucceeded: succeeded.length,
      refusedWithOtherThan404: refusedOtherwise.length,
      distinctRefusalBodies: bodies.size,
      enumerationProbes: probes + 1,
      distinctProbeAnswers: probeBodies.size,
      visitorsWithChangedLikes: changed,
      erased,
      tokensStillWorkingAfterErase: survivedErase,
      latencyMs: {
        ownerGetLikesP50: ms(median(ownerMs)),
        ownerGetMeP50: ms(median(meMs)),
        refusedP50: ms(median(foreignMs)),
        unknownIdP50: ms(median(unknownMs)),
      },
      seconds: Math.round((performance.now() - began) / 100) / 10,
      phaseSeconds: phases,
    };
    await recordSoak('auth', figures);
    expect(succeeded).toEqual([]);
    expect(refusedOtherwise).toEqual([]);
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0] as string).error.code).toBe('unknown_visitor');
    expect(probeBodies.size).toBe(1);
    expect(changed).toBe(0);
    expect(erased).toBe(VISITORS);
    expect(survivedErase).toBe(0);
    expect(figures.seconds).toBeLessThan(60);
  });
});
