// Gateway trace sources: the only place that calls the generated Sources
// bindings (connections, preview, create from a selection, pull new traces).
import * as S from '../../../wailsjs/go/app/Sources';
import { app, gateway } from '../../../wailsjs/go/models';

export type SourceInfo = app.SourceInfo;
export type SourceKind = app.SourceKind;
export type SourceInput = app.SourceInput;
export type TestResult = gateway.Probe;
export type Tested = app.Tested;
export type PreviewPage = app.PreviewPage;
export type PreviewRow = app.PreviewRow;
export type Linked = app.Linked;
export type Created = app.Created;

export interface TraceFilter {
  from: string;
  to: string;
  model: string;
  text: string;
  has_tools: boolean;
  exclude_errors: boolean;
}

export const emptyFilter = (): TraceFilter => ({ from: '', to: '', model: '', text: '', has_tools: false, exclude_errors: true });

export const sourceKinds = (): Promise<SourceKind[]> => S.Kinds();
export const listSources = (): Promise<SourceInfo[]> => S.List();
export const saveSource = (input: SourceInput): Promise<SourceInfo> => S.Save(app.SourceInput.createFrom(input));
export const removeSource = (name: string): Promise<void> => S.Remove(name);
export const testSource = (name: string): Promise<TestResult> => S.Test(name);
/** Native dialog for a file source's file (or folder); "" when cancelled. */
export const pickSourcePath = (kind: string, folder: boolean): Promise<string> => S.PickPath(kind, folder);
/** Tests first and keeps the source only when it answers (source is null otherwise). */
export const saveAndTestSource = (input: SourceInput): Promise<Tested> => S.SaveAndTest(app.SourceInput.createFrom(input));

/** One page of the preview; pass back windowEnd from the first page so the selection stays fixed. */
export const previewTraces = (source: string, f: TraceFilter, windowEnd: string, token: string, limit: number): Promise<PreviewPage> =>
  S.Preview(source, app.FilterInput.createFrom(f), windowEnd, token, limit);

/** Creates the dataset and starts pull + the automatic steps; ids empty = all matching. */
export const createFromSource = (
  name: string,
  objective: string,
  source: string,
  f: TraceFilter,
  ids: string[],
  windowEnd: string,
): Promise<Created> => S.CreateDataset(app.CreateInput.createFrom({ name, objective, source, filter: f, ids, window_end: windowEnd }));

/** Starts a background pull of traces newer than the last pull; returns the job id. */
export const pullTraces = (datasetId: number, source: string): Promise<number> => S.Pull(datasetId, source);
/** Links a source to the dataset with a filter and starts the first pull; returns the job id. */
export const connectSource = (datasetId: number, source: string, f: TraceFilter): Promise<number> =>
  S.Connect(datasetId, source, app.FilterInput.createFrom(f));
export const linkedSources = (datasetId: number): Promise<Linked[]> => S.Linked(datasetId);
