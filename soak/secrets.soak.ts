import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../src/testing/fake-discord/index.js';
import { fuzzCorpus, judge } from './fuzz-corpus.js';
import {
  freshDataDir,
  killAll,
  newVisitor,
  rawRequest,
  recordSoak,
  removeScratch,
  runCommand,
  scratchDir,
  serverEnv,
  sleep,
  soakFixture,
  startArgs,
  startServer,
} from './helpers.js';

const FUZZ_SAMPLE = 200;

interface Captured {
  what: string;
  stdout: string;
  stderr: string;
}

describe('secrets never reach the output, LOG_LEVEL=debug, a full run', () => {
  let fake: FakeDiscord;
  const captured: Captured[] = [];
  // Fake secrets, fresh each run; none of them is a real credential.
  const azureKey = randomBytes(64).toString('base64');
  const apiKey = `soak-api-${randomBytes(16).toString('hex')}`;
  const secrets = () => ({
    AZURE_STORAGE_ACCOUNT_NAME: 'soakaccount',
    AZURE_STORAGE_ACCOUNT_KEY: azureKey,
    AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=soakaccount;AccountKey=${azureKey};EndpointSuffix=core.windows.net`,
    TMDB_API_KEY: apiKey,
    REELREC_DEBUG: '1',
    LOG_LEVEL: 'debug',
  });
  const discord = () => ({
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_GUILD_ID: fake.guildId,
    REELREC_DISCORD_API: fake.restUrl,
  });

  /** Each secret, and the forms it could leak in (its random part, URL-encoded). */
  function needles(): Array<{ name: string; value: string }> {
    const tokenSecret = fake.token.split('.').pop() ?? fake.token;
    return [
      { name: 'DISCORD_TOKEN', value: fake.token },
      { name: 'DISCORD_TOKEN (secret part)', value: tokenSecret },
      { name: 'AZURE_STORAGE_ACCOUNT_KEY', value: azureKey },
      { name: 'AZURE_STORAGE_ACCOUNT_KEY (first 24 chars)', value: azureKey.slice(0, 24) },
      { name: 'AZURE_STORAGE_ACCOUNT_KEY (URL-encoded)', value: encodeURIComponent(azureKey) },
      { name: 'TMDB_API_KEY', value: apiKey },
    ];
  }

  function leaks(output: Captured[], extra: Array<{ name: string; value: string }> = []): string[] {
    const found: string[] = [];
    for (const c of output) {
      for (const n of [...needles(), ...extra]) {
        if (c.stdout.includes(n.value)) found.push(`${n.name} in ${c.what} stdout`);
        if (c.stderr.includes(n.value)) found.push(`${n.name} in ${c.what} stderr`);
      }
    }
    return found;
  }

  beforeAll(async () => {
    fake = await FakeDiscord.start();
  });

  afterAll(async () => {
    await killAll();
    await fake?.stop();
    await removeScratch();
  });

  it('build, deploy-commands, start with the bot, API calls, bot commands, SIGTERM: no secret in any output', async () => {
    let visitorToken = '';
    const f = soakFixture();
    const dataDir = await scratchDir('secrets');
    const base = { REELREC_DATA_DIR: dataDir, REELREC_DATASET: f.dataset, REELREC_EMBEDDER: 'hashing', REELREC_REMOTE_POSTERS: 'off' };

    const built = await runCommand(['build', '--data', f.datasetDir, '--text', f.textFile], { ...base, ...secrets(), ...discord() });
    captured.push({ what: 'reelrec build', stdout: built.stdout, stderr: built.stderr });
    expect(built.status).toBe(0);

    const deployed = await runCommand(['bot', 'deploy-commands'], { ...base, ...secrets(), ...discord() });
    captured.push({ what: 'reelrec bot deploy-commands', stdout: deployed.stdout, stderr: deployed.stderr });
    expect(deployed.status).toBe(0);

    const server = await startServer(serverEnv(dataDir, { ...secrets(), ...discord(), REELREC_RATE_LIMIT: '1000' }));
    const port = Number(new URL(server.url).port);
    const calls: Record<string, number> = {};
    const call = async (name: string, path: string, init?: RequestInit) => {
      const res = await fetch(`${server.url}${path}`, init);
      await res.arrayBuffer();
      calls[name] = res.status;
      return res.status;
    };
    const json = (body: string, headers: Record<string, string> = {}): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    expect(await call('readyz', '/readyz')).toBe(200);
    expect(await call('recommend', '/api/recommend', json('{"liked":[1,8,15],"k":5}'))).toBe(200);
    // Secrets sent by a client (a header, a query string, a body) must not be logged either.
    expect(
      await call(
        'recommend with secrets in header, query and body',
        `/api/recommend?key=${encodeURIComponent(apiKey)}`,
        json(JSON.stringify({ liked: [1], k: 3, note: azureKey }), { authorization: `Bot ${fake.token}` }),
      ),
    ).toBe(200);
    expect(await call('invalid json (4xx)', '/api/recommend', json('{"liked": [1,'))).toBe(400);
    expect(await call('unknown genre (4xx)', '/api/recommend', json(`{"liked":[1],"genres":["${apiKey}"]}`))).toBe(400);
    // A visitor's token is a secret too: sent as a bearer header and as the cookie, it must not be logged.
    const visitor = await newVisitor(server.url);
    visitorToken = visitor.token;
    const path = `/api/visitors/${visitor.id}/likes`;
    expect(await call('visitor PUT', `${path}/3`, { ...json('{"value":1}', visitor.auth), method: 'PUT' })).toBe(200);
    expect(await call('visitor GET', path, { headers: visitor.auth })).toBe(200);
    expect(await call('visitor GET by cookie', path, { headers: { cookie: `reelrec_visitor=${visitor.token}` } })).toBe(200);
    let fuzzBad = 0;
    for (const c of fuzzCorpus(FUZZ_SAMPLE, 99)) if (judge(c, await rawRequest(port, c)) !== null) fuzzBad++;
    calls[`fuzz sample of ${FUZZ_SAMPLE}: answers with a 5xx or a non-JSON 4xx`] = fuzzBad;
    expect(fuzzBad).toBe(0);

    // The bot: a page of posters, a reaction, a recommendation, the likes list.
    const movies = await fake.sendCommand('movies');
    await fake.waitFor(() => fake.messages.filter((m) => m.interactionId === movies && m.embeds.length > 0).length >= 5, 20_000);
    const poster = fake.messages.find((m) => m.interactionId === movies && m.embeds.length > 0);
    if (poster) fake.reactionAdd('320000000000000001', poster.id, '👍');
    await sleep(200);
    const recommend = await fake.sendCommand('recommend', {}, { id: '320000000000000001', username: 'secrets' });
    await fake.waitForInteractionResponse(recommend, 20_000);
    const likes = await fake.sendCommand('likes', {}, { id: '320000000000000001', username: 'secrets' });
    const likesReply = await fake.waitForInteractionResponse(likes, 20_000);
    expect(likesReply.content).toMatch(/^👍 /);

    expect(await server.stop()).toBe(0);
    captured.push({ what: 'reelrec start (with the bot)', stdout: server.stdout(), stderr: server.stderr() });
    // LOG_LEVEL=debug really was on: one JSON line per request, and the request lines carry no query string.
    expect(server.stdout()).toMatch(/"level":20|"level":30/);
    expect(server.stdout()).not.toMatch(/\?key=/);

    const visitorNeedles = [
      { name: 'visitor token', value: visitorToken },
      { name: 'visitor token (secret part)', value: visitorToken.split('.')[1] ?? visitorToken },
    ];
    const found = leaks(captured, visitorNeedles);
    await recordSoak('secrets', {
      processes: captured.map((c) => c.what),
      outputBytes: captured.reduce((n, c) => n + c.stdout.length + c.stderr.length, 0),
      secretsChecked: [...needles(), ...visitorNeedles].map((n) => n.name),
      apiCalls: calls,
      leaks: found,
    });
    expect(found).toEqual([]);
  });

  it('a failing start with a bad secret setting does not echo the secret', async () => {
    const badToken = `${Buffer.from('100000000000000001').toString('base64url')}.SOAK.${randomBytes(24).toString('hex')}`;
    const malformedKey = `not+base64!${randomBytes(12).toString('hex')}`;
    const wrongKey = randomBytes(64).toString('base64');
    const dataDir = await freshDataDir('secrets-bad');
    const env = (extra: Record<string, string>) => ({
      ...serverEnv(dataDir),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      REELREC_DEBUG: '1',
      ...extra,
    });
    const az = {
      REELREC_LANCEDB_URI: 'az://soak-container/store',
      AZURE_STORAGE_ACCOUNT_NAME: 'soakaccount',
      AZURE_STORAGE_ENDPOINT: 'http://127.0.0.1:9',
    };
    const runs = [
      { what: 'start with a DISCORD_TOKEN Discord rejects', env: env({ DISCORD_TOKEN: badToken, REELREC_DISCORD_API: fake.restUrl }) },
      { what: 'start with a malformed AZURE_STORAGE_ACCOUNT_KEY', env: env({ ...az, AZURE_STORAGE_ACCOUNT_KEY: malformedKey }) },
      { what: 'start with a wrong AZURE_STORAGE_ACCOUNT_KEY', env: env({ ...az, AZURE_STORAGE_ACCOUNT_KEY: wrongKey }) },
      {
        what: 'start with a bad PORT beside the secrets',
        env: env({ ...az, AZURE_STORAGE_ACCOUNT_KEY: wrongKey, DISCORD_TOKEN: badToken, PORT: 'eighty' }),
      },
    ];
    const outcomes: Record<string, { exit: number | null; lastLine: string }> = {};
    const output: Captured[] = [];
    for (const run of runs) {
      const r = await runCommand(startArgs(), run.env);
      output.push({ what: run.what, stdout: r.stdout, stderr: r.stderr });
      outcomes[run.what] = { exit: r.status, lastLine: r.stderr.trim().split('\n').pop()?.slice(0, 240) ?? '' };
    }
    const extra = [
      { name: 'bad DISCORD_TOKEN', value: badToken },
      { name: 'bad DISCORD_TOKEN (secret part)', value: badToken.split('.').pop() ?? badToken },
      { name: 'malformed AZURE_STORAGE_ACCOUNT_KEY', value: malformedKey },
      { name: 'wrong AZURE_STORAGE_ACCOUNT_KEY', value: wrongKey },
      { name: 'wrong AZURE_STORAGE_ACCOUNT_KEY (first 24 chars)', value: wrongKey.slice(0, 24) },
    ];
    const found = leaks(output, extra);
    await recordSoak('secrets-bad-settings', { outcomes, leaks: found });
    for (const [what, outcome] of Object.entries(outcomes)) expect({ what, failed: outcome.exit !== 0 }).toEqual({ what, failed: true });
    expect(found).toEqual([]);
  });
});
