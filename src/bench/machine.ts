import { execFileSync } from 'node:child_process';
import { cpus, platform, release, totalmem } from 'node:os';

export function machineInfo(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** `abc1234` or `abc1234+dirty`; `unknown` outside a git checkout. */
export function currentCommit(): string {
  try {
    const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const sha = git(['rev-parse', '--short', 'HEAD']);
    // Only the code that runs makes a measurement dirty; docs and earlier results do not.
    return git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'package.json', 'package-lock.json']) ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/** Peak resident memory of this process so far, in MB. */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
