import { REST } from '@discordjs/rest';
import {
  AttachmentBuilder,
  type ChatInputCommandInteraction,
  Client,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  type MessageReaction,
  type PartialMessageReaction,
  Partials,
  type PartialUser,
  Routes,
  SlashCommandBuilder,
  type User,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';

let fake: FakeDiscord | undefined;
let client: Client | undefined;
/** Errors thrown by the inline handler: every test expects none. */
let handlerErrors: unknown[] = [];

afterEach(async () => {
  const errors = handlerErrors;
  handlerErrors = [];
  await client?.destroy();
  client = undefined;
  await fake?.stop();
  fake = undefined;
  expect(errors).toEqual([]);
});

function newClient(server: FakeDiscord): Client {
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    rest: { api: server.restUrl },
  });
  return client;
}

/** Starts the fake and a real client against it; `setup` wires handlers before login. */
async function connect(setup: (c: Client) => void = () => {}): Promise<{ server: FakeDiscord; bot: Client }> {
  const server = await FakeDiscord.start();
  fake = server;
  const bot = newClient(server);
  setup(bot);
  const ready = new Promise<void>((resolve) => bot.once(Events.ClientReady, () => resolve()));
  await bot.login(server.token);
  await ready;
  return { server, bot };
}

/** A tiny inline handler: one slash command per way of answering. */
async function answer(interaction: ChatInputCommandInteraction): Promise<void> {
  switch (interaction.commandName) {
    case 'ping':
      await interaction.reply(`pong ${interaction.options.getString('word') ?? ''}`.trim());
      return;
    case 'slow':
      await interaction.deferReply({ flags: 64 });
      await interaction.editReply({ content: `took a while (${interaction.options.getInteger('n')})` });
      return;
    case 'rich': {
      await interaction.reply('here you go');
      await interaction.followUp({ embeds: [new EmbedBuilder().setTitle('Heat (1995)').setDescription('crime')] });
      const file = new AttachmentBuilder(Buffer.from('PNGDATA'), { name: 'poster.png' });
      await interaction.followUp({ content: 'poster', files: [file] });
      return;
    }
    case 'react': {
      await interaction.reply('react to me');
      const message = await interaction.fetchReply();
      await message.react('👍');
      return;
    }
  }
}

function handleCommands(c: Client): void {
  c.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand()) answer(interaction).catch((error: unknown) => handlerErrors.push(error));
  });
}

describe('fake Discord against a real discord.js client', () => {
  it('becomes ready within a second', async () => {
    const started = Date.now();
    const { server, bot } = await connect();
    expect(Date.now() - started).toBeLessThan(1000);
    await server.waitForIdentify();
    expect(server.identifies).toBe(1);
    expect(bot.user?.id).toBe(server.botUserId);
    expect(bot.guilds.cache.get(server.guildId)?.channels.cache.has(server.channelId)).toBe(true);
  });

  it('records interaction.reply as the @original message', async () => {
    const { server } = await connect(handleCommands);
    const id = await server.sendCommand('ping', { word: 'hi' });
    const reply = await server.waitForInteractionResponse(id);
    expect(reply).toMatchObject({ content: 'pong hi', interactionId: id, ephemeral: false, channelId: server.channelId });
    expect(server.requests.some((r) => r.path.startsWith(`/interactions/${id}/`) && r.status === 204)).toBe(true);
  });

  it('records deferReply + editReply as one ephemeral message', async () => {
    const { server } = await connect(handleCommands);
    const id = await server.sendCommand('slow', { n: 3 });
    const reply = await server.waitForInteractionResponse(id);
    expect(reply).toMatchObject({ content: 'took a while (3)', ephemeral: true });
    expect(server.messages.filter((m) => m.interactionId === id)).toHaveLength(1);
  });

  it('records follow-ups with an embed and with a file', async () => {
    const { server } = await connect(handleCommands);
    const id = await server.sendCommand('rich');
    await server.waitFor(() => server.messages.length === 3);
    const [reply, embed, file] = server.messages;
    expect(reply?.content).toBe('here you go');
    expect(embed?.embeds).toEqual([{ title: 'Heat (1995)', description: 'crime' }]);
    expect(embed?.interactionId).toBe(id);
    expect(file?.content).toBe('poster');
    expect(file?.attachments.map((a) => [a.filename, a.bytes.toString()])).toEqual([['poster.png', 'PNGDATA']]);
  });

  it('records message.react and emits messageReactionAdd for an uncached message', async () => {
    const seen: Array<{ messageId: string; partial: boolean; emoji: string | null; userId: string }> = [];
    const { server } = await connect((c) => {
      handleCommands(c);
      c.on(Events.MessageReactionAdd, (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser) => {
        seen.push({ messageId: reaction.message.id, partial: reaction.partial, emoji: reaction.emoji.name, userId: user.id });
      });
    });
    const id = await server.sendCommand('react');
    await server.waitFor(() => server.reactions.length === 1);
    const reply = await server.waitForInteractionResponse(id);
    expect(server.reactions).toEqual([{ messageId: reply.id, emoji: '👍', userId: server.botUserId }]);

    server.reactionAdd('400000000000000009', '499999999999999999', '🍿');
    await server.waitFor(() => seen.some((s) => s.userId === '400000000000000009'));
    expect(seen.find((s) => s.userId === '400000000000000009')).toEqual({
      messageId: '499999999999999999',
      partial: true,
      emoji: '🍿',
      userId: '400000000000000009',
    });
  });

  it('resumes after closeGateway and still receives interactions', async () => {
    const { server } = await connect(handleCommands);
    server.closeGateway();
    await server.waitFor(() => server.resumes + server.identifies > 1);
    const id = await server.sendCommand('ping');
    expect((await server.waitForInteractionResponse(id)).content).toBe('pong');
    expect(server.resumes).toBe(1);
  });

  it('rejects a wrong token with a clear login error', async () => {
    const server = await FakeDiscord.start();
    fake = server;
    await expect(newClient(server).login('not-the-token')).rejects.toThrow(/invalid token/i);
    expect(server.requests.at(-1)).toEqual({ method: 'GET', path: '/gateway/bot', status: 401 });
  });

  it('stores bulk-registered commands (REST and client.application.commands.set)', async () => {
    const { server, bot } = await connect();
    const rest = new REST({ api: server.restUrl }).setToken(server.token);
    const ping = new SlashCommandBuilder().setName('ping').setDescription('Ping').toJSON();
    await rest.put(Routes.applicationGuildCommands(server.applicationId, server.guildId), { body: [ping] });
    expect(server.commands).toMatchObject([{ name: 'ping', guild_id: server.guildId }]);

    await bot.application?.commands.set([{ name: 'recommend', description: 'Movies for you' }]);
    expect(server.commands).toMatchObject([{ name: 'recommend', description: 'Movies for you' }]);
    expect(server.requests.filter((r) => r.status === 404)).toEqual([]);
  });

  it('answers unknown routes with a recorded 404 and closes the gateway with 4004 on a wrong token', async () => {
    const server = await FakeDiscord.start();
    fake = server;
    const res = await fetch(`${server.restUrl}/v10/nowhere`, { headers: { authorization: `Bot ${server.token}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });
    expect(server.requests).toEqual([{ method: 'GET', path: '/nowhere', status: 404 }]);

    const socket = new WebSocket(server.restUrl.replace(/^http/, 'ws').replace(/\/api$/, ''));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', () => socket.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } })));
    expect(await closed).toBe(4004);
    expect(server.identifies).toBe(0);
  });
});
