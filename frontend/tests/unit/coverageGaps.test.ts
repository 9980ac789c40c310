import { describe, expect, it } from 'vitest';
import { MIN_TOPIC_COUNT, topicGenerateCount, underServed, weakTopicOf } from '../../src/lib/coverageGaps';

const stat = (topic: string, status: string, needed: number, gap: number, count = 10) => ({
  topic_id: topic.length,
  topic,
  count,
  gap,
  status,
  needed,
});

describe('topicGenerateCount', () => {
  it.each([
    ['a topic under target starts at what it needs', 37, 120, 37],
    ['a fractional need rounds up', 2.2, 50, 3],
    ['a topic at target starts at a tenth of its records', 0, 430, 43],
    ['a small topic at target starts at the minimum', 0, 12, MIN_TOPIC_COUNT],
    ['an empty topic at target starts at the minimum', 0, 0, MIN_TOPIC_COUNT],
  ])('%s', (_name, needed, count, want) => {
    expect(topicGenerateCount(needed, count)).toBe(want);
  });
});

describe('underServed', () => {
  it('keeps only topics under target, most records needed first', () => {
    const got = underServed([stat('ok', 'ok', 0, 0), stat('b', 'under', 5, 3), stat('a', 'under', 40, 10), stat('over', 'over', 0, -9)]);
    expect(got.map((s) => s.topic)).toEqual(['a', 'b']);
  });

  it('breaks ties on the wider gap, then on the name', () => {
    const got = underServed([stat('z', 'under', 5, 2), stat('y', 'under', 5, 2), stat('x', 'under', 5, 8)]);
    expect(got.map((s) => s.topic)).toEqual(['x', 'y', 'z']);
  });

  it('leaves the given list in its order', () => {
    const list = [stat('b', 'under', 1, 1), stat('a', 'under', 9, 9)];
    underServed(list);
    expect(list.map((s) => s.topic)).toEqual(['b', 'a']);
  });

  it('reads a missing report as no topics', () => {
    expect(underServed(null)).toEqual([]);
  });
});

describe('weakTopicOf', () => {
  it.each([
    ['names the topic of a weak-topic finding', 'weak_topic', 'Topic billing / refunds scores far below the rest', 'billing / refunds'],
    ['gives nothing for records without a topic', 'weak_topic', 'Topic uncategorized scores far below the rest', ''],
    ['gives nothing for other findings', 'too_hard', 'Topic x scores far below the rest', ''],
    ['gives nothing for a title it does not recognise', 'weak_topic', 'Something else', ''],
  ])('%s', (_name, kind, title, want) => {
    expect(weakTopicOf({ kind, title })).toBe(want);
  });
});
