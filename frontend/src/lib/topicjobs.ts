// Step 2's status line after a generation or categorization job ends, and
// how the topics were named (unit-tested). Read defensively: the job result
// is whatever the Go work function returned.
import type { Progress } from './api/jobs';
import { thousands } from './format';

export type TopicsJob = 'generate' | 'categorize';

/** How generation named the topics: "terms" (offline), "llm", or "" unknown. */
export type Naming = 'terms' | 'llm' | '';

export interface Outcome {
  text: string;
  error: boolean;
  naming: Naming;
}

interface GenerateFigures {
  k?: number;
  naming?: string;
  warnings?: string[] | null;
}

interface CategorizeFigures {
  processed?: number;
  low_confidence?: number;
  warnings?: string[] | null;
}

const label: Record<TopicsJob, string> = { generate: 'Topic generation', categorize: 'Categorization' };

const asNaming = (s: unknown): Naming => (s === 'terms' || s === 'llm' ? s : '');

/** What a finished job did, in words; null while it runs. */
export function topicsJobOutcome(kind: TopicsJob, p: Progress, threshold = 0.7): Outcome | null {
  if (p.state === 'running') return null;
  if (p.state === 'failed') return { text: `${label[kind]} failed: ${p.error || 'no reason given'}`, error: true, naming: '' };
  if (p.state !== 'done') return { text: `${label[kind]} stopped.`, error: false, naming: '' };
  const r = (p.result ?? {}) as Record<string, unknown>;
  if (kind === 'generate') {
    // Older results nest the figures under "generate"; newer ones embed them.
    const g = (r.generate ?? r) as GenerateFigures;
    const c = (r.categorize ?? {}) as CategorizeFigures;
    const naming = asNaming(g.naming);
    const named = naming === 'terms' ? ', named offline from frequent terms' : naming === 'llm' ? ', named by the model' : '';
    const warn = [...(g.warnings ?? []), ...(c.warnings ?? [])];
    return {
      text:
        `Topic generation finished: ${thousands(g.k ?? 0)} topics${named}; ` +
        `${thousands(c.processed ?? 0)} records categorized, ${thousands(c.low_confidence ?? 0)} under ${threshold}.` +
        (warn.length ? ` Note: ${warn.join('; ')}.` : ''),
      error: false,
      naming,
    };
  }
  const c = r as CategorizeFigures;
  return {
    text: `Categorization finished: ${thousands(c.processed ?? 0)} records categorized, ${thousands(c.low_confidence ?? 0)} under ${threshold}.`,
    error: false,
    naming: '',
  };
}

/** The naming a step message reports ("… named by terms …"), or "". */
export function namingFromMessage(message: string | undefined): Naming {
  const m = /named by (terms|llm)\b/.exec(message ?? '');
  return m ? asNaming(m[1]) : '';
}
