import cliProgress from 'cli-progress';

/**
 * Progress for long steps, on stderr so stdout stays parseable. On a terminal it is a live bar
 * with ETA; elsewhere (CI, pipes) a plain line every few seconds, so logs show the job is alive.
 * REELREC_PROGRESS=off silences it (tests set this).
 */
export interface Progress {
  /** `detail` (e.g. `loss 0.31 · val NDCG 0.15`) is shown after the ETA until replaced. */
  increment(by?: number, detail?: string): void;
  update(value: number): void;
  /** Changes the total once it is known (e.g. after a file's size is read). */
  setTotal(total: number): void;
  stop(): void;
}

/** A progress that shows nothing, for callers that were asked to be quiet. */
export const SILENT_PROGRESS: Progress = { increment() {}, update() {}, setTotal() {}, stop() {} };

/** Bars not yet stopped: their timers would keep the process alive after the work is done. */
const active = new Set<cliProgress.SingleBar>();

/** Stops every bar still running; the CLI calls it on the way out, whatever happened. */
export function stopAllProgress(): void {
  for (const bar of active) bar.stop();
  active.clear();
}

export function startProgress(label: string, total: number, unit = 'items', enabled = true): Progress {
  if (!enabled || process.env.REELREC_PROGRESS === 'off') return SILENT_PROGRESS;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} elapsed | ETA {eta_formatted}{detail}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { detail: '' });
  active.add(bar);
  return {
    increment: (by = 1, detail) => bar.increment(by, detail === undefined ? {} : { detail: ` | ${detail}` }),
    update: (value) => bar.update(value),
    setTotal: (t) => bar.setTotal(Math.max(t, 1)),
    stop: () => {
      if (active.delete(bar)) bar.stop();
    },
  };
}
