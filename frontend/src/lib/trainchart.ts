// Geometry of the Step 6 reward curves (unit-tested): train and validation
// reward per step as SVG polylines on fixed axes.

export type RewardPoint = { step: number; train_reward_mean?: number | null; valid_reward_mean?: number | null };

export type Curves = {
  train: string; // SVG points "x,y x,y …"
  valid: string;
  maxStep: number;
  yMin: number;
  yMax: number;
  dots: { x: number; y: number; kind: 'train' | 'valid'; step: number; value: number }[];
};

/**
 * Curves in a box of width × height with pad pixels around the plot. The
 * x axis runs from step 0 to the last step (or totalSteps when known, so
 * the curve grows into its frame); the y axis covers [0, 1] widened to the
 * values when a reward leaves it. A step without a value is skipped, not
 * drawn as 0.
 */
export function rewardCurves(points: RewardPoint[], width: number, height: number, pad = 24, totalSteps = 0): Curves {
  const vals = points.flatMap((p) => [p.train_reward_mean, p.valid_reward_mean]).filter((v): v is number => typeof v === 'number');
  const yMin = Math.min(0, ...vals);
  const yMax = Math.max(1, ...vals);
  const maxStep = Math.max(1, totalSteps, ...points.map((p) => p.step));
  const x = (s: number) => pad + ((width - 2 * pad) * s) / maxStep;
  const y = (v: number) => height - pad - ((height - 2 * pad) * (v - yMin)) / (yMax - yMin || 1);
  const dots: Curves['dots'] = [];
  const line = (kind: 'train' | 'valid') =>
    [...points]
      .sort((a, b) => a.step - b.step)
      .flatMap((p) => {
        const v = kind === 'train' ? p.train_reward_mean : p.valid_reward_mean;
        if (typeof v !== 'number') return [];
        const pt = { x: round(x(p.step)), y: round(y(v)), kind, step: p.step, value: v };
        dots.push(pt);
        return [`${pt.x},${pt.y}`];
      })
      .join(' ');
  return { train: line('train'), valid: line('valid'), maxStep, yMin, yMax, dots };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The last known value of a series, or null. */
export function lastReward(points: RewardPoint[], kind: 'train' | 'valid'): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = kind === 'train' ? points[i].train_reward_mean : points[i].valid_reward_mean;
    if (typeof v === 'number') return v;
  }
  return null;
}
