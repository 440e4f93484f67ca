import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError, DatasetNotFoundError } from '../src/errors.js';
import { loadMovieLens } from '../src/recsys/data/load.js';
import { encodeFixture, FIXTURES, type FixtureName, makeDataset, removeDatasets } from './fixtures/movielens-tiny.js';

afterAll(removeDatasets);

/** Loads fixture `name` with one file replaced and returns what it threw. */
async function failure(name: FixtureName, overrides: Record<string, string | Uint8Array | null>, textFile?: string) {
  const dir = await makeDataset(name, overrides);
  const error = await loadMovieLens(dir, { progress: false, textFile }).then(
    () => new Error('expected the load to fail'),
    (e: unknown) => e,
  );
  return { dir, error };
}

/** Asserts a DataFormatError for `file` in the dataset folder at 1-based `line`, naming both in the message. */
async function expectFormatError(
  name: FixtureName,
  file: string,
  content: string | Uint8Array,
  line: number | null,
  detail: RegExp,
): Promise<void> {
  const { dir, error } = await failure(name, { [file]: content });
  expect(error).toBeInstanceOf(DataFormatError);
  const e = error as DataFormatError;
  expect(e.file).toBe(path.join(dir, file));
  expect(e.line).toBe(line);
  expect(e.message).toContain(line === null ? `${path.join(dir, file)}:` : `${path.join(dir, file)}:${line}:`);
  expect(e.message).toMatch(detail);
}

const latestText = (file: keyof (typeof FIXTURES)['ml-latest-tiny']) => FIXTURES['ml-latest-tiny'][file].text;

