import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `reelrec` binary with a clean reelrec environment plus `env`. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): CliResult {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REELREC_') && k !== 'MOVIELENS_DIR'));
  const result = spawnSync(process.execPath, [`${REPO_ROOT}/dist/cli/main.js`, ...args], {
    cwd,
    env: { ...base, REELREC_PROGRESS: 'off', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runCli, but without blocking the event loop, so a server in the test process can answer. */
export function runCliAsync(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REELREC_') && k !== 'MOVIELENS_DIR'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${REPO_ROOT}/dist/cli/main.js`, ...args],
      { cwd, env: { ...base, REELREC_PROGRESS: 'off', ...env }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
