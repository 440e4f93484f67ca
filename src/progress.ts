import cliProgress from 'cli-progress';
import { ConfigError } from './errors.js';
import { LineProgress, type LineSink } from './progress-line.js';

/**
 * Progress for long steps, on stderr so stdout stays parseable. On a terminal it is a live bar
 * with ETA; elsewhere (CI, pipes) a plain line every REELREC_PROGRESS_EVERY seconds (default 5),
 * written from the progress calls themselves so a step that blocks the event loop still logs.
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

export const DEFAULT_PROGRESS_EVERY_SECONDS = 5;

/** Where and how often to report; tests inject a stream and a clock. */
export interface ProgressOptions {
  stream?: LineSink & { isTTY?: boolean };
  /** Seconds between plain lines (default REELREC_PROGRESS_EVERY, else 5). */
  everySeconds?: number;
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number;
}

/** Progresses not yet stopped: a bar's timer would keep the process alive after the work is done. */
const active = new Set<Progress>();

/** Stops every progress still running; the CLI calls it on the way out, whatever happened. */
export function stopAllProgress(): void {
  for (const progress of [...active]) progress.stop();
  active.clear();
}

export function progressEverySeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.REELREC_PROGRESS_EVERY;
  if (raw === undefined || raw === '') return DEFAULT_PROGRESS_EVERY_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new ConfigError('REELREC_PROGRESS_EVERY', `must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  return seconds;
}

export function startProgress(label: string, total: number, unit = 'items', enabled = true, options: ProgressOptions = {}): Progress {
  if (!enabled || process.env.REELREC_PROGRESS === 'off') return SILENT_PROGRESS;
  const stream = options.stream ?? process.stderr;
  const inner =
    stream.isTTY === true
      ? terminalBar(label, total, unit, stream as NodeJS.WritableStream)
      : lineProgress(label, total, unit, stream, options);
  const progress: Progress = {
    increment: (by, detail) => inner.increment(by, detail),
    update: (value) => inner.update(value),
    setTotal: (t) => inner.setTotal(t),
    stop: () => {
      if (active.delete(progress)) inner.stop();
    },
  };
  active.add(progress);
  return progress;
}

function lineProgress(label: string, total: number, unit: string, sink: LineSink, options: ProgressOptions): Progress {
  return new LineProgress({
    label,
    total,
    unit,
    sink,
    everySeconds: options.everySeconds ?? progressEverySeconds(),
    now: options.now ?? (() => performance.now()),
  });
}

/**
 * The live bar. Its timer cannot fire while a synchronous step runs, so it also redraws from the
 * update calls themselves (synchronousUpdate: at most every 2/fps s = 100 ms).
 */
function terminalBar(label: string, total: number, unit: string, stream: NodeJS.WritableStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} elapsed | ETA {eta_formatted}{detail}`,
      stream,
      fps: 20,
      synchronousUpdate: true,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { detail: '' });
  return {
    increment: (by = 1, detail) => bar.increment(by, detail === undefined ? {} : { detail: ` | ${detail}` }),
    update: (value) => bar.update(value),
    setTotal: (t) => bar.setTotal(Math.max(t, 1)),
    stop: () => bar.stop(),
  };
}
