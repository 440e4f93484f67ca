import { describe, expect, it } from 'vitest';
import { epochLearningRate, neumfConfig } from '../src/recsys/ncf/config.js';

const ratesOf = (input: Parameters<typeof neumfConfig>[0]) => {
  const config = neumfConfig(input);
  return Array.from({ length: config.epochs }, (_, e) => epochLearningRate(config, e + 1));
};

describe('epochLearningRate', () => {
  it('defaults to 9 epochs, the last two at half the rate', () => {
    expect(ratesOf({})).toEqual([0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.0005, 0.0005]);
  });

  it('halves at least the last epoch, whatever the count', () => {
    expect(ratesOf({ epochs: 1, learningRate: 0.01 })).toEqual([0.005]);
    expect(ratesOf({ epochs: 3, learningRate: 0.01 })).toEqual([0.01, 0.01, 0.005]);
    expect(ratesOf({ epochs: 12, learningRate: 0.01 }).filter((r) => r === 0.005)).toHaveLength(3);
  });

  it('keeps the rate under the constant schedule', () => {
    expect(ratesOf({ epochs: 4, learningRateSchedule: 'constant' })).toEqual([0.001, 0.001, 0.001, 0.001]);
  });

  it('refuses an unknown schedule', () => {
    expect(() => neumfConfig({ learningRateSchedule: 'cosine' as 'step' })).toThrow();
  });
});
