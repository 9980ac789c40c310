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
/** The dataset's newest job with metrics, checkpoints and split (job 0: none). */
export const latestTrain = (datasetId: number): Promise<TrainDetail> => T.Latest(datasetId);
export const trainJobs = (datasetId: number): Promise<TrainJob[]> => T.List(datasetId);
/** A job's events after seq, oldest first. */
export const trainLogs = (jobId: number, afterSeq: number): Promise<TrainEvent[]> => T.Logs(jobId, afterSeq);
export const refreshTrain = (jobId: number): Promise<TrainJob> => T.Refresh(jobId);
export const cancelTrain = (jobId: number): Promise<TrainJob> => T.Cancel(jobId);
export const pauseTrain = (jobId: number): Promise<TrainJob> => T.Pause(jobId);
export const resumeTrain = (jobId: number): Promise<TrainJob> => T.Resume(jobId);
