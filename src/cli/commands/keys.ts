import { Command } from 'commander';
import { loadConfig, parseIntFlag } from '../../config.js';
import { ConfigError } from '../../errors.js';
import {
  type ApiKeyEntry,
  generateApiKey,
  hashApiKey,
  isValidKeyName,
  KeyNameError,
  keysFilePath,
  MAX_KEY_LIMIT,
  parseApiKeysSetting,
  readKeysFile,
  updateKeysFile,
} from '../../keys/index.js';

/**
 * `reelrec keys create|list|revoke`: developer API keys in `<REELREC_DATA_DIR>/api-keys.json`. A running
 * server picks changes up within seconds. The key itself is printed once by `create` and stored nowhere.
 */

const out = (line: string) => process.stdout.write(`${line}\n`);

function checkName(name: string): void {
  if (!isValidKeyName(name))
    throw new ConfigError(
      'NAME',
      `expected 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(name)}`,
    );
}

const createCommand = new Command('create')
  .description('make a key for NAME and print it once (only its SHA-256 is stored)')
  .argument('<name>', 'who the key is for, e.g. acme-dashboard')
  .option('--limit <n>', 'requests per minute for this key (default: REELREC_API_KEY_RATE_LIMIT)')
  .action(async (name: string, flags: { limit?: string }) => {
    checkName(name);
    const limit = flags.limit === undefined ? undefined : parseIntFlag('--limit', flags.limit, 0, 1, MAX_KEY_LIMIT);
    const config = loadConfig();
    const file = keysFilePath(config.dataDir);
    const key = generateApiKey();
    const hash = hashApiKey(key);
    await updateKeysFile(file, (entries) => {
      if (entries.some((e) => e.name === name))
        throw new KeyNameError(name, `a key with this name is already in ${file}; revoke it first or pick another name`);
      const entry: ApiKeyEntry = {
        name,
        hash,
        created: new Date().toISOString(),
        source: 'file',
        ...(limit === undefined ? {} : { limit }),
      };
      return { entries: [...entries, entry], result: undefined };
    });
    out(`key for ${name} (shown only now; give it to its owner, it cannot be recovered):`);
    out(`  ${key}`);
    out(`saved as a hash in ${file}; a running server accepts it within seconds. Requests send it as \`X-API-Key: <key>\`.`);
    out(`limit: ${limit ?? config.apiKeyRateLimit} requests/minute${limit === undefined ? ' (REELREC_API_KEY_RATE_LIMIT)' : ''}`);
    out('for REELREC_API_KEYS instead of the file (e.g. several instances):');
    out(`  ${name}:${hash}${limit === undefined ? '' : `:${limit}`}`);
  });

const listCommand = new Command('list')
  .description('list the keys: name, source, created, limit, hash prefix (never a key)')
  .action(async () => {
    const config = loadConfig();
    const file = keysFilePath(config.dataDir);
    const keys = [...parseApiKeysSetting(config.apiKeys), ...(await readKeysFile(file))];
    if (keys.length === 0) {
      out(`no keys (none in REELREC_API_KEYS, none in ${file}); \`reelrec keys create NAME\` makes one`);
      return;
    }
    const rows = keys.map((k) => [
      k.name,
      k.source === 'env' ? 'REELREC_API_KEYS' : 'file',
      k.created ?? '-',
      k.limit === undefined ? `${config.apiKeyRateLimit}/min (default)` : `${k.limit}/min`,
      `${k.hash.slice(0, 12)}…`,
    ]);
    const table = [['NAME', 'SOURCE', 'CREATED', 'LIMIT', 'SHA-256'], ...rows];
    const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? [];
    for (const row of table)
      out(
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
  });

const revokeCommand = new Command('revoke')
  .description('remove the key NAME from the keys file; a running server refuses it within seconds')
  .argument('<name>', 'the name given to `keys create`')
  .action(async (name: string) => {
    checkName(name);
    const config = loadConfig();
    const file = keysFilePath(config.dataDir);
    const inEnv = parseApiKeysSetting(config.apiKeys).some((e) => e.name === name);
    await updateKeysFile(file, (entries) => {
      if (!entries.some((e) => e.name === name)) {
        throw new KeyNameError(
          name,
          inEnv ? 'is set in REELREC_API_KEYS, not in the keys file: remove it there and restart' : `no key with this name in ${file}`,
        );
      }
      return { entries: entries.filter((e) => e.name !== name), result: undefined };
    });
    out(`revoked ${name}: removed from ${file}; a running server refuses it within seconds`);
    if (inEnv) process.stderr.write(`reelrec: ${name} is also in REELREC_API_KEYS: remove it there and restart, or that key still works\n`);
  });

export const keysCommand = new Command('keys')
  .description('developer API keys: their own rate limit and usage counter (create, list, revoke)')
  .addCommand(createCommand)
  .addCommand(listCommand)
  .addCommand(revokeCommand);
