import fc from 'fast-check';
import type { RawRequest, RawResponse } from './helpers.js';

/**
 * Generated bad requests for every route, sent over real HTTP by rawRequest (byte for byte, so the
 * unknown methods, raw NUL bytes and unnormalised paths reach the server as written). Seeded: the
 * same corpus on every run.
 */
export interface FuzzCase extends RawRequest {
  kind: string;
}

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD, as a browser sends them). */
export function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
const JSON_TYPE: Array<[string, string]> = [['Content-Type', 'application/json']];

// ---------------------------------------------------------------------------------------------------
// Values

const validId = fc.integer({ min: 1, max: 72 });
const weirdNumber = fc.oneof(
  fc.integer({ min: -1e12, max: 1e12 }),
  fc.double(),
  fc.constantFrom(0, -0, -1, 73, 2 ** 53 + 2, 1e308, 5e-324, 1.5),
);
const weirdScalar = fc.oneof(weirdNumber, fc.string({ maxLength: 8 }), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));
const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'Sci-Fi\u0000',
    '\ud800',
    '\udfff\ud800',
    '\u202eAction',
    '\ufeffDrama',
    'Ａｃｔｉｏｎ',
    '<script>alert(1)</script>',
    "'; DROP TABLE likes; --",
    "movie = 1 OR '1'='1'",
    '__proto__',
    'constructor',
    'a'.repeat(65),
    '',
  ),
);
const overLimit = (min: number, max: number) => fc.integer({ min, max }).map((n) => Array.from({ length: n }, (_, i) => (i % 72) + 1));
const idList = fc.oneof(fc.array(validId, { maxLength: 8 }), fc.array(weirdScalar, { maxLength: 12 }), overLimit(201, 6000), weirdScalar);

const recommendValue = fc.record(
  {
    liked: idList,
    disliked: idList,
    k: fc.oneof(fc.integer({ min: -5, max: 60 }), weirdScalar),
    genres: fc.oneof(fc.array(weirdString, { maxLength: 35 }), weirdString, weirdScalar),
    exclude: fc.oneof(idList, overLimit(1001, 3000)),
    extra: weirdScalar,
  },
  { requiredKeys: [] },
);
const profileValue = fc.record({ liked: idList, genres: weirdScalar }, { requiredKeys: [] });
const likeValue = fc.oneof(
  fc.record({ value: fc.oneof(fc.constantFrom(0, 2, -2, '1', '-1', true, null, 1.5, [1], {}), weirdScalar) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** JSON-ish text that is not JSON, or is JSON of the wrong shape, or smuggles special keys. */
const invalidJsonText = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '{"liked": [1,',
    '{"liked": [1,]}',
    '{liked: [1]}',
    "{'liked': [1]}",
    '{"liked": [NaN]}',
    '{"liked": [Infinity]}',
    '{"liked": [1e999]}',
    '{"liked": [0x10]}',
    '{"liked": [01]}',
    '{"liked": [1] /* c */}',
    '\ufeff{"liked": [1]}',
    'null',
    '[]',
    '"liked"',
    'true',
    '1',
    '{"liked": [1], "liked": "x"}',
    '{"__proto__": {"liked": [1]}, "liked": [2]}',
    '{"constructor": {"prototype": {"polluted": 1}}, "liked": [1]}',
    '{"liked": {"length": 3, "0": 1}}',
    '{"value": 1}{"value": -1}',
  ),
  fc.tuple(recommendValue, fc.nat()).map(([value, cut]) => {
    const text = JSON.stringify(value);
    return text.slice(0, cut % Math.max(1, text.length));
  }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
);

const contentType = fc.constantFrom<string | null>(
  null,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=soak',
  'application/xml',
  'application/jsonx',
  'json',
  '*/*',
  '',
  'application/json; charset=utf-16',
  'application/json-patch+json',
  'APPLICATION/JSON',
  `application/${'x'.repeat(3000)}`,
);

// ---------------------------------------------------------------------------------------------------
// Paths and queries

const badId = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1e3',
    '0x10',
    'abc',
    '1.5',
    '007',
    '%20',
    '%201',
    '%00',
    '1%00',
    '..%2f',
    '..',
    '%2e%2e',
    '99999999999',
    '1%0a',
    '%F0%9F%98%80',
    '1;DROP',
    '%',
    '%ZZ',
    '%u0041',
    'Infinity',
    'NaN',
  ),
  validId.map(String),
  fc.string({ unit: 'binary', maxLength: 20 }).map(pct),
  fc.integer({ min: 11, max: 3000 }).map((n) => '9'.repeat(n)),
);
const visitorId = fc.oneof(
  fc.constantFrom(
    'a'.repeat(65),
    '..',
    '%2e%2e',
    'a%2fb',
    'a%00',
    '%00',
    'x%20y',
    '%F0%9F%98%80',
    '__proto__',
    'constructor',
    'fuzz%0d%0aSet-Cookie:%20x=1',
    "fuzz'%20OR%20'1'='1",
  ),
  fc.string({ unit: 'binary', maxLength: 70 }).map(pct),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).map((s) => `fuzz-${s}`),
);
const queryValue = fc.oneof(
  fc.constantFrom('', '-1', '0', '1e9', 'abc', 'Infinity', 'NaN', '0x10', '%ZZ', '%00', '%', '1%00', '51', '10.5', '+5', '%205', 'Sci-Fi'),
  fc.string({ unit: 'binary', maxLength: 300 }).map(pct),
  fc.nat({ max: 4000 }).map((n) => 'q'.repeat(n)),
);
const queryKey = fc.constantFrom(
  'q',
  'genre',
  'offset',
  'limit',
  'k',
  'k[]',
  'limit[0]',
  '__proto__',
  'constructor',
  '',
  '%00',
  'q%00',
  'x',
);
const queryString = fc.oneof(
  fc
    .array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 6 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  fc.constantFrom('?', '?&&&', '?=', '?q', '?q=a=b', `?${'&'.repeat(5000)}`, '?k=1&k=2&k=3', '?limit=1&limit=abc', '?%=%'),
);

