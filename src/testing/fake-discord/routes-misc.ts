/** REST routes around the messages: gateway discovery, users, channels, the guild, DMs, application commands. */

import { ApplicationCommandType, ChannelType } from 'discord-api-types/v10';
import { sendError, sendJson, sendNoContent } from './body.js';
import type { RestContext, Route } from './rest.js';
import type { FakeState } from './state.js';

const SNOWFLAKE = '(\\d+)';

function application(state: FakeState): Record<string, unknown> {
  return {
    id: state.ids.applicationId,
    name: 'reelrec-fake',
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    bot: state.botUser(),
    owner: state.botUser(),
    team: null,
  };
}

function guildOr404(ctx: RestContext): boolean {
  if (ctx.params[0] === ctx.state.ids.guildId) return true;
  sendError(ctx.res, 404, 'Unknown Guild', 10004);
  return false;
}

function appOr404(ctx: RestContext): boolean {
  if (ctx.params[0] === ctx.state.ids.applicationId) return true;
  sendError(ctx.res, 404, 'Unknown Application', 10002);
  return false;
}

/** Commands are stored per scope: 'global' or the guild id. */
function scopeOf(ctx: RestContext): string {
  return ctx.params[1] ?? 'global';
}

function toCommand(state: FakeState, raw: unknown, scope: string): Record<string, unknown> {
  const input = (raw ?? {}) as Record<string, unknown>;
  return {
    id: state.nextId(),
    application_id: state.ids.applicationId,
    version: state.nextId(),
    type: ApplicationCommandType.ChatInput,
    description: '',
    default_member_permissions: null,
    nsfw: false,
    ...input,
    ...(scope === 'global' ? {} : { guild_id: scope }),
  };
}

function bulkOverwrite(ctx: RestContext): void {
  if (!appOr404(ctx)) return;
  if (!Array.isArray(ctx.body.json)) {
    sendError(ctx.res, 400, 'Invalid Form Body: expected an array of commands', 50035);
    return;
  }
  const scope = scopeOf(ctx);
  const commands = ctx.body.json.map((raw) => toCommand(ctx.state, raw, scope));
  ctx.state.commandsByScope.set(scope, commands);
  ctx.state.commands = commands;
  sendJson(ctx.res, 200, commands);
}

function createOne(ctx: RestContext): void {
  if (!appOr404(ctx)) return;
  const scope = scopeOf(ctx);
  const command = toCommand(ctx.state, ctx.body.json, scope);
  const others = (ctx.state.commandsByScope.get(scope) ?? []).filter((c) => (c as { name?: unknown }).name !== command.name);
  ctx.state.commandsByScope.set(scope, [...others, command]);
  sendJson(ctx.res, 201, command);
}

