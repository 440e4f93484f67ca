import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayTitle, genreColour, type PosterMovie, posterSvg, wrapText, writePosters } from '../src/posters/index.js';
import { makeDataset, removeDatasets } from './fixtures/movielens-tiny.js';
import { runCliAsync } from './helpers/cli.js';

const toy: PosterMovie = { id: 1, title: 'Toy Story (1995)', year: 1995, genres: ['Animation', "Children's", 'Comedy'] };

const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

/** A small XML well-formedness check: tags nest and close, attributes are quoted, `&` only starts entities. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const cleanText = (text: string, where: string) => {
    const rest = text.replace(ENTITY, '');
    if (/[<&]/.test(rest)) throw new Error(`raw < or & in ${where}: ${JSON.stringify(text.slice(0, 80))}`);
  };
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    cleanText(xml.slice(i, lt === -1 ? xml.length : lt), 'text');
    if (lt === -1) break;
    token.lastIndex = lt;
    const m = token.exec(xml);
    if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(xml.slice(lt, lt + 60))}`);
    const [, closing, name, attributes, selfClosing] = m as unknown as [string, string, string, string, string];
    for (const value of attributes.matchAll(/="([^"]*)"/g)) cleanText(value[1] as string, `attribute of <${name}>`);
    if (closing) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
    } else if (!selfClosing) stack.push(name);
    i = token.lastIndex;
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
}

const stops = (svg: string) => [...svg.matchAll(/stop-color="(#[0-9a-f]{6})"/g)].map((m) => m[1]);

afterAll(removeDatasets);

describe('posterSvg', () => {
  it('is deterministic, 2:3 and well-formed', () => {
    const svg = posterSvg(toy);
    expect(posterSvg({ ...toy, genres: [...toy.genres] })).toBe(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="300" height="450" viewBox="0 0 300 450"/);
    expect(svg).toContain('>Toy Story<');
    expect(svg).toContain('>1995<');
    expect(svg).toMatch(/>Animation · Children&apos;s(<\/tspan><tspan x="150" y="416">| · )Comedy</);
    assertWellFormedXml(svg);
  });

  it('escapes every text: titles with markup, ampersands, quotes and control characters', () => {
    const movie: PosterMovie = {
      id: 7,
      title: `<script>alert("x")</script> & <b>Bold</b> 'Quoted' \u0007 (2001)`,
      year: 2001,
      genres: ['Sci-Fi', '<img src=x onerror=alert(1)>', 'R&B "Soul"'],
    };
    const svg = posterSvg(movie);
    assertWellFormedXml(svg);
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toMatch(/<b>|<img/);
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('&amp;');
    expect(svg).toContain('R&amp;B &quot;Soul&quot;');
    expect(svg).not.toContain('\u0007');
  });

  it('colours the background by genre; unknown genres get a stable hashed colour', () => {
    const action = stops(posterSvg({ ...toy, genres: ['Action'] }));
    const comedy = stops(posterSvg({ ...toy, genres: ['Comedy'] }));
    const romance = stops(posterSvg({ ...toy, genres: ['Romance'] }));
    expect(action).not.toEqual(comedy);
    expect(comedy).not.toEqual(romance);
    expect(stops(posterSvg({ ...toy, genres: ['Action', 'Comedy'] }))).toEqual([action[0], comedy[0]]);
    expect(genreColour('Zydeco')).toMatch(/^#[0-9a-f]{6}$/);
    expect(genreColour('Zydeco')).toBe(genreColour('Zydeco'));
    expect(genreColour('Zydeco')).not.toBe(genreColour('Polka'));
    expect(stops(posterSvg({ ...toy, genres: [] }))).toHaveLength(2);
  });

  it('wraps long titles over lines and shortens the rest with …', () => {
    const title = `${'Supercalifragilistic '.repeat(12)}(1964)`;
    const svg = posterSvg({ id: 9, title, year: 1964, genres: ['Musical'] });
    const lines = [...svg.matchAll(/<tspan x="150" y="[\d.]+">([^<]*)<\/tspan>/g)].map((m) => m[1] as string);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.some((line) => line.endsWith('…'))).toBe(true);
    expect(wrapText('a bb ccc dddd', 6, 5)).toEqual(['a bb', 'ccc', 'dddd']);
    expect(wrapText('one two three four five', 9, 2)).toEqual(['one two', 'three…']);
    expect(wrapText('abcdefghijkl', 5, 5)).toEqual(['abcde', 'fghij', 'kl']);
  });

  it('shows titles as people say them', () => {
    expect(displayTitle('American President, The (1995)')).toBe('The American President');
    expect(displayTitle('Misérables, Les (1995)')).toBe('Les Misérables');
    expect(displayTitle("Avventura, L' (1960)")).toBe("L'Avventura");
    expect(displayTitle('Black Mirror')).toBe('Black Mirror');
    expect(displayTitle('  ')).toBe('Untitled');
  });
});

describe('writePosters', () => {
  it('writes <id>.svg for every movie and leaves no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelrec-posters-'));
    try {
      const movies = Array.from({ length: 40 }, (_, i) => ({ ...toy, id: i + 1, title: `Movie ${i + 1}` }));
      const result = await writePosters(movies, dir, { progress: false });
      expect(result.written).toBe(40);
      expect((await readdir(dir)).sort()).toEqual(movies.map((m) => `${m.id}.svg`).sort());
      expect(await readFile(join(dir, '7.svg'), 'utf8')).toBe(posterSvg(movies[6] as PosterMovie));
      await expect(writePosters([{ ...toy, id: -1 }], dir, { progress: false })).rejects.toThrow(/cannot name a poster file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('reelrec posters', () => {
  it('writes every movie of the dataset into --out', async () => {
    const data = await makeDataset('ml-latest-tiny');
    const out = await mkdtemp(join(tmpdir(), 'reelrec-posters-out-'));
    try {
      const r = await runCliAsync(['posters', '--data', data, '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/ml-latest-tiny: 4 posters .*→ /);
      expect((await readdir(out)).sort()).toEqual(['1.svg', '11.svg', '176329.svg', '7789.svg']);
      const svg = await readFile(join(out, '11.svg'), 'utf8');
      expect(svg).toContain('The American President');
      assertWellFormedXml(await readFile(join(out, '7789.svg'), 'utf8'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('defaults to ./assets/posters/<dataset>/ (git-ignored) and reads latin-1 ml-100k titles', async () => {
    const data = await makeDataset('ml-100k-tiny', {}, 'ml-100k');
    const cwd = await mkdtemp(join(tmpdir(), 'reelrec-posters-cwd-'));
    try {
      const r = await runCliAsync(['posters', '--data', data], {}, cwd);
      expect(r.status).toBe(0);
      const dir = join(cwd, 'assets', 'posters', 'ml-100k');
      expect((await readdir(dir)).sort()).toEqual(['1.svg', '2.svg', '3.svg', '4.svg']);
      expect(await readFile(join(dir, '2.svg'), 'utf8')).toContain('Les Misérables');
      const ignore = await readFile(new URL('../.gitignore', import.meta.url), 'utf8');
      expect(ignore.split('\n')).toEqual(expect.arrayContaining(['assets/posters/*/', '!assets/posters/.gitkeep']));
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('a bad --data fails with one line and a non-zero exit', async () => {
    const r = await runCliAsync(['posters', '--data', join(tmpdir(), 'reelrec-no-such-folder'), '--out', join(tmpdir(), 'unused')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^reelrec: .*reelrec-no-such-folder: folder does not exist; set MOVIELENS_DIR/);
    expect(r.stdout).toBe('');
  });
});