/** Every GET route, with a valid or a bad id. */
const getPath = fc.oneof(
  fc.constant('/api/movies'),
  badId.map((id) => `/api/movies/${id}`),
  badId.map((id) => `/api/users/${id}/recommendations`),
  fc.constantFrom('/api/genres', '/api/genres/similarity', '/healthz', '/readyz', '/', '/openapi.json', '/docs', '/static/app.js'),
  visitorId.map((v) => `/api/visitors/${v}/likes`),
  visitorId.map((v) => `/api/visitors/${v}/recommendations`),
  badId.map((id) => `/posters/${id}.svg`),
);

/** Every route template, for the method tests. */
const ROUTES = [
  '/api/recommend',
  '/api/movies',
  '/api/movies/1',
  '/api/users/1/recommendations',
  '/api/genres',
  '/api/genres/similarity',
  '/api/genres/profile',
  '/api/visitors/fuzz-m/likes',
  '/api/visitors/fuzz-m/likes/1',
  '/api/visitors/fuzz-m/recommendations',
  '/posters/1.svg',
  '/static/app.js',
  '/',
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/docs',
  '/nowhere',
];

const POSTER_TRICKS = [
  '/posters/..%2f..%2fpackage.json',
  '/posters/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
  '/posters/%00.svg',
  '/posters/1.svg%00',
  '/posters/1.svg%00.png',
  '/posters/....//....//etc/passwd',
  '/posters/..../..../package.json',
  '/posters/%2e%2e/%2e%2e/package.json',
  '/posters/../../package.json',
  '/posters/..\\..\\package.json',
  '/posters/%5c..%5c..%5cpackage.json',
  '/posters/1.svg/..',
  '/posters/1.svg/../../tsconfig.json',
  '/posters//etc/passwd',
  '/posters/%2fetc%2fpasswd',
  '/posters/0.svg',
  '/posters/01.svg',
  '/posters/-1.svg',
  '/posters/99999999999.svg',
  '/posters/1.SVG',
  '/posters/1.svg.png',
  '/posters/1',
  '/posters/',
  '/posters',
  '/posters/%252e%252e%252fpackage.json',
  '/posters/%c0%ae%c0%ae/package.json',
  '/posters/file:%2f%2f%2fetc%2fpasswd',
  '/posters/1.svg;.png',
  '/static/..%2f..%2fpackage.json',
  '/static/../../package.json',
  '/static/__proto__',
  '/static/constructor',
  '/static/hasOwnProperty',
  '/static/toString',
  '/static/app.js%00',
  '/static/app.js%00.png',
  '/static/APP.JS',
  '/static/app.js/',
  '/static/',
  '/static/%2e%2e%2fserver.js',
  '/static/....//....//package.json',
  '/static/..%5c..%5cpackage.json',
  'http://evil.example/posters/1.svg',
  'http://evil.example/static/../../package.json',
  'https://127.0.0.1/posters/..%2f..%2fpackage.json',
  'http://127.0.0.1:1/api/movies',
  'http://user:pass@evil.example/posters/1.svg',
  '//evil.example/posters/1.svg',
  '///etc/passwd',
  '*',
  'ftp://evil.example/x',
  'http://[::1/x',
];

