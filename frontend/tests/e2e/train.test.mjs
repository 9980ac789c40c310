// Step 6 journey: a dataset with a grader, a provider on the fake
// fine-tuning platform; open the Train panel: Start is refused until a dry
// run measured the grader on the model training fine-tunes (the dry run asks
// it by default); after a grader change the panel's Re-grade opens the gate
// again at no model cost; start a job, watch the reward curve grow as the
// app polls, see Complete with the model id. Needs
// StepPanel to open Step6Panel for step 6, and run.sh to export
// TRACETUNE_TRAIN_POLL_MS (e.g. 300) so the fake's steps come quickly.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { call, fakes, jsonl, openApp, scratchFile, unique, waitJobsDone } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('start training on the fake platform, watch the reward curve grow, see the model id', async () => {
  const { page } = app;
  const name = unique('train');
  const lines = [];
  for (let i = 0; i < 30; i++) {
    lines.push({
      messages: [{ role: 'user', content: `Refund the duplicate charge on invoice ${i}, please` }],
      reference_answer: `refund ${i}`,
    });
  }
  const created = await call(page, 'Datasets.CreateFromFile', name, 'refunds', scratchFile(`${name}.jsonl`, jsonl(lines)));
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  await call(page, 'Grader.Save', id, {
    components: [
      {
        name: 'exact',
        kind: 'string_check',
        weight: 1,
        input: '{{sample.output_text}}',
        reference: '{{item.reference_answer}}',
        operation: 'eq',
      },
    ],
  });
  const provider = unique('ft');
  await call(page, 'Settings.AddProvider', { name: provider, kind: 'openai', base_url: fakes().finetune, api_key: 'sk-e2e-train' });
  await call(page, 'Settings.SetRole', 'training', provider, 'o4-mini-2025-04-16');

  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Train);
  const row = page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('step-node-6').click();
  await page.getByTestId('step6').waitFor();

  // No dry run on this grader: Start is refused, the fix is a dry run.
  await page.locator('[data-testid="train-issue"][data-reason="no dry run"]').waitFor();
  await page.getByTestId('train-fix-dryrun').waitFor();
  await page.getByTestId('train-summary').waitFor();
  assert.ok(await page.getByTestId('train-start').isDisabled(), 'Start is refused without a dry run');

  // A dry run (the exact-match grader scores the fake's echoes 0: NO-GO),
  // answered by the model training fine-tunes.
  await call(page, 'DryRun.Run', id, 0, 'base');
  await waitJobsDone(page, id);
  const [run] = await call(page, 'DryRun.History', id);
  assert.equal(run.model, 'o4-mini-2025-04-16', 'the dry run asked the training base model');
  assert.equal(run.verdict, 'NO-GO');
  await page.locator('[data-testid="train-issue"][data-reason="NO-GO"]').waitFor();
  assert.match(
    (await page.getByTestId('train-gate-run').textContent()).replace(/\s+/g, ' '),
    new RegExp(`run ${run.id} .*NO-GO.*o4-mini-2025-04-16`),
  );

  // A fairer grader: the run is stale (Step 5 says re-grade), the panel's Re-grade opens the gate.
  await call(page, 'Grader.Save', id, {
    components: [
      {
        name: 'parity',
        kind: 'script',
        weight: 1,
        source: "def grade(sample, item):\n    return 0.9 if int(item['reference_answer'].split(' ')[1]) % 2 == 0 else 0.5\n",
      },
    ],
  });
  await page.locator('[data-testid="train-issue"][data-reason="grader changed"]').waitFor();
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/train-gate-regrade.png`, fullPage: true });
  await page.waitForFunction(() => document.querySelector('[data-testid="step-node-5"]')?.getAttribute('data-status') === 'attention');
  await page.getByTestId('train-fix-regrade').click();
  await page.locator('[data-testid="train-gate"][data-ready="yes"]').waitFor({ timeout: 60_000 });
  assert.match((await page.getByTestId('train-gate-run').textContent()).replace(/\s+/g, ' '), /GO.*o4-mini-2025-04-16/);
  await page.waitForFunction(() => document.querySelector('[data-testid="step-node-5"]')?.getAttribute('data-status') === 'complete');
  await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]')?.disabled);
  await page.getByTestId('train-start').click();

  // The curve grows as the app polls the platform.
  await page.getByTestId('train-status').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="reward-steps"]')?.textContent?.split(' ')[0]) >= 2, null, {
    timeout: 60_000,
  });
  const early = await page.getByTestId('reward-steps').textContent();
  await page.getByTestId('train-state').getByText('Complete').waitFor({ timeout: 120_000 });
  const late = await page.getByTestId('reward-steps').textContent();
  assert.ok(parseInt(late) > parseInt(early), `the curve grew: ${early} → ${late}`);
  assert.match(await page.getByTestId('train-model').textContent(), /^ft:o4-mini-2025-04-16:fake-org:/);
  await page.waitForFunction(() => document.querySelector('[data-testid="step-node-6"]')?.getAttribute('data-status') === 'complete');
});

test('attach the model a TRL bundle trained, then export the training files', async () => {
  const { page } = app;
  const name = unique('trlattach');
  const lines = [];
  for (let i = 0; i < 30; i++) {
    lines.push({ messages: [{ role: 'user', content: `Refund invoice ${i}, please` }], reference_answer: `refund ${i}` });
  }
  const created = await call(page, 'Datasets.CreateFromFile', name, 'refunds', scratchFile(`${name}.jsonl`, jsonl(lines)));
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  await call(page, 'Grader.Save', id, {
    components: [
      {
        name: 'exact',
        kind: 'string_check',
        weight: 1,
        input: '{{sample.output_text}}',
        reference: '{{item.reference_answer}}',
        operation: 'eq',
      },
    ],
  });
  const bundle = join(dirname(scratchFile(`${name}.keep`, '')), `${name}-bundle`);
  await call(page, 'Train.Start', id, {
    trainer: 'trl',
    split: 0.9,
    seed: 42,
    no_stratify: false,
    include_generated: false,
    override_nogo: true,
    out_dir: bundle,
    no_zip: true,
    hyperparameters: {},
  });
  await waitJobsDone(page, id);
  const gpu = unique('gpu');
  await call(page, 'Settings.AddProvider', { name: gpu, kind: 'vllm', base_url: fakes().openai });

  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Train);
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('step-node-6').click();
  await page.getByTestId('train-state').getByText('Bundle exported').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="step-node-7"]')?.getAttribute('data-status') === 'waiting');

  // The form works from the keyboard: pick the server, type the id, Enter.
  await page.getByTestId('train-attach-provider').selectOption(gpu);
  await page.getByTestId('train-attach-model').fill('refund-qwen3-grpo');
  await page.getByTestId('train-attach-model').press('Enter');
  await page.getByTestId('train-attached-model').getByText('refund-qwen3-grpo').waitFor({ timeout: 60_000 });
  await page.getByTestId('train-state').getByText('Complete').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="step-node-7"]')?.getAttribute('data-status') !== 'waiting');
  const [job] = await call(page, 'Train.List', id);
  assert.equal(job.provider, gpu);
  assert.equal(job.fine_tuned_model, 'refund-qwen3-grpo');

  // Export training files… writes the split to the folder picked.
  const out = join(dirname(bundle), `${name}-export`);
  await page.evaluate((p) => {
    window.go.app.Train.PickExportFolder = () => Promise.resolve(p);
  }, out);
  await page.getByTestId('train-new-tab').click();
  await page.getByTestId('train-export-files').click();
  await page.getByText(/Wrote 27 training and 3 validation records/).waitFor({ timeout: 30_000 });
  assert.ok(existsSync(join(out, 'data', 'train.jsonl')) || existsSync(join(out, 'train.jsonl')), 'the export holds the training rows');
  assert.match(readFileSync(join(out, 'README.txt'), 'utf8'), /27 training and 3 validation records/);
  // The export ran as a job; its outcome lists the files, and no temporary folder is left beside.
  await page.getByTestId('train-export-result').getByText('README.txt').waitFor();
  assert.deepEqual(
    readdirSync(dirname(out)).filter((f) => f.includes('.partial-')),
    [],
  );
});
