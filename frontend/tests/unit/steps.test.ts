import { describe, expect, it } from 'vitest';
import { stepLayout } from '../../src/lib/steps';

describe('stepLayout', () => {
  // Canvas widths at the app's sizes: 960 (minimum), 1024 and 1280 px
  // windows less the page padding, and a wide screen.
  for (const w of [910, 974, 1230, 1600]) {
    it(`fits all seven nodes in a ${w} px flow`, () => {
      const { nodeW, x0, spacing } = stepLayout(w);
      expect(nodeW).toBeGreaterThanOrEqual(100);
      expect(nodeW).toBeLessThanOrEqual(184);
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(x0 + 6 * spacing + nodeW).toBeLessThanOrEqual(w);
    });
  }
  it('keeps the full node width when there is room, centred', () => {
    const { nodeW, x0, spacing } = stepLayout(1600);
    expect(nodeW).toBe(184);
    const right = 1600 - (x0 + 6 * spacing + nodeW);
    expect(Math.abs(right - x0)).toBeLessThanOrEqual(1);
  });
});
