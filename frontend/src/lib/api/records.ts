// The records API (Health Indicator, View Issues, records browser, record
// viewer): the only place that calls the generated Records bindings.
import * as R from '../../../wailsjs/go/app/Records';
import type { app, health } from '../../../wailsjs/go/models';
import type { RecordQuery } from '../recordsQuery';

export type RecordRow = app.RecordRow;
export type RecordPage = app.RecordPage;
export type HealthReport = health.Report;
export type CodeCount = health.CodeCount;

/**
 * A whole record as the page receives it. The generated model types the
 * JSON-valued fields as byte arrays (Go's json.RawMessage); over the bridge
 * they arrive as the JSON values themselves, so they are typed unknown here
 * and read through lib/conversation.
 */
export interface FullRecord {
  id: number;
  dataset_id: number;
  line: number;
  raw: string;
  shape: string;
  messages?: unknown;
  tools?: unknown;
  output?: unknown;
  fields?: unknown;
  metadata?: unknown;
  source: string;
  trace_id: string;
  hash: string;
  code: string;
  detail: string;
  topic_id: number;
  topic: string;
  confidence: number;
  method: string;
  generated: boolean;
  source_record_id?: number;
  strategy?: string;
  created_at: string;
  updated_at: string;
}

// Go reads a missing pointer field as "any".
const wire = (q: RecordQuery): app.RecordQuery =>
  ({
    ...q,
    generated: q.generated ?? undefined,
    min_confidence: q.min_confidence ?? undefined,
    max_confidence: q.max_confidence ?? undefined,
  }) as app.RecordQuery;

export const recordsPage = (q: RecordQuery): Promise<RecordPage> => R.Page(wire(q));
/** How many records match the filters of q (cursor and limit ignored). */
export const countRecords = (q: RecordQuery): Promise<number> => R.Count(wire(q));
export const getRecord = (id: number): Promise<FullRecord> => R.Get(id) as unknown as Promise<FullRecord>;
/** Saves edited JSON; the answer carries the record's new validation code. */
export const updateRecord = (id: number, jsonText: string): Promise<FullRecord> => R.Update(id, jsonText) as unknown as Promise<FullRecord>;
export const deleteRecords = (datasetId: number, ids: number[]): Promise<number> => R.Delete(datasetId, ids);
/** Deletes every record matching the filters of q ("all N matching", cursor ignored) in one transaction. */
export const deleteMatching = (q: RecordQuery): Promise<number> => R.DeleteMatching(wire(q));
export const healthReport = (datasetId: number): Promise<HealthReport> => R.Health(datasetId);
export const validationCodes = (): Promise<string[]> => R.Codes();
