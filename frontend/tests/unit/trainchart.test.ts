import { describe, expect, it } from 'vitest';
import { lastReward, rewardCurves } from '../../src/lib/trainchart';

describe('rewardCurves', () => {
  it('places steps on x and rewards on a 0–1 y axis inside the padding', () => {
    const c = rewardCurves(
      [
        { step: 1, train_reward_mean: 0, valid_reward_mean: null },
        { step: 2, train_reward_mean: 1, valid_reward_mean: 0.5 },
      ],
      220,
      120,
      10,
    );
    expect(c.maxStep).toBe(2);
    expect(c.train).toBe('110,110 210,10');
    expect(c.valid).toBe('210,60');
    expect(c.dots).toHaveLength(3);
  });

  it('skips steps without a value instead of drawing them as 0', () => {
    const c = rewardCurves(
      [
        { step: 1, train_reward_mean: 0.2 },
        { step: 2, train_reward_mean: 0.4, valid_reward_mean: 0.3 },
        { step: 3, train_reward_mean: 0.6 },
      ],
      100,
      100,
      0,
    );
    expect(c.valid.split(' ')).toHaveLength(1);
    expect(c.train.split(' ')).toHaveLength(3);
  });

  it('keeps room for the steps to come when the total is known', () => {
    const c = rewardCurves([{ step: 2, train_reward_mean: 0.5 }], 100, 100, 0, 8);
    expect(c.maxStep).toBe(8);
    expect(c.train).toBe('25,50');
  });

  it('widens the y axis for rewards outside 0–1', () => {
    const c = rewardCurves([{ step: 1, train_reward_mean: -1 }], 100, 100, 0);
    expect(c.yMin).toBe(-1);
    expect(c.yMax).toBe(1);
  });

  it('draws nothing for no points', () => {
    const c = rewardCurves([], 100, 100);
    expect(c.train).toBe('');
    expect(c.valid).toBe('');
  });
});

describe('lastReward', () => {
  it('returns the last measured value of a series', () => {
    const pts = [
      { step: 1, train_reward_mean: 0.1, valid_reward_mean: 0.2 },
      { step: 2, train_reward_mean: 0.3, valid_reward_mean: null },
    ];
    expect(lastReward(pts, 'train')).toBe(0.3);
    expect(lastReward(pts, 'valid')).toBe(0.2);
    expect(lastReward([], 'valid')).toBeNull();
  });
});
