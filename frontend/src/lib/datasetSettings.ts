// A dataset's validation settings as the settings dialog edits them: the
// typed text checked against the limits the backend enforces
// (record.Settings.Validate), each error for its own field.

/** record.MaxPromptTokens: the highest maximum prompt length. */
export const MAX_PROMPT_TOKENS = 1_000_000;
/** record.MaxMinUserChars: the highest minimum user message length. */
export const MAX_MIN_USER_CHARS = 10_000;

export interface SettingsValue {
  min_user_chars: number;
  max_tokens: number;
}

export interface SettingsCheck {
  value: SettingsValue | null;
  minError: string;
  maxError: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

// A whole number typed with or without thousands separators ("8,000").
function whole(text: string, what: string, hi: number): { n: number; error: string } {
  const t = text.trim().replace(/[,\s_]/g, '');
  if (!t) return { n: 0, error: `Give the ${what}.` };
  if (!/^\d+$/.test(t)) return { n: 0, error: `The ${what} is a whole number, like ${fmt(Math.min(hi, 8000))}.` };
  const n = Number(t);
  if (n < 1 || n > hi) return { n, error: `The ${what} is between 1 and ${fmt(hi)}.` };
  return { n, error: '' };
}

/** Checks the two fields as typed; value is null while either is wrong. */
export function checkSettings(minText: string, maxText: string): SettingsCheck {
  const min = whole(minText, 'minimum user message length', MAX_MIN_USER_CHARS);
  const max = whole(maxText, 'maximum prompt length', MAX_PROMPT_TOKENS);
  const ok = !min.error && !max.error;
  return { value: ok ? { min_user_chars: min.n, max_tokens: max.n } : null, minError: min.error, maxError: max.error };
}
