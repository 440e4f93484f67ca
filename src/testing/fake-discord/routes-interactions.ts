/** REST routes answering interactions: the callback, and the interaction webhook (follow-ups, @original edits). */

import { InteractionResponseType, MessageFlags } from 'discord-api-types/v10';
import { sendError, sendJson, sendNoContent } from './body.js';
import { createMessage, editMessage, type MessageBody, messageJson } from './messages.js';
import type { RestContext, Route } from './rest.js';
import type { InteractionRecord, MessageRecord } from './state.js';

function interactionOr404(ctx: RestContext, id: string | undefined, token: string): InteractionRecord | undefined {
  const interaction = ctx.state.interactionByToken(token);
  if (interaction && (id === undefined || interaction.id === id)) return interaction;
  sendError(ctx.res, 404, 'Unknown interaction', 10062);
  return undefined;
}

/** Webhook routes use the application id + interaction token; a wrong pair is an unknown webhook. */
function webhookOr404(ctx: RestContext): InteractionRecord | undefined {
  const interaction = ctx.state.interactionByToken(ctx.params[1] ?? '');
  if (interaction && ctx.params[0] === ctx.state.ids.applicationId) return interaction;
  sendError(ctx.res, 404, 'Unknown Webhook', 10015);
  return undefined;
}

/** '@original' or a follow-up id, as long as it belongs to this interaction. */
function webhookMessageOr404(ctx: RestContext, interaction: InteractionRecord): MessageRecord | undefined {
  const ref = ctx.params[2] ?? '';
  const id = ref === '@original' ? interaction.originalMessageId : ref;
  const record = id === undefined ? undefined : ctx.state.records.get(id);
  const belongs = record && (record.message.id === interaction.originalMessageId || record.message.interactionId === interaction.id);
  if (record && belongs && !record.message.deleted) return record;
  sendError(ctx.res, 404, 'Unknown Message', 10008);
  return undefined;
}

function callbackResponse(ctx: RestContext, interaction: InteractionRecord, type: number): void {
  if (ctx.query.get('with_response') !== 'true') {
    sendNoContent(ctx.res);
    return;
  }
  const record = interaction.originalMessageId ? ctx.state.records.get(interaction.originalMessageId) : undefined;
  sendJson(ctx.res, 200, {
    interaction: {
      id: interaction.id,
      type: interaction.type,
      ...(record
        ? {
            response_message_id: record.message.id,
            response_message_loading: (record.flags & MessageFlags.Loading) !== 0,
            response_message_ephemeral: record.message.ephemeral,
          }
        : {}),
    },
    resource: { type, ...(record ? { message: messageJson(ctx.state, record) } : {}) },
  });
}

function callback(ctx: RestContext): void {
  const interaction = interactionOr404(ctx, ctx.params[0], ctx.params[1] ?? '');
  if (!interaction) return;
  if (interaction.acknowledged) {
    sendError(ctx.res, 400, 'Interaction has already been acknowledged.', 40060);
    return;
  }
  const { type, data } = (ctx.body.json ?? {}) as { type?: number; data?: MessageBody };
  const body = data ?? {};
  const { state } = ctx;
  const target = interaction.originalMessageId ? state.records.get(interaction.originalMessageId) : undefined;
  switch (type) {
    case InteractionResponseType.ChannelMessageWithSource:
      interaction.originalMessageId = createMessage(state, interaction.channelId, body, ctx.body.files, { interaction }).message.id;
      interaction.settled = true;
      break;
    case InteractionResponseType.DeferredChannelMessageWithSource:
      interaction.originalMessageId = createMessage(state, interaction.channelId, { flags: body.flags ?? 0 }, [], {
        interaction,
        flags: MessageFlags.Loading,
      }).message.id;
      interaction.deferred = true;
      break;
    case InteractionResponseType.DeferredMessageUpdate:
      interaction.deferred = true;
      break;
    case InteractionResponseType.UpdateMessage:
      if (!target) {
        sendError(ctx.res, 400, 'This interaction has no message to update', 50035);
        return;
      }
      editMessage(state, target, body, ctx.body.files);
      interaction.settled = true;
      break;
    case InteractionResponseType.ApplicationCommandAutocompleteResult:
    case InteractionResponseType.Modal:
      break;
    default:
      sendError(ctx.res, 400, `Invalid Form Body: unsupported interaction response type ${String(type)}`, 50035);
      return;
  }
  interaction.acknowledged = true;
  callbackResponse(ctx, interaction, type);
}

function followUp(ctx: RestContext): void {
  const interaction = webhookOr404(ctx);
  if (!interaction) return;
  const body = (ctx.body.json ?? {}) as MessageBody;
  const original = interaction.originalMessageId ? ctx.state.records.get(interaction.originalMessageId) : undefined;
  let record: MessageRecord;
  if (original && !interaction.settled && (original.flags & MessageFlags.Loading) !== 0) {
    // Like Discord: the first follow-up after a deferred reply replaces the "thinking..." message.
    editMessage(ctx.state, original, body, ctx.body.files);
    interaction.settled = true;
    record = original;
  } else {
    record = createMessage(ctx.state, interaction.channelId, body, ctx.body.files, { interaction });
  }
  if (ctx.query.get('wait') === 'true') sendJson(ctx.res, 200, messageJson(ctx.state, record));
  else sendNoContent(ctx.res);
}

const WEBHOOK = '^/webhooks/(\\d+)/([^/]+)';
const WEBHOOK_MESSAGE = `${WEBHOOK}/messages/(@original|%40original|\\d+)$`; // discord.js sends %40original

export const interactionRoutes: Route[] = [
  { method: 'POST', pattern: /^\/interactions\/(\d+)\/([^/]+)\/callback$/, auth: false, handle: callback },
  { method: 'POST', pattern: new RegExp(`${WEBHOOK}$`), auth: false, handle: followUp },
  {
    method: 'GET',
    pattern: new RegExp(WEBHOOK_MESSAGE),
    auth: false,
    handle: (ctx) => {
      const interaction = webhookOr404(ctx);
      const record = interaction && webhookMessageOr404(ctx, interaction);
      if (record) sendJson(ctx.res, 200, messageJson(ctx.state, record));
    },
  },
  {
    method: 'PATCH',
    pattern: new RegExp(WEBHOOK_MESSAGE),
    auth: false,
    handle: (ctx) => {
      const interaction = webhookOr404(ctx);
      const record = interaction && webhookMessageOr404(ctx, interaction);
      if (!interaction || !record) return;
      editMessage(ctx.state, record, (ctx.body.json ?? {}) as MessageBody, ctx.body.files);
      if (record.message.id === interaction.originalMessageId) interaction.settled = true;
      sendJson(ctx.res, 200, messageJson(ctx.state, record));
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(WEBHOOK_MESSAGE),
    auth: false,
    handle: (ctx) => {
      const interaction = webhookOr404(ctx);
      const record = interaction && webhookMessageOr404(ctx, interaction);
      if (!record) return;
      record.message.deleted = true;
      sendNoContent(ctx.res);
    },
  },
];
