import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AutoTokenizer, env, PreTrainedModel } from '@huggingface/transformers';
import { ReelrecError } from '../../errors.js';
import { type Progress, startProgress } from '../../progress.js';
import { oneLine } from '../../util/error-text.js';
import { assertTexts, type Embedder, type EmbedderInfo, l2Normalise } from './embedder.js';

export const DEFAULT_LAMINI_MODEL = 'Xenova/LaMini-Flan-T5-77M';
/** Where models live unless the caller says otherwise: beside the default data dir. */
export const DEFAULT_MODEL_CACHE_DIR = resolve('data', 'models');
/** T5 was trained on 512 tokens; 256 covers a movie overview and halves the attention cost. */
const MAX_TOKENS = 256;
const DEFAULT_BATCH_SIZE = 16;

export interface LaMiniEmbedderOptions {
  model?: string;
  /** Holds `<model>/config.json`, `<model>/onnx/…`; downloads land here too. */
  cacheDir?: string;
  /** Never touch the network: the model must already be in `cacheDir`. */
  offline?: boolean;
  /** 'q8' reads onnx/encoder_model_quantized.onnx (4× smaller, near-identical vectors); 'fp32' onnx/encoder_model.onnx. */
  dtype?: 'q8' | 'fp32';
  batchSize?: number;
  /** Show a download bar when files are fetched (never for files already cached). */
  progress?: boolean;
}

/*
 * transformers.js types its models and tokenizers loosely (call signatures come from a
 * Callable mixin); these are the only shapes this module relies on.
 */
interface TensorLike {
  dims: number[];
  type: string;
  data: ArrayLike<number | bigint>;
  dispose(): void;
}
interface Encoded {
  input_ids: TensorLike;
  attention_mask: TensorLike;
}
type TokenizerFn = (texts: string[], options: { padding: boolean; truncation: boolean; max_length: number }) => Encoded;
interface EncoderModel {
  (inputs: Encoded): Promise<{ last_hidden_state?: TensorLike }>;
  dispose(): Promise<unknown>;
}
interface DownloadEvent {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
}

/**
 * Sentence vectors from the encoder half of a LaMini (T5) model: mean of the last hidden states
 * over real tokens, L2-normalised. The decoder is never loaded — it is most of the download
 * and plays no part in embeddings.
 */
export class LaMiniEmbedder implements Embedder {
  private constructor(
    readonly info: EmbedderInfo,
    private readonly tokenizer: TokenizerFn,
    private readonly encoder: EncoderModel,
    private readonly batchSize: number,
  ) {}

  /** Loads tokenizer and encoder; a model that cannot be loaded is a ReelrecError `embedder_unavailable`. */
  static async load(options: LaMiniEmbedderOptions = {}): Promise<LaMiniEmbedder> {
    const model = options.model ?? DEFAULT_LAMINI_MODEL;
    const cacheDir = resolve(options.cacheDir ?? DEFAULT_MODEL_CACHE_DIR);
    const offline = options.offline ?? false;
    const dtype = options.dtype ?? 'q8';
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ReelrecError('config', `batchSize: expected a positive integer, got ${batchSize}`);
    }
    const unavailable = (reason: string, cause?: unknown) =>
      new ReelrecError('embedder_unavailable', `${model}: ${reason}`, cause === undefined ? undefined : { cause });

    const missing = await missingFiles(cacheDir, model, dtype);
    if (missing.length > 0 && offline) {
      // Checked up front: transformers.js would fail too, but with a multi-line message per file.
      throw unavailable(`not in the local cache ${cacheDir} and offline (missing ${missing.join(', ')})`);
    }

    // transformers.js keeps these settings in one global; set them on every load so an earlier
    // embedder's offline choice does not leak into this one.
    env.allowLocalModels = true;
    env.allowRemoteModels = !offline;
    env.cacheDir = cacheDir;
    // Downloads are cached as <cacheDir>/<model>/<file>, the same layout local models are read from.
    env.localModelPath = cacheDir;

