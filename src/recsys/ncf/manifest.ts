import type { BackendName } from './backend.js';
import type { NeuMFConfig } from './config.js';
import type { TrainerChoice } from './epoch-runner.js';
import type { NeuMFShape } from './model.js';
import type { EpochStats } from './train.js';

export const MANIFEST_FORMAT = 'reelrec-neumf';
export const MANIFEST_VERSION = 1;

/** One weight tensor's place in weights.bin (float32, little-endian). */
export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset into weights.bin. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

export interface FineTuneRecord {
  rows: number;
  epochs: number;
  learningRate: number;
  /** Share of a hard-sampled epoch of the original ratings mixed into every fine-tuning epoch. */
  mixOriginal: number;
  seconds: number;
  losses: number[];
}

/** Everything needed to reload a model and to refuse it for the wrong data. Stored as manifest.json. */
export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  createdAt: string;
  /** Free-form version label, e.g. `base` or `genre-finetuned`. */
  label: string;
  dataset: {
    name: string;
    /** datasetFingerprint() of the ratings the model was trained on. */
    fingerprint: string;
    ratings: number;
  };
  /** Dense index → dataset id maps; a model only makes sense with exactly these. */
  userIds: number[];
  itemIds: number[];
  shape: NeuMFShape;
  config: NeuMFConfig;
  backend: BackendName;
  /** Which trainer produced the weights (absent in manifests written before there was a choice: tfjs). */
  trainer?: TrainerChoice;
  training: { seconds: number; bestEpoch: number; history: EpochStats[] };
  /** Present on a genre fine-tuned version: what it was fine-tuned on and how. */
  fineTune?: FineTuneRecord;
  metrics: Record<string, number>;
  weights: { file: string; bytes: number; sha256: string; tensors: TensorEntry[] };
}
