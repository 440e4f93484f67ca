import { ConfigError, ReelrecError } from '../errors.js';

/**
 * Turns any error into one line on stderr and an exit code: 2 for bad settings/flags, 1 otherwise.
 * Stack traces are for developers and only appear with REELREC_DEBUG=1.
 */
export function reportFailure(error: unknown, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  if (process.env.REELREC_DEBUG === '1' && error instanceof Error) write(error.stack ?? String(error));
  if (error instanceof ReelrecError) {
    write(`reelrec: ${error.message}`);
    return error instanceof ConfigError ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`reelrec: unexpected error: ${message.split('\n')[0]} (REELREC_DEBUG=1 shows the stack trace)`);
  return 1;
}
