import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ReelrecError } from '../errors.js';

/**
 * The script `file` a worker thread runs, beside the module at `callerUrl` (its import.meta.url).
 * At runtime the caller is dist/…/x.js and the worker sits next to it; under vitest the caller is
 * the .ts source and the worker is taken from the dist/ build (which the test setup makes first),
 * since a worker thread cannot load TypeScript.
 */
export function workerScript(callerUrl: string, file: string): URL {
  const here = fileURLToPath(callerUrl);
  const dir = path.dirname(here);
  if (!here.endsWith('.ts')) return pathToFileURL(path.join(dir, file));
  const marker = `${path.sep}src${path.sep}`;
  const at = dir.lastIndexOf(marker);
  if (at < 0) throw new ReelrecError('worker_script', `cannot find the built ${file} for ${here}`);
  return pathToFileURL(path.join(`${dir.slice(0, at)}${path.sep}dist${path.sep}${dir.slice(at + marker.length)}`, file));
}
