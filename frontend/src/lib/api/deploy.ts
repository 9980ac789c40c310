// The deploy API (step 7): the only place that calls the generated Deploy
// bindings.
import * as D from '../../../wailsjs/go/app/Deploy';
import { deploy, record, type grader } from '../../../wailsjs/go/models';

export type Overview = deploy.Overview;
export type BenchmarkReport = deploy.Report;
export type BenchmarkRun = deploy.BenchmarkRun;
export type SideReport = deploy.SideReport;
export type Deployment = deploy.Deployment;
export type Plan = deploy.Plan;
export type LiveReport = deploy.LiveReport;
export type PlaygroundResult = deploy.PlaygroundResult;
export type Answer = deploy.Answer;
export type GradeResult = grader.Result;
export type Mode = 'replace' | 'endpoint' | 'ab' | 'serve';

export interface DeployOptions {
  target: string;
  source: string;
  mode: Mode;
  split: number;
  model_name: string;
  credential: string;
  /** fireworks target: replicas kept running (0 scales to zero) and the most it scales to (0: 1). */
  min_replicas?: number;
  max_replicas?: number;
  /** azure target: capacity in units of 1,000 tokens per minute (0: 1). */
  capacity?: number;
}

export interface PlaygroundInput {
  prompt: string;
  record_id: number;
  temperature?: number;
  max_tokens: number;
  grade: boolean;
}

const options = (o: DeployOptions) => deploy.Options.createFrom({ min_replicas: 0, max_replicas: 0, capacity: 0, ...o, job_id: 0 });
const input = (i: PlaygroundInput) => deploy.PlaygroundInput.createFrom({ system: '', job_id: 0, ...i });

/** The tuned model, the latest benchmark, the current deployment and the targets. */
export const deployOverview = (datasetId: number): Promise<Overview> => D.Overview(datasetId);
/** Starts (or resumes) a benchmark, against another base model when one is named; returns the job id. */
export const runBenchmark = (datasetId: number, seed: number, limit: number, baseProvider = '', baseModel = ''): Promise<number> =>
  D.RunBenchmark(
    datasetId,
    deploy.BenchmarkOptions.createFrom({ job_id: 0, seed, limit, base_provider: baseProvider, base_model: baseModel }),
  );
export const benchmarks = (datasetId: number): Promise<BenchmarkRun[]> => D.Benchmarks(datasetId);
/**
 * Both models answer one prompt, streamed: each side's text arrives as
 * `playground` events tagged with runId (see onPlayground); resolves with
 * both answers once both have ended.
 */
export const playgroundStream = (datasetId: number, runId: string, i: PlaygroundInput): Promise<PlaygroundResult> =>
  D.PlaygroundStream(datasetId, runId, input(i));
/** Stops both requests of a streaming run; each answer keeps its text so far. */
export const stopPlayground = (runId: string): Promise<void> => D.StopPlayground(runId);
/** Grades one playground answer on demand. */
export const gradeAnswer = (datasetId: number, i: PlaygroundInput, answer: record.Message): Promise<GradeResult> =>
  D.GradeAnswer(datasetId, input(i), record.Message.createFrom(answer));
/** What a deployment would change, in plain words; changes nothing. */
export const previewDeploy = (datasetId: number, o: DeployOptions): Promise<Plan> => D.Preview(datasetId, options(o));
/** Makes a deployment; returns the job id. */
export const startDeploy = (datasetId: number, o: DeployOptions): Promise<number> => D.Start(datasetId, options(o));
/** Restores the routing the current deployment changed; returns the job id. */
export const rollback = (datasetId: number): Promise<number> => D.Rollback(datasetId);
export const deployHistory = (datasetId: number): Promise<Deployment[]> => D.History(datasetId);
/** Base vs tuned on pulled traces since the latest A/B deployment. */
export const liveReport = (datasetId: number): Promise<LiveReport> => D.Live(datasetId);