export const miscRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/gateway\/bot$/,
    auth: true,
    handle: ({ hooks, res }) =>
      sendJson(res, 200, {
        url: hooks.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      }),
  },
  { method: 'GET', pattern: /^\/gateway$/, auth: false, handle: ({ hooks, res }) => sendJson(res, 200, { url: hooks.gatewayUrl() }) },
  { method: 'GET', pattern: /^\/users\/@me$/, auth: true, handle: ({ state, res }) => sendJson(res, 200, state.botUser()) },
  {
    method: 'GET',
    pattern: new RegExp(`^/users/${SNOWFLAKE}$`),
    auth: true,
    handle: ({ state, params, res }) => {
      const user = state.users.get(params[0] ?? '');
      if (user) sendJson(res, 200, user);
      else sendError(res, 404, 'Unknown User', 10013);
    },
  },
  {
    method: 'POST',
    pattern: /^\/users\/@me\/channels$/,
    auth: true,
    handle: ({ state, body, res }) => {
      const recipient = String((body.json as { recipient_id?: unknown } | undefined)?.recipient_id ?? '');
      if (!/^\d+$/.test(recipient)) {
        sendError(res, 400, 'Invalid Form Body: recipient_id', 50035);
        return;
      }
      let channelId = [...state.dmChannels].find(([, userId]) => userId === recipient)?.[0];
      if (channelId === undefined) {
        channelId = state.nextId();
        state.dmChannels.set(channelId, recipient);
      }
      const channel = state.channel(channelId);
      sendJson(res, 200, { ...channel, type: ChannelType.DM });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/channels/${SNOWFLAKE}$`),
    auth: true,
    handle: ({ state, params, res }) => {
      const channel = state.channel(params[0] ?? '');
      if (channel) sendJson(res, 200, channel);
      else sendError(res, 404, 'Unknown Channel', 10003);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/guilds/${SNOWFLAKE}$`),
    auth: true,
    handle: (ctx) => {
      if (guildOr404(ctx))
        sendJson(ctx.res, 200, { ...ctx.state.guild(false), approximate_member_count: 1, approximate_presence_count: 1 });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/guilds/${SNOWFLAKE}/channels$`),
    auth: true,
    handle: (ctx) => {
      if (guildOr404(ctx)) sendJson(ctx.res, 200, [ctx.state.textChannel()]);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/guilds/${SNOWFLAKE}/roles$`),
    auth: true,
    handle: (ctx) => {
      if (guildOr404(ctx)) sendJson(ctx.res, 200, [ctx.state.everyoneRole()]);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/guilds/${SNOWFLAKE}/members/${SNOWFLAKE}$`),
    auth: true,
    handle: (ctx) => {
      if (!guildOr404(ctx)) return;
      const user = ctx.state.users.get(ctx.params[1] ?? '');
      if (user) sendJson(ctx.res, 200, ctx.state.member(user));
      else sendError(ctx.res, 404, 'Unknown Member', 10007);
    },
  },
  { method: 'GET', pattern: /^\/applications\/@me$/, auth: true, handle: ({ state, res }) => sendJson(res, 200, application(state)) },
  {
    method: 'GET',
    pattern: /^\/oauth2\/applications\/@me$/,
    auth: true,
    handle: ({ state, res }) => sendJson(res, 200, application(state)),
  },
  { method: 'PUT', pattern: new RegExp(`^/applications/${SNOWFLAKE}/commands$`), auth: true, handle: bulkOverwrite },
  { method: 'PUT', pattern: new RegExp(`^/applications/${SNOWFLAKE}/guilds/${SNOWFLAKE}/commands$`), auth: true, handle: bulkOverwrite },
  { method: 'POST', pattern: new RegExp(`^/applications/${SNOWFLAKE}/commands$`), auth: true, handle: createOne },
  { method: 'POST', pattern: new RegExp(`^/applications/${SNOWFLAKE}/guilds/${SNOWFLAKE}/commands$`), auth: true, handle: createOne },
  ...[new RegExp(`^/applications/${SNOWFLAKE}/commands$`), new RegExp(`^/applications/${SNOWFLAKE}/guilds/${SNOWFLAKE}/commands$`)].map(
    (pattern): Route => ({
      method: 'GET',
      pattern,
      auth: true,
      handle: (ctx) => {
        if (appOr404(ctx)) sendJson(ctx.res, 200, ctx.state.commandsByScope.get(scopeOf(ctx)) ?? []);
      },
    }),
  ),
  {
    method: 'DELETE',
    pattern: new RegExp(`^/applications/${SNOWFLAKE}/(?:guilds/${SNOWFLAKE}/)?commands/${SNOWFLAKE}$`),
    auth: true,
    handle: (ctx) => {
      if (!appOr404(ctx)) return;
      const scope = ctx.params[1] || 'global';
      const commands = ctx.state.commandsByScope.get(scope) ?? [];
      ctx.state.commandsByScope.set(
        scope,
        commands.filter((c) => (c as { id?: unknown }).id !== ctx.params[2]),
      );
      sendNoContent(ctx.res);
    },
  },
];
