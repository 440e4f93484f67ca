import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NeuMF } from '../src/recsys/ncf/neumf.js';
import { loadServiceArtifact, saveServiceArtifact } from '../src/service/artifact.js';
import { KNOWN_USER_SIGNALS, NEUMF_ONLY, parseKnownUserWeights } from '../src/service/known-user.js';
import { knownUserParts, knownUserValidation, tuneKnownUser } from '../src/service/tune-known-user.js';
import { createTestServiceBundle, SMALL_NEUMF, type TestServiceBundle } from './helpers/service.js';

let bundle: TestServiceBundle;
let root: string;

beforeAll(async () => {
  bundle = await createTestServiceBundle();
  root = await mkdtemp(path.join(os.tmpdir(), 'reelrec-known-user-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('known-user validation split', () => {
  it('hides about a quarter of each validation user’s ratings and nothing else', () => {
    const { ratings } = bundle.data;
    const validation = knownUserValidation(ratings, 0.2, 7);
    expect(validation.hidden.size).toBeGreaterThan(0);
    const hiddenCount = [...validation.hidden.values()].reduce((n, s) => n + s.size, 0);
    expect(validation.train.length).toBe(ratings.length - hiddenCount);
    for (const [user, items] of validation.hidden) {
      for (let r = 0; r < validation.train.length; r++) {
        if (validation.train.user[r] === user) expect(items.has(validation.train.item[r] as number)).toBe(false);
      }
    }
    expect(knownUserValidation(ratings, 0.2, 7).hidden).toEqual(validation.hidden);
  });
});

describe('known-user ranker tuning', () => {
  it('is at least as good as NeuMF alone on its validation users', async () => {
    const validation = knownUserValidation(bundle.data.ratings, 0.3, 11);
    const neumf = new NeuMF({ seed: 42, ...SMALL_NEUMF }, { datasetName: bundle.data.name });
    try {
      await neumf.fit(validation.train);
      const tuning = tuneKnownUser(knownUserParts(validation.train), neumf, validation);
      expect(tuning.users).toBe(validation.hidden.size);
      expect(tuning.ndcg).toBeGreaterThanOrEqual(tuning.neumfOnlyNdcg);
      expect(Object.keys(tuning.weights).sort()).toEqual([...KNOWN_USER_SIGNALS].sort());
    } finally {
      neumf.dispose();
    }
  });

  it('the build records its validation figures beside the weights', () => {
    const { knownUser } = bundle.artifact.manifest;
    expect(knownUser.users).toBeGreaterThan(0);
    expect(knownUser.ndcg).toBeGreaterThanOrEqual(knownUser.neumfOnlyNdcg);
    expect(bundle.artifact.knownUser).toEqual(knownUser.weights);
  });
});

describe('known-user weights in the artefact', () => {
  it('round-trip through save and load', async () => {
    const dir = path.join(root, 'round-trip');
    await saveServiceArtifact(dir, bundle.artifact);
    const loaded = await loadServiceArtifact(dir, bundle.data.ratings);
    expect(loaded.knownUser).toEqual(bundle.artifact.knownUser);
    expect(loaded.manifest.knownUser).toEqual(bundle.artifact.manifest.knownUser);
  });

  it('a manifest with broken weights is refused, naming the file', async () => {
    const dir = path.join(root, 'broken');
    await saveServiceArtifact(dir, bundle.artifact);
    const file = path.join(dir, 'service.json');
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.knownUser.weights = { neumf: 'high' };
    await writeFile(file, JSON.stringify(manifest));
    await expect(loadServiceArtifact(dir, bundle.data.ratings)).rejects.toThrow(/service\.json: not valid known-user weights/);
  });

  it('all-zero weights are refused: they would rank nothing', () => {
    expect(() => parseKnownUserWeights({ neumf: 0, itemItem: 0, popularity: 0 }, 'x')).toThrow(/known-user/);
    expect(parseKnownUserWeights(NEUMF_ONLY, 'x')).toEqual(NEUMF_ONLY);
  });
});

describe('known-user answers', () => {
  it('keep their shape: known-user strategy with the ranker’s weights, reasons from its signals', async () => {
    const answer = await bundle.service.recommendForKnownUser(1, 10);
    expect(answer.strategy).toEqual({ kind: 'known-user', weights: bundle.artifact.knownUser });
    expect(answer.items).toHaveLength(10);
    for (const item of answer.items) {
      expect(Object.keys(item).sort()).toEqual(['movie', 'reasons', 'score']);
      expect(typeof item.score).toBe('number');
    }
    const scores = answer.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });
});
