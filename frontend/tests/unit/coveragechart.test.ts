import { describe, expect, it } from 'vitest';
import { chartModel, niceMax, parseTarget, ratingFor, signedPoints } from '../../src/lib/coveragechart';

const stat = (id: number, percent: number, target: number, status = 'ok') => ({
  topic_id: id,
  topic: `t${id}`,
  count: Math.round(percent * 10),
  percent,
  target,
  gap: target - percent,
  status,
});

describe('chartModel', () => {
  it('scales current and target to one round axis', () => {
    const m = chartModel([stat(1, 40, 25, 'over'), stat(2, 10, 25, 'under'), stat(3, 50, 50)]);
    expect(m.axisMax).toBe(50);
    expect(m.ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(m.rows.map((r) => r.currentFrac)).toEqual([0.8, 0.2, 1]);
    expect(m.rows.map((r) => r.targetFrac)).toEqual([0.5, 0.5, 1]);
    expect(m.rows.map((r) => r.status)).toEqual(['over', 'under', 'ok']);
  });
  it('lays rows out top to bottom and sizes the chart', () => {
    const m = chartModel([stat(1, 5, 5), stat(2, 5, 5)], 30, 8);
    expect(m.rows.map((r) => r.y)).toEqual([8, 38]);
    expect(m.height).toBe(8 + 60 + 24);
  });
  it('changes when the data changes (a target raised past the axis)', () => {
    const before = chartModel([stat(1, 12, 12)]);
    const after = chartModel([stat(1, 12, 70)]);
    expect(before.axisMax).toBe(15);
    expect(after.axisMax).toBe(80);
    expect(after.rows[0].currentFrac).toBeCloseTo(0.15);
  });
  it('handles empty input', () => {
    const m = chartModel([]);
    expect(m.rows).toEqual([]);
    expect(m.axisMax).toBe(10);
  });
});

describe('helpers', () => {
  it('rounds the axis up', () => {
    expect(niceMax(0)).toBe(10);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(33)).toBe(40);
    expect(niceMax(100)).toBe(100);
  });
  it('rates balance as PRODUCT.md §4', () => {
    expect(ratingFor(0.61)).toBe('Good');
    expect(ratingFor(0.6)).toBe('Attention');
    expect(ratingFor(0.3)).toBe('Attention');
    expect(ratingFor(0.29)).toBe('Poor');
    expect(ratingFor(0)).toBe('Poor');
  });
  it('signs gaps', () => {
    expect(signedPoints(3.24)).toBe('+3.2');
    expect(signedPoints(-1)).toBe('−1.0');
    expect(signedPoints(0.01)).toBe('0.0');
  });
  it('reads targets typed by the user', () => {
    expect(parseTarget('12.5')).toBe(12.5);
    expect(parseTarget(' 20 % ')).toBe(20);
    expect(parseTarget('')).toBe(0);
    expect(parseTarget('101')).toBeNull();
    expect(parseTarget('-3')).toBeNull();
    expect(parseTarget('abc')).toBeNull();
  });
});
