import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import type { Config } from '../config.js';
import { ReelrecError } from '../errors.js';
import { artifactsDir, isRemoteStore, lancedbUri, modelDir, serviceDir } from '../paths.js';
import { openBuiltStore } from '../store/index.js';
import { builtName, isBuilt } from './first-run.js';

/** The installed package: where dist/, assets/, node_modules/ and package.json of this CLI are. */
export const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Code a release carries, relative to the app root. node_modules is what `npm prune --omit=dev`
 * left; its `.bin` links are for npm scripts, which a release never runs.
 */
const CODE = ['package.json', 'dist', 'assets'] as const;

/**
 * What `reelrec start --no-build` reads from the data dir, and nothing else: build.json (the
 * "built" mark), the genre-fine-tuned NeuMF, the service artefact, and the LanceDB store when it
 * is a local folder. Sampled and genre datasets (MovieLens rows), charts, the base NeuMF and the
 * LaMini cache are left out; MovieLens itself is read at run time from MOVIELENS_DIR. A local store
 * that people have written to is refused (peopleRows).
 */
export function servedData(config: Config, dataset: string): Array<{ from: string; to: string }> {
  const inData = (from: string) => ({ from, to: `data/${path.relative(config.dataDir, from).split(path.sep).join('/')}` });
  const pieces = [
    inData(path.join(artifactsDir(config, dataset), 'build.json')),
    inData(modelDir(config, dataset, 'genre')),
    inData(serviceDir(config, dataset)),
  ];
  // A store elsewhere on disk goes where a release looks for it by default.
  if (!isRemoteStore(config)) pieces.push({ from: lancedbUri(config), to: 'data/lancedb' });
  return pieces;
}

/**
 * File names that hold MovieLens rows or formats made of them. Nothing served has such a name, so
 * finding one among the served data means a build wrote rows where models live: refused, not shipped.
 */
export function looksLikeRowFile(name: string): boolean {
  const base = path.posix.basename(name).toLowerCase();
  return /\.(csv|tsv|dat|data|item|user|genre|occupation)$/.test(base) || /^u\d*\.|^ua\.|^ub\./.test(base);
}

/**
 * Rows people wrote into a local store (likes, poster messages, web and Discord profiles, issued
 * visitors), by table. A build leaves them empty; a store a front has served holds people's data,
 * which a release (a downloadable artifact) must not carry.
 */
export async function peopleRows(uri: string): Promise<Record<string, number>> {
  const store = await openBuiltStore(uri);
  try {
    const counts: Record<string, number> = {
      likes: await store.tables.likes.countRows(),
      messages: await store.tables.messages.countRows(),
      users: await store.tables.users.countRows("source <> 'movielens'"),
    };
    // The visitors table exists once a server has issued visitors (it is not made by the build).
    if ((await store.db.tableNames()).includes('visitors')) counts.visitors = await (await store.db.openTable('visitors')).countRows();
    return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  } finally {
    store.close();
  }
}

export interface ReleaseOptions {
  out: string;
  /** Leave node_modules out (a host that installs production dependencies itself). */
  nodeModules: boolean;
  appRoot?: string;
  log: (line: string) => void;
}

export interface ReleaseSummary {
  dataset: string;
  out: string;
  files: number;
  bytes: number;
  /** False when the store is on object storage (`az://…`): the instances open it there. */
  storeIncluded: boolean;
}

interface Entry {
  file: string;
  name: string;
}

/**
 * Every file under `from` as zip entries under `to`. Symbolic links are followed (a linked
 * node_modules, say), each real folder once so a link loop cannot recur; `.bin` folders are skipped.
 */
async function collect(from: string, to: string, out: Entry[], seen = new Set<string>()): Promise<void> {
  const info = await stat(from).catch(() => null);
  if (info === null) return; // a dangling link: nothing to ship
  if (info.isFile()) {
    out.push({ file: from, name: to });
    return;
  }
  if (!info.isDirectory()) return;
  const real = await realpath(from);
  if (seen.has(real)) return;
  seen.add(real);
  for (const entry of (await readdir(from)).sort()) {
    if (entry === '.bin') continue;
    await collect(path.join(from, entry), `${to}/${entry}`, out, seen);
  }
}

/**
 * Writes the release zip: the app's code and, from the data dir, only what serving reads
 * (servedData). Written beside `out` and renamed into place when complete.
 */
export async function writeRelease(config: Config, options: ReleaseOptions): Promise<ReleaseSummary> {
  const appRoot = options.appRoot ?? APP_ROOT;
  const dataset = await builtName(config);
  if (!isBuilt(config, dataset)) {
    throw new ReelrecError('service_not_built', `nothing is built for ${dataset} in ${config.dataDir}; run \`reelrec build\` first`);
  }
  const entries: Entry[] = [];
  for (const part of [...CODE, ...(options.nodeModules ? ['node_modules'] : [])]) {
    const from = path.join(appRoot, part);
    if (!existsSync(from)) throw new ReelrecError('release_incomplete', `${from} is missing; run \`npm ci\` and \`npm run build\` first`);
    await collect(from, part, entries);
  }
  const data: Entry[] = [];
  for (const piece of servedData(config, dataset)) {
    if (!existsSync(piece.from)) throw new ReelrecError('release_incomplete', `${piece.from} is missing; run \`reelrec build\` again`);
    await collect(piece.from, piece.to, data);
  }
  const rows = data.filter((entry) => looksLikeRowFile(entry.name));
  if (rows.length > 0) {
    throw new ReelrecError('release_refused', `${rows[0]?.file} looks like MovieLens rows and is not shipped; nothing was written`);
  }
  entries.push(...data);
  const storeIncluded = !isRemoteStore(config);
  if (storeIncluded) {
    const people = Object.entries(await peopleRows(lancedbUri(config)));
    if (people.length > 0) {
      throw new ReelrecError(
        'release_refused',
        `${lancedbUri(config)} holds people's data (${people.map(([table, n]) => `${table}: ${n}`).join(', ')}) and is not shipped; release from a fresh \`reelrec build\` (as CI does); nothing was written`,
      );
    }
  }
  if (!storeIncluded) options.log(`reelrec release: the store is ${lancedbUri(config)}: instances open it there, none is shipped`);

  const out = path.resolve(options.out);
  await mkdir(path.dirname(out), { recursive: true });
  const temp = `${out}.tmp-${process.pid}`;
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addFile(entry.file, entry.name);
  zip.end();
  try {
    await new Promise<void>((resolve, reject) => {
      const sink = createWriteStream(temp);
      sink.on('error', reject);
      zip.outputStream.on('error', reject);
      sink.on('close', resolve);
      zip.outputStream.pipe(sink);
    });
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { force: true });
    throw new ReelrecError('release_failed', `${out}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { dataset, out, files: entries.length, bytes: (await stat(out)).size, storeIncluded };
}
