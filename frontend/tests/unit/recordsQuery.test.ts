import { describe, expect, it } from 'vitest';
import { buildQuery, Cursor, emptyFilters, isRecordGone, rangeLabel, topicChoices } from '../../src/lib/recordsQuery';

describe('buildQuery', () => {
  it('sends "any" for empty filters', () => {
    const { query, error } = buildQuery(7, emptyFilters(), 0, true);
    expect(error).toBe('');
    expect(query).toEqual({
      dataset_id: 7,
      code: '',
      topic_id: 0,
      generated: null,
      min_confidence: null,
      max_confidence: null,
      search: '',
      after_id: 0,
      limit: 50,
      with_total: true,
    });
  });
  it('maps every filter', () => {
    const f = {
      code: 'duplicate',
      topic: '-1',
      generated: 'yes' as const,
      minConfidence: '0.2',
      maxConfidence: ' 0.7 ',
      search: '  refund policy ',
    };
    const { query } = buildQuery(3, f, 150, false);
    expect(query).toMatchObject({
      code: 'duplicate',
      topic_id: -1,
      generated: true,
      min_confidence: 0.2,
      max_confidence: 0.7,
      search: 'refund policy',
      after_id: 150,
      with_total: false,
    });
    expect(buildQuery(3, { ...f, generated: 'no', topic: '12' }, 0, false).query).toMatchObject({ generated: false, topic_id: 12 });
  });
  it('names a bad confidence range instead of querying', () => {
    expect(buildQuery(1, { ...emptyFilters(), minConfidence: 'x' }, 0, true)).toEqual({
      query: null,
      error: 'Minimum confidence: “x” is not a number.',
    });
    expect(buildQuery(1, { ...emptyFilters(), maxConfidence: '2' }, 0, true).error).toBe(
      'Maximum confidence: confidence is between 0 and 1.',
    );
    expect(buildQuery(1, { ...emptyFilters(), minConfidence: '0.8', maxConfidence: '0.3' }, 0, true).error).toBe(
      'Minimum confidence 0.8 is above maximum 0.3.',
    );
  });
});

describe('Cursor', () => {
  it('pages forward and back by keyset cursor', () => {
    let c = new Cursor();
    expect([c.page, c.afterId]).toEqual([0, 0]);
    c = c.next(50);
    c = c.next(104);
    expect([c.page, c.afterId]).toEqual([2, 104]);
    c = c.prev();
    expect([c.page, c.afterId]).toEqual([1, 50]);
    c = c.prev().prev();
    expect([c.page, c.afterId]).toEqual([0, 0]);
  });
  it('ignores a cursor that does not move forward', () => {
    const c = new Cursor().next(50);
    expect(c.next(0)).toBe(c);
    expect(c.next(50)).toBe(c);
  });
});

describe('rangeLabel', () => {
  it('numbers the rows of a page', () => {
    expect(rangeLabel(0, 50, 1234)).toBe('1–50 of 1,234');
    expect(rangeLabel(24, 34, 1234)).toBe('1,201–1,234 of 1,234');
    expect(rangeLabel(1, 50, -1)).toBe('51–100');
    expect(rangeLabel(0, 0, 0)).toBe('no records');
  });
});

describe('topicChoices', () => {
  it('offers the leaves by their path', () => {
    const tree = [
      {
        id: 1,
        name: 'billing',
        leaf: false,
        children: [
          { id: 2, name: 'refunds', leaf: true, children: [] },
          { id: 3, name: 'invoices', leaf: true },
        ],
      },
      { id: 4, name: 'shipping', leaf: true, children: null },
    ];
    expect(topicChoices(tree)).toEqual([
      { id: 2, label: 'billing / refunds' },
      { id: 3, label: 'billing / invoices' },
      { id: 4, label: 'shipping' },
    ]);
    expect(topicChoices(null)).toEqual([]);
  });
});

describe('isRecordGone', () => {
  it.each([
    ['the store says the record is not found', 'record 12: not found', true],
    ['the failure comes as an Error', new Error('record 7: not found'), true],
    ['the database is locked', 'record 12: database is locked', false],
    ['the id is missing', 'record id is required', false],
  ])('%s', (_name, e, want) => {
    expect(isRecordGone(e)).toBe(want);
  });
});
