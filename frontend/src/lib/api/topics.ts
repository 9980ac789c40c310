// The topics and coverage API (steps 2 and 3): the only place that calls the
// generated Topics bindings.
import * as T from '../../../wailsjs/go/app/Topics';
import type { app, coverage, topics } from '../../../wailsjs/go/models';

export type TopicNode = topics.Node;
export type TopicStats = topics.Stats;
export type Template = topics.Template;
/** A replaced hierarchy and the job that categorizes what lost its topic. */
export type Replaced = app.Replaced;
export type LowItem = topics.LowItem;
export type CoverageReport = coverage.Report;
export type CoverageStat = coverage.Stat;
export type Added = app.Added;
export type CategorizeMode = 'unlabeled' | 'all';

export const topicTree = (datasetId: number): Promise<TopicNode[]> => T.Tree(datasetId);
export const topicStats = (datasetId: number): Promise<TopicStats> => T.Stats(datasetId);
export const templates = (): Promise<Template[]> => T.Templates();
export const assignmentCount = (datasetId: number): Promise<number> => T.AssignmentCount(datasetId);

/** Starts generation (k = 0: automatic) + categorization; returns the job id. */
export const generateTopics = (datasetId: number, k: number, offline: boolean): Promise<number> => T.Generate(datasetId, k, offline);
/** Starts categorization; returns the job id. */
export const categorize = (datasetId: number, mode: CategorizeMode, offline: boolean): Promise<number> =>
  T.Categorize(datasetId, mode, offline);

export const applyTemplate = (datasetId: number, key: string, keep: boolean): Promise<Replaced> => T.ApplyTemplate(datasetId, key, keep);
export const addTopic = (datasetId: number, parentId: number, name: string, description: string, keywords: string[]): Promise<Added> =>
  T.AddTopic(datasetId, parentId, name, description, keywords);
export const renameTopic = (datasetId: number, topicId: number, name: string): Promise<void> => T.RenameTopic(datasetId, topicId, name);
export const editTopic = (datasetId: number, topicId: number, description: string, keywords: string[]): Promise<void> =>
  T.EditTopic(datasetId, topicId, description, keywords);
export const moveTopic = (datasetId: number, topicId: number, newParentId: number): Promise<number> =>
  T.MoveTopic(datasetId, topicId, newParentId);
export const deleteTopic = (datasetId: number, topicId: number): Promise<number> => T.DeleteTopic(datasetId, topicId);
export const setTarget = (datasetId: number, topicId: number, percent: number): Promise<void> => T.SetTarget(datasetId, topicId, percent);
export const resetTargets = (datasetId: number): Promise<void> => T.ResetTargets(datasetId);

export const coverageReport = (datasetId: number): Promise<CoverageReport> => T.Coverage(datasetId);

export const lowConfidence = (datasetId: number, afterId: number, limit: number): Promise<LowItem[]> =>
  T.LowConfidence(datasetId, afterId, limit);
export const confirmRecords = (datasetId: number, recordIds: number[]): Promise<void> => T.Confirm(datasetId, recordIds);
export const moveRecords = (datasetId: number, recordIds: number[], topicId: number): Promise<void> =>
  T.MoveRecords(datasetId, recordIds, topicId);
/** Confirms the topic of every low-confidence record; returns how many. */
export const confirmAllLow = (datasetId: number): Promise<number> => T.ConfirmAllLow(datasetId);
/** Moves every low-confidence record to a leaf topic; returns how many. */
export const moveAllLow = (datasetId: number, topicId: number): Promise<number> => T.MoveAllLow(datasetId, topicId);

export const pickTopicsExportPath = (datasetId: number): Promise<string> => T.PickExportPath(datasetId);
export const exportTopics = (datasetId: number, path: string): Promise<void> => T.ExportHierarchy(datasetId, path);
export const pickTopicsImportFile = (): Promise<string> => T.PickImportFile();
export const importTopics = (datasetId: number, path: string, keep: boolean): Promise<Replaced> => T.ImportHierarchy(datasetId, path, keep);
