// Pure shaping of dry-run figures for the Step 5 panel (unit-tested): the
// score histogram, the per-topic bars, the verdict's colour and the running
// mean read from a job's message.

export interface HistBar {
  label: string; // "0.3–0.4"
  count: number;
  frac: number; // height as a fraction 0–1 of the tallest bar
  x: number;
}

/** Ten bins on [0, 1] as bars, each labelled with its range. */
export function histogramBars(counts: number[] | null | undefined, width = 36, gap = 4): HistBar[] {
  const list = counts ?? [];
  const top = Math.max(1, ...list);
  return list.map((c, i) => ({
    label: `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`,
    count: c,
    frac: c / top,
    x: i * (width + gap),
  }));
}

export interface TopicStatLike {
  mean: number;
  std: number;
  count: number;
}

export interface TopicBar {
  topic: string;
  mean: number;
  std: number;
  count: number;
  /** Bar end and the ±std whisker as fractions 0–1 of the [0, 1] axis. */
  meanFrac: number;
  lowFrac: number;
  highFrac: number;
  /** Far below the rest: more than two std devs under the overall mean. */
  weak: boolean;
  y: number;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));

/** Per-topic means, lowest first so the weak topics lead. */
export function topicBars(
  perTopic: Record<string, TopicStatLike> | null | undefined,
  overallMean: number,
  overallStd: number,
  rowHeight = 26,
  top = 6,
): TopicBar[] {
  const rows = Object.entries(perTopic ?? {}).sort((a, b) => a[1].mean - b[1].mean || a[0].localeCompare(b[0]));
  return rows.map(([topic, s], i) => ({
    topic,
    mean: s.mean,
    std: s.std,
    count: s.count,
    meanFrac: clamp01(s.mean),
    lowFrac: clamp01(s.mean - s.std),
    highFrac: clamp01(s.mean + s.std),
    weak: s.count >= 3 && overallStd > 0 && s.mean < overallMean - 2 * overallStd,
    y: top + i * rowHeight,
  }));
}

/** The CSS class of a verdict: go, caution, nogo ("" when none yet). */
export function verdictClass(v: string | null | undefined): string {
  if (v === 'GO') return 'go';
  if (v === 'CAUTION') return 'caution';
  if (v === 'NO-GO') return 'nogo';
  return '';
}

/** The running mean in a dry run job's message ("… · running mean 0.532"), or null. */
export function runningMean(message: string | null | undefined): number | null {
  const m = /running mean (-?\d+(?:\.\d+)?)/.exec(message ?? '');
  return m ? Number(m[1]) : null;
}

/** A signed change for the compare table: "+0.120", "−0.050", "0.000". */
export function delta(v: number, digits = 3): string {
  if (!Number.isFinite(v) || Math.abs(v) < 0.5 * 10 ** -digits) return (0).toFixed(digits);
  return (v > 0 ? '+' : '−') + Math.abs(v).toFixed(digits);
}

/** Seconds as a person reads an estimate: "about 40 s", "about 3 min", "about 1.5 h". */
export function estimate(seconds: number): string {
  if (!(seconds > 0)) return 'no wait';
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}
