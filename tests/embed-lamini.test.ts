import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReelrecError } from '../src/errors.js';
import { createEmbedder } from '../src/recsys/embed/create.js';
import { cosine } from '../src/recsys/embed/embedder.js';
import { LaMiniEmbedder } from '../src/recsys/embed/lamini.js';
import { TINY_D_MODEL, tinyEmbeddingRow, tinyTokenId, writeTinyT5 } from './helpers/tiny-onnx.js';

// Belt and braces: every load below is offline, and the hub must never be contacted from tests.
env.allowRemoteModels = false;

const MODEL = 'test/tiny-t5';
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'reelrec-embed-'));
  await writeTinyT5(cacheDir, MODEL);
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

async function expectUnavailable(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReelrecError);
  expect((err as ReelrecError).code).toBe('embedder_unavailable');
  expect((err as ReelrecError).message).toMatch(message);
  expect((err as ReelrecError).message).not.toContain('\n');
}

describe('LaMiniEmbedder on a tiny T5-layout model (real transformers.js + onnxruntime)', () => {
  it('mean-pools last_hidden_state over the attention mask and L2-normalises', async () => {
    for (const dtype of ['q8', 'fp32'] as const) {
      const embedder = await LaMiniEmbedder.load({ model: MODEL, cacheDir, offline: true, dtype });
      try {
        expect(embedder.info).toEqual({ id: 'lamini', model: MODEL, dimension: TINY_D_MODEL });
        const [v] = await embedder.embed(['The toy story']);
        expect(v).toHaveLength(TINY_D_MODEL);
        expect(norm(v)).toBeCloseTo(1, 5);
        // Tokens: ▁the ▁toy ▁story </s> — T5's eos is a real (unmasked) token, so it is in the mean.
        const ids = [tinyTokenId('the'), tinyTokenId('toy'), tinyTokenId('story'), 1];
        const mean = Array.from({ length: TINY_D_MODEL }, (_, k) => ids.reduce((s, id) => s + tinyEmbeddingRow(id)[k], 0) / ids.length);
        const length = Math.hypot(...mean);
        mean.forEach((x, k) => {
          expect(v[k]).toBeCloseTo(x / length, 5);
        });
      } finally {
        await embedder.dispose();
      }
    }
  });

  it('gives a text the same vector alone and padded in a batch, and different texts differ', async () => {
    const embedder = await LaMiniEmbedder.load({ model: MODEL, cacheDir, offline: true, batchSize: 4 });
    try {
      const [alone] = await embedder.embed(['toy']);
      const texts = ['a pirate ship war in the dark night', 'toy', 'ghost house horror', 'love romance'];
      const batch = await embedder.embed(texts);
      expect(batch).toHaveLength(texts.length);
      alone.forEach((x, k) => {
        expect(batch[1][k]).toBeCloseTo(x, 6);
      });
      for (const v of batch) expect(norm(v)).toBeCloseTo(1, 5);
      expect(cosine(batch[0], batch[1])).toBeLessThan(0.999);
      expect(cosine(batch[2], batch[3])).toBeLessThan(0.999);
    } finally {
      await embedder.dispose();
    }
  });

  it('refuses empty text, naming its index', async () => {
    const embedder = await LaMiniEmbedder.load({ model: MODEL, cacheDir, offline: true });
    try {
      await expect(embedder.embed(['toy', '  '])).rejects.toMatchObject({ code: 'empty_text', message: expect.stringContaining('text 1') });
    } finally {
      await embedder.dispose();
    }
  });

  it('reports a model missing from the cache in offline mode as embedder_unavailable', async () => {
    await expectUnavailable(
      LaMiniEmbedder.load({ model: 'test/absent', cacheDir, offline: true }),
      new RegExp(`^test/absent: not in the local cache .*${cacheDir.split('/').pop()} and offline`),
    );
  });

  it('reports a corrupt model file as embedder_unavailable', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'reelrec-embed-broken-'));
    try {
      const root = await writeTinyT5(broken, MODEL);
      await writeFile(join(root, 'onnx', 'encoder_model_quantized.onnx'), 'not an onnx model');
      await expectUnavailable(
        LaMiniEmbedder.load({ model: MODEL, cacheDir: broken, offline: true }),
        /^test\/tiny-t5: could not be loaded from /,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('createEmbedder', () => {
  it("'auto' falls back to hashing with exactly one WARNING line when LaMini is missing", async () => {
    const lines: string[] = [];
    const embedder = await createEmbedder({ kind: 'auto', model: 'test/absent', cacheDir, offline: true, log: (l) => lines.push(l) });
    expect(embedder.info.id).toBe('hashing');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^reelrec: WARNING: LaMini embedder unavailable \(test\/absent: not in the local cache /);
    expect(lines[0]).toContain('falling back to the hashing embedder');
    expect(lines[0]).toContain('REELREC_EMBEDDER=hashing');
    expect(lines[0]).not.toContain('\n');
  });

  it("'auto' uses LaMini silently when the model is available", async () => {
    const lines: string[] = [];
    const embedder = await createEmbedder({ kind: 'auto', model: MODEL, cacheDir, offline: true, log: (l) => lines.push(l) });
    try {
      expect(embedder.info).toEqual({ id: 'lamini', model: MODEL, dimension: TINY_D_MODEL });
      expect(lines).toEqual([]);
    } finally {
      await embedder.dispose?.();
    }
  });

  it("'lamini' fails loudly when the model is missing", async () => {
    const lines: string[] = [];
    await expectUnavailable(
      createEmbedder({ kind: 'lamini', model: 'test/absent', cacheDir, offline: true, log: (l) => lines.push(l) }),
      /not in the local cache/,
    );
    expect(lines).toEqual([]);
  });

  it("'hashing' is an explicit choice that loads no model", async () => {
    const lines: string[] = [];
    const embedder = await createEmbedder({ kind: 'hashing', dimension: 64, log: (l) => lines.push(l) });
    expect(embedder.info).toEqual({ id: 'hashing', model: 'hashing-v1-64', dimension: 64 });
    expect(lines).toEqual([]);
  });
});