const posterPath = fc.oneof(
  fc.constantFrom(...POSTER_TRICKS),
  fc.nat({ max: 30_000 }).map((n) => `/posters/${'a'.repeat(n)}.svg`),
  fc.nat({ max: 300 }).map((n) => `/posters/${'../'.repeat(n)}package.json`),
  fc.nat({ max: 300 }).map((n) => `/posters/${'..%2f'.repeat(n)}package.json`),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `/posters/${pct(s)}`),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `/static/${pct(s)}`),
);

// ---------------------------------------------------------------------------------------------------
// Requests

const bodyRoute = fc.oneof(
  fc.constant({ method: 'POST', target: '/api/recommend' }),
  fc.constant({ method: 'POST', target: '/api/genres/profile' }),
  fc.tuple(visitorId, badId).map(([v, m]) => ({ method: 'PUT', target: `/api/visitors/${v}/likes/${m}` })),
);

const cases: fc.Arbitrary<FuzzCase> = fc.oneof(
  // Wrong types, over-limit arrays, unicode and escaped NULs in well-formed JSON.
  recommendValue.map((v) => ({ kind: 'recommend-body', method: 'POST', target: '/api/recommend', headers: JSON_TYPE, body: json(v) })),
  profileValue.map((v) => ({ kind: 'profile-body', method: 'POST', target: '/api/genres/profile', headers: JSON_TYPE, body: json(v) })),
  fc.tuple(visitorId, fc.oneof(badId, validId.map(String)), likeValue).map(([v, m, value]) => ({
    kind: 'visitor-put',
    method: 'PUT',
    target: `/api/visitors/${v}/likes/${m}`,
    headers: JSON_TYPE,
    body: json(value),
  })),
  fc.tuple(fc.constantFrom('GET', 'DELETE'), visitorId, badId, queryString).map(([method, v, m, q]) => ({
    kind: 'visitor-routes',
    method,
    target: method === 'DELETE' ? `/api/visitors/${v}/likes/${m}` : `/api/visitors/${v}/${m.length % 2 ? 'likes' : 'recommendations'}${q}`,
  })),
  // Deep nesting: arrays or objects thousands of levels deep (the deepest are over the body limit).
  fc.tuple(fc.integer({ min: 50, max: 40_000 }), fc.boolean(), bodyRoute).map(([depth, arrays, route]) => ({
    kind: 'deep-nesting',
    ...route,
    headers: JSON_TYPE,
    body: Buffer.from(
      arrays ? `{"liked":${'['.repeat(depth)}${']'.repeat(depth)},"value":1}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
  })),
  // Not JSON, or raw bytes that are not UTF-8.
  fc
    .tuple(invalidJsonText, bodyRoute)
    .map(([text, route]) => ({ kind: 'invalid-json', ...route, headers: JSON_TYPE, body: Buffer.from(text) })),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), bodyRoute)
    .map(([bytes, route]) => ({ kind: 'invalid-json', ...route, headers: JSON_TYPE, body: Buffer.from(bytes) })),
  // Raw NUL bytes: in the body, in the path (Node's parser refuses it), in a header value, escaped in a query.
  fc.tuple(recommendValue, fc.nat(), fc.constantFrom('body', 'path', 'header', 'query')).map(([value, at, where]): FuzzCase => {
    if (where === 'path') return { kind: 'nul', method: 'GET', target: `/posters/${at % 9}\u0000.svg` };
    if (where === 'header') return { kind: 'nul', method: 'GET', target: '/api/movies', headers: [['X-Soak', `a\u0000b`]] };
    if (where === 'query') return { kind: 'nul', method: 'GET', target: `/api/movies?q=%00${at}&genre=Drama%00` };
    const text = JSON.stringify(value);
    const cut = at % (text.length + 1);
    return {
      kind: 'nul',
      method: 'POST',
      target: '/api/recommend',
      headers: JSON_TYPE,
      body: Buffer.from(`${text.slice(0, cut)}\u0000${text.slice(cut)}`),
    };
  }),
  // Wrong (or no) content type on every body route.
  fc.tuple(contentType, recommendValue, bodyRoute).map(([type, value, route]) => ({
    kind: 'content-type',
    ...route,
    headers: type === null ? [] : ([['Content-Type', type]] as Array<[string, string]>),
    body: json(value),
  })),
  // Bodies over the 64 KiB limit, with Content-Length or chunked (no length up front).
  fc.tuple(fc.integer({ min: 65_537, max: 200_000 }), fc.boolean(), bodyRoute).map(([size, chunked, route]) => {
    const head = '{"liked":[1],"pad":"';
    return {
      kind: 'oversize',
      ...route,
      headers: JSON_TYPE,
      chunked,
      body: Buffer.from(`${head}${'x'.repeat(Math.max(0, size - head.length - 2))}"}`),
    };
  }),
  // Unknown and unrouted methods on every route.
  fc
    .tuple(
      fc.constantFrom(
        'FOO',
        'BREW',
        'XYZZY',
        'GETS',
        'get',
        'PATCH',
        'PROPFIND',
        'MKCOL',
        'PURGE',
        'TRACE',
        'OPTIONS',
        'HEAD',
        'DELETE',
        'PUT',
        'POST',
        'LOCK',
        'SEARCH',
        'LINK',
      ),
      fc.constantFrom(...ROUTES),
    )
    .map(([method, target]) => ({ kind: 'methods', method, target })),
  // Path tricks on /posters/ and /static/, absolute and odd request targets, very long paths.
  posterPath.map((target) => ({ kind: 'path-tricks', method: 'GET', target })),
  // Bad ids and bad query strings on every GET route.
  fc.tuple(getPath, queryString).map(([path, query]) => ({ kind: 'query', method: 'GET', target: `${path}${query}` })),
  // Framing a proxy could disagree on (request smuggling shapes): Node must refuse them, not guess.
  fc
    .constantFrom(
      'POST /api/recommend HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked',
      'POST /api/recommend HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7',
      'POST /api/recommend HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: -1',
      'POST /api/recommend HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 1e3',
      'POST /api/recommend HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: identity, chunked',
      `GET /api/movies HTTP/1.1\r\nHost: h\r\nX-Long: ${'v'.repeat(20_000)}`,
      'GET /api/movies HTTP/1.1\r\nHost: h\r\n Folded: header',
      'GET /api/movies HTTP/9.9\r\nHost: h',
      'GET /api/movies\r\nHost: h',
    )
    .map((rawHead) => {
      const method = rawHead.split(' ')[0] ?? 'GET';
      // A terminating chunk as the body, so a server that did accept the framing is not left waiting.
      return { kind: 'framing', method, target: '', rawHead, ...(method === 'POST' ? { body: Buffer.from('0\r\n\r\n') } : {}) };
    }),
);

export function fuzzCorpus(count: number, seed: number): FuzzCase[] {
  return fc.sample(cases, { numRuns: count, seed });
}

/** Markers of files a path trick must never get served. */
const LEAKS = ['"devDependencies"', 'root:x:0:0', '"compilerOptions"', 'PRIVATE KEY'];

/** What is wrong with one answer, or null: no 5xx, every 4xx a JSON `{ error: { code, message } }`, nothing leaked. */
export function judge(c: FuzzCase, r: RawResponse): string | null {
  if (r.kind === 'no-response') return `no response (${r.reason})`;
  if (r.status >= 500) return `status ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`;
  const text = r.body.toString('utf8');
  if (r.status < 300 && LEAKS.some((marker) => text.includes(marker))) return `status ${r.status} served a file it must not`;
  if (r.status >= 400) {
    if (!/^application\/json/i.test(r.headers['content-type'] ?? ''))
      return `status ${r.status} with content-type ${r.headers['content-type']}`;
    if (c.method === 'HEAD') return null;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code !== 'string' || typeof parsed.error.message !== 'string')
        return `status ${r.status} body ${text.slice(0, 200)}`;
    } catch {
      return `status ${r.status} body is not JSON: ${text.slice(0, 200)}`;
    }
  }
  return null;
}

export function errorCode(r: RawResponse): string | null {
  if (r.kind !== 'response' || r.status < 400) return null;
  try {
    return String((JSON.parse(r.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code ?? null);
  } catch {
    return null;
  }
}
