// Runtime events from the Go side (job progress, data changes) and file
// drops. Event names come from the Go `app.Event` enum (app/events.go,
// generated into wailsjs/go/models.ts), so both sides spell them once.
import { EventsOn, OnFileDrop, OnFileDropOff } from '../../../wailsjs/runtime/runtime';
import { app } from '../../../wailsjs/go/models';
import type { Progress } from './jobs';
import type { Answer } from './deploy';

export const Event = app.Event;

export function onJob(cb: (p: Progress) => void): () => void {
  return EventsOn(Event.Job, cb);
}

export function onChanged(cb: (e: { dataset_id: number }) => void): () => void {
  return EventsOn(Event.Changed, cb);
}

/** One event of a streamed playground run: a piece of one side's text, or (done) its answer. */
export interface PlaygroundEvent {
  dataset_id: number;
  run_id: string;
  side: 'base' | 'tuned';
  delta?: string;
  done?: boolean;
  answer?: Answer;
}

export function onPlayground(cb: (e: PlaygroundEvent) => void): () => void {
  return EventsOn(Event.Playground, cb);
}

/** Files dropped on the window (paths from the OS, through the runtime), while subscribed. */
export function onFileDrop(cb: (paths: string[]) => void): () => void {
  OnFileDrop((_x: number, _y: number, paths: string[]) => cb(paths), false);
  return () => OnFileDropOff();
}
