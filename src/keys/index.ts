/** Developer API keys: the key format and hashing, the keys file `reelrec keys` manages, and the server's registry. */
export {
  API_KEY_PATTERN,
  type ApiKeyEntry,
  generateApiKey,
  hashApiKey,
  isValidKeyName,
  KEY_NAME_PATTERN,
  MAX_KEY_LIMIT,
  parseApiKeysSetting,
} from './api-key.js';
export { KeyNameError, KeysFileError } from './errors.js';
export { keysFilePath, readKeysFile, updateKeysFile } from './keys-file.js';
export { ApiKeyRegistry, type ApiKeyRegistryOptions } from './registry.js';