describe('dataset folder errors', () => {
  it('reports a missing folder', async () => {
    const missing = path.join(path.dirname(await makeDataset('ml-100k-tiny')), 'nope');
    await expect(loadMovieLens(missing)).rejects.toThrow(DatasetNotFoundError);
    await expect(loadMovieLens(missing)).rejects.toThrow(`${missing}: folder does not exist`);
  });

  it('names the files it looked for when a folder holds no MovieLens files', async () => {
    const dir = await makeDataset('ml-100k-tiny', { 'u.data': null, 'u.item': null, 'u.genre': null });
    const error = await loadMovieLens(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toMatch(
      /no MovieLens files found.*u\.data \+ u\.item.*ratings\.dat \+ movies\.dat.*ratings\.csv \+ movies\.csv/,
    );
  });

  it('says which file is missing from a partial dataset', async () => {
    const dir = await makeDataset('ml-latest-tiny', { 'movies.csv': null });
    await expect(loadMovieLens(dir)).rejects.toThrow(/looks like ml-latest but movies\.csv is missing/);
  });

  it('points at a dataset one folder down', async () => {
    const dir = await makeDataset('ml-100k-tiny');
    const parent = path.dirname(dir);
    await mkdir(path.join(parent, 'empty'));
    await expect(loadMovieLens(parent)).rejects.toThrow(`did you mean ${dir}?`);
  });

  it('reports a missing text file', async () => {
    const { error } = await failure('ml-100k-tiny', {}, '/nonexistent/overviews.csv');
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toBe('/nonexistent/overviews.csv: text file does not exist');
  });
});

describe('ratings file errors', () => {
  const uData = (line: string) => `9\t1\t5\t881250949\n2\t2\t3\t891717742\n${line}\n5\t2\t5\t884182806\n`;

  it('wrong field count', async () => {
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\t1\t1'), 3, /expected 4 fields .* found 3/);
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\t1\t1\t878887116\t7'), 3, /expected 4 fields .* found 5/);
    await expectFormatError('ml-1m-tiny', 'ratings.dat', '1::1::5::978300760\n1:3::3::978302109\n', 2, /expected 4 fields/);
  });

  it('non-numeric ids', async () => {
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\tx1\t1\t878887116'), 3, /movie id "x1" is not a non-negative integer/);
    await expectFormatError('ml-100k-tiny', 'u.data', uData('-5\t1\t1\t878887116'), 3, /user id "-5"/);
    const csv = 'userId,movieId,rating,timestamp\r\n10,1,4.0,964982703\r\nabc,1,4.0,964982703\r\n';
    await expectFormatError('ml-latest-tiny', 'ratings.csv', csv, 3, /user id "abc"/);
  });

  it('rating out of range', async () => {
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\t1\t6\t878887116'), 3, /rating 6 out of range: expected 1\.\.5/);
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\t1\t0\t878887116'), 3, /rating 0 out of range/);
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\t1\t3.5\t878887116'), 3, /rating 3\.5 out of range/);
    await expectFormatError('ml-1m-tiny', 'ratings.dat', '1::1::5::978300760\n1::3::9::978302109\n', 2, /rating 9 out of range/);
    for (const bad of ['5.5', '0.0', '4.25']) {
      const csv = `userId,movieId,rating,timestamp\r\n10,1,4.0,964982703\r\n10,11,${bad},964981247\r\n`;
      await expectFormatError('ml-latest-tiny', 'ratings.csv', csv, 3, /out of range: expected 0\.5\.\.5 in steps of 0\.5/);
    }
  });

  it('rating for a movie not in the catalogue', async () => {
    await expectFormatError('ml-100k-tiny', 'u.data', uData('5\t99\t1\t878887116'), 3, /movie id 99, which is not in the catalogue/);
    const csv = 'userId,movieId,rating,timestamp\r\n10,2,4.0,964982703\r\n';
    await expectFormatError('ml-latest-tiny', 'ratings.csv', csv, 2, /movie id 2, which is not in the catalogue/);
  });

  it('missing or wrong header in ratings.csv', async () => {
    await expectFormatError(
      'ml-latest-tiny',
      'ratings.csv',
      '10,1,4.0,964982703\r\n',
      1,
      /missing header: expected "userId,movieId,rating,timestamp"/,
    );
    await expectFormatError('ml-latest-tiny', 'ratings.csv', '', 1, /missing header/);
  });

  it('a ratings file with no ratings', async () => {
    await expectFormatError('ml-latest-tiny', 'ratings.csv', 'userId,movieId,rating,timestamp\r\n', null, /no ratings/);
  });
});

describe('catalogue errors', () => {
  it('duplicate movie id', async () => {
    const item = encodeFixture(FIXTURES['ml-100k-tiny']['u.item']);
    const duplicate = Buffer.concat([item, Buffer.from('2|Again (1995)|01-Jan-1995|||0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n')]);
    await expectFormatError('ml-100k-tiny', 'u.item', duplicate, 5, /duplicate movie id 2/);
    await expectFormatError('ml-1m-tiny', 'movies.dat', '1::A (1995)::Drama\n1::B (1996)::Drama\n', 2, /duplicate movie id 1/);
    await expectFormatError('ml-latest-tiny', 'movies.csv', `${latestText('movies.csv')}11,Dup (1999),Drama\n`, 6, /duplicate movie id 11/);
  });

  it('wrong field count and bad values in u.item / movies.dat / movies.csv', async () => {
    await expectFormatError('ml-100k-tiny', 'u.item', '1|Toy Story (1995)|01-Jan-1995\n', 1, /expected 24 fields, found 3/);
    const badFlag = `1|Toy Story (1995)|01-Jan-1995|||${Array(18).fill('0').join('|')}|2\n`;
    await expectFormatError('ml-100k-tiny', 'u.item', badFlag, 1, /genre flag Western is "2"/);
    await expectFormatError('ml-100k-tiny', 'u.item', `x${badFlag}`, 1, /movie id "x1" is not a valid integer id/);
    await expectFormatError('ml-1m-tiny', 'movies.dat', '1::A (1995)::Drama\n2::B (1996)\n', 2, /expected 3 fields, found 2/);
    await expectFormatError('ml-latest-tiny', 'movies.csv', 'movieId,title,genres\r\n1,A,B,C\r\n', 2, /expected 3 fields, found 4/);
    await expectFormatError(
      'ml-latest-tiny',
      'movies.csv',
      'movieId,title,genres\r\n1,"A (1995),Drama\r\n',
      2,
      /unterminated quoted field/,
    );
  });

  it('missing header in movies.csv, links.csv and tags.csv', async () => {
    await expectFormatError(
      'ml-latest-tiny',
      'movies.csv',
      '1,Toy Story (1995),Comedy\r\n',
      1,
      /missing header: expected columns movieId, title, genres/,
    );
    await expectFormatError('ml-latest-tiny', 'links.csv', '1,0114709,862\r\n', 1, /missing header/);
    await expectFormatError('ml-latest-tiny', 'tags.csv', 'userId,movieId,tag\r\n2,1,x\r\n', 1, /missing timestamp/);
  });

  it('links.csv and tags.csv rows for unknown movies or with bad ids', async () => {
    await expectFormatError(
      'ml-latest-tiny',
      'links.csv',
      'movieId,imdbId,tmdbId\r\n1,0114709,862\r\n5,0113497,8844\r\n',
      3,
      /movie id 5 is not in the catalogue/,
    );
    await expectFormatError('ml-latest-tiny', 'links.csv', 'movieId,imdbId,tmdbId\r\n1,tt01x,862\r\n', 2, /IMDb id "tt01x"/);
    await expectFormatError(
      'ml-latest-tiny',
      'tags.csv',
      'userId,movieId,tag,timestamp\r\n2,3,funny,1445714994\r\n',
      2,
      /movie id 3 is not in the catalogue/,
    );
  });

  it('invalid UTF-8 in a ml-latest file, with its line', async () => {
    const bytes = Buffer.concat([
      Buffer.from('movieId,title,genres\r\n1,Toy Story (1995),Comedy\r\n11,Mis'),
      Buffer.from([0xe9]), // latin-1 é: not valid UTF-8
      Buffer.from('rables (1995),Drama\r\n'),
    ]);
    await expectFormatError('ml-latest-tiny', 'movies.csv', bytes, 3, /invalid UTF-8 byte sequence/);
  });
});

describe('text file errors', () => {
  async function textFailure(content: string | Uint8Array) {
    const textFile = path.join(await makeDataset('text', { 'bad.csv': content }), 'bad.csv');
    const { error } = await failure('ml-latest-tiny', {}, textFile);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as DataFormatError).file).toBe(textFile);
    return error as DataFormatError;
  }

  it('no key column', async () => {
    const error = await textFailure('id,overview\n1,Hello\n');
    expect(error.message).toMatch(/bad\.csv:1: missing header: expected a key column movieId or item_id/);
  });

  it('bad key, duplicate key, bad TMDB id, broken quoting, invalid UTF-8', async () => {
    expect((await textFailure('movieId,overview\n1,a\nx,b\n')).message).toMatch(/bad\.csv:3: movieId "x"/);
    expect((await textFailure('movieId,overview\n1,a\n1,b\n')).message).toMatch(/bad\.csv:3: duplicate movieId 1 \(first on line 2\)/);
    expect((await textFailure('movieId,tmdbId,overview\n7789,n/a,b\n')).message).toMatch(/bad\.csv:2: TMDB id "n\/a"/);
    expect((await textFailure('movieId,overview\n1,"a\n\n2,b\n')).message).toMatch(/bad\.csv:2: unterminated quoted field/);
    const bytes = Buffer.concat([Buffer.from('movieId,overview\n1,"multi\nline"\n11,caf'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    expect((await textFailure(bytes)).message).toMatch(/bad\.csv:4: invalid UTF-8/);
  });
});
