import { Command } from 'commander';
import { parseIntFlag } from '../../config.js';
import { loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import { buildHardSampledDataset, LABEL_NAMES, LabelKind, writeSampledCsv } from '../../recsys/sampling/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { configFromFlags, movielensBase } from '../options.js';

export const sampleCommand = new Command('sample')
  .description("write the seed's hard-sampled dataset as CSV: index,userid,movieid,interaction,rating")
  .requiredOption('--out <file>', 'CSV file to write (a summary goes to <file>.summary.json)')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .option('--negatives <n>', 'negatives sampled per positive', '4')
  .option('--seed <n>', 'random seed (default: REELREC_SEED, else 42)')
  .action(async (flags: { out: string; data?: string; negatives: string; seed?: string }) => {
    const negatives = parseIntFlag('--negatives', flags.negatives, 4, 0, 1000);
    const config = configFromFlags(flags);
    const dir = await locateDataset(movielensBase(config), config.dataset);
    const data = await loadMovieLens(dir, { progress: true });
    const sampled = buildHardSampledDataset(data.ratings, { negativesPerPositive: negatives, seed: config.seed });
    await writeSampledCsv(sampled, flags.out);
    const { summary } = sampled;
    await writeFileAtomic(`${flags.out}.summary.json`, [`${JSON.stringify({ dataset: data.name, dir, ...summary }, null, 2)}\n`]);
    const kinds = [LabelKind.HardPositive, LabelKind.SoftPositive, LabelKind.HardNegative, LabelKind.SoftNegative, LabelKind.Unrated];
    const counts = [
      summary.byKind.hardPositive,
      summary.byKind.softPositive,
      summary.byKind.hardNegative,
      summary.byKind.softNegative,
      summary.byKind.unrated,
    ];
    process.stdout.write(
      [
        `${data.name}: ${summary.rows} rows for ${summary.users - summary.usersWithoutPositives} users (${summary.positives} positives, ${summary.negatives} negatives, ${negatives} per positive, seed ${config.seed}) → ${flags.out}`,
        ...kinds.map((kind, i) => `  ${LABEL_NAMES[kind].padEnd(14)} ${counts[i]}`),
        `  explicit negatives left out: ${summary.explicitNegativesLeftOut}; unrated repeated for heavy raters: ${summary.repeatedNegatives}; shortfall: ${summary.shortfall}; users without positives: ${summary.usersWithoutPositives}`,
        '',
      ].join('\n'),
    );
  });
