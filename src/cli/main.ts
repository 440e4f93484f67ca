#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { stopAllProgress } from '../progress.js';
import { benchCommand } from './commands/bench.js';
import { botCommand } from './commands/bot.js';
import { buildCommand } from './commands/build.js';
import { dataCommand } from './commands/data.js';
import { genresCommand } from './commands/genres.js';
import { keysCommand } from './commands/keys.js';
import { postersCommand } from './commands/posters.js';
import { releaseCommand } from './commands/release.js';
import { sampleCommand } from './commands/sample.js';
import { startCommand } from './commands/start.js';
import { storeCommand } from './commands/store.js';
import { trainCommand } from './commands/train.js';
import { reportFailure } from './fail.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('reelrec')
  .description('reelrec — movie recommendations from MovieLens, NeuMF and movie-text embeddings')
  .version(version)
  .showHelpAfterError('(reelrec --help lists the commands)')
  .addCommand(startCommand)
  .addCommand(dataCommand)
  .addCommand(sampleCommand)
  .addCommand(trainCommand)
  .addCommand(buildCommand)
  .addCommand(genresCommand)
  .addCommand(postersCommand)
  .addCommand(releaseCommand)
  .addCommand(benchCommand)
  .addCommand(botCommand)
  .addCommand(keysCommand)
  .addCommand(storeCommand);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
} finally {
  stopAllProgress();
}
