/**
 * Progress as plain lines, for stderr that is not a terminal (CI logs, pipes). A line is written
 * from inside `increment`/`update` once `everySeconds` have passed since the last one, never from a
 * timer: a long synchronous step (a NeuMF fit) blocks the event loop, and a timer would only fire
 * after it, leaving the log with just its 0 % and 100 % lines.
 */
export interface LineSink {
  write(text: string): unknown;
}

export interface LineProgressOptions {
  label: string;
  total: number;
  unit: string;
  sink: LineSink;
  everySeconds: number;
  /** Milliseconds, monotonic; injected by tests so no assertion depends on real time. */
  now: () => number;
}

export class LineProgress {
  private value = 0;
  private total: number;
  private detail = '';
  private readonly started: number;
  private lastLine: number;
  private stopped = false;

  constructor(private readonly options: LineProgressOptions) {
    this.total = Math.max(options.total, 1);
    this.started = options.now();
    this.lastLine = this.started;
    this.write();
  }

  increment(by = 1, detail?: string): void {
    if (detail !== undefined) this.detail = detail;
    this.value += by;
    this.maybeWrite();
  }

  update(value: number): void {
    this.value = value;
    this.maybeWrite();
  }

  setTotal(total: number): void {
    this.total = Math.max(total, 1);
  }

  /** Writes the final line once; later calls do nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.write();
  }

  private maybeWrite(): void {
    if (this.stopped) return;
    if (this.options.now() - this.lastLine >= this.options.everySeconds * 1000) this.write();
  }

  private write(): void {
    const now = this.options.now();
    this.lastLine = now;
    const done = Math.min(this.value, this.total);
    const elapsed = (now - this.started) / 1000;
    const eta = done > 0 ? formatSeconds((elapsed * (this.total - done)) / done) : '?';
    const percent = Math.floor((100 * done) / this.total);
    const { label, unit, sink } = this.options;
    const detail = this.detail ? ` | ${this.detail}` : '';
    sink.write(`${label} [${percent}%] ${this.value}/${this.total} ${unit} | ${formatSeconds(elapsed)} elapsed | ETA ${eta}${detail}\n`);
  }
}

/** `42s`, `3m05s`, `1h02m`: short enough for a log line, exact enough to judge an ETA. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
