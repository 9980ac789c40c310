// One place that turns whatever a failed call rejected with into the
// sentence shown to the user. Wails rejects a bound method's promise with
// the Go error's text (a string); JavaScript failures reject with an Error;
// a few runtime paths reject with plain objects that carry a message.

const fallback = 'Something went wrong (no details were given).';

/** The message a person can act on, for any rejected value. */
export function errorText(e: unknown): string {
  if (e === null || e === undefined) return fallback;
  if (typeof e === 'string') return tidy(e) || fallback;
  if (e instanceof Error) return tidy(e.message) || fallback;
  if (typeof e === 'object') {
    const o = e as Record<string, unknown>;
    for (const k of ['message', 'error', 'detail']) {
      const v = o[k];
      if (typeof v === 'string' && v.trim()) return tidy(v);
      if (v && typeof v === 'object') return errorText(v);
    }
    try {
      const s = JSON.stringify(e);
      if (s && s !== '{}') return s;
    } catch {
      // circular: fall through
    }
    return fallback;
  }
  return tidy(String(e)) || fallback;
}

// Go's errors are lower-case phrases joined by ": "; a sentence starts with
// a capital. "Error: " prefixes added by String(new Error(...)) are noise.
function tidy(s: string): string {
  const t = s.trim().replace(/^(Uncaught )?Error:\s*/, '');
  return t ? t[0].toUpperCase() + t.slice(1) : '';
}
