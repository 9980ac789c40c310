// The grader API (step 4): the only place that calls the generated Grader
// bindings. The editor works on plain objects (graderedit.Component); they
// become the generated classes only here.
import * as G from '../../../wailsjs/go/app/Grader';
import { grader } from '../../../wailsjs/go/models';
import type { Component } from '../graderedit';

export type TestResult = grader.TestResult;
export type SampleResult = grader.SampleResult;
export type ExportResult = grader.ExportResult;
export type Problem = grader.Problem;
export type Trainer = 'openai' | 'azure' | 'fireworks' | 'trl';

export interface Preset {
  id: string;
  name: string;
  description: string;
  components: Component[];
}

export interface GraderState {
  configured: boolean;
  components: Component[];
  version: string;
  lastTest: TestResult | null;
  metrics: string[];
  trainers: Trainer[];
  versions: number;
}

const toGo = (components: Component[]): grader.Grader => grader.Grader.createFrom({ components });
// json.RawMessage is typed number[] by the generator; it travels as JSON.
const fromGo = (cs: grader.Component[] | undefined): Component[] => (cs ?? []).map((c) => ({ ...(c as unknown as Component) }));

/** The dataset's grader (empty when none is configured) and the editor's choices. */
export async function loadGrader(datasetId: number): Promise<GraderState> {
  const s = await G.Get(datasetId);
  return {
    configured: s.configured,
    components: fromGo(s.grader?.components),
    version: s.version,
    lastTest: s.last_test ?? null,
    metrics: s.metrics,
    trainers: s.trainers as Trainer[],
    versions: s.versions?.length ?? 0,
  };
}

export const presets = async (): Promise<Preset[]> =>
  (await G.Presets()).map((p) => ({ id: p.id, name: p.name, description: p.description, components: fromGo(p.components) }));

/** What the backend would refuse, component by component (-1: the grader), and the version it would get. */
export const checkGrader = (components: Component[]): Promise<{ problems: Problem[]; version: string }> => G.Check(toGo(components));
/** "" when the script compiles and defines grade(sample, item), else the error. */
export const checkScript = (source: string): Promise<string> => G.CheckScript(source);
/** Validates and saves; returns the new version. */
export const saveGrader = (datasetId: number, components: Component[]): Promise<string> => G.Save(datasetId, toGo(components));
/** Starts Test Sample (n records, seed repeatable); returns the job id. */
export const startTest = (datasetId: number, n: number, seed: number): Promise<number> => G.Test(datasetId, n, seed);
export const lastTest = async (datasetId: number): Promise<TestResult | null> => (await G.LastTest(datasetId)) ?? null;
/** The native save dialog for an export; "" when cancelled. */
export const pickExportPath = (datasetId: number, trainer: Trainer): Promise<string> => G.PickExportPath(datasetId, trainer);
export const exportGrader = (datasetId: number, trainer: Trainer, path: string): Promise<ExportResult> =>
  G.Export(datasetId, trainer, path);
