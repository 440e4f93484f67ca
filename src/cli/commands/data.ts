import path from 'node:path';
import { Command } from 'commander';
import { DATASET_NAMES, downloadDataset, loadMovieLens, locateDataset } from '../../recsys/data/index.js';
import { configFromFlags, movielensBase } from '../options.js';

const download = new Command('download')
  .description(`fetch an official MovieLens zip from GroupLens, verify its checksum and unpack it (${DATASET_NAMES.join(', ')})`)
  .option('--dataset <name>', 'which dataset (default: REELREC_DATASET, else ml-100k)')
  .option('--dest <dir>', 'where <dataset>/ is unpacked (default: <REELREC_DATA_DIR>/movielens)')
  .option('--force', 'download again even when the dataset is already there')
  .option('--sha256 <hex>', 'expected SHA-256 of the zip, when GroupLens has republished it')
  .action(async (flags: { dataset?: string; dest?: string; force?: boolean; sha256?: string }) => {
    const config = configFromFlags(flags);
    const destDir = path.resolve(flags.dest ?? path.join(config.dataDir, 'movielens'));
    const result = await downloadDataset(config.dataset, {
      destDir,
      baseUrl: config.movielensBaseUrl,
      force: flags.force ?? false,
      ...(flags.sha256 ? { expectedSha256: flags.sha256 } : {}),
    });
    process.stdout.write(
      result.alreadyPresent
        ? `${config.dataset} is already in ${result.dir} (use --force to download again)\n`
        : `${config.dataset}: ${result.zipBytes} bytes, checksum verified (sha256 ${result.sha256}, md5 ${result.md5}) → ${result.dir}\n`,
    );
  });

const info = new Command('info')
  .description('load a MovieLens folder and print what it holds')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .option('--text <file>', 'movie text CSV (overview, poster_path) to join (default: REELREC_TEXT_FILE)')
  .action(async (flags: { data?: string; text?: string }) => {
    const config = configFromFlags(flags);
    const dir = await locateDataset(movielensBase(config), config.dataset);
    const started = performance.now();
    const data = await loadMovieLens(dir, { progress: true, ...(config.textFile ? { textFile: config.textFile } : {}) });
    const seconds = (performance.now() - started) / 1000;
    const { ratings, catalogue, text } = data;
    const lines = [
      `${data.name} (${data.format}) at ${data.dir}, loaded in ${seconds.toFixed(2)} s`,
      `  ratings ${ratings.length}, users ${ratings.userIds.length}, movies ${catalogue.movies.length}, genres ${catalogue.genres.length}`,
      `  genres: ${catalogue.genres.join(', ')}`,
    ];
    if (text.file)
      lines.push(`  text from ${text.file}: overview ${text.withOverview}/${text.movies}, poster ${text.withPoster}/${text.movies}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });

export const dataCommand = new Command('data').description('obtain and inspect MovieLens data').addCommand(download).addCommand(info);
