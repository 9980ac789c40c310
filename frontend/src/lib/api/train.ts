// The training API (step 6): the only place that calls the generated Train
// bindings.
import * as T from '../../../wailsjs/go/app/Train';
import { train, type pipeline } from '../../../wailsjs/go/models';

export type TrainerInfo = train.Info;
export type TrainOptions = train.Options;
export type Hyperparameters = train.Hyperparameters;
export type TrainDetail = train.Detail;
export type TrainJob = train.Job;
export type TrainEvent = train.Event;
export type TrainMetric = train.Metric;
export type TrainPreview = train.Preview;
export type TrainGate = pipeline.TrainGate;
export type GateIssue = pipeline.GateIssue;

/** Statuses after which nothing changes any more. */
export const finalStatuses = ['succeeded', 'failed', 'cancelled', 'exported'];

/** Options as the panel builds them (the binding wants the generated class). */
export function trainOptions(o: Partial<TrainOptions> & { trainer: string }): TrainOptions {
  return train.Options.createFrom({
    split: 0.9,
    no_stratify: false,
    include_generated: false,
    seed: 42,
    override_nogo: false,
    hyperparameters: {},
    ...o,
  });
}

export const trainers = (): Promise<TrainerInfo[]> => T.Trainers();
/** A trainer's hyperparameters as shown (0 or '' = auto). */
export const trainDefaults = (trainer: string): Promise<Hyperparameters> => T.Defaults(trainer);
/**
 * Whether Start with these options may go now: the dry run it is based on, the
 * reasons it is refused with their fixes, warnings, the override and what it
 * goes past. Trainer '' checks against the dataset's chosen trainer (gate.target).
 */
export const checkTrain = (datasetId: number, o: TrainOptions): Promise<TrainGate> => T.Check(datasetId, o);
/** What Start would upload: split per topic, prompt tokens, notes. */
export const previewTrain = (datasetId: number, o: TrainOptions): Promise<TrainPreview> => T.Preview(datasetId, o);
/** Starts a training job in the background; returns the runner's job id. */
export const startTrain = (datasetId: number, o: TrainOptions): Promise<number> => T.Start(datasetId, o);
export type TrainTarget = train.Target;
/** What the dataset trains: the target Step 6's form saved, else the newest job's, else the training role's (model "": none). */
export const trainTarget = (datasetId: number): Promise<TrainTarget> => T.Target(datasetId);
/** Saves the form's trainer, provider and base model ("": the default) as the dataset's training target; returns it resolved. */
export const setTrainTarget = (datasetId: number, t: TrainTarget): Promise<TrainTarget> =>
  T.SetTarget(datasetId, train.Target.createFrom(t));
/** The dataset's newest job with metrics, checkpoints and split (job 0: none). */
export const latestTrain = (datasetId: number): Promise<TrainDetail> => T.Latest(datasetId);
export const trainJobs = (datasetId: number): Promise<TrainJob[]> => T.List(datasetId);
/** A job's events after seq, oldest first. */
export const trainLogs = (jobId: number, afterSeq: number): Promise<TrainEvent[]> => T.Logs(jobId, afterSeq);
export const refreshTrain = (jobId: number): Promise<TrainJob> => T.Refresh(jobId);
export const cancelTrain = (jobId: number): Promise<TrainJob> => T.Cancel(jobId);
export const pauseTrain = (jobId: number): Promise<TrainJob> => T.Pause(jobId);
export const resumeTrain = (jobId: number): Promise<TrainJob> => T.Resume(jobId);

/** An export job's result (train.Exported: not a binding's return, so not generated). */
export type TrainExport = {
  dir: string;
  trainer: string;
  base_model: string;
  split_seed: number;
  train_count: number;
  validation_count: number;
  files: { name: string; bytes: number; lines?: number }[];
  notes: string[];
};
/**
 * Attaches the model a TRL job trained, as a provider serves it: one short chat
 * request must come back, or nothing changes. The job becomes succeeded with it.
 */
export const attachTrainModel = (jobId: number, provider: string, model: string): Promise<TrainJob> => T.Attach(jobId, provider, model);
/** Forgets a TRL job's attached model: it is an exported bundle again. */
export const detachTrainModel = (jobId: number): Promise<TrainJob> => T.Detach(jobId);
/** The native save dialog for the folder training files go to ('' if cancelled). */
export const pickTrainExportFolder = (datasetId: number, trainer: string): Promise<string> => T.PickExportFolder(datasetId, trainer);
/**
 * Starts a job writing what Start would send (split files, grader, README.txt) to dir,
 * contacting no platform; returns the job id (its result is a TrainExport).
 */
export const exportTrainFiles = (datasetId: number, o: TrainOptions, dir: string): Promise<number> =>
  T.Export(datasetId, train.Options.createFrom(o), dir);

/** Provider kinds that serve a model on the user's own machines, offered first for an attach. */
export const selfHostedKinds = ['vllm', 'ollama', 'lmstudio', 'other'];

/**
 * The providers an attach offers: self-hosted servers (vLLM, Ollama, LM Studio,
 * other OpenAI-compatible) first, then the rest, each group by name.
 */
export function servingProviders<P extends { name: string; kind: string }>(ps: P[]): P[] {
  const rank = (p: P) => (selfHostedKinds.includes(p.kind) ? 0 : 1);
  return [...ps].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
