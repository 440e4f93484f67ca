/** The errno code of a Node system error (`ENOENT`, …), if it is one. */
export function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A single-line description of an error and its cause (undici hides the useful part in `cause`). */
export function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err).replace(/\s+/g, ' ').trim();
  let text = err.message;
  const cause = err.cause;
  if (cause instanceof Error && cause.message && !text.includes(cause.message)) text += ` (${cause.message})`;
  return text.replace(/\s+/g, ' ').trim();
}
