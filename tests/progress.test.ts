import { afterEach, describe, expect, it } from 'vitest';
import { progressEverySeconds, startProgress, stopAllProgress } from '../src/progress.js';
import { formatSeconds } from '../src/progress-line.js';

/** A non-terminal stream and a clock the test moves by hand. */
function fakes() {
  const lines: string[] = [];
  let ms = 0;
  return {
    lines,
    stream: { isTTY: false, write: (text: string) => lines.push(text) },
    now: () => ms,
    advance: (seconds: number) => {
      ms += seconds * 1000;
    },
  };
}

describe('progress when stderr is not a terminal', () => {
  const saved = process.env.REELREC_PROGRESS;
  afterEach(() => {
    process.env.REELREC_PROGRESS = saved;
    stopAllProgress();
  });

  it('writes a line from an increment once 5 s have passed, not before, and a final line at stop', () => {
    process.env.REELREC_PROGRESS = 'on';
    const f = fakes();
    const progress = startProgress('training NeuMF', 10, 'batches', true, { stream: f.stream, now: f.now });
    expect(f.lines).toHaveLength(1);
    expect(f.lines[0]).toMatch(/^training NeuMF \[0%\] 0\/10 batches/);
    f.advance(4.9);
    progress.increment(1);
    expect(f.lines).toHaveLength(1);
    f.advance(0.1);
    progress.increment(1, 'loss 0.31');
    expect(f.lines).toHaveLength(2);
    expect(f.lines[1]).toBe('training NeuMF [20%] 2/10 batches | 5s elapsed | ETA 20s | loss 0.31\n');
    f.advance(1);
    progress.update(9);
    expect(f.lines).toHaveLength(2);
    progress.update(10);
    progress.stop();
    expect(f.lines).toHaveLength(3);
    expect(f.lines[2]).toMatch(/^training NeuMF \[100%\] 10\/10 batches \| 6s elapsed \| ETA 0s \| loss 0.31\n$/);
    progress.stop();
    expect(f.lines).toHaveLength(3);
  });

  it('takes its interval from the option', () => {
    process.env.REELREC_PROGRESS = 'on';
    const f = fakes();
    const progress = startProgress('step', 100, 'items', true, { stream: f.stream, now: f.now, everySeconds: 1 });
    f.advance(1);
    progress.increment(5);
    expect(f.lines).toHaveLength(2);
    progress.stop();
  });

  it('is silent with REELREC_PROGRESS=off', () => {
    process.env.REELREC_PROGRESS = 'off';
    const f = fakes();
    const progress = startProgress('step', 10, 'items', true, { stream: f.stream, now: f.now });
    f.advance(60);
    progress.increment(5);
    progress.stop();
    expect(f.lines).toEqual([]);
  });

  it('reads REELREC_PROGRESS_EVERY and refuses nonsense naming the variable', () => {
    expect(progressEverySeconds({})).toBe(5);
    expect(progressEverySeconds({ REELREC_PROGRESS_EVERY: '2.5' })).toBe(2.5);
    expect(() => progressEverySeconds({ REELREC_PROGRESS_EVERY: '0' })).toThrow(/REELREC_PROGRESS_EVERY/);
  });

  it('formats durations for log lines', () => {
    expect(formatSeconds(42)).toBe('42s');
    expect(formatSeconds(185)).toBe('3m05s');
    expect(formatSeconds(3720)).toBe('1h02m');
  });
});
