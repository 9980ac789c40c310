import { describe, expect, it } from 'vitest';
import { buildTree, findTopic, flatten, leafRows, moveTargets, parseKeywords, snakeCase, subtreeIds } from '../../src/lib/topictree';

const flat = [
  { id: 1, parent_id: 0, name: 'support' },
  { id: 2, parent_id: 1, name: 'billing' },
  { id: 3, parent_id: 1, name: 'shipping' },
  { id: 4, parent_id: 0, name: 'coding' },
  { id: 5, parent_id: 2, name: 'refunds' },
];

describe('buildTree', () => {
  it('nests by parent and keeps sibling order', () => {
    const t = buildTree(flat);
    expect(t.map((n) => n.name)).toEqual(['support', 'coding']);
    expect(t[0].children.map((n) => n.name)).toEqual(['billing', 'shipping']);
    expect(t[0].children[0].children.map((n) => n.name)).toEqual(['refunds']);
    expect(t[0].leaf).toBe(false);
    expect(t[1].leaf).toBe(true);
  });
  it('puts orphans and cycles at the top level instead of losing them', () => {
    const t = buildTree([
      { id: 1, parent_id: 99, name: 'orphan' },
      { id: 2, parent_id: 3, name: 'a' },
      { id: 3, parent_id: 2, name: 'b' },
    ]);
    const names = flatten(t)
      .map((r) => r.node.name)
      .sort();
    expect(names).toEqual(['a', 'b', 'orphan']);
    expect(t.map((n) => n.name)).toContain('orphan');
  });
});

describe('flatten and pickers', () => {
  const tree = buildTree(flat);
  it('gives depth-first rows with depth and path', () => {
    const rows = flatten(tree);
    expect(rows.map((r) => [r.node.name, r.depth])).toEqual([
      ['support', 0],
      ['billing', 1],
      ['refunds', 2],
      ['shipping', 1],
      ['coding', 0],
    ]);
    expect(rows[2].path).toBe('support / billing / refunds');
  });
  it('lists leaves only for record moves', () => {
    expect(leafRows(tree).map((r) => r.node.name)).toEqual(['refunds', 'shipping', 'coding']);
  });
  it('never offers a topic its own subtree or current parent as a new parent', () => {
    const billing = findTopic(tree, 2)!;
    expect([...subtreeIds(billing)].sort()).toEqual([2, 5]);
    expect(moveTargets(tree, billing).map((r) => r.node.name)).toEqual(['shipping', 'coding']);
  });
  it('survives null children from the Go side', () => {
    expect(flatten([{ id: 1, parent_id: 0, name: 'x', children: null }]).length).toBe(1);
    expect(flatten(null)).toEqual([]);
  });
});

describe('parseKeywords and snakeCase', () => {
  it('splits, trims and de-duplicates keywords', () => {
    expect(parseKeywords(' refund, Invoice ,\nrefund;  charge  back ,, ')).toEqual(['refund', 'Invoice', 'charge back']);
    expect(parseKeywords('')).toEqual([]);
  });
  it('mirrors the backend slug', () => {
    expect(snakeCase('Billing & Refunds')).toBe('billing_refunds');
    expect(snakeCase('  3D printing ')).toBe('topic_3d_printing');
    expect(snakeCase('a'.repeat(70)).length).toBe(60);
  });
});
