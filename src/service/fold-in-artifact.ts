import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ReelrecError } from '../errors.js';
import { startProgress } from '../progress.js';
import type { NeuMF } from '../recsys/ncf/neumf.js';
import type { FoldInModel } from './signals/fold-in.js';
import { FOLD_IN_DEFAULTS, foldInModel } from './signals/fold-in-fit.js';

/** nItems × (factors + half) f32: every movie's one-pick fold-in vector for the served NeuMF. */
export const FOLD_IN_FILE = 'fold-in-picks.f32';

/** What the manifest says of the one-pick vectors: their shape, how they were fitted, and for which weights. */
export const FoldInManifestSchema = z.object({
  nItems: z.number().int().min(0),
  width: z.number().int().min(1),
  options: z.object({ steps: z.number().int(), learningRate: z.number(), negatives: z.number().int(), l2: z.number() }),
  /** sha256 of the served NeuMF's weights, so a retrained model is never paired with stale vectors. */
  neumfSha256: z.string(),
  seconds: z.number(),
  file: z.string(),
  sha256: z.string(),
});
export type FoldInManifest = z.infer<typeof FoldInManifestSchema>;

/** sha256 of NeuMF weight values in `weightList` order (little-endian f32, as `weights.bin` stores them). */
export function neumfDigest(neumf: NeuMF): string {
  const hash = createHash('sha256');
  for (const v of neumf.weightValues().values) hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return hash.digest('hex');
}

/**
 * The fold-in of `neumf`: its one-pick vectors fitted here, with progress (about half a millisecond
 * a movie), or `perPick` from a saved artefact.
 */
export function foldInOf(neumf: NeuMF, trained: Uint8Array, perPick?: Float32Array): FoldInModel {
  const { shape, values } = neumf.weightValues();
  if (perPick) return foldInModel(shape, values, { trained, perPick });
  const progress = startProgress('fold-in: one-pick user vector per movie', shape.items, 'movies');
  try {
    return foldInModel(shape, values, { trained, onMovie: () => progress.increment() });
  } finally {
    progress.stop();
  }
}

/** The served model's one-pick vectors, with their manifest entry but its checksum. */
export function fitServedPerPick(served: NeuMF, trained: Uint8Array): { perPick: Float32Array; manifest: Omit<FoldInManifest, 'sha256'> } {
  const started = performance.now();
  const model = foldInOf(served, trained);
  return {
    perPick: model.perPick,
    manifest: {
      nItems: model.nItems,
      width: model.factors + model.half,
      options: { ...FOLD_IN_DEFAULTS },
      neumfSha256: neumfDigest(served),
      seconds: (performance.now() - started) / 1000,
      file: FOLD_IN_FILE,
    },
  };
}

/** The vectors as a view on `bytes` (already checksummed), checked against the manifest and the catalogue. */
export function perPickOf(bytes: Uint8Array, file: string, manifest: FoldInManifest, nItems: number): Float32Array {
  const expected = manifest.nItems * manifest.width * 4;
  if (bytes.byteLength !== expected)
    throw new ReelrecError(
      'service_file',
      `${file}: ${bytes.byteLength} bytes, expected ${expected} (${manifest.nItems} × ${manifest.width})`,
    );
  if (manifest.nItems !== nItems)
    throw new ReelrecError('service_file', `${file}: ${manifest.nItems} rows for a catalogue of ${nItems} movies`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, manifest.nItems * manifest.width);
}

/** Refuses to pair the vectors with another NeuMF than the one they were fitted for. */
export function checkServedNeumf(manifest: FoldInManifest, served: NeuMF): void {
  if (neumfDigest(served) !== manifest.neumfSha256)
    throw new ReelrecError(
      'service_mismatch',
      `the service artefact's fold-in vectors (${manifest.file}) were made for another NeuMF than the one being served; run \`reelrec build\` again`,
    );
}
