// Background jobs: follow progress through events, stop a job.
import * as J from '../../../wailsjs/go/app/Jobs';
import type { jobs } from '../../../wailsjs/go/models';

export type Progress = jobs.Progress;

export const activeJobs = (datasetId: number): Promise<Progress[]> => J.Active(datasetId);
export const jobStatus = (id: number): Promise<Progress> => J.Status(id);
export const stopJob = (id: number): Promise<void> => J.Stop(id);
