// Pure helpers for acting on coverage gaps (unit-tested): how many records
// to generate for one topic, which topics are under-served and in what
// order, and which topic a dry-run weak-topic finding names.

export interface GapStat {
  topic_id: number;
  topic: string;
  count: number;
  gap: number; // target − current, in points: positive is under target
  status: string;
  needed: number;
}

/** Smallest count offered for a topic's generation: fewer is rarely worth a run. */
export const MIN_TOPIC_COUNT = 5;

/**
 * The count a topic's "Generate…" starts with: what reaching its target
 * needs, else a tenth of what it has (at least MIN_TOPIC_COUNT).
 */
export function topicGenerateCount(needed: number, count: number): number {
  if (needed > 0) return Math.ceil(needed);
  return Math.max(MIN_TOPIC_COUNT, Math.round(count / 10));
}

/** The topics under their target, most under-served first (most records needed, then widest gap, then name). */
export function underServed<T extends GapStat>(stats: readonly T[] | null | undefined): T[] {
  return (stats ?? [])
    .filter((s) => s.status === 'under')
    .sort((a, b) => b.needed - a.needed || b.gap - a.gap || a.topic.localeCompare(b.topic));
}

const weakTitle = /^Topic (.+) scores far below the rest$/;

/**
 * The topic a dry run's weak-topic finding is about, or '' for any other
 * finding and for records without a topic (nothing to generate for). The
 * finding carries no topic field; its title names the topic
 * (backend/dryrun/diagnosis.go, per-topic key "uncategorized" when none).
 */
export function weakTopicOf(f: { kind: string; title: string }): string {
  if (f.kind !== 'weak_topic') return '';
  const t = weakTitle.exec(f.title)?.[1] ?? '';
  return t === 'uncategorized' ? '' : t;
}
