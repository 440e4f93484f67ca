import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { machineInfo } from '../src/bench/machine.js';
import { type CliResult, cliEnv, REPO_ROOT, type RunningCli, startCli } from '../tests/helpers/cli.js';
import type { SoakFixture } from './fixture.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function soakFixture(): SoakFixture {
  return inject('soakFixture');
}

const scratch: string[] = [];

/** An empty temp folder, removed by removeScratch(). */
export async function scratchDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `reelrec-soak-${label}-`));
  scratch.push(dir);
  return dir;
}

/** A private copy of the built data dir: suites write likes and kill servers, so none shares one. */
export async function freshDataDir(label: string): Promise<string> {
  const dir = await scratchDir(label);
  await cp(soakFixture().templateDataDir, dir, { recursive: true });
  return dir;
}

export async function removeScratch(): Promise<void> {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** The env `reelrec start` needs to serve the fixture from `dataDir`; startCli adds PORT 0 and HOST 127.0.0.1. */
export function serverEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const f = soakFixture();
  return {
    REELREC_DATA_DIR: dataDir,
    REELREC_DATASET: f.dataset,
    REELREC_TEXT_FILE: f.textFile,
    REELREC_EMBEDDER: 'hashing',
    REELREC_REMOTE_POSTERS: 'off',
    ...extra,
  };
}

export function startArgs(): string[] {
  return ['start', '--no-build', '--data', soakFixture().datasetDir];
}

const running = new Set<RunningCli>();

/** `reelrec start` on a free loopback port, remembered so killAll() ends it whatever happens to the test. */
export async function startServer(env: Record<string, string>): Promise<RunningCli> {
  const server = await startCli(startArgs(), env, 90_000);
  running.add(server);
  void server.exited.then(() => running.delete(server));
  return server;
}

const commands = new Set<ChildProcess>();

/** runCliAsync, but remembered so killAll() ends it too (a build or a failing start cut short by a test failure). */
export function runCommand(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args],
      { cwd: REPO_ROOT, env: cliEnv(env), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        commands.delete(child);
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
    commands.add(child);
  });
}

