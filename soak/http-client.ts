import { Agent, request } from 'node:http';

/** Node's http with keep-alive: fetch's pool adds its own queueing noise to millisecond timings. */
export interface KeepAliveClient {
  send(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: string; ms: number }>;
  close(): void;
}

export function keepAliveClient(base: string, sockets = 8): KeepAliveClient {
  const { hostname, port } = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    send(method, path, headers = {}, body) {
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: hostname,
            port,
            method,
            path,
            agent,
            headers: {
              ...headers,
              ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        // A request the server never answers fails the soak instead of hanging it.
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A visitor as the API knows it: its id, and the headers that prove it. */
export interface ApiVisitor {
  id: string;
  headers: Record<string, string>;
}

/** POST /api/visitors → `{ id, token }` over the keep-alive client, sent back as a bearer token. */
export async function createVisitor(client: KeepAliveClient): Promise<ApiVisitor> {
  const res = await client.send('POST', '/api/visitors');
  if (res.status !== 201) throw new Error(`POST /api/visitors answered ${res.status} ${res.body}`);
  const { id, token } = JSON.parse(res.body) as { id: string; token: string };
  return { id, headers: { authorization: `Bearer ${token}` } };
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
