/**
 * Named errors that carry their context. The CLI prints `message` as one line and exits non-zero;
 * the HTTP layer maps `code` to a status. Nothing else should be thrown across module boundaries.
 */
export class ReelrecError extends Error {
  override name = 'ReelrecError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A data file that cannot be read as the format it claims to be. `line` is 1-based. */
export class DataFormatError extends ReelrecError {
  override name = 'DataFormatError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super('data_format', `${file}${line === null ? '' : `:${line}`}: ${detail}`);
  }
}

/** A folder or file that is missing, or a folder whose MovieLens format cannot be recognised. */
export class DatasetNotFoundError extends ReelrecError {
  override name = 'DatasetNotFoundError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super('dataset_not_found', `${path}: ${detail}`);
  }
}

/** A setting (env var or flag) with a bad value. */
export class ConfigError extends ReelrecError {
  override name = 'ConfigError';
  constructor(
    readonly setting: string,
    detail: string,
  ) {
    super('config', `${setting}: ${detail}`);
  }
}

/** A download that failed or whose checksum did not match. */
export class DownloadError extends ReelrecError {
  override name = 'DownloadError';
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super('download', `${url}: ${detail}`);
  }
}
