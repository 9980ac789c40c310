// Small formatting helpers shared by the screens (unit-tested).

export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function percent(part: number, total: number, digits = 1): string {
  if (!total) return '0%';
  return `${((part * 100) / total).toFixed(digits)}%`;
}

/** Seconds to a short duration: "42 s", "3 min 5 s", "1 h 2 min". */
export function duration(seconds: number): string {
  if (!isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Units per second, with a unit name: "1,204 records/s". */
export function rate(perSecond: number, unit: string): string {
  if (!perSecond) return '';
  if (perSecond >= 100) return `${thousands(perSecond)} ${unit}/s`;
  return `${perSecond.toFixed(1)} ${unit}/s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A past time as "just now", "5 min ago", "3 h ago", or a date. */
export function ago(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  if (isNaN(t.getTime()) || t.getFullYear() < 2000) return '—';
  const s = (now.getTime() - t.getTime()) / 1000;
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return t.toISOString().slice(0, 10);
}

/**
 * How a job's done/total/rate read. File imports count bytes (the file's
 * size is known before its lines are), other work counts items.
 */
export function jobAmounts(p: { done: number; total: number; rate: number; message: string }): {
  done: string;
  total: string;
  rate: string;
} {
  if (p.message.startsWith('importing ')) {
    return { done: bytes(p.done), total: bytes(p.total), rate: p.rate > 0 ? `${bytes(p.rate)}/s` : '' };
  }
  return { done: thousands(p.done), total: thousands(p.total), rate: p.rate > 0 ? `${thousands(p.rate)}/s` : '' };
}

/**
 * How a record is named to the user: by its line in the imported file,
 * which means something within the dataset, else by its stored id.
 */
export function recordName(id: number, line?: number | null): string {
  return line ? `line ${thousands(line)}` : `record #${id}`;
}
