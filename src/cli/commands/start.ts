import { Command } from 'commander';
import { serveFromArtifacts } from '../../pipeline/serve.js';
import { configFromFlags } from '../options.js';

/**
 * The main job: serve the recommender (REST API, poster page) from what `reelrec build` made,
 * building it first on a fresh machine. Stops cleanly on SIGINT/SIGTERM: in-flight requests finish.
 */
export const startCommand = new Command('start')
  .description('serve the REST API and poster page on PORT (default 3000), building the artefacts first when there are none')
  .option('--data <dir>', 'MovieLens folder, or a folder holding REELREC_DATASET (default: MOVIELENS_DIR)')
  .option('--text <file>', 'movie text CSV (default: REELREC_TEXT_FILE, else overviews/<dataset>_text.csv beside the dataset)')
  .option('--no-build', 'fail instead of building when nothing was built yet')
  .action(async (flags: { data?: string; text?: string; build: boolean }) => {
    const config = configFromFlags(flags);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const serving = await serveFromArtifacts(config, { build: flags.build, log });
    const info = serving.loaded.service.info();
    process.stdout.write(
      `reelrec: serving ${info.dataset} (${info.movies} movies, embedder ${info.embedder}, NeuMF on ${info.backend}) at ${serving.server.url} — ready in ${serving.readySeconds.toFixed(2)} s${serving.built ? ' (built first)' : ''}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log(`reelrec: ${signal}, finishing in-flight requests`);
        serving.close().then(resolve, (error: Error) => {
          log(`reelrec: error while stopping: ${error.message}`);
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  });
