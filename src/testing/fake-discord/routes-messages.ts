/** REST routes on channel messages and their reactions. */

import { sendError, sendJson, sendNoContent } from './body.js';
import { createMessage, editMessage, emojiKey, type MessageBody, messageJson } from './messages.js';
import type { RestContext, Route } from './rest.js';
import type { MessageRecord } from './state.js';
import type { FakeReaction } from './types.js';

const CHANNEL = '^/channels/(\\d+)';
const MESSAGE = `${CHANNEL}/messages/(\\d+)`;
const EMOJI = '([^/]+)';

function channelOr404(ctx: RestContext): string | undefined {
  const channelId = ctx.params[0] ?? '';
  if (ctx.state.channel(channelId)) return channelId;
  sendError(ctx.res, 404, 'Unknown Channel', 10003);
  return undefined;
}

/** The live (not deleted) message params[1] in channel params[0], or a 404 already sent. */
export function messageOr404(ctx: RestContext): MessageRecord | undefined {
  const record = ctx.state.records.get(ctx.params[1] ?? '');
  if (record && !record.message.deleted && record.message.channelId === ctx.params[0]) return record;
  sendError(ctx.res, 404, 'Unknown Message', 10008);
  return undefined;
}

function listMessages(ctx: RestContext): void {
  const channelId = channelOr404(ctx);
  if (channelId === undefined) return;
  const limit = Math.min(Math.max(Number(ctx.query.get('limit') ?? 50) || 50, 1), 100);
  const before = ctx.query.get('before');
  const after = ctx.query.get('after');
  const live = [...ctx.state.records.values()]
    .filter((r) => r.message.channelId === channelId && !r.message.deleted)
    .filter((r) => (before ? BigInt(r.message.id) < BigInt(before) : true))
    .filter((r) => (after ? BigInt(r.message.id) > BigInt(after) : true))
    .sort((a, b) => (BigInt(b.message.id) > BigInt(a.message.id) ? 1 : -1));
  sendJson(
    ctx.res,
    200,
    live.slice(0, limit).map((r) => messageJson(ctx.state, r)),
  );
}

function setReaction(ctx: RestContext, list: FakeReaction[], userId: string, present: boolean): void {
  const record = messageOr404(ctx);
  if (!record) return;
  const emoji = emojiKey(ctx.params[2] ?? '');
  const index = list.findIndex((r) => r.messageId === record.message.id && r.emoji === emoji && r.userId === userId);
  const reaction = { messageId: record.message.id, emoji, userId };
  if (present && index < 0) {
    list.push(reaction);
    ctx.hooks.reactionChanged('add', reaction, record.message.channelId);
  } else if (!present && index >= 0) {
    list.splice(index, 1);
    ctx.hooks.reactionChanged('remove', reaction, record.message.channelId);
  }
  sendNoContent(ctx.res);
}

function clearReactions(ctx: RestContext): void {
  const record = messageOr404(ctx);
  if (!record) return;
  const emoji = ctx.params[2] ? emojiKey(ctx.params[2]) : undefined;
  for (const list of [ctx.state.reactions, ctx.state.userReactions]) {
    for (let i = list.length - 1; i >= 0; i--) {
      const reaction = list[i];
      if (reaction && reaction.messageId === record.message.id && (emoji === undefined || reaction.emoji === emoji)) list.splice(i, 1);
    }
  }
  sendNoContent(ctx.res);
}

export const messageRoutes: Route[] = [
  {
    method: 'POST',
    pattern: new RegExp(`${CHANNEL}/messages$`),
    auth: true,
    handle: (ctx) => {
      const channelId = channelOr404(ctx);
      if (channelId === undefined) return;
      const body = (ctx.body.json ?? {}) as MessageBody;
      const hasSomething =
        Boolean(body.content) || (body.embeds?.length ?? 0) > 0 || ctx.body.files.length > 0 || (body.components?.length ?? 0) > 0;
      if (!hasSomething) {
        sendError(ctx.res, 400, 'Cannot send an empty message', 50006);
        return;
      }
      sendJson(ctx.res, 200, messageJson(ctx.state, createMessage(ctx.state, channelId, body, ctx.body.files)));
    },
  },
  { method: 'GET', pattern: new RegExp(`${CHANNEL}/messages$`), auth: true, handle: listMessages },
  {
    method: 'GET',
    pattern: new RegExp(`${MESSAGE}$`),
    auth: true,
    handle: (ctx) => {
      const record = messageOr404(ctx);
      if (record) sendJson(ctx.res, 200, messageJson(ctx.state, record));
    },
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`${MESSAGE}$`),
    auth: true,
    handle: (ctx) => {
      const record = messageOr404(ctx);
      if (!record) return;
      editMessage(ctx.state, record, (ctx.body.json ?? {}) as MessageBody, ctx.body.files);
      sendJson(ctx.res, 200, messageJson(ctx.state, record));
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${MESSAGE}$`),
    auth: true,
    handle: (ctx) => {
      const record = messageOr404(ctx);
      if (!record) return;
      record.message.deleted = true;
      sendNoContent(ctx.res);
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`${MESSAGE}/reactions/${EMOJI}/@me$`),
    auth: true,
    handle: (ctx) => setReaction(ctx, ctx.state.reactions, ctx.state.ids.botUserId, true),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${MESSAGE}/reactions/${EMOJI}/@me$`),
    auth: true,
    handle: (ctx) => setReaction(ctx, ctx.state.reactions, ctx.state.ids.botUserId, false),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${MESSAGE}/reactions/${EMOJI}/(\\d+)$`),
    auth: true,
    handle: (ctx) => {
      const userId = ctx.params[3] ?? '';
      const list = userId === ctx.state.ids.botUserId ? ctx.state.reactions : ctx.state.userReactions;
      setReaction(ctx, list, userId, false);
    },
  },
  { method: 'DELETE', pattern: new RegExp(`${MESSAGE}/reactions(?:/${EMOJI})?$`), auth: true, handle: clearReactions },
  {
    method: 'GET',
    pattern: new RegExp(`${MESSAGE}/reactions/${EMOJI}$`),
    auth: true,
    handle: (ctx) => {
      const record = messageOr404(ctx);
      if (!record) return;
      const emoji = emojiKey(ctx.params[2] ?? '');
      const userIds = [...ctx.state.reactions, ...ctx.state.userReactions]
        .filter((r) => r.messageId === record.message.id && r.emoji === emoji)
        .map((r) => r.userId);
      sendJson(
        ctx.res,
        200,
        userIds.map((id) => ctx.state.users.get(id) ?? ctx.state.user({ id })),
      );
    },
  },
];
