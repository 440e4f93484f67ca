import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { REPO_ROOT } from './cli.js';

/** Azurite's well-known development account (public, documented emulator credentials). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The blob REST version the signed requests below speak. */
const API_VERSION = '2021-08-06';

export interface Azurite {
  /** Path-style blob endpoint, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  blobUrl: string;
  port: number;
  accountName: string;
  accountKey: string;
  createContainer(name: string): Promise<void>;
  /** Names of every blob in a container (the first 5000), for checking what a writer stored. */
  listBlobs(container: string): Promise<string[]>;
  /** Kills the emulator and resolves once its process has exited. */
  stop(): Promise<void>;
}

/** A SharedKey-signed request against the emulator (only what the helpers below need: no body). */
async function signedRequest(blobUrl: string, method: 'GET' | 'PUT', path: string, query: Record<string, string>): Promise<Response> {
  const date = new Date().toUTCString();
  const headers: Record<string, string> = { 'x-ms-date': date, 'x-ms-version': API_VERSION };
  const canonicalHeaders = Object.keys(headers)
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const url = new URL(`${blobUrl}/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const canonicalQuery = Object.keys(query)
    .map((k) => k.toLowerCase())
    .sort()
    .map((k) => `\n${k}:${query[k]}`)
    .join('');
  // Path-style URLs: the canonical resource is /<account><url path>, and the url path starts with the account.
  const canonicalResource = `/${AZURITE_ACCOUNT}${url.pathname}${canonicalQuery}`;
  // VERB, Content-Encoding, -Language, -Length (empty when 0), -MD5, -Type, Date, If-Modified-Since,
  // If-Match, If-None-Match, If-Unmodified-Since, Range; no body here, x-ms-date stands for Date.
  const toSign = [method, '', '', '', '', '', '', '', '', '', '', ''].join('\n');
  const signature = createHmac('sha256', Buffer.from(AZURITE_KEY, 'base64'))
    .update(`${toSign}\n${canonicalHeaders}${canonicalResource}`, 'utf8')
    .digest('base64');
  return fetch(url, {
    method,
    headers: { ...headers, authorization: `SharedKey ${AZURITE_ACCOUNT}:${signature}` },
  });
}

async function waitForAnswer(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`azurite exited (${child.exitCode}) before answering`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return; // any HTTP answer (even 400/403) means it is serving
    } catch {
      if (Date.now() > deadline) throw new Error(`azurite did not answer at ${url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts Azurite's blob service from node_modules on 127.0.0.1 with a port the OS picks, in memory
 * (nothing written to disk), telemetry off. Resolves once it answers HTTP; always call `stop()`.
 */
export async function startAzurite(timeoutMs = 20_000): Promise<Azurite> {
  // Run the script with this node directly (not through the .bin shim) so killing the child kills Azurite.
  const script = realpathSync(`${REPO_ROOT}/node_modules/.bin/azurite-blob`);
  const child = spawn(
    process.execPath,
    [
      script,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--silent',
      '--loose',
      ...(process.env.AZURITE_DEBUG_LOG ? ['--debug', process.env.AZURITE_DEBUG_LOG] : []),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`azurite printed no port within ${timeoutMs} ms: ${out}`)), timeoutMs);
      const onData = () => {
        const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (!match?.[1]) return;
        clearTimeout(timer);
        resolve(Number(match[1]));
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`azurite exited (${code}) before listening: ${out}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const blobUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
    await waitForAnswer(`${blobUrl}?comp=list`, child, timeoutMs);
    return {
      blobUrl,
      port,
      accountName: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      async createContainer(name) {
        const res = await signedRequest(blobUrl, 'PUT', name, { restype: 'container' });
        if (res.status !== 201) throw new Error(`creating container ${name}: HTTP ${res.status} ${await res.text()}`);
      },
      async listBlobs(container) {
        const res = await signedRequest(blobUrl, 'GET', container, { restype: 'container', comp: 'list' });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`listing container ${container}: HTTP ${res.status} ${body}`);
        return [...body.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1] as string);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
