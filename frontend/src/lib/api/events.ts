// Runtime events from the Go side (job progress, data changes, file drops).
import { EventsOn, OnFileDrop, OnFileDropOff } from '../../../wailsjs/runtime/runtime';
import type { Progress } from './jobs';

export function onJob(cb: (p: Progress) => void): () => void {
  return EventsOn('job', cb);
}

export function onChanged(cb: (e: { dataset_id: number }) => void): () => void {
  return EventsOn('changed', cb);
}

/** Files dropped on the window (paths from the OS), while subscribed. */
export function onFileDrop(cb: (paths: string[]) => void): () => void {
  OnFileDrop((_x: number, _y: number, paths: string[]) => cb(paths), false);
  return () => OnFileDropOff();
}
