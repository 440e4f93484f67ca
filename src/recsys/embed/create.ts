import { resolve } from 'node:path';
import { oneLine } from '../../util/error-text.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing.js';
import { DEFAULT_LAMINI_MODEL, DEFAULT_MODEL_CACHE_DIR, LaMiniEmbedder } from './lamini.js';

export type EmbedderKind = 'auto' | 'lamini' | 'hashing';

export interface CreateEmbedderOptions {
  /** 'lamini' fails if the model cannot load; 'hashing' never loads a model; 'auto' tries LaMini first. */
  kind: EmbedderKind;
  /** LaMini model id. */
  model?: string;
  cacheDir?: string;
  offline?: boolean;
  /** Hashing embedder size (LaMini's comes from the model). */
  dimension?: number;
  /** Where the fallback warning goes; default stderr. */
  log?: (line: string) => void;
  /** LaMini download bar; default on. */
  progress?: boolean;
}

export async function createEmbedder(options: CreateEmbedderOptions): Promise<Embedder> {
  if (options.kind === 'hashing') return new HashingEmbedder({ dimension: options.dimension });
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_MODEL_CACHE_DIR);
  const load = () => LaMiniEmbedder.load({ model: options.model, cacheDir, offline: options.offline, progress: options.progress });
  if (options.kind === 'lamini') return load();
  try {
    return await load();
  } catch (err) {
    // Falling back changes result quality, so it is never silent — but it is one line, not a trace.
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const model = options.model ?? DEFAULT_LAMINI_MODEL;
    log(
      `reelrec: WARNING: LaMini embedder unavailable (${oneLine(err)}); falling back to the hashing embedder — ` +
        `vectors are lower quality; set REELREC_EMBEDDER=hashing to silence this or make ${model} available offline in ${cacheDir}`,
    );
    return new HashingEmbedder({ dimension: options.dimension });
  }
}
