import { describe, expect, it } from 'vitest';
import { applyPreset, newComponent, rebalance, uniqueName, weightSum, weightsOk, type Component } from '../../src/lib/graderedit';

const c = (name: string, weight: number): Component => ({ name, kind: 'script', weight, source: 'def grade(sample, item):\n    return 1' });

describe('grader editor helpers', () => {
  it('names new components uniquely and as formula variables', () => {
    expect(uniqueName('judge', [c('judge', 1)])).toBe('judge_2');
    expect(uniqueName('my judge', [])).toBe('my_judge');
    expect(uniqueName('1st', [])).toBe('_1st');
    const n = newComponent('string_check', [c('exact', 1)]);
    expect(n.name).toBe('exact_2');
    expect(n.operation).toBe('eq');
    expect(newComponent('llm_judge', []).prompt).toContain('{{response}}');
  });

  it('sums weights live without float noise and checks them as the backend does', () => {
    const cs = [c('a', 0.1), c('b', 0.2), c('d', 0.7)];
    expect(weightSum(cs)).toBe(1);
    expect(weightsOk(cs)).toBe(true);
    expect(weightsOk([c('a', 0.5)])).toBe(false);
    expect(weightsOk([])).toBe(false);
  });

  it('rebalances to a sum of exactly 1, equal when all weights are 0', () => {
    const r = rebalance([c('a', 0), c('b', 0), c('d', 0)]);
    expect(r.map((x) => x.weight)).toEqual([0.3333, 0.3333, 0.3334]);
    expect(weightsOk(r)).toBe(true);
    expect(rebalance([c('a', 2), c('b', 6)]).map((x) => x.weight)).toEqual([0.25, 0.75]);
  });

  it('adds a preset beside the current components, renamed and rebalanced', () => {
    const out = applyPreset([c('format', 1)], [c('format', 1)], 'add');
    expect(out.map((x) => x.name)).toEqual(['format', 'format_2']);
    expect(out.map((x) => x.weight)).toEqual([0.5, 0.5]);
    expect(applyPreset([c('x', 1)], [c('y', 1)], 'replace').map((x) => x.name)).toEqual(['y']);
  });
});
