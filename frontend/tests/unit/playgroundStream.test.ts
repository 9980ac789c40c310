import { describe, expect, it } from 'vitest';
import { DeltaBuffer, elapsedText, newRunId, type Clock, type Side } from '../../src/lib/playgroundStream';

/** A manual clock: tests advance time and fire due timers themselves. */
function manualClock() {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    set: (fn, ms) => {
      timers.set(next, { at: now + ms, fn });
      return next++;
    },
    clear: (id) => void timers.delete(id as number),
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = end;
  };
  return { clock, advance, pending: () => timers.size };
}

function recorder() {
  const text: Record<Side, string> = { base: '', tuned: '' };
  const calls: [Side, string][] = [];
  const flush = (side: Side, t: string) => {
    calls.push([side, t]);
    text[side] += t;
  };
  return { text, calls, flush };
}

describe('DeltaBuffer', () => {
  it('appends a burst of deltas once per interval, in order, per side', () => {
    const { clock, advance } = manualClock();
    const r = recorder();
    const b = new DeltaBuffer(r.flush, 50, clock);
    for (const [side, d] of [
      ['base', 'I '],
      ['tuned', 'The '],
      ['base', 'think '],
      ['tuned', 'answer'],
      ['base', 'so.'],
    ] as [Side, string][])
      b.push(side, d);
    expect(r.calls).toEqual([]);
    advance(49);
    expect(r.calls).toEqual([]);
    advance(1);
    expect(r.calls).toEqual([
      ['base', 'I think so.'],
      ['tuned', 'The answer'],
    ]);
  });

  it('keeps a fast stream to about 20 updates a second', () => {
    const { clock, advance } = manualClock();
    const r = recorder();
    const b = new DeltaBuffer(r.flush, 50, clock);
    let sent = '';
    // 200 tokens a second on one side for two seconds.
    for (let i = 0; i < 400; i++) {
      const d = `t${i} `;
      sent += d;
      b.push('tuned', d);
      advance(5);
    }
    b.drain();
    expect(r.text.tuned).toBe(sent);
    expect(r.calls.length).toBeGreaterThanOrEqual(39);
    expect(r.calls.length).toBeLessThanOrEqual(41);
  });

  it('drains at once when a side ends, and forgets a reset run', () => {
    const { clock, advance, pending } = manualClock();
    const r = recorder();
    const b = new DeltaBuffer(r.flush, 50, clock);
    b.push('base', 'partial');
    b.drain();
    expect(r.text.base).toBe('partial');
    expect(pending()).toBe(0);
    b.push('tuned', 'old run');
    b.reset();
    advance(100);
    expect(r.text.tuned).toBe('');
    b.push('tuned', '');
    expect(pending()).toBe(0);
  });

  it('passes markup through as plain text for the view to show as text', () => {
    const { clock, advance } = manualClock();
    const r = recorder();
    const b = new DeltaBuffer(r.flush, 50, clock);
    b.push('base', '<img src=x onerror=alert(1)>');
    advance(50);
    expect(r.text.base).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('elapsedText and newRunId', () => {
  it('says seconds with a tenth, then minutes', () => {
    expect(elapsedText(0)).toBe('0.0 s');
    expect(elapsedText(12_345)).toBe('12.3 s');
    expect(elapsedText(75_000)).toBe('1 min 15 s');
  });
  it('gives every run its own id', () => {
    expect(newRunId()).not.toBe(newRunId());
  });
});
