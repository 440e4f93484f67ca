import { Command } from 'commander';
import { locateDataset } from '../../recsys/data/index.js';
import { configFromFlags, movielensBase } from '../options.js';

/**
 * The main job. Until the service and fronts exist it reports what is in place and what is not,
 * and exits cleanly: `npm install && npm start` must never crash on a fresh machine.
 */
export const startCommand = new Command('start')
  .description('build what is missing and serve recommendations (the service is not built yet: prints status)')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .action(async (flags: { data?: string }) => {
    const config = configFromFlags(flags);
    const base = movielensBase(config);
    const found = await locateDataset(base, config.dataset).then(
      (dir) => `${config.dataset} found at ${dir}`,
      (error: Error) => `${config.dataset} not found (${error.message})`,
    );
    process.stdout.write(
      [
        'reelrec is not built yet: the recommendation service, REST API and Discord bot arrive in later releases.',
        `  data: ${found}`,
        '  what works today: reelrec data download | data info | sample | train | build | genres | bench (see reelrec --help)',
        '',
      ].join('\n'),
    );
  });
