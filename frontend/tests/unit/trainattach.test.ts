import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import TrainStatus from '../../src/lib/components/steps/train/TrainStatus.svelte';
import { servingProviders } from '../../src/lib/api/train';

function trl(over: Record<string, unknown>) {
  return {
    job: 4,
    dataset_id: 1,
    trainer: 'trl',
    provider: '',
    base_model: 'Qwen/Qwen3-1.7B',
    status: 'exported',
    final: true,
    fine_tuned_model: '',
    attached: false,
    grader_version: 'abc123',
    dry_run_id: 2,
    dry_run_verdict: 'GO',
    override_nogo: false,
    split_seed: 42,
    train_count: 90,
    validation_count: 10,
    out_dir: '/data/bundles/dataset-1-job-4',
    notes: [],
    options: {},
    created_at: new Date(Date.now() - 5_000).toISOString(),
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
    elapsed_seconds: 5,
    metrics: [],
    checkpoints: [],
    split: [],
    ...over,
  } as never;
}

describe('attaching the model a TRL bundle trained', () => {
  it('offers self-hosted servers first, each group by name, and keeps every provider', () => {
    const ps = [
      { name: 'openai', kind: 'openai' },
      { name: 'zeta', kind: 'vllm' },
      { name: 'azure', kind: 'azure' },
      { name: 'laptop', kind: 'ollama' },
      { name: 'gateway', kind: 'other' },
    ];
    expect(servingProviders(ps).map((p) => p.name)).toEqual(['gateway', 'laptop', 'zeta', 'azure', 'openai']);
    expect(ps[0].name).toBe('openai'); // the input is not reordered
  });

  it('shows the attach form on an exported bundle', () => {
    const { body } = render(TrainStatus, { props: { detail: trl({}), onchanged: () => {} } });
    expect(body).toContain('Bundle exported');
    expect(body).toContain('Attach the model you trained');
    expect(body).toContain('data-testid="train-attach-provider"');
    expect(body).toContain('data-testid="train-attach-model"');
    expect(body).toContain('Check &amp; attach');
    expect(body).not.toContain('data-testid="train-detach"');
  });

  it('shows an attached model with Replace and Detach instead of the form', () => {
    const { body } = render(TrainStatus, {
      props: {
        detail: trl({ status: 'succeeded', provider: 'gpu', fine_tuned_model: 'my-qwen3-grpo', attached: true }),
        onchanged: () => {},
      },
    });
    expect(body).toContain('Complete');
    expect(body).toMatch(/data-testid="train-attached-model"[^>]*>my-qwen3-grpo</);
    expect(body).toContain('<strong>gpu</strong>');
    expect(body).toContain('data-testid="train-detach"');
    expect(body).toContain('Replace…');
    expect(body).not.toContain('data-testid="train-attach-model"');
    expect(body).not.toContain('Fine-tuned model:');
  });

  it('offers no attach on a platform job', () => {
    const { body } = render(TrainStatus, {
      props: {
        detail: trl({ trainer: 'openai', status: 'succeeded', fine_tuned_model: 'ft:o4-mini:x', out_dir: '' }),
        onchanged: () => {},
      },
    });
    expect(body).not.toContain('data-testid="train-attach"');
    expect(body).toContain('Fine-tuned model:');
  });
});