    const bar = missing.length > 0 && (options.progress ?? true) ? new DownloadBar(model) : null;
    const common = { cache_dir: cacheDir, local_files_only: offline, progress_callback: bar?.callback };
    let tokenizer: TokenizerFn;
    let encoder: EncoderModel;
    let dimension: number;
    try {
      const loadedTokenizer = await AutoTokenizer.from_pretrained(model, common);
      const loadedModel = await PreTrainedModel.from_pretrained(model, {
        ...common,
        model_file_name: 'encoder_model',
        dtype,
        session_options: { logSeverityLevel: 3 },
      });
      tokenizer = loadedTokenizer as unknown as TokenizerFn;
      encoder = loadedModel as unknown as EncoderModel;
      dimension = dModel(loadedModel.config);
    } catch (err) {
      if (err instanceof ReelrecError) throw err;
      const reason =
        missing.length > 0
          ? `not in the local cache ${cacheDir} and the download failed (the hub may be unreachable): ${oneLine(err)}`
          : `could not be loaded from ${cacheDir}: ${oneLine(err)}`;
      throw unavailable(reason, err);
    } finally {
      bar?.stop();
    }
    return new LaMiniEmbedder({ id: 'lamini', model, dimension }, tokenizer, encoder, batchSize);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    assertTexts(texts);
    const out = new Array<Float32Array>(texts.length);
    // Longest first, so each batch holds similar lengths and little compute goes on padding.
    const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const batch = order.slice(start, start + this.batchSize);
      const vectors = await this.embedBatch(batch.map((i) => texts[i]));
      batch.forEach((i, k) => {
        out[i] = vectors[k];
      });
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.encoder.dispose();
  }

  private async embedBatch(texts: string[]): Promise<Float32Array[]> {
    const inputs = this.tokenizer(texts, { padding: true, truncation: true, max_length: MAX_TOKENS });
    let hidden: TensorLike | undefined;
    try {
      hidden = (await this.encoder(inputs)).last_hidden_state;
      if (hidden === undefined || hidden.type !== 'float32' || hidden.dims.length !== 3) {
        throw new ReelrecError('embedder_output', `${this.info.model}: expected a float32 last_hidden_state [batch, seq, d]`);
      }
      return meanPool(hidden.data as Float32Array, inputs.attention_mask.data, hidden.dims, this.info.dimension);
    } finally {
      hidden?.dispose();
      inputs.input_ids.dispose();
      inputs.attention_mask.dispose();
    }
  }
}

/** Mean of the hidden states of unmasked tokens, per row, then unit length. */
export function meanPool(hidden: Float32Array, mask: ArrayLike<number | bigint>, dims: number[], dimension: number): Float32Array[] {
  const [batch, seq, d] = dims;
  if (d !== dimension) throw new ReelrecError('embedder_output', `hidden size ${d} does not match d_model ${dimension}`);
  const vectors: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const sum = new Float32Array(d);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (Number(mask[b * seq + t]) === 0) continue;
      count++;
      const offset = (b * seq + t) * d;
      for (let k = 0; k < d; k++) sum[k] += hidden[offset + k];
    }
    if (count > 0) for (let k = 0; k < d; k++) sum[k] /= count;
    vectors.push(l2Normalise(sum));
  }
  return vectors;
}

function dModel(config: unknown): number {
  const d = (config as { d_model?: unknown } | null)?.d_model;
  if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0) {
    throw new ReelrecError('embedder_unavailable', 'config.json has no positive integer d_model (not a T5 model?)');
  }
  return d;
}

/** The files the encoder route reads, relative to `<cacheDir>/<model>`, that are not there yet. */
async function missingFiles(cacheDir: string, model: string, dtype: 'q8' | 'fp32'): Promise<string[]> {
  const onnx = `onnx/encoder_model${dtype === 'q8' ? '_quantized' : ''}.onnx`;
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnx];
  const present = await Promise.all(
    files.map((f) =>
      access(join(cacheDir, model, f)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return files.filter((_, i) => !present[i]);
}

/** One byte-count bar across all files of a first download; files appear as transformers.js reports them. */
class DownloadBar {
  private progress: Progress | null = null;
  private readonly loaded = new Map<string, number>();
  private readonly totals = new Map<string, number>();

  constructor(private readonly model: string) {}

  readonly callback = (event: unknown): void => {
    const e = event as DownloadEvent;
    if (e.status !== 'progress' || e.file === undefined || typeof e.loaded !== 'number') return;
    if (typeof e.total === 'number') this.totals.set(e.file, e.total);
    this.loaded.set(e.file, e.loaded);
    const total = sum(this.totals);
    if (this.progress === null) this.progress = startProgress(`downloading ${this.model}`, total, 'bytes');
    else this.progress.setTotal(total);
    this.progress.update(sum(this.loaded));
  };

  stop(): void {
    this.progress?.stop();
  }
}

function sum(values: Map<string, number>): number {
  let total = 0;
  for (const v of values.values()) total += v;
  return total;
}
