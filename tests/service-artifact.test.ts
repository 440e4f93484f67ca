import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReelrecError } from '../src/errors.js';
import type { RatingsTable } from '../src/recsys/data/types.js';
import { loadServiceArtifact, SERVICE_FORMAT, SERVICE_VERSION, saveServiceArtifact } from '../src/service/artifact.js';
import { serviceFromPieces } from '../src/service/parts.js';
import { createTestServiceBundle, type TestServiceBundle } from './helpers/service.js';

let bundle: TestServiceBundle;
let root: string;
let counter = 0;

beforeAll(async () => {
  bundle = await createTestServiceBundle();
  root = await mkdtemp(path.join(os.tmpdir(), 'reelrec-service-artifact-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A fresh parent folder holding a saved copy of the bundle's artefact at `<parent>/service`. */
async function savedCopy(): Promise<{ parent: string; dir: string }> {
  const parent = path.join(root, `case-${++counter}`);
  const dir = path.join(parent, 'service');
  await saveServiceArtifact(dir, bundle.artifact);
  return { parent, dir };
}

async function loadError(dir: string, ratings: RatingsTable = bundle.data.ratings): Promise<ReelrecError> {
  let caught: unknown;
  try {
    await loadServiceArtifact(dir, ratings);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ReelrecError);
  return caught as ReelrecError;
}

describe('service artefact', () => {
  it('round-trips through save and load', async () => {
    const { dir } = await savedCopy();
    const loaded = await loadServiceArtifact(dir, bundle.data.ratings);
    const original = bundle.artifact;
    expect(loaded.itemItem.info).toEqual(original.itemItem.info);
    expect(Array.from(loaded.itemItem.offsets)).toEqual(Array.from(original.itemItem.offsets));
    expect(Array.from(loaded.itemItem.targets)).toEqual(Array.from(original.itemItem.targets));
    expect(Array.from(loaded.itemItem.weights)).toEqual(Array.from(original.itemItem.weights));
    expect(Array.from(loaded.neighbours.offsets)).toEqual(Array.from(original.neighbours.offsets));
    expect(Array.from(loaded.neighbours.targets)).toEqual(Array.from(original.neighbours.targets));
    expect(Array.from(loaded.perPick)).toEqual(Array.from(original.perPick));
    expect(loaded.perPick.length).toBe(loaded.manifest.foldIn.nItems * loaded.manifest.foldIn.width);
    expect(loaded.neighbours.offsets).toBeInstanceOf(Uint32Array);
    expect(loaded.neighbours.targets).toBeInstanceOf(Uint32Array);
    expect(loaded.blend).toEqual(original.blend);
    expect(loaded.manifest).toEqual(original.manifest);
    expect(loaded.manifest.format).toBe(SERVICE_FORMAT);
    expect(loaded.manifest.version).toBe(SERVICE_VERSION);
    // Every movie of the fixture has a vector, so every movie has neighbours, never itself; the recall is recorded.
    const { neighbours } = loaded;
    for (let i = 0; i < loaded.itemItem.nItems; i++) {
      expect(neighbours.offsets[i + 1] as number).toBeGreaterThan(neighbours.offsets[i] as number);
      for (let k = neighbours.offsets[i] as number; k < (neighbours.offsets[i + 1] as number); k++)
        expect(neighbours.targets[k]).not.toBe(i);
    }
    expect(loaded.manifest.neighbours.text.recallAtK).toBeGreaterThan(0.99);
    expect(loaded.manifest.neighbours.collaborative.recallAtK).toBeGreaterThan(0.99);
    expect(loaded.manifest.neighbours.entries).toBe(neighbours.targets.length);
    // Every rated movie of the fixture has neighbours, and none is its own.
    expect(loaded.itemItem.nItems).toBe(bundle.data.catalogue.movies.length);
    expect(loaded.itemItem.info.covered).toBe(loaded.itemItem.info.rated);
    for (let i = 0; i < loaded.itemItem.nItems; i++)
      for (let k = loaded.itemItem.offsets[i]; k < loaded.itemItem.offsets[i + 1]; k++) expect(loaded.itemItem.targets[k]).not.toBe(i);
  });

  it('leaves no .tmp- folder behind, also when overwriting', async () => {
    const { parent, dir } = await savedCopy();
    expect(await readdir(parent)).toEqual(['service']);
    expect((await readdir(dir)).sort()).toEqual(['fold-in-picks.f32', 'item-item.csr', 'neighbours.csr', 'service.json']);
    await saveServiceArtifact(dir, bundle.artifact);
    expect(await readdir(parent)).toEqual(['service']);
    const { offsets, targets, weights } = bundle.artifact.itemItem;
    expect((await stat(path.join(dir, 'item-item.csr'))).size).toBe(offsets.byteLength + targets.byteLength + weights.byteLength);
  });

  it('a flipped byte in item-item.csr → service_file naming the file', async () => {
    const { dir } = await savedCopy();
    const file = path.join(dir, 'item-item.csr');
    const bytes = await readFile(file);
    bytes[101] = (bytes[101] as number) ^ 0x10;
    await writeFile(file, bytes);
    const error = await loadError(dir);
    expect(error.code).toBe('service_file');
    expect(error.message).toContain(file);
  });

  it('a truncated or missing item-item.csr → service_file', async () => {
    const { dir } = await savedCopy();
    const file = path.join(dir, 'item-item.csr');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 4));
    const short = await loadError(dir);
    expect(short.code).toBe('service_file');
    expect(short.message).toContain('item-item.csr');
    await rm(file);
    const missing = await loadError(dir);
    expect(missing.code).toBe('service_file');
    expect(missing.message).toContain('item-item.csr');
  });

  // A length that is not a multiple of 4 once escaped as a RangeError from the Float32Array view.
  it('an item-item.csr cut mid-float → service_file naming the file', async () => {
    const { dir } = await savedCopy();
    const file = path.join(dir, 'item-item.csr');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    const error = await loadError(dir);
    expect(error.code).toBe('service_file');
  });

  it('a flipped, truncated or missing neighbours.csr → service_file naming the file', async () => {
    const { dir } = await savedCopy();
    const file = path.join(dir, 'neighbours.csr');
    const bytes = await readFile(file);
    const flipped = Buffer.from(bytes);
    flipped[9] = (flipped[9] as number) ^ 0x01;
    await writeFile(file, flipped);
    expect((await loadError(dir)).message).toContain(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 2));
    const short = await loadError(dir);
    expect(short.code).toBe('service_file');
    expect(short.message).toContain(file);
    await rm(file);
    expect((await loadError(dir)).message).toContain(file);
  });

  it('a flipped, truncated or missing fold-in-picks.f32 → service_file naming the file', async () => {
    const { dir } = await savedCopy();
    const file = path.join(dir, 'fold-in-picks.f32');
    const bytes = await readFile(file);
    const flipped = Buffer.from(bytes);
    flipped[5] = (flipped[5] as number) ^ 0x01;
    await writeFile(file, flipped);
    const changed = await loadError(dir);
    expect(changed.code).toBe('service_file');
    expect(changed.message).toContain(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 2));
    expect((await loadError(dir)).message).toContain(file);
    await rm(file);
    expect((await loadError(dir)).message).toContain(file);
  });

  it('fold-in vectors made for another NeuMF → service_mismatch, not a silently wrong answer', async () => {
    const { data, neumf, artifact, parts } = bundle;
    const other = { ...artifact, manifest: { ...artifact.manifest, foldIn: { ...artifact.manifest.foldIn, neumfSha256: '0'.repeat(64) } } };
    let caught: unknown;
    try {
      await serviceFromPieces({ data, neumf, movies: parts.movies, artifact: other, embedder: 'hashing test' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReelrecError);
    expect((caught as ReelrecError).code).toBe('service_mismatch');
    expect((caught as ReelrecError).message).toContain('reelrec build');
  });

  it('an artefact from an older reelrec (version 2, no neighbour lists) → service_file saying to rebuild', async () => {
    const { dir } = await savedCopy();
    const manifestFile = path.join(dir, 'service.json');
    const { neighbours: _dropped, ...manifest } = JSON.parse(await readFile(manifestFile, 'utf8'));
    await writeFile(manifestFile, JSON.stringify({ ...manifest, version: 2 }));
    await rm(path.join(dir, 'neighbours.csr'));
    const error = await loadError(dir);
    expect(error.code).toBe('service_file');
    expect(error.message).toContain(manifestFile);
    expect(error.message).toContain('version 2');
    expect(error.message).toContain('reelrec build');
  });

  it('a manifest made for other ratings → service_mismatch', async () => {
    const { dir } = await savedCopy();
    const ratings = bundle.data.ratings;
    const changed: RatingsTable = { ...ratings, rating: ratings.rating.slice() };
    changed.rating[5] = (changed.rating[5] as number) === 5 ? 4 : 5;
    const error = await loadError(dir, changed);
    expect(error.code).toBe('service_mismatch');
    expect(error.message).toContain('service.json');
    // The unchanged table still loads.
    await expect(loadServiceArtifact(dir, ratings)).resolves.toBeDefined();
  });

  it('a missing folder → service_not_built', async () => {
    const dir = path.join(root, 'never-built', 'service');
    const error = await loadError(dir);
    expect(error.code).toBe('service_not_built');
    expect(error.message).toContain(path.join(dir, 'service.json'));
  });

  it('a broken manifest → service_file naming it', async () => {
    const { dir } = await savedCopy();
    const manifestFile = path.join(dir, 'service.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));

    await writeFile(manifestFile, '{ not json');
    let error = await loadError(dir);
    expect(error.code).toBe('service_file');
    expect(error.message).toContain(manifestFile);

    await writeFile(manifestFile, JSON.stringify({ ...manifest, version: 99 }));
    error = await loadError(dir);
    expect(error.code).toBe('service_file');
    expect(error.message).toContain('version');

    // A neighbour count that does not match the file (checksum still fine).
    const nonZeros = manifest.itemItem.nonZeros + 1;
    await writeFile(manifestFile, JSON.stringify({ ...manifest, itemItem: { ...manifest.itemItem, nonZeros } }));
    error = await loadError(dir);
    expect(error.code).toBe('service_file');
    expect(error.message).toContain('item-item.csr');

    // Invalid blend weights: rejected with the manifest named.
    await writeFile(manifestFile, JSON.stringify({ ...manifest, blend: { buckets: [] } }));
    error = await loadError(dir);
    expect(error.code).toBe('blend_invalid');
    expect(error.message).toContain(manifestFile);
  });
});
