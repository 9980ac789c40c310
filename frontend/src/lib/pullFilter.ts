// The filter a pull applies, in words, from the JSON the pull cursor keeps
// (gateway.storedFilter): "gpt-4o-mini only · errors excluded".

export interface StoredFilter {
  model?: string;
  text?: string;
  has_tools?: boolean;
  exclude_errors?: boolean;
}

/** Reads the cursor's filter text; anything unreadable is no filter. */
export function parseStoredFilter(json: string | undefined | null): StoredFilter {
  if (!json) return {};
  try {
    const v = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as StoredFilter) : {};
  } catch {
    return {};
  }
}

/** The filter in words; "every trace" when it selects everything. */
export function filterWords(f: StoredFilter): string {
  const parts: string[] = [];
  if (f.model?.trim()) parts.push(`${f.model.trim()} only`);
  if (f.text?.trim()) parts.push(`containing “${f.text.trim()}”`);
  if (f.has_tools) parts.push('with tool calls only');
  if (f.exclude_errors) parts.push('errors excluded');
  return parts.length ? parts.join(' · ') : 'every trace (no filter)';
}
