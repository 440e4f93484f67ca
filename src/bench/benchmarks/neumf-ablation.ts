import { startProgress } from '../../progress.js';
import { loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import { stratifiedSplit } from '../../recsys/eval/index.js';
import { type NeuMFConfigInput, neumfConfig } from '../../recsys/ncf/config.js';
import { NeuMF } from '../../recsys/ncf/neumf.js';
import type { Benchmark, BenchRow } from '../types.js';
import { fitAndEvaluate, K, SPLIT } from './protocol.js';

const SEED_LABELS = { hardNegative: 1, softNegative: 1 };

/** One change at a time against the default, so each row says what that knob is worth. */
export const ABLATION: Array<{ name: string; config: NeuMFConfigInput }> = [
  { name: 'default', config: {} },
  { name: "explicit negatives weight 1 (the seed's labels as is)", config: { labelWeights: { ...SEED_LABELS } } },
  { name: 'explicit negatives weight 0.25', config: { labelWeights: { hardNegative: 0.25, softNegative: 0.25 } } },
  { name: 'explicit negatives weight 0', config: { labelWeights: { hardNegative: 0, softNegative: 0 } } },
  { name: '4 negatives per positive (the seed)', config: { negatives: 4 } },
  { name: '4 negatives per positive, 12 epochs', config: { negatives: 4, epochs: 12 } },
  { name: '2 negatives per positive', config: { negatives: 2 } },
  { name: 'factors 8, layers 32-16-8', config: { factors: 8, layers: [32, 16, 8] } },
  { name: 'factors 32, layers 128-64-32', config: { factors: 32, layers: [128, 64, 32] } },
  { name: 'L2 1e-4 on looked-up embeddings', config: { l2: 1e-4 } },
  { name: 'learning rate 0.002', config: { learningRate: 0.002 } },
  { name: 'early stopping on 5 % validation (≤ 10 epochs, patience 2)', config: { validationShare: 0.05, epochs: 10 } },
  { name: 'early stopping on 10 % validation (≤ 10 epochs, patience 2)', config: { validationShare: 0.1, epochs: 10 } },
  { name: 'batch 2048, learning rate 0.002', config: { batchSize: 2048, learningRate: 0.002 } },
  { name: 'GMF and MLP pretrained first (NCF paper)', config: { pretrain: true } },
];

/** Epochs a configuration may run: pretraining runs GMF, MLP and NeuMF phases. */
function epochBudget(config: NeuMFConfigInput): number {
  return (config.epochs ?? neumfConfig().epochs) * (config.pretrain ? 3 : 1);
}

/** What moves NeuMF quality on the ml100k protocol (model seed 42, split seed 42). Not run in CI: ~10 min. */
export const neumfAblationBenchmark: Benchmark = {
  name: 'neumf-ablation',
  description: `NeuMF knobs one at a time on the ml100k protocol (k = ${K})`,
  async run({ dataDir, seed }) {
    const dir = await locateDataset(dataDir, 'ml-100k', { strict: true });
    const data = await loadMovieLens(dir, { progress: true });
    const split = stratifiedSplit(data.ratings, { ...SPLIT, seed });
    const rows: BenchRow[] = [];
    for (const { name, config } of ABLATION) {
      const model = new NeuMF(
        { seed, ...config },
        { datasetName: data.name, progress: startProgress(`ablation: ${name}`, epochBudget(config), 'batches') },
      );
      const { results, fitSeconds } = await fitAndEvaluate(model, split);
      const [all, strict] = results;
      rows.push({
        model: name,
        'precision@10': all?.precision ?? null,
        'recall@10': all?.recall ?? null,
        'ndcg@10': all?.ndcg ?? null,
        map: all?.map ?? null,
        'ndcg@10 (r≥4)': strict?.ndcg ?? null,
        'map (r≥4)': strict?.map ?? null,
        bestEpoch: model.manifest.training.bestEpoch,
        trainSeconds: fitSeconds,
      });
      model.dispose();
    }
    return { dataset: data.name, rows, details: { protocol: { ...SPLIT, seed, k: K }, configs: ABLATION } };
  },
};
