// Pure shaping of the coverage report for the chart and table (unit-tested).

export interface StatLike {
  topic_id: number;
  topic: string;
  count: number;
  percent: number;
  target: number;
  gap: number;
  status: string;
}

export interface ChartRow {
  id: number;
  label: string;
  count: number;
  current: number; // percent
  target: number; // percent
  status: string;
  /** Bar lengths as fractions 0–1 of the axis. */
  currentFrac: number;
  targetFrac: number;
  y: number;
}

export interface ChartModel {
  rows: ChartRow[];
  axisMax: number; // percent at the right edge
  ticks: number[];
  height: number;
}

/** A round axis end at or above v: 5, 10, 20, 25, 50, 100 (percent). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 10;
  for (const m of [5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100]) if (v <= m) return m;
  return Math.ceil(v / 10) * 10;
}

/**
 * Lays the per-topic current-vs-target bars out: one row per leaf topic (in
 * the report's tree order), bar lengths scaled to a shared round axis so the
 * largest current or target value fits.
 */
export function chartModel(stats: StatLike[] | null | undefined, rowHeight = 30, top = 8): ChartModel {
  const list = stats ?? [];
  const axisMax = niceMax(Math.max(0, ...list.map((s) => Math.max(s.percent, s.target))));
  const step = axisMax <= 20 ? 5 : axisMax <= 50 ? 10 : 20;
  const ticks: number[] = [];
  for (let t = 0; t <= axisMax + 1e-9; t += step) ticks.push(t);
  const rows = list.map((s, i) => ({
    id: s.topic_id,
    label: s.topic,
    count: s.count,
    current: s.percent,
    target: s.target,
    status: s.status,
    currentFrac: clamp01(s.percent / axisMax),
    targetFrac: clamp01(s.target / axisMax),
    y: top + i * rowHeight,
  }));
  return { rows, axisMax, ticks, height: top + list.length * rowHeight + 24 };
}

function clamp01(v: number): number {
  if (!isFinite(v) || v < 0) return 0;
  return v > 1 ? 1 : v;
}

/** The balance rating as PRODUCT.md §4: Good > 0.6, Attention 0.3–0.6, Poor < 0.3. */
export function ratingFor(balance: number): 'Good' | 'Attention' | 'Poor' {
  if (balance > 0.6) return 'Good';
  if (balance >= 0.3) return 'Attention';
  return 'Poor';
}

/** A gap in points with its sign: "+3.2", "−1.0", "0.0". */
export function signedPoints(gap: number): string {
  const v = Math.round(gap * 10) / 10;
  if (v > 0) return `+${v.toFixed(1)}`;
  if (v < 0) return `−${Math.abs(v).toFixed(1)}`;
  return '0.0';
}

/**
 * Reads a target typed by the user: a number 0–100 (a trailing "%" is
 * allowed; empty means uniform, i.e. 0). Returns null when it is not valid.
 */
export function parseTarget(text: string): number | null {
  const t = text.trim().replace(/%$/, '').trim();
  if (t === '') return 0;
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const v = Number(t);
  return v >= 0 && v <= 100 ? v : null;
}
