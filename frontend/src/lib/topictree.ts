// Pure helpers for the topic tree editor (unit-tested): building a tree from
// a flat list, flattening it for display and pickers, and parsing keywords.

export interface TopicLike {
  id: number;
  parent_id: number;
  name: string;
  description?: string;
  keywords?: string[] | null;
  target?: number;
  count?: number;
  leaf?: boolean;
  children?: TopicLike[] | null;
}

export interface Row<T extends TopicLike = TopicLike> {
  node: T;
  depth: number;
  /** Names from the root down to this topic, joined with " / ". */
  path: string;
}

/**
 * Nests a flat, ordered list of topics by parent_id. Order among siblings is
 * kept; a topic whose parent is missing (or part of a cycle) is put at the top
 * level, so no topic is ever lost from the editor.
 */
export type Built<T> = T & { children: Built<T>[]; leaf: boolean };

export function buildTree<T extends TopicLike>(flat: T[]): Built<T>[] {
  type N = Built<T>;
  const byId = new Map<number, N>();
  for (const t of flat) byId.set(t.id, { ...t, children: [], leaf: true } as N);
  const roots: N[] = [];
  for (const t of flat) {
    const n = byId.get(t.id)!;
    const p = t.parent_id ? byId.get(t.parent_id) : undefined;
    if (p && p !== n && !isAncestor(byId, n.id, p.id)) p.children.push(n);
    else roots.push(n);
  }
  for (const n of byId.values()) n.leaf = n.children.length === 0;
  return roots;
}

// isAncestor says whether id sits above node `of` along parent links (a cycle guard).
function isAncestor(byId: Map<number, TopicLike>, id: number, of: number): boolean {
  const seen = new Set<number>();
  let cur = byId.get(of);
  while (cur && cur.parent_id && !seen.has(cur.id)) {
    seen.add(cur.id);
    if (cur.parent_id === id) return true;
    cur = byId.get(cur.parent_id);
  }
  return false;
}

/** Depth-first rows of a tree, in display order. */
export function flatten<T extends TopicLike>(nodes: T[] | null | undefined, depth = 0, prefix = ''): Row<T>[] {
  const out: Row<T>[] = [];
  for (const n of nodes ?? []) {
    const path = prefix ? `${prefix} / ${n.name}` : n.name;
    out.push({ node: n, depth, path });
    out.push(...flatten((n.children ?? []) as T[], depth + 1, path));
  }
  return out;
}

/** Leaf topics (the ones records belong to), in display order. */
export function leafRows<T extends TopicLike>(nodes: T[] | null | undefined): Row<T>[] {
  return flatten(nodes).filter((r) => !(r.node.children ?? []).length);
}

/** The ids of a topic and everything under it. */
export function subtreeIds(node: TopicLike): Set<number> {
  const out = new Set<number>([node.id]);
  for (const c of node.children ?? []) for (const id of subtreeIds(c)) out.add(id);
  return out;
}

/**
 * Where a topic may move: every topic outside its own subtree that is not
 * already its parent (the top level is offered separately by the UI).
 */
export function moveTargets<T extends TopicLike>(nodes: T[] | null | undefined, topic: TopicLike): Row<T>[] {
  const own = subtreeIds(topic);
  return flatten(nodes).filter((r) => !own.has(r.node.id) && r.node.id !== topic.parent_id);
}

/** Finds a topic anywhere in the tree. */
export function findTopic<T extends TopicLike>(nodes: T[] | null | undefined, id: number): T | undefined {
  for (const r of flatten(nodes)) if (r.node.id === id) return r.node;
  return undefined;
}

/** Keywords typed as "a, b\nc": trimmed, empty ones dropped, duplicates (any case) once. */
export function parseKeywords(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(/[,\n;]/)) {
    const k = raw.trim().replace(/\s+/g, ' ');
    if (!k || seen.has(k.toLowerCase())) continue;
    seen.add(k.toLowerCase());
    out.push(k);
  }
  return out;
}

/** Mirrors the backend's Slug for a live preview: "Billing & Refunds" → "billing_refunds". */
export function snakeCase(text: string): string {
  let s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (/^[0-9]/.test(s)) s = 'topic_' + s;
  if (s.length > 60) s = s.slice(0, 60).replace(/_+$/, '');
  return s;
}
