// Gateway journey: connect the fake Langfuse source (keys to the keyring,
// a look-back window set and edited), filter its traces, select some by hand, Create & Start, watch the canvas
// run, then Pull New Traces on step 1 (nothing newer: 0 new).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, fakes, openApp, unique } from './harness.mjs';

// E2E_SCREENSHOTS=dir keeps screenshots of the journey for a human look.
const shot = async (page, name) => {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/gateway-${name}.png`, fullPage: true });
};

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('create a dataset from the fake Langfuse source through the UI', async () => {
  const { page } = app;
  const lf = fakes().langfuse;
  assert.ok(lf, 'the fakes program serves langfuse');
  const source = unique('lf');
  const name = unique('from-langfuse');

  await page.getByTestId('new-dataset').click();
  await page.getByTestId('tab-gateway').click();
  await page.locator('[data-testid="gateway-tab"][data-loaded="true"]').waitFor();

  // Connect the source (the form opens by itself when there is none yet).
  if (!(await page.getByTestId('sources-settings').isVisible())) await page.getByTestId('gw-manage').click();
  await page.getByTestId('source-add').click();
  await page.getByTestId('source-name').fill(source);
  await page.getByTestId('source-kind').selectOption('langfuse');
  await page.getByTestId('source-url').fill(lf);
  await page.getByTestId('source-public-key').fill('pk-lf-e2e');
  await page.getByTestId('source-secret-key').fill('sk-lf-e2e');
  // The look-back window: 15 minutes unless changed; a negative one is refused before saving.
  assert.equal(await page.getByTestId('source-look-back').inputValue(), '15');
  await page.getByTestId('source-look-back').fill('-5');
  await page.getByTestId('source-look-back-error').waitFor();
  assert.ok(await page.getByTestId('source-save').isDisabled());
  await page.getByTestId('source-look-back').fill('45');
  assert.equal(await page.getByTestId('source-look-back-error').count(), 0);
  await shot(page, 'source-form');
  await page.getByTestId('source-save').click();
  const result = page.getByTestId('source-test-result').filter({ hasText: `langfuse:${source}` });
  await result.waitFor();
  assert.match(await result.textContent(), /answers: 120 traces available/);
  // The key never comes back to the page; the look-back window was saved.
  const listed = await call(page, 'Sources.List');
  const mine = listed.find((s) => s.name === source);
  assert.ok(mine.has_public_key && mine.has_secret_key);
  assert.ok(!JSON.stringify(listed).includes('sk-lf-e2e'));
  assert.equal(mine.look_back_minutes, 45);
  const row = page.getByTestId('source-row').filter({ hasText: source });
  assert.equal((await row.getByTestId('source-look-back-cell').textContent()).trim(), '45m');
  // Edit: the form shows the stored window; 0 means no overlap, and the keys stay.
  await row.getByRole('button', { name: 'Edit' }).click();
  assert.equal(await page.getByTestId('source-look-back').inputValue(), '45');
  await page.getByTestId('source-look-back').fill('0');
  await page.getByTestId('source-save').click();
  await page.getByTestId('source-form').waitFor({ state: 'detached' });
  await page.waitForFunction((name) => {
    const r = [...document.querySelectorAll('[data-testid="source-row"]')].find((e) => e.textContent.includes(name));
    return r?.querySelector('[data-testid="source-look-back-cell"]')?.textContent.trim() === 'none';
  }, source);
  const edited = (await call(page, 'Sources.List')).find((s) => s.name === source);
  assert.equal(edited.look_back_minutes, 0);
  assert.equal(edited.look_back, '0s');
  assert.ok(edited.has_public_key && edited.has_secret_key);

  // Filter: one model, errors excluded (the default), preview.
  await page.getByTestId('gw-source').selectOption(source);
  await page.getByTestId('gw-model').fill('gpt-4o-mini');
  await page.getByTestId('gw-preview').click();
  const rows = page.getByTestId('gw-row');
  await rows.first().waitFor();
  const n = await rows.count();
  assert.ok(n >= 10, `preview shows ${n} rows`);
  for (const cell of await rows.locator('td:nth-child(3)').allTextContents()) assert.equal(cell, 'gpt-4o-mini');
  assert.equal(await rows.locator('.tag.bad').count(), 0, 'errors are excluded');

  // Select five traces by hand, name and objective, Create & Start.
  for (let i = 0; i < 5; i++) await rows.nth(i).getByTestId('gw-row-check').check();
  await shot(page, 'preview');
  assert.ok(await page.getByTestId('gw-mode-selected').isChecked());
  await page.getByTestId('gw-name').fill(name);
  await page.getByTestId('gw-objective').fill('Answer order questions with the lookup tool');
  await page.getByTestId('gw-create').click();

  // The canvas opens and the chain runs: step 1 completes with the 5 records.
  await page.getByTestId('canvas-title').waitFor();
  assert.equal(await page.getByTestId('canvas-title').textContent(), name);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="step-node-1"]')?.getAttribute('data-status') === 'complete',
    null,
    { timeout: 60_000 },
  );
  await page.waitForFunction(() => /5 valid/.test(document.querySelector('[data-testid="health-valid"]')?.textContent ?? ''), null, {
    timeout: 60_000,
  });
  const ds = (await call(page, 'Datasets.List')).find((d) => d.name === name);
  assert.equal(ds.total, 5);

  // Pull New Traces on step 1: the fake has nothing newer than the selection.
  await page.getByTestId('step-node-1').click();
  await page.getByTestId('pull-traces').waitFor();
  await page.getByTestId('pull-source').selectOption(source);
  await page.getByTestId('pull-new').click();
  const pulled = page.getByTestId('pull-result');
  await pulled.waitFor({ timeout: 60_000 });
  assert.equal((await pulled.textContent()).trim(), '0 new, 0 skipped, 0 invalid');
  await shot(page, 'canvas');
  assert.deepEqual(app.errors, []);
});