/** SIGKILLs every server and command a suite started that is still running (for afterEach/afterAll). */
export async function killAll(): Promise<void> {
  for (const child of commands) child.kill('SIGKILL');
  await Promise.all([...running].map((server) => server.kill('SIGKILL')));
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

export async function sendJson<T>(url: string, method: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/** A visitor the server issued: its id, its token and the header that presents the token. */
export interface SoakVisitor {
  id: string;
  token: string;
  auth: { authorization: string };
}

export async function newVisitor(url: string): Promise<SoakVisitor> {
  const res = await fetch(`${url}/api/visitors`, { method: 'POST' });
  const body = (await res.json()) as { id: string; token: string };
  if (res.status !== 201) throw new Error(`POST /api/visitors answered ${res.status} ${JSON.stringify(body)}`);
  return { ...body, auth: { authorization: `Bearer ${body.token}` } };
}

/**
 * Server-issued visitors for a suite's own labels (`crash-r1-c0-v0`), made on first use and kept, so
 * a suite can go on naming its visitors; they live in the store, so they outlast a restart.
 */
export class SoakVisitors {
  private readonly made = new Map<string, Promise<SoakVisitor>>();
  of(url: string, label: string): Promise<SoakVisitor> {
    let visitor = this.made.get(label);
    if (!visitor) {
      visitor = newVisitor(url);
      this.made.set(label, visitor);
    }
    return visitor;
  }
}

/** The checked-out commit, read from .git (no git process): `abc1234`, or `unknown`. */
function headCommit(): string {
  try {
    const gitDir = join(REPO_ROOT, '.git');
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    const ref = head.slice(5);
    if (existsSync(join(gitDir, ref))) return readFileSync(join(gitDir, ref), 'utf8').trim().slice(0, 7);
    const packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8')
      .split('\n')
      .find((line) => line.endsWith(` ${ref}`));
    return packed ? packed.slice(0, 7) : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'soak.json');

interface SoakResults {
  benchmark: 'soak';
  description: string;
  updated: string;
  commit: string;
  machine: Record<string, string | number>;
  suites: Record<string, Record<string, unknown>>;
}

/** Prints a suite's figures and merges them into bench/results/soak.json under `suite` (written atomically). */
export async function recordSoak(suite: string, figures: Record<string, unknown>): Promise<void> {
  let doc: SoakResults = {
    benchmark: 'soak',
    description: 'npm run soak: crash consistency, HTTP load, fuzzing, graceful shutdown, secrets in output (loopback, taste fixture)',
    updated: '',
    commit: '',
    machine: {},
    suites: {},
  };
  try {
    doc = { ...doc, ...(JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Partial<SoakResults>) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const now = new Date().toISOString();
  doc.updated = now;
  doc.commit = headCommit();
  doc.machine = machineInfo();
  doc.suites = { ...doc.suites, [suite]: { ...figures, ranAt: now } };
  const tmp = `${RESULTS_FILE}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  await rename(tmp, RESULTS_FILE);
  console.log(`soak ${suite}: ${JSON.stringify(figures)}`);
}

// ---------------------------------------------------------------------------------------------------
// Raw HTTP: what fetch refuses to send (unknown methods, unnormalised paths, absolute request targets,
// bare NUL bytes, conflicting framing headers) goes out byte for byte on a fresh TCP connection.

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (`/posters/..%2f`, `http://evil.example/`, `*`). */
  target: string;
  headers?: Array<[string, string]>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  /** Raw header block override (already framed, without the final blank line). */
  rawHead?: string;
}

export type RawResponse =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'no-response'; reason: string };

function findHeadEnd(buf: Buffer): number {
  return buf.indexOf('\r\n\r\n');
}

/** Decodes a chunked body; null while incomplete. */
function dechunk(buf: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(buf.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) return Buffer.concat(parts);
    // The last chunk, then an empty trailer: `0\r\n\r\n`.
    if (size === 0) return buf.length >= lineEnd + 4 ? Buffer.concat(parts) : null;
    if (buf.length < lineEnd + 2 + size + 2) return null;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Parses the first final (non-1xx) response in `buf`; null while it is incomplete (and `ended` is false). */
function parseResponse(input: Buffer, method: string, ended: boolean): RawResponse | null {
  let buf = input;
  for (;;) {
    const headEnd = findHeadEnd(buf);
    if (headEnd < 0) return ended ? { kind: 'no-response', reason: buf.length > 0 ? 'truncated head' : 'closed' } : null;
    const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isInteger(status)) return { kind: 'no-response', reason: `bad status line ${JSON.stringify(lines[0])}` };
    const rest = buf.subarray(headEnd + 4);
    if (status >= 100 && status < 200) {
      buf = rest;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (method === 'HEAD' || status === 204 || status === 304) return { kind: 'response', status, headers, body: Buffer.alloc(0) };
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const body = dechunk(rest);
      if (body) return { kind: 'response', status, headers, body };
      return ended ? { kind: 'response', status, headers, body: rest } : null;
    }
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length >= length) return { kind: 'response', status, headers, body: rest.subarray(0, length) };
      return ended ? { kind: 'no-response', reason: `body cut at ${rest.length}/${length} bytes` } : null;
    }
    return ended ? { kind: 'response', status, headers, body: rest } : null;
  }
}

/** Sends one request on its own connection and reads one response (1xx skipped); never rejects. */
export function rawRequest(port: number, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (result: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'no-response', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseResponse(buf, req.method, false);
      if (parsed) finish(parsed);
    });
    socket.on('end', () => finish(parseResponse(buf, req.method, true) ?? { kind: 'no-response', reason: 'closed' }));
    socket.on('close', () => finish(parseResponse(buf, req.method, true) ?? { kind: 'no-response', reason: 'closed' }));
    // A reset after the answer arrived is fine (the server may close while we still write an oversize body).
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const parsed = parseResponse(buf, req.method, true);
      finish(parsed?.kind === 'response' ? parsed : { kind: 'no-response', reason: error.code ?? error.message });
    });
    socket.on('connect', () => {
      const body = req.body ?? Buffer.alloc(0);
      let head = req.rawHead ?? `${req.method} ${req.target} HTTP/1.1\r\nHost: 127.0.0.1:${port}`;
      if (!req.rawHead) {
        for (const [name, value] of req.headers ?? []) head += `\r\n${name}: ${value}`;
        if (req.chunked) head += '\r\nTransfer-Encoding: chunked';
        else if (req.body) head += `\r\nContent-Length: ${body.length}`;
      }
      socket.write(Buffer.from(`${head}\r\n\r\n`, 'latin1'));
      if (req.chunked) {
        for (let at = 0; at < body.length; at += 8192) {
          const piece = body.subarray(at, at + 8192);
          socket.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
        }
        socket.write('0\r\n\r\n');
      } else if (body.length > 0) socket.write(body);
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Held requests: the head and half the body go out now, the rest on demand, so the server is
// certainly handling the request (and waiting on its body) when the test does something to it.

export interface HeldRequest {
  /** Resolves once the connection is up and the head and the first half of the body were written. */
  started: Promise<void>;
  /** Writes the rest of the body. */
  finish(): void;
  /** The answer, or an error (e.g. ECONNRESET) as `error`. */
  response: Promise<{ status: number; body: string } | { error: string }>;
}

export function holdRequest(
  url: string,
  method: string,
  path: string,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): HeldRequest {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  const { hostname, port } = new URL(url);
  const req = httpRequest({
    host: hostname,
    port,
    method,
    path,
    agent: false,
    headers: { ...extraHeaders, 'content-type': 'application/json', 'content-length': payload.length },
  });
  const response = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
  const started = new Promise<void>((resolve) => {
    req.on('socket', (socket) => {
      if (!socket.connecting) resolve();
      else socket.once('connect', () => resolve());
    });
    req.on('error', () => resolve());
  });
  req.write(payload.subarray(0, half));
  return { started, finish: () => req.end(payload.subarray(half)), response };
}
