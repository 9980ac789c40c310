import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/lib/api/jobs';
import { namingFromMessage, topicsJobOutcome } from '../../src/lib/topicjobs';

const job = (state: string, result?: unknown, error = ''): Progress =>
  ({
    job_id: 7,
    dataset_id: 1,
    kind: 'topics_generate',
    state,
    done: 1,
    total: 1,
    rate: 0,
    eta_seconds: -1,
    elapsed_seconds: 1,
    message: '',
    error,
    result,
  }) as Progress;

describe('topicsJobOutcome', () => {
  it('says nothing while the job runs', () => {
    expect(topicsJobOutcome('generate', job('running'))).toBeNull();
  });
  it('reports a finished generation with how it named the topics (embedded figures)', () => {
    const o = topicsJobOutcome(
      'generate',
      job('done', { k: 5, naming: 'terms', vectors: 'tfidf', categorize: { processed: 300, low_confidence: 12 } }),
    );
    expect(o).toEqual({
      text: 'Topic generation finished: 5 topics, named offline from frequent terms; 300 records categorized, 12 under 0.7.',
      error: false,
      naming: 'terms',
    });
  });
  it('reads the older nested result and its warnings', () => {
    const o = topicsJobOutcome(
      'generate',
      job('done', {
        generate: { k: 3, naming: 'llm', warnings: ['no embedding model is configured'] },
        categorize: { processed: 1200, low_confidence: 0 },
      }),
      0.6,
    );
    expect(o?.text).toBe(
      'Topic generation finished: 3 topics, named by the model; 1,200 records categorized, 0 under 0.6. Note: no embedding model is configured.',
    );
    expect(o?.naming).toBe('llm');
  });
  it('reports a finished categorization', () => {
    expect(topicsJobOutcome('categorize', job('done', { processed: 40, low_confidence: 3 }))?.text).toBe(
      'Categorization finished: 40 records categorized, 3 under 0.7.',
    );
  });
  it('reports failure as an error and a stop plainly', () => {
    expect(topicsJobOutcome('categorize', job('failed', undefined, 'no topics'))).toEqual({
      text: 'Categorization failed: no topics',
      error: true,
      naming: '',
    });
    expect(topicsJobOutcome('generate', job('stopped', undefined, 'stopped; finished work was kept'))?.text).toBe(
      'Topic generation stopped.',
    );
  });
});

describe('namingFromMessage', () => {
  it('finds the naming in a step message', () => {
    expect(namingFromMessage('5 topics found (tfidf, named by terms)')).toBe('terms');
    expect(namingFromMessage('5 topics (embedding, named by llm), 300 records categorized')).toBe('llm');
    expect(namingFromMessage('300 records categorized, 2 under 0.7')).toBe('');
    expect(namingFromMessage(undefined)).toBe('');
  });
});
