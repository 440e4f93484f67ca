/** Reading REST request bodies: JSON, or multipart/form-data with `payload_json` and `files[n]`. */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UploadedFile } from './messages.js';

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Parses the body; multipart is decoded with undici's FormData parser (Response#formData) rather than by hand. */
export async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const raw = await readAll(req);
  const contentType = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { json: undefined, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const files: UploadedFile[] = [];
    let json: unknown;
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json' && typeof value === 'string') {
        json = JSON.parse(value);
        continue;
      }
      const match = /^files\[(\d+)\]$/.exec(key);
      if (match && typeof value !== 'string') {
        files.push({
          index: Number(match[1]),
          filename: value.name,
          contentType: value.type || 'application/octet-stream',
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json, files };
  }
  const text = raw.toString('utf8');
  return { json: contentType.includes('json') || /^[[{]/.test(text) ? JSON.parse(text) : text, files: [] };
}

/** A JSON reply (ids already strings). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** 204 with no content-type: @discordjs/rest would otherwise try to JSON-parse the empty body. */
export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** Discord's error shape: `{ message, code }`. */
export function sendError(res: ServerResponse, status: number, message: string, code = 0): void {
  sendJson(res, status, { message, code });
}
