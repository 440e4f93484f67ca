import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFingerprint } from '../src/recsys/data/fingerprint.js';
import { RatingsBuilder } from '../src/recsys/data/ratings-table.js';
import { initBackend } from '../src/recsys/ncf/backend.js';
import { neumfConfig } from '../src/recsys/ncf/config.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION } from '../src/recsys/ncf/manifest.js';
import { createWeights, disposeWeights, forward, type NeuMFShape, snapshotWeights } from '../src/recsys/ncf/model.js';
import { loadModel, ModelFileError, type ModelManifestInput, saveModel } from '../src/recsys/ncf/persist.js';
import { makeTable, range } from './helpers/tables.js';

const shape: NeuMFShape = { users: 5, items: 7, factors: 4, layers: [8, 4] };
const itemIds = range(101, 107);
const rows: Array<[number, number, number]> = [
  [10, 101, 5],
  [11, 102, 3],
  [12, 103, 1],
  [13, 104, 4.5],
  [14, 105, 2],
  [10, 107, 3.5],
];
const table = makeTable(rows, itemIds);

function manifestInput(): ModelManifestInput {
  return {
    createdAt: '2025-01-02T03:04:05.000Z',
    label: 'base',
    dataset: { name: 'tiny', fingerprint: datasetFingerprint(table), ratings: table.length },
    userIds: Array.from(table.userIds),
    itemIds: Array.from(table.itemIds),
    shape,
    config: neumfConfig({ factors: 4, layers: [8, 4] }),
    backend: 'wasm',
    training: {
      seconds: 1.5,
      bestEpoch: 1,
      history: [
        { epoch: 1, loss: 0.5, valNdcg: 0.25, seconds: 0.7, samples: 30 },
        // JSON has no NaN; a diverged epoch must still round-trip.
        { epoch: 2, loss: Number.NaN, valNdcg: null, seconds: 0.8, samples: 30 },
      ],
    },
    metrics: { 'ndcg@10': 0.42, 'hr@10': Number.NaN },
  };
}

// createWeights leaves each variable's initialiser tensor registered (8 per call); the tidy variant
// drops them, so the leak test below measures only what saveModel / loadModel allocate.
const newWeights = (seed: number) => createWeights(shape, seed);

let root = '';
let counter = 0;
const freshDir = () => join(root, `model-${counter++}`);

/** A saved model folder (seed 1) whose weights are already disposed. */
async function savedDir(): Promise<string> {
  const dir = freshDir();
  const weights = newWeights(1);
  await saveModel(dir, { weights, manifest: manifestInput() });
  disposeWeights(weights);
  return dir;
}

async function refused(promise: Promise<unknown>): Promise<ModelFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelFileError);
  return error as ModelFileError;
}

async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const file = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

