// Step 6 journey: a dataset with a grader, a provider on the fake
// fine-tuning platform; open the Train panel, start a job, watch the reward
// curve grow as the app polls, see Complete with the model id. Needs
// StepPanel to open Step6Panel for step 6, and run.sh to export
// TRACETUNE_TRAIN_POLL_MS (e.g. 300) so the fake's steps come quickly.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
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

  // No dry run on this grader: Start warns and goes on.
  await page.getByTestId('train-warning').first().waitFor();
  await page.getByTestId('train-summary').waitFor();
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
