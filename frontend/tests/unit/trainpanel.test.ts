import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import RewardChart from '../../src/lib/components/steps/train/RewardChart.svelte';
import TrainStatus from '../../src/lib/components/steps/train/TrainStatus.svelte';
import SplitSummary from '../../src/lib/components/steps/train/SplitSummary.svelte';

const metrics = [
  { step: 1, total_steps: 6, train_reward_mean: 0.38, valid_reward_mean: null },
  { step: 2, total_steps: 6, train_reward_mean: 0.47, valid_reward_mean: 0.42 },
];

function detail(over: Record<string, unknown>) {
  return {
    job: 3,
    dataset_id: 1,
    trainer: 'openai',
    provider: 'oa',
    base_model: 'o4-mini-2025-04-16',
    status: 'running',
    final: false,
    fine_tuned_model: '',
    grader_version: 'abc123',
    dry_run_id: 0,
    dry_run_verdict: '',
    override_nogo: false,
    split_seed: 42,
    train_count: 90,
    validation_count: 10,
    notes: ['no dry run on the current grader version: the job started without one'],
    options: {},
    created_at: new Date(Date.now() - 65_000).toISOString(),
    started_at: new Date().toISOString(),
    finished_at: '0001-01-01T00:00:00Z',
    elapsed_seconds: 65,
    metrics,
    checkpoints: [{ id: 'ftckpt_1', step: 2, model: 'ft:o4-mini:org:x:AB:ckpt-step-2', created_at: '' }],
    split: [],
    ...over,
  } as never;
}

describe('the Step 6 panel parts', () => {
  it('draws both reward curves with the last values', () => {
    const { body } = render(RewardChart, { props: { metrics } as never });
    expect(body).toContain('data-testid="train-curve"');
    expect(body).toContain('data-testid="valid-curve"');
    expect(body).toContain('train reward 0.470');
    expect(body).toContain('validation reward 0.420');
    expect(body).toContain('2 steps');
  });

  it('shows a running job with its elapsed time, checkpoints and Cancel', () => {
    const { body } = render(TrainStatus, { props: { detail: detail({}), onchanged: () => {} } });
    expect(body).toContain('Running');
    expect(body).toMatch(/1 min \d+ s/);
    expect(body).toContain('ckpt-step-2');
    expect(body).toContain('data-testid="train-cancel"');
    expect(body).toContain('no dry run on the current grader version');
  });

  it('shows the model of a finished job and no Cancel', () => {
    const { body } = render(TrainStatus, {
      props: {
        detail: detail({
          status: 'succeeded',
          final: true,
          fine_tuned_model: 'ft:o4-mini:org:x:AB',
          finished_at: new Date().toISOString(),
        }),
        onchanged: () => {},
      },
    });
    expect(body).toContain('Complete');
    expect(body).toContain('ft:o4-mini:org:x:AB');
    expect(body).not.toContain('data-testid="train-cancel"');
  });

  it('shows a refusal in the platform words with what to do', () => {
    const error =
      'create the fine-tuning job: OpenAI said: "fine-tuning is not available for this account". What to do: train on Azure OpenAI instead';
    const { body } = render(TrainStatus, {
      props: { detail: detail({ status: 'failed', final: true, error, metrics: [] }), onchanged: () => {} },
    });
    expect(body).toContain('Failed');
    expect(body).toContain('What to do: train on Azure OpenAI instead');
  });

  it('summarizes the split per topic', () => {
    const preview = {
      trainer: 'openai',
      train: 90,
      validation: 10,
      topics: [{ topic_id: 1, topic: 'billing', train: 42, validation: 5 }],
      prompt_tokens: 1234,
      estimated: false,
      notes: ['validation capped at 1,000 lines'],
      cost_note: 'billed by training time',
    } as never;
    const { body } = render(SplitSummary, { props: { preview } });
    expect(body).toContain('90 training');
    expect(body).toContain('billing');
    expect(body).toContain('1,234 prompt tokens');
    expect(body).toContain('validation capped');
  });
});
