// Live job progress keyed by job id, fed by the "job" event.
import { onJob } from '../api/events';
import type { Progress } from '../api/jobs';

export const jobs = $state<{ byId: Record<number, Progress> }>({ byId: {} });

let started = false;

export function followJobs() {
  if (started) return;
  started = true;
  onJob((p) => {
    jobs.byId[p.job_id] = p;
  });
}

export function jobsOf(datasetId: number): Progress[] {
  return Object.values(jobs.byId)
    .filter((p) => p.dataset_id === datasetId)
    .sort((a, b) => b.job_id - a.job_id);
}

export function runningOf(datasetId: number): Progress[] {
  return jobsOf(datasetId).filter((p) => p.state === 'running');
}
