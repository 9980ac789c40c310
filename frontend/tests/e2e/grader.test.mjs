// Step 4 journey: open the Grader panel, start from a preset, write a script
// that loops forever, save, run Test Sample and see the time-limit error
// inline (the app stays responsive), fix the script, test again and see the
// node turn Complete; then export for TRL.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { call, jsonl, openApp, saveGraderInPanel, scratchFile, unique, waitJobsDone } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('a looping script errors inline within the time limit; a fixed one completes the node', async (t) => {
  const { page } = app;
  const name = unique('grader');
  const lines = [];
  for (let i = 0; i < 12; i++) {
    lines.push({
      messages: [
        { role: 'user', content: `What is the capital of country number ${i}?` },
        { role: 'assistant', content: i % 2 ? 'Paris' : 'Rome' },
      ],
      reference_answer: 'Paris',
    });
  }
  const file = scratchFile(`${name}.jsonl`, jsonl(lines));
  const created = await call(page, 'Datasets.CreateFromFile', name, 'capitals', file);
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Grader);
  const row = page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('step-node-4').click();
  await page.getByTestId('step4').waitFor();
  assert.equal(await page.getByTestId('step-node-4').getAttribute('data-status'), 'waiting');

  // Start from the conciseness preset, then make its script loop forever.
  await page.getByTestId('preset-conciseness').click();
  await page.getByTestId('script-signature').waitFor();
  await page.getByTestId('script-source-0').fill('def grade(sample, item):\n    while True:\n        pass\n');
  await page.getByTestId('grader-weight-sum').getByText('Weights sum to 1').waitFor();
  await saveGraderInPanel(page);

  // Test Sample: every record reports the component's time-limit error.
  const started = Date.now();
  await page.getByTestId('grader-test-n').fill('3');
  await page.getByTestId('grader-test').click();
  await page.getByTestId('grader-test-error').first().waitFor({ timeout: 60_000 });
  const errors = await page.$$eval('[data-testid="grader-test-error"]', (es) => es.map((e) => e.textContent));
  assert.equal(errors.length, 3);
  for (const e of errors) assert.match(e, /^conciseness: stopped (at the time limit|after)/);
  // The window answered while the loop ran: a bound call returns at once.
  assert.ok((await call(page, 'Datasets.List')).length > 0);
  t.diagnostic(`three endless scripts reported in ${Date.now() - started} ms`);
  await page.waitForFunction(() => document.querySelector('[data-testid="step-node-4"]')?.getAttribute('data-status') === 'attention');

  // A script that does not compile is refused inline before saving.
  await page.getByTestId('script-source-0').fill('def grade(sample, item)\n    return 1\n');
  await page
    .getByTestId('component-problem-0')
    .getByText(/does not compile/)
    .waitFor();
  assert.ok(await page.getByTestId('grader-save').isDisabled());

  // Fixed: exact match on the reference; the node turns Complete.
  await page
    .getByTestId('script-source-0')
    .fill('def grade(sample, item):\n    return 1.0 if sample["output_text"] == item["reference_answer"] else 0.0\n');
  await saveGraderInPanel(page);
  await page.getByTestId('grader-test-n').fill('12');
  await page.getByTestId('grader-test').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="step-node-4"]')?.getAttribute('data-status') === 'complete',
    null,
    { timeout: 60_000 },
  );
  const last = await call(page, 'Grader.LastTest', id);
  assert.equal(last.samples.length, 12);
  assert.equal(last.mean, 0.5);

  // A sample's details (the judge's reasoning, the whole response) open from the keyboard.
  const details = page.getByTestId('grader-test-open').first();
  await details.focus();
  await page.keyboard.press('Enter');
  assert.equal(await details.getAttribute('aria-expanded'), 'true');
  await page.locator(`#${await details.getAttribute('aria-controls')}`).waitFor();

  // Export for TRL: the native save dialog would give this path.
  const out = scratchFile(`${name}-reward.py`, '');
  await page.evaluate((p) => {
    window.go.app.Grader.PickExportPath = () => Promise.resolve(p);
  }, out);
  await page.getByTestId('grader-export-trainer').selectOption('trl');
  await page.getByTestId('grader-export-run').click();
  await page.getByTestId('grader-export-result').waitFor();
  assert.ok(existsSync(out) && readFileSync(out, 'utf8').includes('def reward_fn('));
});
