import { describe, expect, it } from 'vitest';
import { answer, confirm, confirmState } from '../../src/lib/confirm.svelte';

describe('confirm', () => {
  it('shows the request and resolves true when confirmed, then closes', async () => {
    const p = confirm({ title: 'Delete dataset', message: 'Delete “a”?', confirmLabel: 'Delete', danger: true });
    expect(confirmState.current?.title).toBe('Delete dataset');
    expect(confirmState.current?.confirmLabel).toBe('Delete');
    expect(confirmState.current?.danger).toBe(true);
    answer(true);
    await expect(p).resolves.toBe(true);
    expect(confirmState.current).toBeNull();
  });

  it('resolves false when cancelled', async () => {
    const p = confirm({ title: 'Remove source', message: 'Remove “prod”?' });
    answer(false);
    await expect(p).resolves.toBe(false);
    expect(confirmState.current).toBeNull();
  });

  it('queues a second request until the first is answered', async () => {
    const first = confirm({ title: 'First', message: '1' });
    const second = confirm({ title: 'Second', message: '2' });
    expect(confirmState.current?.title).toBe('First');
    answer(false);
    await expect(first).resolves.toBe(false);
    expect(confirmState.current?.title).toBe('Second');
    answer(true);
    await expect(second).resolves.toBe(true);
    expect(confirmState.current).toBeNull();
  });

  it('ignores an answer when nothing is asked', () => {
    expect(() => answer(true)).not.toThrow();
    expect(confirmState.current).toBeNull();
  });
});
