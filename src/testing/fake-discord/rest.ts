/** The REST side of the fake: routing, bot-token auth, request recording, and the 404 for anything unknown. */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ParsedBody, parseBody, sendError } from './body.js';
import type { FakeState } from './state.js';
import type { FakeReaction } from './types.js';

/** What REST handlers may ask of the gateway (Discord echoes the bot's own actions as dispatches). */
export interface RestHooks {
  gatewayUrl(): string;
  reactionChanged(kind: 'add' | 'remove', reaction: FakeReaction, channelId: string): void;
}

export interface RestContext {
  state: FakeState;
  hooks: RestHooks;
  /** Capture groups of the route pattern, URL-decoded. */
  params: string[];
  query: URLSearchParams;
  body: ParsedBody;
  res: ServerResponse;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Matched against the path after `/api/v10` (or `/api`). */
  pattern: RegExp;
  /** Interaction callbacks and interaction webhooks are authenticated by their token, not the bot token. */
  auth: boolean;
  handle(ctx: RestContext): void | Promise<void>;
}

const API_PREFIX = /^\/api(?:\/v\d+)?(?=\/)/;

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function serveAttachment(state: FakeState, path: string, res: ServerResponse): boolean {
  const match = /^\/attachments\/\d+\/(\d+)\/[^/]+$/.exec(path);
  if (!match) return false;
  for (const record of state.records.values()) {
    const index = record.attachmentIds.indexOf(match[1] ?? '');
    const file = index >= 0 ? record.message.attachments[index] : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
      res.end(file.bytes);
      return true;
    }
  }
  return false;
}

/** Builds the node:http request listener serving every route in `routes`. */
export function createRestHandler(state: FakeState, hooks: RestHooks, routes: Route[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(API_PREFIX, '');
    const entry = { method, path, status: 0 };
    state.requests.push(entry);
    try {
      if (method === 'GET' && serveAttachment(state, url.pathname, res)) return;
      let params: string[] | undefined;
      const route = routes.find((candidate) => {
        if (candidate.method !== method) return false;
        const match = candidate.pattern.exec(path);
        params = match ? match.slice(1).map((p) => decodeParam(p ?? '')) : undefined;
        return match !== null;
      });
      if (!route || !params) {
        req.resume();
        sendError(res, 404, '404: Not Found');
        return;
      }
      if (route.auth && req.headers.authorization !== `Bot ${state.token}`) {
        req.resume();
        sendError(res, 401, '401: Unauthorized');
        return;
      }
      const body = await parseBody(req);
      await route.handle({ state, hooks, params, query: url.searchParams, body, res });
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, `fake-discord: ${error instanceof Error ? error.message : String(error)}`);
      else res.end();
    } finally {
      entry.status = res.statusCode;
    }
  };
}
