import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ReelrecError } from '../errors.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/**
 * Starts `reelrec start --no-build` on a free loopback port, as a separate process so load and
 * timing are measured from outside, and resolves with its URL once it prints it.
 */
export function startServer(dataDir: string, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'start', '--no-build', '--data', dataDir], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', REELREC_RATE_LIMIT: '0', LOG_LEVEL: 'warn', REELREC_PROGRESS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ReelrecError('bench_server', `the server did not start within 120 s: ${stderr.trim()}`));
    }, 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /at (http:\/\/\S+)/.exec(chunk.toString());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ReelrecError('bench_server', `the server exited (${code}) before serving: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** Sends SIGTERM and waits for the process to exit. */
export function stopServer(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
