import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The movie-text CSV for a dataset folder when none is configured: `<parent>/overviews/<name>_text.csv`,
 * the layout of ../shared/data. Callers say which file they used (or that none was found).
 */
export function findTextFile(datasetDir: string): string | null {
  const candidate = path.join(path.dirname(path.resolve(datasetDir)), 'overviews', `${path.basename(datasetDir)}_text.csv`);
  return existsSync(candidate) ? candidate : null;
}
