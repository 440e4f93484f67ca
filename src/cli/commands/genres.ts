import path from 'node:path';
import { Command } from 'commander';
import { parseIntFlag } from '../../config.js';
import { ReelrecError } from '../../errors.js';
import { artifactsDir, lancedbUri, storageOptions } from '../../paths.js';
import { genreSimilaritySvg, userGenreProfileSvg } from '../../pipeline/genre-charts.js';
import { loadMovieLens, locateDataset, type MovieLensDataset } from '../../recsys/data/index.js';
import { buildGenreDataset, buildGenreProfiles, exportGenreDataset, type GenreProfileRun } from '../../recsys/profiles/index.js';
import { loadCatalogueVectors, openBuiltStore } from '../../store/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { configFromFlags, movielensBase } from '../options.js';

interface GenreFlags {
  data?: string;
  seed?: string;
}

/** Profiles from the movie vectors a build stored; refuses a store built from other data. */
async function profilesFromStore(flags: GenreFlags): Promise<{ data: MovieLensDataset; run: GenreProfileRun; out: string; seed: number }> {
  const config = configFromFlags(flags);
  const data = await loadMovieLens(await locateDataset(movielensBase(config), config.dataset), { progress: true });
  const store = await openBuiltStore(lancedbUri(config), storageOptions(config));
  try {
    const { vectors, dim, missing } = await loadCatalogueVectors(store, data.catalogue);
    if (missing > 0) {
      throw new ReelrecError(
        'store_mismatch',
        `${store.uri}: ${missing} of the ${data.catalogue.movies.length} movies of ${data.name} have no vector; run \`reelrec build\` for this dataset`,
      );
    }
    return {
      data,
      run: buildGenreProfiles(data.catalogue, data.ratings, { vectors, dim }),
      out: artifactsDir(config, data.name),
      seed: config.seed,
    };
  } finally {
    store.close();
  }
}

const exportCommand = new Command('export')
  .description("write the seed's genre dataset (1 positive : 3 negative rows): userid,movieid,interaction,genre,movie title")
  .option('--data <dir>', 'MovieLens folder (default: MOVIELENS_DIR); `reelrec build` must have run on it')
  .option('--out <file>', 'CSV to write (default: <REELREC_DATA_DIR>/artifacts/<dataset>/genre-dataset.csv)')
  .option('--negatives <n>', 'negative rows per positive row', '3')
  .option('--seed <n>', 'random seed (default: REELREC_SEED, else 42)')
  .action(async (flags: GenreFlags & { out?: string; negatives: string }) => {
    const ratio = parseIntFlag('--negatives', flags.negatives, 3, 0, 100);
    const { data, run, out, seed } = await profilesFromStore(flags);
    const dataset = buildGenreDataset(data.ratings, run.space, run.profiles, { negativesPerPositive: ratio, seed });
    const file = path.resolve(flags.out ?? path.join(out, 'genre-dataset.csv'));
    await exportGenreDataset(dataset, data.catalogue, data.ratings, file);
    const s = dataset.summary;
    process.stdout.write(
      `${data.name}: ${dataset.length} rows (${s.positives} positive, ${s.negatives} negative) for ${s.usersWithRows} users → ${file}\n` +
        `  users without a negative genre (left out): ${s.usersWithoutNegatives}; negatives reused for small genres: ${s.repeatedNegatives}\n`,
    );
  });

const reportCommand = new Command('report')
  .description("render the genre–genre similarity heatmap and one user's genre profile as SVG")
  .option('--data <dir>', 'MovieLens folder (default: MOVIELENS_DIR); `reelrec build` must have run on it')
  .option('--user <id>', 'MovieLens user id for the profile chart (default: the first user)')
  .option('--out <dir>', 'folder for the SVG files (default: <REELREC_DATA_DIR>/artifacts/<dataset>)')
  .action(async (flags: GenreFlags & { user?: string; out?: string }) => {
    const { data, run, out } = await profilesFromStore(flags);
    const userId = parseIntFlag('--user', flags.user, data.ratings.userIds[0] as number, 0, 2 ** 31 - 1);
    const user = data.ratings.userIndex.get(userId);
    if (user === undefined) throw new ReelrecError('unknown_user', `--user: user ${userId} is not in ${data.name}`);
    const dir = path.resolve(flags.out ?? out);
    const heatmap = path.join(dir, 'genre-similarity.svg');
    const profile = path.join(dir, `user-${userId}-genres.svg`);
    await writeFileAtomic(profile, [await userGenreProfileSvg(run, user, String(userId))]);
    await writeFileAtomic(heatmap, [await genreSimilaritySvg(run, data.name)]);
    process.stdout.write(`${heatmap}\n${profile}\n`);
  });

export const genresCommand = new Command('genres')
  .description('genre profiles: export the genre dataset, draw the charts')
  .addCommand(exportCommand)
  .addCommand(reportCommand);
