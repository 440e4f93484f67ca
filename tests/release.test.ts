import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { loadConfig } from '../src/config.js';
import { writeRelease } from '../src/pipeline/release.js';
import { like, openBuiltStore } from '../src/store/index.js';
import { makeTasteDataset, type TasteFixture } from './fixtures/movielens-taste.js';
import { captureOutput, cliEnv, REPO_ROOT, runCliAsync } from './helpers/cli.js';

/**
 * The release zip must never carry MovieLens rows (GroupLens forbids redistribution and workflow
 * artifacts are downloadable). This test judges the zip on its own terms, by name and by content,
 * without asking the release code what it thinks it left out.
 */

/** Names of MovieLens files, and of files the build makes from its rows. */
const ROW_FILE_NAMES = [
  /^u\d*\.(data|item|user|genre|occupation|info|base|test)$/i,
  /^u[ab]\.(base|test)$/i,
  /^(ratings|movies|links|tags|users|genome-scores|genome-tags)\.(csv|dat)$/i,
  /^samples\.csv$/i,
  /^genre-dataset\.csv$/i,
  /_text\.csv$/i,
  /\.(csv|tsv|dat)$/i,
];

/** A line that looks like a `user,item,rating[,…]` row, in any of MovieLens' separators. */
const ROW_LINE = /^\s*"?\d+"?\s*(,|\t|::|\|)\s*"?\d+"?\s*\1\s*"?\d+(\.\d+)?"?(\s*\1.*)?$/;

/** True when the text has rows in it: a handful of row-shaped lines is enough to refuse it. */
function hasRowLines(text: string): boolean {
  let rows = 0;
  for (const line of text.split(/\r?\n/)) if (ROW_LINE.test(line) && ++rows >= 3) return true;
  return false;
}

async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(file, { autoClose: false });
  const out = new Map<string, Buffer>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      out.set(entry.fileName, Buffer.concat(chunks));
    }
  } finally {
    zip.close();
  }
  return out;
}

/** Every entry that is a MovieLens-derived row file, by name or by content, with the reason. */
function rowFiles(entries: Map<string, Buffer>): string[] {
  const found: string[] = [];
  for (const [name, body] of entries) {
    const base = name.split('/').at(-1) ?? name;
    if (ROW_FILE_NAMES.some((pattern) => pattern.test(base))) found.push(`${name} (name)`);
    else if (!body.subarray(0, 65_536).includes(0) && hasRowLines(body.toString('utf8'))) found.push(`${name} (content)`);
  }
  return found;
}

let fixture: TasteFixture;
let work: string;
let home: string;
const DATASET = 'ml-latest-taste';

beforeAll(async () => {
  fixture = await makeTasteDataset();
  work = await mkdtemp(join(tmpdir(), 'reelrec-release-'));
  home = join(work, 'home');
  const built = await runCliAsync(['build', '--data', fixture.dir, '--text', fixture.textFile], {
    REELREC_DATA_DIR: home,
    REELREC_EMBEDDER: 'hashing',
  });
  expect(built.status, built.stderr).toBe(0);
});

describe('the row-file detector this test relies on', () => {
  it('catches what a build writes from MovieLens rows, and MovieLens itself, by name and by content', async () => {
    const entries = new Map<string, Buffer>([
      ['a/samples.csv', await readFile(join(home, 'artifacts', DATASET, 'samples.csv'))],
      ['a/genre-dataset.csv', await readFile(join(home, 'artifacts', DATASET, 'genre-dataset.csv'))],
      ['a/ratings.csv', await readFile(join(fixture.dir, 'ratings.csv'))],
      ['a/renamed.json', await readFile(join(home, 'artifacts', DATASET, 'samples.csv'))],
      ['a/u.data-like.bin', Buffer.from('196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n')],
      ['a/ratings-like', Buffer.from('1::1193::5::978300760\n1::661::3::978302109\n1::914::3::978301968\n')],
      ['a/notes.md', Buffer.from('# a heading\n\nsome text 1, 2, 3\n')],
    ]);
    expect(rowFiles(entries).sort()).toEqual([
      'a/genre-dataset.csv (name)',
      'a/ratings-like (content)',
      'a/ratings.csv (name)',
      'a/renamed.json (content)',
      'a/samples.csv (name)',
      'a/u.data-like.bin (content)',
    ]);
  });
});

