// Step 3's Generate: the only place that calls the generated Generate
// bindings (preview, run, review).
import * as G from '../../../wailsjs/go/app/Generate';
import { synth, type store } from '../../../wailsjs/go/models';

export type GenerateOptions = synth.Options;
export type GeneratePreview = synth.Preview;
export type GenerateRow = synth.Row;
export type AcceptResult = synth.AcceptResult;
export type StrategyInfo = synth.StrategyInfo;
export type Candidate = store.Candidate;
export type CandidateStatus = 'pending' | 'accepted' | 'rejected';

/** Where a generation starts: the coverage gaps, chosen records, or one topic. */
export type Entry = { kind: 'gaps' } | { kind: 'records'; ids: number[] } | { kind: 'topic'; topic: string; count: number };

export const strategies = (): Promise<StrategyInfo[]> => G.Strategies();
export const generateDefaults = (): Promise<GenerateOptions> => G.Defaults();

/** Options for an entry point with the given settings. */
export function optionsFor(entry: Entry, settings: GenerateOptions): GenerateOptions {
  return synth.Options.createFrom({
    ...settings,
    gaps: entry.kind === 'gaps',
    record_ids: entry.kind === 'records' ? entry.ids : [],
    topic: entry.kind === 'topic' ? entry.topic : '',
    count: entry.kind === 'topic' ? entry.count : 0,
    regenerate: [],
    regenerate_all: false,
    accept_passing: false,
  });
}

/** What a generation would make and spend; nothing is spent. */
export const previewGenerate = (datasetId: number, o: GenerateOptions): Promise<GeneratePreview> => G.Preview(datasetId, o);
/** Starts a generation in the background; returns the job id (its result carries batch_id). */
export const startGenerate = (datasetId: number, o: GenerateOptions): Promise<number> => G.Start(datasetId, o);
/** Makes rejected candidates again (none given: every rejected one); returns the job id. */
export const regenerate = (datasetId: number, ids: number[]): Promise<number> => G.Regenerate(datasetId, ids);
/** A dataset's candidates (batchId 0: every run; status '': any). */
export const candidates = (datasetId: number, batchId: number, status: CandidateStatus | ''): Promise<Candidate[]> =>
  G.Candidates(datasetId, batchId, status);
export const acceptCandidates = (datasetId: number, ids: number[]): Promise<AcceptResult> => G.Accept(datasetId, ids);
/** Accepts every passing candidate of a run (0: of every run). */
export const acceptPassing = (datasetId: number, batchId: number): Promise<AcceptResult> => G.AcceptPassing(datasetId, batchId);
export const rejectCandidates = (datasetId: number, ids: number[]): Promise<number> => G.Reject(datasetId, ids);
/** Replaces a candidate's text and checks it again. */
export const editCandidate = (datasetId: number, id: number, text: string): Promise<Candidate> => G.Edit(datasetId, id, text);

/** Reasons a check gives, in words. */
export const reasonText: Record<string, string> = {
  too_short: 'too short',
  too_long: 'too long',
  assistant_artefact: 'reads like the assistant',
  placeholder: 'unfilled placeholder',
  template_braces: 'template braces',
  role_label: 'role label',
  invalid: 'fails a health check',
  duplicate_of_seed: 'copy of a record',
  duplicate_of_candidate: 'copy of another candidate',
  near_duplicate_of_seed: 'near-copy of a record',
  near_duplicate_of_candidate: 'near-copy of another candidate',
  rejected_by_user: 'rejected in review',
};
