import { ReelrecError } from '../errors.js';

/** What made a store's vectors; a store only makes sense queried with vectors from the same embedder. */
export interface EmbedderInfo {
  id: string;
  model: string;
  dimension: number;
}

function describeEmbedder(e: EmbedderInfo): string {
  return `${e.id} (${e.model}, ${e.dimension}-d)`;
}

/** The store was built by a different embedder than the one this run uses. */
export class StoreEmbedderMismatchError extends ReelrecError {
  override name = 'StoreEmbedderMismatchError';
  constructor(
    readonly uri: string,
    readonly stored: EmbedderInfo,
    readonly requested: EmbedderInfo,
  ) {
    super(
      'store_embedder_mismatch',
      `${uri}: store was built with embedder ${describeEmbedder(stored)}, but this run uses ${describeEmbedder(requested)}; ` +
        'rebuild the store with `reelrec build` (or point at a store made by the same embedder)',
    );
  }
}

/** The store's layout is older, newer or unrecognisable; `found` is null when no version is recorded. */
export class StoreSchemaError extends ReelrecError {
  override name = 'StoreSchemaError';
  constructor(
    readonly uri: string,
    readonly found: number | null,
    readonly expected: number,
    detail?: string,
  ) {
    const what = found === null ? 'no recorded schema version' : `schema version ${found}`;
    const hint =
      found !== null && found > expected
        ? 'it was written by a newer reelrec; upgrade reelrec or rebuild the store with `reelrec build`'
        : 'rebuild the store with `reelrec build`';
    super('store_schema', `${uri}: store has ${what}${detail ? ` (${detail})` : ''}, this reelrec reads version ${expected}; ${hint}`);
  }
}

/** A vector whose length differs from the store dimension, or that holds non-finite values. */
export class StoreVectorError extends ReelrecError {
  override name = 'StoreVectorError';
  constructor(
    readonly what: string,
    readonly expected: number,
    readonly got: number,
    detail?: string,
  ) {
    super(
      'store_vector',
      detail ?? `${what}: vector has ${got} values but this store holds ${expected}-d vectors (a different embedder made it?)`,
    );
  }
}

/** Bad arguments to a store function (ids that are not integers, unknown sources, like values other than ±1). */
export class StoreInputError extends ReelrecError {
  override name = 'StoreInputError';
  constructor(detail: string) {
    super('store_input', detail);
  }
}

/**
 * One line from a LanceDB error: object-store failures carry XML bodies and `Caused by` chains over
 * dozens of lines. A refused credential (401/403) is said plainly, with the settings to check.
 */
function describeCause(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const denied = /\b(401 Unauthorized|403 Forbidden)\b/.exec(message);
  if (denied) {
    const code = /<Code>([^<]+)<\/Code>/.exec(message)?.[1];
    const azure = message.includes('MicrosoftAzure');
    return `${azure ? 'Azure Blob Storage' : 'the object store'} refused the credentials (HTTP ${denied[1]}${code ? `, ${code}` : ''}); check ${azure ? 'AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY' : 'the store credentials'}`;
  }
  return message.split('\n')[0] ?? message;
}

/** LanceDB or storage failed underneath us; the original error is kept as `cause`. */
export class StoreIoError extends ReelrecError {
  override name = 'StoreIoError';
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super('store_io', `store ${operation} failed: ${describeCause(cause)}`, { cause });
  }
}

/** Runs a LanceDB call so that only ReelrecErrors leave the store module. */
export async function guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ReelrecError) throw err;
    throw new StoreIoError(operation, err);
  }
}

/** No store at that URI: nothing has been built yet. */
export class StoreNotBuiltError extends ReelrecError {
  override name = 'StoreNotBuiltError';
  constructor(readonly uri: string) {
    super('store_not_built', `${uri}: no reelrec store here yet; run \`reelrec build\` first`);
  }
}

/** A person already holds as many likes as one person may (MAX_LIKES_PER_PERSON); nothing was written. */
export class LikeLimitError extends ReelrecError {
  override name = 'LikeLimitError';
  constructor(
    readonly user: string,
    readonly limit: number,
  ) {
    super('too_many_likes', `one person may keep at most ${limit} likes and dislikes; remove some before adding more`);
  }
}

/**
 * A like change could not be made durable (the journal append or its fsync failed: a full disk, EIO), or
 * the book is closed. Nothing was applied: the person's likes are as they were before the call. The
 * message is for the person; `detail` (paths, errno) is for the log.
 */
export class LikeNotSavedError extends ReelrecError {
  override name = 'LikeNotSavedError';
  constructor(
    readonly detail: string,
    options?: { cause?: unknown; closing?: boolean },
  ) {
    super(
      'likes_unavailable',
      options?.closing
        ? 'your like was not saved: reelrec is restarting; please try again in a minute'
        : 'your like was not saved: reelrec cannot store likes right now; please try again later',
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}
