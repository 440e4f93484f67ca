import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
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
    // serve() only ever builds an HTTP/1 server unless createServer is passed, which we never do.
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      server.off('error', reject);
      resolve({ url: `http://${urlHost(host)}:${info.port}`, port: info.port, close: () => closeServer(server, drainMs) });
    }) as Server;
    server.once('error', reject);
  });
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
