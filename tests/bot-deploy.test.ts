import { ApplicationCommandOptionType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCommands } from '../src/bot/deploy-commands.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';

let fake: FakeDiscord;

beforeAll(async () => {
  fake = await FakeDiscord.start();
});

afterAll(async () => {
  await fake.stop();
});

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_GUILD_ID: fake.guildId,
    REELREC_DISCORD_API: fake.restUrl,
    ...overrides,
  };
}

type Registered = { name: string; guild_id?: string; options?: Array<{ name: string; type: number }> };

describe('deployCommands against the fake Discord', () => {
  it('registers exactly movies, recommend, likes and forget in the guild', async () => {
    const before = fake.requests.length;
    const result = await deployCommands(loadConfig(env()));
    expect(result).toEqual({ scope: `guild ${fake.guildId}`, count: 4 });

    const registered = fake.commands as Registered[];
    expect(registered.map((c) => c.name)).toEqual(['movies', 'recommend', 'likes', 'forget']);
    for (const command of registered) expect(command.guild_id).toBe(fake.guildId);
    // One bulk overwrite, in the guild scope, and nothing else.
    expect(fake.requests.slice(before)).toEqual([
      { method: 'PUT', path: `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`, status: 200 },
    ]);
    // The option types the bot reads back (getString / getInteger) are the ones declared.
    const movies = registered.find((c) => c.name === 'movies');
    expect(movies?.options?.map((o) => [o.name, o.type])).toEqual([
      ['genre', ApplicationCommandOptionType.String],
      ['search', ApplicationCommandOptionType.String],
      ['page', ApplicationCommandOptionType.Integer],
    ]);
    for (const name of ['recommend', 'likes', 'forget']) expect(registered.find((c) => c.name === name)?.options ?? []).toEqual([]);
  });

  it('registers globally when DISCORD_GUILD_ID is not set', async () => {
    const before = fake.requests.length;
    const result = await deployCommands(loadConfig(env({ DISCORD_GUILD_ID: undefined })));
    expect(result).toEqual({ scope: 'global', count: 4 });
    const registered = fake.commands as Registered[];
    expect(registered.map((c) => c.name)).toEqual(['movies', 'recommend', 'likes', 'forget']);
    for (const command of registered) expect(command.guild_id).toBeUndefined();
    expect(fake.requests.slice(before)).toEqual([{ method: 'PUT', path: `/applications/${fake.applicationId}/commands`, status: 200 }]);
  });

  it.each([
    ['DISCORD_TOKEN', { DISCORD_TOKEN: undefined }],
    ['DISCORD_TOKEN', { DISCORD_TOKEN: '' }],
    ['DISCORD_APPLICATION_ID', { DISCORD_APPLICATION_ID: undefined }],
    ['DISCORD_APPLICATION_ID', { DISCORD_APPLICATION_ID: undefined, DISCORD_GUILD_ID: undefined }],
  ])('a missing %s is a ConfigError naming it, before any request', async (variable, overrides) => {
    const before = fake.requests.length;
    const error = await deployCommands(loadConfig(env(overrides))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: is not set`));
    expect(fake.requests.length).toBe(before);
  });

  it('never echoes the token when the token is set but the application id is missing', async () => {
    const error = await deployCommands(loadConfig(env({ DISCORD_APPLICATION_ID: undefined }))).catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain(fake.token);
  });
});
