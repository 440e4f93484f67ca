import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Everything Node-specific the API needs lives here, so the app itself stays runtime-neutral. */

export interface ServeOptions {
  port: number;
  host: string;
  /** How long close() waits for in-flight requests before cutting their connections. */
  drainMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Any Hono app: its fetch also receives Node's bindings, which socketAddress() reads. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

export function serveApp(app: FetchApp, { port, host, drainMs = 10_000 }: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    // What @hono/node-server's serve() does, plus an errorHandler (serve() does not pass one on): a request
    // the adapter cannot turn into a URL (no Host, `GET *`, a backslash) gets the API's JSON 400, not an empty one.
    const listener = getRequestListener(app.fetch, { hostname: host, errorHandler: adapterError });
    const server = createServer(listener);
    // Requests Node's HTTP parser rejects (unknown method, NUL in the URL, oversized headers) never reach the app.
    server.on('clientError', rejectMalformed);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ url: `http://${urlHost(host)}:${actual}`, port: actual, close: () => closeServer(server, drainMs) });
    });
    server.once('error', reject);
  });
}

const errorJson = (code: string, message: string) => JSON.stringify({ error: { code, message } });

function adapterError(err: unknown): Response {
  const [status, body] =
    err instanceof RequestError
      ? [400, errorJson('invalid_input', `malformed request: ${err.message}`)]
      : [500, errorJson('internal', 'internal server error')];
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

/** Node's own answers (400/408/413/431, see `clientError` in the http docs), with the API's JSON error body. */
const MALFORMED: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'invalid_input', 'the request line or headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'payload_too_large', 'chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'invalid_input', 'the request did not arrive in time'],
};

function rejectMalformed(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Like Node's default: answer only when nothing of a response was written on this socket yet.
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = MALFORMED[err.code ?? ''] ?? [400, 'invalid_input', 'malformed HTTP request'];
  const body = errorJson(code, message);
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close`;
  socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function closeServer(server: Server, drainMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // close() stops accepting and waits for in-flight requests, but a keep-alive socket that finishes its
    // request stays open until the client drops it, so idle sockets are swept until the last one is gone.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    const force = setTimeout(() => server.closeAllConnections(), drainMs);
    server.close((err) => {
      clearInterval(sweep);
      clearTimeout(force);
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/** The peer address of the socket, or undefined when there is no Node socket (e.g. under `app.request()`). */
export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
