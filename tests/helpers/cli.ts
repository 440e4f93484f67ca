import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** This process's environment without any reelrec setting, plus quiet progress and `env`. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REELREC_') && k !== 'MOVIELENS_DIR'));
  return { ...base, REELREC_PROGRESS: 'off', ...env };
}

/** Collects a child's stdout and stderr as they come; read them at any time. */
export function captureOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { stdout: () => out, stderr: () => err };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `reelrec` binary with a clean reelrec environment plus `env`. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): CliResult {
  const result = spawnSync(process.execPath, [`${REPO_ROOT}/dist/cli/main.js`, ...args], {
    cwd,
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runCli, but without blocking the event loop, so a server in the test process can answer. */
export function runCliAsync(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${REPO_ROOT}/dist/cli/main.js`, ...args],
      { cwd, env: cliEnv(env), encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

export interface RunningCli {
  /** The URL `reelrec start` printed. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends SIGTERM and resolves with the exit status. */
  stop(): Promise<number | null>;
  /** The server process id. */
  pid: number | undefined;
  /** Sends `signal` (e.g. SIGKILL) and resolves with the exit status (null when a signal ended it). */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit status once the process has exited, however it ended. */
  exited: Promise<number | null>;
}

/** Starts a long-running `reelrec start` (PORT 0, loopback) and resolves once it prints its URL. */
export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunningCli> {
  const child = spawn(process.execPath, [`${REPO_ROOT}/dist/cli/main.js`, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { stdout, stderr } = captureOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reelrec start printed no URL within ${timeoutMs} ms: ${stderr()}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const match = /at (http:\/\/\S+)/.exec(stdout());
      if (!match?.[1]) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve({
        url: match[1],
        stdout,
        stderr,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
        pid: child.pid,
        kill: (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        exited,
      });
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`reelrec start exited (${code}) before serving: ${stderr()}`));
    });
  });
}
