// Pure helpers of the Step 4 grader editor: new components with sensible
// defaults per kind, unique names, the live weight sum, rebalancing and
// presets. The Go backend validates again on save (backend/grader).

export type Kind = 'llm_judge' | 'script' | 'string_check' | 'text_similarity' | 'tool_call_match';

/** A grader component as the editor holds it (backend/grader.Component). */
export interface Component {
  name: string;
  kind: Kind;
  weight: number;
  prompt?: string;
  schema?: unknown;
  model?: string;
  temperature?: number;
  max_tokens?: number;
  source?: string;
  input?: string;
  reference?: string;
  operation?: string;
  metric?: string;
  reference_field?: string;
}

export const KIND_LABELS: Record<Kind, string> = {
  llm_judge: 'LLM judge',
  script: 'Script (Python dialect)',
  string_check: 'String check',
  text_similarity: 'Text similarity',
  tool_call_match: 'Tool call match',
};

/** The signature every script defines; shown above the editor. */
export const SCRIPT_SIGNATURE = 'def grade(sample, item) -> float  # 0 to 1';

export const SCRIPT_HELP =
  'sample = {"output_text", "output_json", "output_tools"}; item = the RFT line (messages, tools, grader fields). ' +
  'json, math and re are there under Python names; "import json|math|re" lines are fine. Runs sandboxed: no I/O, 1 s per call.';

export const TEMPLATE_VARIABLES = [
  '{{messages}}',
  '{{response}}',
  '{{lastUserMessage}}',
  '{{tools}}',
  '{{toolCalls}}',
  '{{systemPrompt}}',
  '{{sample.output_text}}',
  '{{item.FIELD}}',
];

export const OPERATIONS = ['eq', 'ne', 'like', 'ilike'];

const DEFAULT_JUDGE_PROMPT = `Conversation:
{{messages}}

Assistant's answer:
{{response}}

Score from 0 to 1 how well the answer serves the user. Answer with a JSON object: "score" (0 to 1) and "reasoning" (one or two sentences).`;

const DEFAULT_SCRIPT = `def grade(sample, item):
    # 1.0 when the answer contains the reference answer, else 0.0
    ref = item.get("reference_answer", "")
    if ref == "":
        return 0.0
    return 1.0 if ref.lower() in sample["output_text"].lower() else 0.0
`;

/** A name not used by any of the components, derived from base. */
export function uniqueName(base: string, components: Component[]): string {
  const clean = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1') || 'component';
  const used = new Set(components.map((c) => c.name));
  if (!used.has(clean)) return clean;
  for (let i = 2; ; i++) if (!used.has(`${clean}_${i}`)) return `${clean}_${i}`;
}

/** A new component of a kind with working defaults (weight 0 until rebalanced). */
export function newComponent(kind: Kind, components: Component[]): Component {
  const base: Record<Kind, string> = {
    llm_judge: 'judge',
    script: 'script',
    string_check: 'exact',
    text_similarity: 'similarity',
    tool_call_match: 'tools',
  };
  const c: Component = { name: uniqueName(base[kind], components), kind, weight: 0 };
  switch (kind) {
    case 'llm_judge':
      c.prompt = DEFAULT_JUDGE_PROMPT;
      break;
    case 'script':
      c.source = DEFAULT_SCRIPT;
      break;
    case 'string_check':
      c.input = '{{sample.output_text}}';
      c.reference = '{{item.reference_answer}}';
      c.operation = 'eq';
      break;
    case 'text_similarity':
      c.input = '{{sample.output_text}}';
      c.reference = '{{item.reference_answer}}';
      c.metric = 'fuzzy_match';
      break;
    case 'tool_call_match':
      c.reference_field = 'reference_tool_calls';
      break;
  }
  return c;
}

/** The weights' sum, rounded to hide float noise (0.1 + 0.2 shows as 0.3). */
export function weightSum(components: Component[]): number {
  const s = components.reduce((a, c) => a + (Number.isFinite(c.weight) ? c.weight : 0), 0);
  return Math.round(s * 1e9) / 1e9;
}

/** Whether the weights sum to 1 as the backend checks it (±1e-9). */
export function weightsOk(components: Component[]): boolean {
  const s = components.reduce((a, c) => a + (Number.isFinite(c.weight) ? c.weight : 0), 0);
  return components.length > 0 && Math.abs(s - 1) <= 1e-9 && components.every((c) => c.weight >= 0);
}

/**
 * Weights scaled to sum to 1 keeping their proportions; equal weights when
 * they are all 0. Rounded to 4 decimals, the last component takes the rest
 * so that the sum is exactly 1.
 */
export function rebalance(components: Component[]): Component[] {
  if (!components.length) return components;
  const total = components.reduce((a, c) => a + Math.max(0, c.weight || 0), 0);
  const raw = components.map((c) => (total > 0 ? Math.max(0, c.weight || 0) / total : 1 / components.length));
  const rounded = raw.map((w) => Math.round(w * 1e4) / 1e4);
  const head = rounded.slice(0, -1).reduce((a, w) => a + w, 0);
  rounded[rounded.length - 1] = Math.round((1 - head) * 1e4) / 1e4;
  return components.map((c, i) => ({ ...c, weight: rounded[i] }));
}

/**
 * Components after picking a preset: "replace" takes the preset's as they
 * are; "add" appends them (renamed when a name is taken) and rebalances.
 */
export function applyPreset(current: Component[], preset: Component[], mode: 'replace' | 'add'): Component[] {
  const fresh = preset.map((c) => ({ ...c }));
  if (mode === 'replace' || !current.length) return fresh;
  const out = current.map((c) => ({ ...c }));
  for (const c of fresh) out.push({ ...c, name: uniqueName(c.name, out) });
  return rebalance(out);
}
