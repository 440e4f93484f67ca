import path from 'node:path';
import { Command } from 'commander';
import { writePosters } from '../../posters/index.js';
import { detectFormat, locateDataset } from '../../recsys/data/index.js';
import { readMl1mCatalogue } from '../../recsys/data/ml-1m.js';
import { readMl100kCatalogue } from '../../recsys/data/ml-100k.js';
import { readMlLatestCatalogue } from '../../recsys/data/ml-latest.js';
import type { Catalogue, MovieLensFormat } from '../../recsys/data/types.js';
import { configFromFlags, movielensBase } from '../options.js';

/** Posters need titles, years and genres only, so the (possibly 32 M line) ratings file is not read. */
const CATALOGUE_READERS: Record<MovieLensFormat, (dir: string) => Promise<Catalogue>> = {
  'ml-100k': readMl100kCatalogue,
  'ml-1m': readMl1mCatalogue,
  'ml-latest': readMlLatestCatalogue,
};

export const postersCommand = new Command('posters')
  .description('draw a generated SVG poster (genre colours, title, year) for every movie; the files are local and never committed')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .option('--out <dir>', 'folder for the <id>.svg files (default: ./assets/posters/<dataset>, which .gitignore excludes)')
  .action(async (flags: { data?: string; out?: string }) => {
    const config = configFromFlags(flags);
    const dir = await locateDataset(movielensBase(config), config.dataset);
    const started = performance.now();
    const catalogue = await CATALOGUE_READERS[await detectFormat(dir)](dir);
    const name = path.basename(dir) || config.dataset;
    const out = path.resolve(flags.out ?? path.join('assets', 'posters', name));
    const { written } = await writePosters(catalogue.movies, out, { progress: true });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${name}: ${written} posters in ${seconds.toFixed(1)} s → ${out}\n`);
  });
