import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/recsys/ncf/backend.js';
import type { InteractionRows } from '../src/recsys/ncf/fine-tune.js';
import { NeuMF } from '../src/recsys/ncf/neumf.js';
import { makeTable, range } from './helpers/tables.js';

// Users 1–4 like movies 1–3; movies 4–8 are never rated. Fine-tuning rows then tell the model that
// every user likes movie 8 and not movie 4: after fine-tuning, 8 must outrank 4 for every user.
const table = makeTable(
  range(1, 4).flatMap((u) => range(1, 3).map((m) => [u, m, 5] as [number, number, number])),
  range(1, 8),
);
const rows: InteractionRows = (() => {
  const pairs = range(0, 3).flatMap((u) => [
    [u, 7, 1],
    [u, 3, 0],
  ]);
  return {
    length: pairs.length,
    user: Uint32Array.from(pairs, (p) => p[0] as number),
    item: Uint32Array.from(pairs, (p) => p[1] as number),
    interaction: Uint8Array.from(pairs, (p) => p[2] as number),
  };
})();

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

describe('NeuMF.fineTune', () => {
  it('moves scores toward the fine-tuning rows, on a clone, leaving the base model unchanged', async () => {
    const before = tf.memory().numTensors;
    const base = new NeuMF({ factors: 4, layers: [8, 4], epochs: 2, validationShare: 0, batchSize: 8, seed: 1 });
    await base.fit(table);
    const baseScores = new Float32Array(8);
    base.scoreUser(0, baseScores);
    const tuned = base.clone();
    const record = await tuned.fineTune(rows, { epochs: 30, learningRate: 0.05, mixOriginal: 0 });
    expect(record.rows).toBe(8);
    expect(record.losses).toHaveLength(30);
    expect(record.losses.at(-1)).toBeLessThan(record.losses[0] as number);
    expect(tuned.manifest.label).toBe('genre-finetuned');
    expect(tuned.manifest.fineTune).toMatchObject({ epochs: 30, learningRate: 0.05, mixOriginal: 0 });
    expect(base.manifest.label).toBe('base');
    const after = new Float32Array(8);
    for (let u = 0; u < 4; u++) {
      tuned.scoreUser(u, after);
      expect(after[7]).toBeGreaterThan(after[3] as number);
    }
    const baseAgain = new Float32Array(8);
    base.scoreUser(0, baseAgain);
    expect(Array.from(baseAgain)).toEqual(Array.from(baseScores));
    base.dispose();
    tuned.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mixes in original rows when asked, and the record survives save/load', async () => {
    const model = new NeuMF({ factors: 4, layers: [8, 4], epochs: 1, validationShare: 0, batchSize: 8 });
    await model.fit(table);
    await model.fineTune(rows, { epochs: 2, mixOriginal: 0.5 });
    const dir = join(await mkdtemp(join(tmpdir(), 'reelrec-ft-')), 'model');
    await model.save(dir);
    const loaded = await NeuMF.load(dir, table);
    expect(loaded.manifest.label).toBe('genre-finetuned');
    expect(loaded.manifest.fineTune).toMatchObject({ rows: 8, epochs: 2, mixOriginal: 0.5 });
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    model.scoreUser(2, a);
    loaded.scoreUser(2, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    model.dispose();
    loaded.dispose();
  });

  it('refuses an empty fine-tuning set', async () => {
    const model = new NeuMF({ factors: 2, layers: [4], epochs: 1, validationShare: 0 });
    await model.fit(table);
    const empty: InteractionRows = { length: 0, user: new Uint32Array(), item: new Uint32Array(), interaction: new Uint8Array() };
    await expect(model.fineTune(empty, { mixOriginal: 0 })).rejects.toMatchObject({ code: 'empty_training_set' });
    // With original data mixed in, an empty genre set is the "extra epoch only" control.
    await expect(model.fineTune(empty, { mixOriginal: 1, epochs: 1 })).resolves.toMatchObject({ rows: 0, epochs: 1 });
    model.dispose();
  });
});
