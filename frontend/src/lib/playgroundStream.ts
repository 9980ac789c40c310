// Streamed playground answers. The Go side sends one event per piece of
// text as the models produce it (dozens a second per side); DeltaBuffer
// collects them and hands them on at most once per interval (50 ms: ~20
// updates a second), so a fast model never makes the window redraw per
// token. The text is only ever appended as text (the view interpolates it,
// never as HTML: trace and model text is untrusted).

export type Side = 'base' | 'tuned';
export const sides: Side[] = ['base', 'tuned'];

/** Appends text to a side; called with everything that arrived since the last call. */
export type Flush = (side: Side, text: string) => void;

/** Timer functions, replaceable in tests. */
export interface Clock {
  set: (fn: () => void, ms: number) => unknown;
  clear: (id: unknown) => void;
}

const realClock: Clock = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

export class DeltaBuffer {
  private pending: Record<Side, string[]> = { base: [], tuned: [] };
  private timer: unknown = null;

  constructor(
    private readonly flush: Flush,
    private readonly interval = 50,
    private readonly clock: Clock = realClock,
  ) {}

  /** Queues a delta; the first one after a flush schedules the next flush. */
  push(side: Side, delta: string): void {
    if (!delta) return;
    this.pending[side].push(delta);
    if (this.timer === null) this.timer = this.clock.set(() => this.drain(), this.interval);
  }

  /** Hands on everything queued now (a side ended, or the run did). */
  drain(): void {
    if (this.timer !== null) {
      this.clock.clear(this.timer);
      this.timer = null;
    }
    for (const side of sides) {
      const parts = this.pending[side];
      if (parts.length === 0) continue;
      this.pending[side] = [];
      this.flush(side, parts.join(''));
    }
  }

  /** Forgets what is queued (a new run starts). */
  reset(): void {
    if (this.timer !== null) this.clock.clear(this.timer);
    this.timer = null;
    this.pending = { base: [], tuned: [] };
  }
}

/** A running answer's elapsed time, "0.0 s" to "12.3 s", then minutes. */
export function elapsedText(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
}

let seq = 0;
/** A unique id for one playground request, so late events of an earlier one are ignored. */
export function newRunId(): string {
  seq += 1;
  return `play-${Date.now().toString(36)}-${seq}`;
}
