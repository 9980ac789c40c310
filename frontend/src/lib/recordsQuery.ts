// The records browser's filters and keyset paging, kept apart from the
// component so they can be tested. Pages are addressed by cursor (the last
// id of the previous page), never by offset: a page costs the same at the
// start of a million records as at their end.
import { parseConfidence } from './conversation';
import { errorText } from './errors';

export const PAGE_SIZE = 50;

/** What the filter bar holds, as typed. */
export interface Filters {
  code: string; // "" any, "valid", "invalid" or a code
  topic: string; // "" any, "-1" uncategorized, else a topic id
  generated: '' | 'yes' | 'no';
  minConfidence: string;
  maxConfidence: string;
  search: string;
}

export const emptyFilters = (): Filters => ({ code: '', topic: '', generated: '', minConfidence: '', maxConfidence: '', search: '' });

/** The request the Records.Page binding takes. */
export interface RecordQuery {
  dataset_id: number;
  code: string;
  topic_id: number;
  generated: boolean | null;
  min_confidence: number | null;
  max_confidence: number | null;
  search: string;
  after_id: number;
  limit: number;
  with_total: boolean;
}

/** Builds a page request, or names what is wrong with the filters. */
export function buildQuery(
  datasetId: number,
  f: Filters,
  afterId: number,
  withTotal: boolean,
  limit = PAGE_SIZE,
): { query: RecordQuery | null; error: string } {
  const lo = parseConfidence(f.minConfidence);
  if (lo.error) return { query: null, error: `Minimum confidence: ${lo.error}.` };
  const hi = parseConfidence(f.maxConfidence);
  if (hi.error) return { query: null, error: `Maximum confidence: ${hi.error}.` };
  if (lo.value !== null && hi.value !== null && lo.value > hi.value)
    return { query: null, error: `Minimum confidence ${lo.value} is above maximum ${hi.value}.` };
  const topic = f.topic === '' ? 0 : Number(f.topic);
  return {
    query: {
      dataset_id: datasetId,
      code: f.code,
      topic_id: Number.isFinite(topic) ? topic : 0,
      generated: f.generated === '' ? null : f.generated === 'yes',
      min_confidence: lo.value,
      max_confidence: hi.value,
      search: f.search.trim(),
      after_id: afterId,
      limit,
      with_total: withTotal,
    },
    error: '',
  };
}

/** Keyset cursors: cursors[i] is the after_id of page i; page 0 starts at 0. */
export class Cursor {
  constructor(readonly stack: readonly number[] = [0]) {}
  get page(): number {
    return this.stack.length - 1;
  }
  get afterId(): number {
    return this.stack[this.stack.length - 1];
  }
  next(nextId: number): Cursor {
    return nextId > this.afterId ? new Cursor([...this.stack, nextId]) : this;
  }
  prev(): Cursor {
    return this.stack.length > 1 ? new Cursor(this.stack.slice(0, -1)) : this;
  }
}

/** "51–100 of 1,234" for page 1 (0-based) of 50 rows. */
export function rangeLabel(page: number, rows: number, total: number, pageSize = PAGE_SIZE): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (rows === 0) return total > 0 ? `none here of ${fmt(total)}` : 'no records';
  const from = page * pageSize + 1;
  const to = from + rows - 1;
  return total >= 0 ? `${fmt(from)}–${fmt(to)} of ${fmt(total)}` : `${fmt(from)}–${fmt(to)}`;
}

/** A topic the filter offers: leaves of the hierarchy, named by their path. */
export interface TopicChoice {
  id: number;
  label: string;
}

interface TreeNode {
  id: number;
  name: string;
  leaf: boolean;
  children?: TreeNode[] | null;
}

/** Flattens a topic tree into its leaves, "parent / leaf", in tree order. */
export function topicChoices(nodes: readonly TreeNode[] | null | undefined, prefix = ''): TopicChoice[] {
  const out: TopicChoice[] = [];
  for (const n of nodes ?? []) {
    const label = prefix ? `${prefix} / ${n.name}` : n.name;
    if (n.children && n.children.length) out.push(...topicChoices(n.children, label));
    else out.push({ id: n.id, label });
  }
  return out;
}

/**
 * Whether a failed record lookup means the record no longer exists (the
 * store's "record N: not found"), as opposed to a failure worth showing.
 */
export function isRecordGone(e: unknown): boolean {
  return /\bnot found\b/i.test(errorText(e));
}
