import { describe, expect, it } from 'vitest';
import { epochLearningRate, neumfConfig } from '../src/recsys/ncf/config.js';

const ratesOf = (input: Parameters<typeof neumfConfig>[0]) => {
  const config = neumfConfig(input);
  return Array.from({ length: config.epochs }, (_, e) => epochLearningRate(config, e + 1));
};

describe('epochLearningRate', () => {
  it('keeps the rate by default', () => {
    expect(ratesOf({})).toEqual(Array(8).fill(0.001));
  });

  it('runs the last quarter of the epochs at half the rate under step, at least the last one', () => {
    const step = { learningRateSchedule: 'step' } as const;
    expect(ratesOf({ ...step, epochs: 9 })).toEqual([0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.0005, 0.0005]);
    expect(ratesOf({ ...step, epochs: 1, learningRate: 0.01 })).toEqual([0.005]);
    expect(ratesOf({ ...step, epochs: 3, learningRate: 0.01 })).toEqual([0.01, 0.01, 0.005]);
    expect(ratesOf({ ...step, epochs: 12, learningRate: 0.01 }).filter((r) => r === 0.005)).toHaveLength(3);
  });

  it('refuses an unknown schedule', () => {
    expect(() => neumfConfig({ learningRateSchedule: 'cosine' as 'step' })).toThrow();
  });
});
