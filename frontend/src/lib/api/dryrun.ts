// The dry run API (step 5): the only place that calls the generated DryRun
// bindings.
import * as D from '../../../wailsjs/go/app/DryRun';
import type { dryrun } from '../../../wailsjs/go/models';

export type DryRunReport = dryrun.Report;
export type DryRunPreview = dryrun.Preview;
export type DryRunRun = dryrun.Run;
export type DryRunSample = dryrun.Sample;
export type DryRunComparison = dryrun.Comparison;
export type Finding = dryrun.Finding;
export type SampleScore = dryrun.SampleScore;
export type Responses = 'base' | 'production';

export type Answering = dryrun.Answering;

/** Estimates a run (n = 0: 300 samples); spends nothing. provider and model
 * "": the model Step 6 trains (the training target). */
export const previewDryRun = (datasetId: number, n: number, responses: Responses, provider = '', model = ''): Promise<DryRunPreview> =>
  D.PreviewModel(datasetId, n, responses, provider, model);
/** Who answers a new run (provider and model "": the training target) and
 * whether the run counts for the Train gate; spends nothing. */
export const dryRunAnswers = (datasetId: number, provider = '', model = ''): Promise<Answering> => D.Answers(datasetId, provider, model);
/** Estimates re-grading a run's stored answers (no base-model calls). */
export const previewRegrade = (datasetId: number, runId: number): Promise<DryRunPreview> => D.PreviewRegrade(datasetId, runId);
/** Starts (or resumes) a dry run; returns the job id. */
export const startDryRun = (datasetId: number, n: number, responses: Responses, provider = '', model = ''): Promise<number> =>
  D.RunModel(datasetId, n, responses, provider, model);
/** Re-grades a run's stored answers with the current grader as a new run; returns the job id. */
export const regrade = (datasetId: number, runId: number): Promise<number> => D.Regrade(datasetId, runId);
/** A run's report (runId 0: the newest). */
export const dryRunReport = (datasetId: number, runId: number): Promise<DryRunReport> => D.Report(datasetId, runId);
export const dryRunSamples = (datasetId: number, runId: number): Promise<DryRunSample[]> => D.Samples(datasetId, runId);
export const dryRunHistory = (datasetId: number): Promise<DryRunRun[]> => D.History(datasetId);
export const compareRuns = (datasetId: number, a: number, b: number): Promise<DryRunComparison> => D.Compare(datasetId, a, b);
