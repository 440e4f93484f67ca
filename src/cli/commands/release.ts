import { Command } from 'commander';
import { writeRelease } from '../../pipeline/release.js';
import { configFromFlags } from '../options.js';

/**
 * Packs what `reelrec start --no-build` needs into one zip for a zip deploy: code, production
 * dependencies and the served artefacts of the last build — never MovieLens or rows made from it.
 */
export const releaseCommand = new Command('release')
  .description(
    'zip what serving needs (code, node_modules, build.json, fine-tuned NeuMF, service artefact, local LanceDB) and no MovieLens rows',
  )
  .requiredOption('--out <file>', 'the zip to write')
  .option('--data <dir>', 'MovieLens folder, to name the built dataset (default: MOVIELENS_DIR)')
  .option('--no-node-modules', 'leave node_modules out (for a host that installs production dependencies itself)')
  .action(async (flags: { out: string; data?: string; nodeModules: boolean }) => {
    const config = configFromFlags(flags);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const summary = await writeRelease(config, { out: flags.out, nodeModules: flags.nodeModules, log });
    process.stdout.write(
      `reelrec release: ${summary.out}: ${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB, serving ${summary.dataset}${summary.storeIncluded ? '' : ' (store not included)'}\n`,
    );
  });
