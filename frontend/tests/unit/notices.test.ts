import { afterEach, describe, expect, it, vi } from 'vitest';
import { dismiss, noticeLife, notices, notify } from '../../src/lib/notices.svelte';

describe('notices', () => {
  afterEach(() => {
    for (const n of [...notices.list]) dismiss(n.id);
    vi.useRealTimers();
  });

  it('shows a notice and lets it expire by itself', () => {
    vi.useFakeTimers();
    notify('Exported 120 records to /tmp/x.jsonl.');
    expect(notices.list.map((n) => [n.text, n.kind])).toEqual([['Exported 120 records to /tmp/x.jsonl.', 'ok']]);
    vi.advanceTimersByTime(noticeLife.ok - 1);
    expect(notices.list).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(notices.list).toHaveLength(0);
  });

  it('keeps errors longer than confirmations', () => {
    vi.useFakeTimers();
    notify('saved');
    notify('export failed', 'error');
    vi.advanceTimersByTime(noticeLife.ok);
    expect(notices.list.map((n) => n.kind)).toEqual(['error']);
    vi.advanceTimersByTime(noticeLife.error - noticeLife.ok);
    expect(notices.list).toHaveLength(0);
  });

  it('dismisses one notice by id and drops the oldest beyond four', () => {
    const ids = [1, 2, 3, 4, 5].map((i) => notify(`n${i}`));
    expect(notices.list.map((n) => n.text)).toEqual(['n2', 'n3', 'n4', 'n5']);
    dismiss(ids[2]);
    expect(notices.list.map((n) => n.text)).toEqual(['n2', 'n4', 'n5']);
  });
});
