import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerSegmentSumKernel } from './segment-sum-kernel.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  name: BackendName;
  /** Why earlier backends in the order were not used; recorded in model manifests and bench JSON. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

/** How each backend is brought up; tests replace these to exercise the fallback order. */
export interface BackendLoaders {
  tensorflow(): Promise<void>;
  wasm(): Promise<void>;
  cpu(): Promise<void>;
}

const require = createRequire(import.meta.url);

export const defaultLoaders: BackendLoaders = {
  async tensorflow() {
    // Optional dependency: absent (ERR_MODULE_NOT_FOUND) or present without its native addon.
    await import('@tensorflow/tfjs-node' as string);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
  },
  async wasm() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(`${dist}${path.sep}`);
    registerSegmentSumKernel('wasm');
    // A wrong path makes setBackend return false while getBackend still says 'wasm'.
    if (!(await tf.setBackend('wasm'))) throw new Error(`setBackend("wasm") returned false (wasm files looked for in ${dist})`);
  },
  async cpu() {
    registerSegmentSumKernel('cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend("cpu") returned false');
  },
};

const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
let current: BackendChoice | null = null;

/**
 * Brings up the fastest TensorFlow.js backend that works: tfjs-node (native, multi-threaded) when
 * it can be loaded, else wasm (single-threaded SIMD), else plain JS cpu. Never silent: the choice
 * is logged once, with the reason for every backend skipped on the way. `REELREC_TF_BACKEND` forces one (and fails if it cannot load).
 */
export async function initBackend(
  options: { prefer?: BackendName | 'auto'; loaders?: BackendLoaders; log?: (line: string) => void } = {},
): Promise<BackendChoice> {
  const prefer = options.prefer ?? ((process.env.REELREC_TF_BACKEND as BackendName | undefined) || 'auto');
  if (current && (options.loaders ?? defaultLoaders) === defaultLoaders && (prefer === 'auto' || prefer === current.name)) return current;
  const loaders = options.loaders ?? defaultLoaders;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const order = prefer === 'auto' ? ORDER : [prefer];
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      await loaders[name]();
      const choice = { name, skipped };
      // Injected loaders are for tests; only the real bring-up is remembered for later callers.
      if (loaders === defaultLoaders) current = choice;
      const why = skipped.length > 0 ? skipped.map((s) => `${s.name} unavailable: ${s.reason}`).join('; ') : 'first choice';
      log(`reelrec: TensorFlow.js backend "${name}" (${why})`);
      return choice;
    } catch (error) {
      skipped.push({ name, reason: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error' });
    }
  }
  throw new Error(`no TensorFlow.js backend could be started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
