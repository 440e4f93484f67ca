import { describe, expect, it } from 'vitest';
import { WriteGate } from '../src/store/write-gate.js';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WriteGate', () => {
  it('runs one commit at a time, in the order they came', async () => {
    const gate = new WriteGate();
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const commit = (n: number, ms: number) =>
      gate.write(async () => {
        running += 1;
        most = Math.max(most, running);
        await tick(ms);
        order.push(n);
        running -= 1;
        return n * 10;
      });
    const results = await Promise.all([commit(1, 20), commit(2, 1), commit(3, 5)]);
    expect(results).toEqual([10, 20, 30]);
    expect(order).toEqual([1, 2, 3]);
    expect(most).toBe(1);
  });

  it('a failed commit gives its error to its caller and the next commit still runs', async () => {
    const gate = new WriteGate();
    const failed = gate.write(() => Promise.reject(new Error('commit conflict')));
    const next = gate.write(async () => 'written');
    await expect(failed).rejects.toThrow('commit conflict');
    expect(await next).toBe('written');
  });

  it('counts the commits queued or running', async () => {
    const gate = new WriteGate();
    const first = gate.write(() => tick(10));
    const second = gate.write(() => tick(1));
    expect(gate.queued).toBe(2);
    await Promise.all([first, second]);
    await tick(0);
    expect(gate.queued).toBe(0);
  });
});

describe('WriteGate with a hung commit', () => {
  it('lets the next commit go after stallMs, counted from the hung commit’s turn', async () => {
    const gate = new WriteGate(50);
    void gate.write(() => new Promise(() => undefined));
    const started = performance.now();
    expect(await gate.write(async () => 'went ahead')).toBe('went ahead');
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(2000);
  });
});
