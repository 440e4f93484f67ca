import { ReelrecError } from '../errors.js';

/** A keys file that cannot be read, parsed or updated; the message names the file, never a key. */
export class KeysFileError extends ReelrecError {
  override name = 'KeysFileError';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('keys_file', `${file}: ${detail}`, options);
  }
}

/** `reelrec keys create` of a name in use, or `revoke` of a name that is not there. */
export class KeyNameError extends ReelrecError {
  override name = 'KeyNameError';
  constructor(
    readonly keyName: string,
    detail: string,
  ) {
    super('key_name', `${JSON.stringify(keyName)}: ${detail}`);
  }
}
