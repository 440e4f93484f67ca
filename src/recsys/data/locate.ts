import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetNotFoundError } from '../../errors.js';
import { type DatasetName, datasetSpec } from './datasets.js';
import { detectFormat } from './detect.js';

/**
 * Finds a MovieLens folder at `base`: `base` itself when it is one, else `base/<name>` (how
 * `reelrec data download` and ../shared/data lay datasets out). With `strict`, a folder of another
 * format than `name`'s is refused (a benchmark defined on ml-100k must not run on ml-1m).
 * Errors say what to set.
 */
export async function locateDataset(base: string, name: DatasetName, options: { strict?: boolean } = {}): Promise<string> {
  const hint = `set MOVIELENS_DIR (or --data) to a MovieLens folder, or run \`reelrec data download --dataset ${name}\``;
  if (!(await isDirectory(base))) throw new DatasetNotFoundError(base, `folder does not exist; ${hint}`);
  const nested = path.join(base, name);
  const format = await detectFormat(base).catch(async (error: Error) => {
    if (await isDirectory(nested)) return null;
    throw new DatasetNotFoundError(base, `${error.message.replace(`${base}: `, '')}; nor does it hold ${name}/. ${hint}`);
  });
  if (format === null) {
    await detectFormat(nested);
    return path.resolve(nested);
  }
  const wanted = datasetSpec(name).format;
  if (options.strict && format !== wanted)
    throw new DatasetNotFoundError(base, `is ${format} data, but ${name} (${wanted}) is needed here`);
  return path.resolve(base);
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
