import { Command } from 'commander';
import { runBuild } from '../../pipeline/build.js';
import { takeBuildLock } from '../../pipeline/build-lock.js';
import { findTextFile, locateDataset } from '../../recsys/data/index.js';
import { configFromFlags, movielensBase } from '../options.js';

export const buildCommand = new Command('build')
  .description('build everything the recommender serves: sampling, NeuMF, movie embeddings in LanceDB, genre profiles, genre fine-tuning')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .option('--text <file>', 'movie text CSV to join (default: REELREC_TEXT_FILE, else overviews/<dataset>_text.csv beside the dataset)')
  .option('--seed <n>', 'random seed (default: REELREC_SEED, else 42)')
  .option('--fresh', 'drop and recreate the LanceDB tables (needed after changing the embedder; erases stored likes)')
  .action(async (flags: { data?: string; text?: string; seed?: string; fresh?: boolean }) => {
    const config = configFromFlags(flags);
    const dir = await locateDataset(movielensBase(config), config.dataset);
    const textFile = config.textFile ?? findTextFile(dir) ?? undefined;
    process.stderr.write(`reelrec build: movie text from ${textFile ?? 'nowhere (no text file found: titles and genres only)'}\n`);
    const lock = await takeBuildLock(config, '`reelrec build`', (line) => process.stderr.write(`${line}\n`));
    const report = await runBuild(config, { datasetDir: dir, ...(textFile ? { textFile } : {}), fresh: flags.fresh ?? false }).finally(() =>
      lock.release(),
    );
    process.stdout.write(
      [
        `built ${report.dataset} in ${report.seconds.toFixed(1)} s: ${report.ratings} ratings, ${report.users} users, ${report.movies} movies`,
        `  text: ${report.text.withOverview} overviews, ${report.text.withPoster} posters (${report.text.file ?? 'no text file'})`,
        `  hard sampling: ${report.sampling.rows} rows (${report.sampling.positives} positives)`,
        `  NeuMF: ${report.neumf.epochs} epochs on ${report.neumf.backend}, kept epoch ${report.neumf.bestEpoch} → ${report.neumf.dir}`,
        `  embeddings: ${report.embedder.id} ${report.embedder.model} (${report.embedder.dimension}-d) in ${report.embedder.seconds.toFixed(1)} s → ${report.store.uri}`,
        `  genre profiles: ${report.profiles.genres} genres, ${report.profiles.usersWithEmbedding} users with a vector (${report.profiles.usersWithoutEmbedding} without)`,
        `  genre dataset: ${report.genreDataset.rows} rows → ${report.genreDataset.file}`,
        `  fine-tuned NeuMF → ${report.fineTuned.dir}`,
        `  service: blend tuned on ${report.service.validationUsers} validation users (NDCG@10 ${report.service.validationNdcg.map((v) => v.ndcg.toFixed(3)).join(' / ')} by pick count) → ${report.service.dir}`,
        '',
      ].join('\n'),
    );
  });