beforeAll(async () => {
  await initBackend();
  root = await mkdtemp(join(tmpdir(), 'reelrec-persist-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('datasetFingerprint', () => {
  it('is a stable sha256 of the content', () => {
    const a = datasetFingerprint(table);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetFingerprint(makeTable(rows, itemIds))).toBe(a);
  });

  it('changes when one rating changes', () => {
    const changed = rows.map((r): [number, number, number] => [...r]);
    (changed[2] as [number, number, number])[2] = 1.5;
    expect(datasetFingerprint(makeTable(changed, itemIds))).not.toBe(datasetFingerprint(table));
  });

  it('hashes 100k ratings in a few milliseconds', () => {
    const builder = new RatingsBuilder(1 << 17);
    for (let i = 0; i < 100_000; i++) builder.push(1 + (i % 943), i % 1682, 1 + (i % 5), i);
    const big = builder.finish(Int32Array.from(range(1, 1682)));
    datasetFingerprint(big);
    const start = performance.now();
    datasetFingerprint(big);
    // ml-100k's budget is 20 ms; the bound is loose so a busy CI machine does not flake.
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('changes with the item catalogue, ignores timestamps', () => {
    expect(datasetFingerprint(makeTable(rows, range(101, 108)))).not.toBe(datasetFingerprint(table));
    const later = rows.map(([u, i, r], n): [number, number, number, number] => [u, i, r, 1_000_000 + n]);
    expect(datasetFingerprint(makeTable(later, itemIds))).toBe(datasetFingerprint(table));
  });
});

describe('saveModel / loadModel', () => {
  it('round-trips every weight, the logits and the manifest', async () => {
    const dir = freshDir();
    const weights = newWeights(1);
    const saved = await saveModel(dir, { weights, manifest: manifestInput() });
    expect(await readdir(dir)).toEqual(['manifest.json', 'weights.bin']);
    expect(saved.weights.tensors.map((t) => t.name)).toEqual([
      'gmfUser',
      'gmfItem',
      'mlpUser',
      'mlpItem',
      'dense0.kernel',
      'dense0.bias',
      'out.kernel',
      'out.bias',
    ]);
    const floats = (5 + 7) * 4 + (5 + 7) * 4 + 8 * 4 + 4 + 8 + 1;
    expect(saved.weights.bytes).toBe(floats * 4);
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(floats * 4);

    const loaded = await loadModel(dir, { fingerprint: datasetFingerprint(table), userIds: table.userIds, itemIds: table.itemIds });
    expect(loaded.manifest).toEqual({ ...manifestInput(), format: MANIFEST_FORMAT, version: MANIFEST_VERSION, weights: saved.weights });
    expect(loaded.manifest).toEqual(saved);
    expect(snapshotWeights(loaded.weights)).toEqual(snapshotWeights(weights));

    const users = tf.tensor1d([0, 1, 2, 3, 4, 0, 4], 'int32');
    const items = tf.tensor1d([0, 1, 2, 3, 4, 5, 6], 'int32');
    const before = forward(weights, users, items);
    const after = forward(loaded.weights, users, items);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    tf.dispose([users, items, before, after]);
    disposeWeights(weights);
    disposeWeights(loaded.weights);
  });

  it('replaces an existing model atomically, leaving no temp folders', async () => {
    const dir = await savedDir();
    const second = newWeights(2);
    await saveModel(dir, { weights: second, manifest: { ...manifestInput(), label: 'genre-finetuned' } });
    const loaded = await loadModel(dir);
    expect(loaded.manifest.label).toBe('genre-finetuned');
    expect(snapshotWeights(loaded.weights)).toEqual(snapshotWeights(second));
    expect((await readdir(root)).filter((name) => name.startsWith('.'))).toEqual([]);
    disposeWeights(second);
    disposeWeights(loaded.weights);
  });

  it('refuses to replace a folder that is not a model, and to save inconsistent ids', async () => {
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const weights = newWeights(1);
    const notModel = await refused(saveModel(dir, { weights, manifest: manifestInput() }));
    expect(notModel.message).toMatch(/not a reelrec model/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
    const badIds = await refused(saveModel(freshDir(), { weights, manifest: { ...manifestInput(), itemIds: [1, 2] } }));
    expect(badIds.message).toMatch(/shape says 7 items but itemIds has 2/);
    disposeWeights(weights);
  });

  it('rejects a corrupted weights.bin', async () => {
    const dir = await savedDir();
    const file = join(dir, 'weights.bin');
    const bytes = await readFile(file);
    bytes[17] = (bytes[17] as number) ^ 0xff;
    await writeFile(file, bytes);
    const error = await refused(loadModel(dir));
    expect(error.code).toBe('model_file');
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/weights\.bin is corrupted \(sha256 [0-9a-f]{64} ≠ [0-9a-f]{64}/);
  });

  it('rejects a truncated weights.bin', async () => {
    const dir = await savedDir();
    const file = join(dir, 'weights.bin');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.byteLength - 4));
    const error = await refused(loadModel(dir));
    expect(error.file).toBe(file);
    expect(error.message).toContain(`weights.bin is ${bytes.byteLength - 4} bytes, manifest says ${bytes.byteLength}`);
  });

  it('rejects a missing weights.bin and a missing manifest.json', async () => {
    const dir = await savedDir();
    await rm(join(dir, 'weights.bin'));
    expect((await refused(loadModel(dir))).message).toMatch(/weights\.bin: missing/);
    await rm(join(dir, 'manifest.json'));
    const error = await refused(loadModel(dir));
    expect(error.file).toBe(join(dir, 'manifest.json'));
    expect(error.message).toMatch(/manifest\.json: missing/);
  });

  it('rejects invalid JSON, a wrong format or version, missing fields and a wrong tensor list', async () => {
    const dir = await savedDir();
    const file = join(dir, 'manifest.json');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.slice(0, 40));
    expect((await refused(loadModel(dir))).message).toMatch(/manifest\.json: invalid JSON/);

    const cases: Array<[(m: Record<string, unknown>) => void, RegExp]> = [
      [(m) => (m.version = 2), /manifest version 2 is not supported \(this reelrec reads 1\)/],
      [(m) => (m.format = 'keras'), /not a reelrec model manifest \(format "keras"/],
      [(m) => delete m.label, /missing field "label"/],
      [(m) => ((m.dataset as Record<string, unknown>).ratings = 'many'), /field "dataset\.ratings"/],
      [(m) => ((m.shape as Record<string, unknown>).factors = 5), /shape \(factors 5, layers 8-4\) does not match config \(factors 4/],
      [
        (m) =>
          (((m.weights as Record<string, unknown>).tensors as Array<Record<string, unknown>>)[1] = {
            name: 'x',
            shape: [1],
            offset: 0,
            length: 1,
          }),
        /weights\.tensors\[1\] is x \[1\]/,
      ],
    ];
    for (const [edit, message] of cases) {
      await writeFile(file, good);
      await editManifest(dir, edit);
      const error = await refused(loadModel(dir));
      expect(error.file).toBe(file);
      expect(error.message).toMatch(message);
    }
  });

  it('refuses a model trained on other data', async () => {
    const dir = await savedDir();
    const other = datasetFingerprint(makeTable(rows.slice(1), itemIds));
    const error = await refused(loadModel(dir, { fingerprint: other }));
    expect(error.code).toBe('model_mismatch');
    expect(error.message).toContain(`model was trained on dataset tiny (fingerprint ${datasetFingerprint(table).slice(0, 12)}…)`);
    expect(error.message).toContain(`but the loaded data has ${other.slice(0, 12)}…; retrain with \`reelrec train\``);

    const shifted = [...itemIds.slice(0, 6), 999];
    expect((await refused(loadModel(dir, { itemIds: shifted }))).message).toMatch(/1 of 7 items differ/);
    const fewerUsers = Array.from(table.userIds).slice(0, 4);
    const both = await refused(loadModel(dir, { userIds: fewerUsers, itemIds: [...itemIds, 108] }));
    expect(both.code).toBe('model_mismatch');
    expect(both.message).toMatch(/1 of 5 users differ from the loaded data's 4 users; 1 of 7 items differ from the loaded data's 8 items/);
  });

  it('leaks no tensors, also when a load is refused', async () => {
    const start = tf.memory().numTensors;
    const weights = newWeights(3);
    const dir = freshDir();
    await saveModel(dir, { weights, manifest: manifestInput() });
    const loaded = await loadModel(dir);
    disposeWeights(weights);
    disposeWeights(loaded.weights);
    await refused(loadModel(dir, { fingerprint: '0'.repeat(64) }));
    await writeFile(join(dir, 'weights.bin'), 'garbage');
    await refused(loadModel(dir));
    expect(tf.memory().numTensors).toBe(start);
  });
});
