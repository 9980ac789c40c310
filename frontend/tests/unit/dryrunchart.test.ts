import { describe, expect, it } from 'vitest';
import { delta, estimate, histogramBars, runningMean, topicBars, verdictClass } from '../../src/lib/dryrunchart';

describe('histogramBars', () => {
  it('labels ten bins on [0, 1] and scales to the tallest', () => {
    const bars = histogramBars([0, 2, 4, 0, 0, 0, 0, 0, 1, 8]);
    expect(bars).toHaveLength(10);
    expect(bars[0].label).toBe('0.0–0.1');
    expect(bars[9].label).toBe('0.9–1.0');
    expect(bars[9].frac).toBe(1);
    expect(bars[2].frac).toBe(0.5);
    expect(bars[1].x).toBe(40);
  });
  it('keeps empty histograms flat instead of dividing by zero', () => {
    expect(histogramBars(new Array(10).fill(0)).every((b) => b.frac === 0)).toBe(true);
    expect(histogramBars(null)).toEqual([]);
  });
});

describe('topicBars', () => {
  it('orders topics lowest mean first and flags one far below the rest', () => {
    const bars = topicBars(
      {
        billing: { mean: 0.7, std: 0.1, count: 40 },
        refunds: { mean: 0.05, std: 0.02, count: 5 },
        shipping: { mean: 0.6, std: 0.3, count: 2 },
      },
      0.6,
      0.2,
    );
    expect(bars.map((b) => b.topic)).toEqual(['refunds', 'shipping', 'billing']);
    expect(bars[0].weak).toBe(true);
    expect(bars[1].weak).toBe(false);
    expect(bars[2].highFrac).toBeCloseTo(0.8);
    expect(bars[1].y).toBeGreaterThan(bars[0].y);
  });
  it('clamps whiskers to the axis', () => {
    const [b] = topicBars({ t: { mean: 0.95, std: 0.2, count: 3 } }, 0.95, 0.2);
    expect(b.highFrac).toBe(1);
    expect(b.lowFrac).toBeCloseTo(0.75);
  });
});

describe('small formatters', () => {
  it('maps verdicts to classes', () => {
    expect(verdictClass('GO')).toBe('go');
    expect(verdictClass('CAUTION')).toBe('caution');
    expect(verdictClass('NO-GO')).toBe('nogo');
    expect(verdictClass('')).toBe('');
  });
  it('reads the running mean from a job message', () => {
    expect(runningMean('120 of 300 samples graded · running mean 0.532')).toBe(0.532);
    expect(runningMean('0 of 300 samples graded')).toBeNull();
  });
  it('signs deltas and rounds tiny ones to zero', () => {
    expect(delta(0.12)).toBe('+0.120');
    expect(delta(-0.05)).toBe('−0.050');
    expect(delta(0.0000001)).toBe('0.000');
  });
  it('phrases time estimates', () => {
    expect(estimate(0)).toBe('no wait');
    expect(estimate(38)).toBe('about 38 s');
    expect(estimate(600)).toBe('about 10 min');
    expect(estimate(7200)).toBe('about 2.0 h');
  });
});