describe('reelrec release', () => {
  let zipFile: string;
  let entries: Map<string, Buffer>;

  beforeAll(async () => {
    zipFile = join(work, 'release.zip');
    const r = await runCliAsync(['release', '--out', zipFile, '--no-node-modules', '--data', fixture.dir], { REELREC_DATA_DIR: home });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^reelrec release: .*release\\.zip: \\d+ files, [\\d.]+ MB, serving ${DATASET}\\n$`));
    entries = await readZip(zipFile);
  });

  it('holds no MovieLens-derived row file, by name or by content', () => {
    // The data dir it was made from has them: leaving them out is the release's doing.
    expect(existsSync(join(home, 'artifacts', DATASET, 'samples.csv'))).toBe(true);
    expect(existsSync(join(home, 'artifacts', DATASET, 'genre-dataset.csv'))).toBe(true);
    expect(entries.size).toBeGreaterThan(50);
    expect(rowFiles(entries)).toEqual([]);
  });

  it('holds what `start --no-build` reads and nothing else from the data dir', () => {
    const names = [...entries.keys()];
    for (const name of [
      'package.json',
      'dist/cli/main.js',
      `data/artifacts/${DATASET}/build.json`,
      `data/models/neumf-${DATASET}-genre/manifest.json`,
      `data/models/neumf-${DATASET}-genre/weights.bin`,
      `data/models/service-${DATASET}/service.json`,
    ]) {
      expect(names, name).toContain(name);
    }
    expect(names.some((n) => n.startsWith('assets/'))).toBe(true);
    expect(names.some((n) => n.startsWith('data/lancedb/movies.lance/'))).toBe(true);
    const data = names.filter((n) => n.startsWith('data/'));
    const outside = data.filter(
      (n) =>
        n !== `data/artifacts/${DATASET}/build.json` &&
        !n.startsWith(`data/models/neumf-${DATASET}-genre/`) &&
        !n.startsWith(`data/models/service-${DATASET}/`) &&
        !n.startsWith('data/lancedb/'),
    );
    expect(outside).toEqual([]);
    expect(names.some((n) => n.startsWith('node_modules/'))).toBe(false);
  });

  it('unpacked elsewhere, serves with MovieLens given at run time', async () => {
    const unpacked = join(work, 'unpacked');
    for (const [name, body] of entries) {
      await mkdir(dirname(join(unpacked, name)), { recursive: true });
      await writeFile(join(unpacked, name), body);
    }
    // Released without node_modules (the host installs them): this machine's stand in.
    await symlink(join(REPO_ROOT, 'node_modules'), join(unpacked, 'node_modules'), 'dir');
    const child = spawn(process.execPath, ['dist/cli/main.js', 'start', '--no-build', '--data', fixture.dir, '--text', fixture.textFile], {
      cwd: unpacked,
      env: cliEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { stdout, stderr } = captureOutput(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; i < 1200 && !/at http:\/\/\S+/.test(stdout()) && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 50));
      const url = /at (http:\/\/\S+)/.exec(stdout())?.[1];
      expect(url, stderr()).toBeDefined();
      expect(stdout()).toMatch(new RegExp(`serving ${DATASET} \\(72 movies`));
      const ready = (await (await fetch(`${url}/readyz`)).json()) as { status: string };
      expect(ready.status).toBe('ready');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('carries production dependencies but not their .bin links, when asked to', async () => {
    const app = join(work, 'app');
    for (const [file, body] of [
      ['package.json', '{}'],
      ['dist/cli/main.js', ''],
      ['assets/index.html', '<p>'],
      ['node_modules/dep/index.js', 'module.exports = 1;'],
    ] as const) {
      await mkdir(dirname(join(app, file)), { recursive: true });
      await writeFile(join(app, file), body);
    }
    await mkdir(join(app, 'node_modules', '.bin'));
    await symlink('../dep/index.js', join(app, 'node_modules', '.bin', 'dep'));
    // A linked package (npm link, or a whole node_modules linked in) is followed, a loop only once.
    await mkdir(join(work, 'elsewhere', 'linked'), { recursive: true });
    await writeFile(join(work, 'elsewhere', 'linked', 'index.js'), '');
    await symlink(join(work, 'elsewhere', 'linked'), join(app, 'node_modules', 'linked'), 'dir');
    await symlink(join(work, 'elsewhere'), join(work, 'elsewhere', 'linked', 'loop'), 'dir');
    const out = join(work, 'with-modules.zip');
    const config = loadConfig({ REELREC_DATA_DIR: home, MOVIELENS_DIR: fixture.dir });
    const summary = await writeRelease(config, { out, nodeModules: true, appRoot: app, log: () => {} });
    const names = [...(await readZip(out)).keys()];
    expect(names).toContain('node_modules/dep/index.js');
    expect(names).toContain('node_modules/linked/index.js');
    expect(names.filter((n) => n.startsWith('node_modules/linked/')).length).toBeLessThan(4);
    expect(names.filter((n) => n.includes('/.bin/'))).toEqual([]);
    expect(summary).toMatchObject({ dataset: DATASET, files: names.length, storeIncluded: true, bytes: (await stat(out)).size });
  });

  it('refuses, in one line and writing nothing, when a row file is among the served data', async () => {
    const dirty = join(work, 'dirty');
    await cp(home, dirty, { recursive: true });
    await writeFile(join(dirty, 'models', `service-${DATASET}`, 'ratings.csv'), await readFile(join(fixture.dir, 'ratings.csv')));
    const out = join(work, 'dirty.zip');
    const r = await runCliAsync(['release', '--out', out, '--no-node-modules', '--data', fixture.dir], { REELREC_DATA_DIR: dirty });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^reelrec: .*ratings\.csv looks like MovieLens rows and is not shipped; nothing was written$/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a store people have written to: likes are theirs, not the release's", async () => {
    const used = join(work, 'used');
    await cp(home, used, { recursive: true });
    const store = await openBuiltStore(join(used, 'lancedb'));
    try {
      await like(store, 'web:v-1', 1, 1, 'web');
      await like(store, 'web:v-1', 2, -1, 'web');
    } finally {
      store.close();
    }
    const out = join(work, 'used.zip');
    const r = await runCliAsync(['release', '--out', out, '--no-node-modules', '--data', fixture.dir], { REELREC_DATA_DIR: used });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^reelrec: .*lancedb holds people's data \(likes: 2\) and is not shipped; .*nothing was written$/);
    expect(existsSync(out)).toBe(false);
  });

  it('before any build says to run it', async () => {
    const r = await runCliAsync(['release', '--out', join(work, 'never.zip'), '--data', fixture.dir], {
      REELREC_DATA_DIR: join(work, 'never-built'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^reelrec: nothing is built for ml-latest-taste in .*; run `reelrec build` first$/);
  });
});
