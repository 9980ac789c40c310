// The datasets API: the only place that calls the generated Datasets bindings.
import * as D from '../../../wailsjs/go/app/Datasets';
import { ingest } from '../../../wailsjs/go/models';
import type { app, pipeline, record } from '../../../wailsjs/go/models';

export type Summary = pipeline.Summary;
export type Step = pipeline.Step;
export type Dataset = record.Dataset;
export type Created = app.Created;
export type Preview = ingest.Preview;
export type PreviewRecord = ingest.PreviewRecord;

/** A person's import choices: a forced format, a CSV column mapping, an evals template. */
export interface ImportChoices {
  format?: string;
  map?: Record<string, string>;
  template?: string;
}

const importOptions = (c: ImportChoices, mode: 'append' | 'replace' = 'append'): ingest.Options =>
  ingest.Options.createFrom({
    mode,
    source: '',
    format: c.format ?? '',
    adapt: { template: c.template ?? '', map: c.map ?? {} },
  });

export const listDatasets = (): Promise<Summary[]> => D.List();
export const getDataset = (id: number): Promise<Summary> => D.Get(id);
export const datasetSteps = (id: number): Promise<Step[]> => D.Steps(id);
export const createFromFile = (name: string, objective: string, path: string): Promise<Created> => D.CreateFromFile(name, objective, path);
/** What importing a file would store (format, counts, first records); stores nothing. */
export const previewFile = (path: string, c: ImportChoices = {}): Promise<Preview> => D.PreviewFile(path, importOptions(c));
export const createFromFileWith = (name: string, objective: string, path: string, c: ImportChoices): Promise<Created> =>
  D.CreateFromFileWith(name, objective, path, importOptions(c));
/** Appends to or replaces a dataset's records from a file with the preview's choices; returns the job id. */
export const importFile = (id: number, path: string, mode: 'append' | 'replace', c: ImportChoices = {}): Promise<number> =>
  D.Import(id, path, importOptions(c, mode));
export const updateDataset = (id: number, name: string, objective: string): Promise<void> => D.Update(id, name, objective);
export const duplicateDataset = (id: number, newName: string): Promise<Dataset> => D.Duplicate(id, newName);
/** Changes the validation settings and starts the revalidation; returns the job id. */
export const setDatasetSettings = (id: number, s: { min_user_chars: number; max_tokens: number }): Promise<number> =>
  D.SetSettings(id, s as record.Settings);
export const deleteDataset = (id: number): Promise<void> => D.Delete(id);
export const exportDataset = (id: number, path: string, validOnly: boolean, format: 'original' | 'rft'): Promise<number> =>
  D.Export(id, path, validOnly, format);
export const pickImportFile = (): Promise<string> => D.PickImportFile();
export const pickExportPath = (id: number, suffix: string): Promise<string> => D.PickExportPath(id, suffix);
