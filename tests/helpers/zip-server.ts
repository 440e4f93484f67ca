import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import yazl from 'yazl';

/** Builds a zip in memory; keys are entry paths, values file contents. */
export async function buildZip(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    zip.addBuffer(Buffer.from(content), name, { mtime: new Date(2000, 0, 1) });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** How the server answers one path. */
export type Route =
  | { kind: 'file'; body: Buffer }
  /** Announces the full length, sends `sendBytes`, then kills the socket. */
  | { kind: 'truncate'; body: Buffer; sendBytes: number }
  | { kind: 'status'; status: number };

export interface ZipServer {
  /** `http://127.0.0.1:PORT/` */
  baseUrl: string;
  routes: Map<string, Route>;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** A loopback-only HTTP server; unknown paths get 404 like GroupLens does. */
export async function startZipServer(): Promise<ZipServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = req.url ?? '/';
    requests.push(urlPath);
    const route = routes.get(urlPath) ?? { kind: 'status', status: 404 };
    switch (route.kind) {
      case 'file':
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': route.body.length });
        res.end(route.body);
        return;
      case 'truncate':
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': route.body.length });
        res.write(route.body.subarray(0, route.sendBytes), () => res.socket?.destroy());
        return;
      case 'status':
        res.writeHead(route.status, { 'content-type': 'text/plain' });
        res.end(`status ${route.status}\n`);
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    routes,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
