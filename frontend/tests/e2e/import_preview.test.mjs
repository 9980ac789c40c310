// Issue 16's journey: drop a real ShareGPT file (LLaMA-Factory's glaive
// tool-call demo, a JSON array, from ../shared/data beside the repository),
// see the detected format, the expected counts and the first records as
// conversations (tool calls and results included), then create the
// dataset and find the counts the preview promised.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, openApp, unique } from './harness.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sharegpt = join(repo, '..', 'shared', 'data', 'sharegpt', 'llamafactory_glaive_toolcall_en_demo.json');
const alpaca = join(repo, '..', 'shared', 'data', 'sharegpt', 'llamafactory_alpaca_en_demo.json');

let app;
before(async () => {
  assert.ok(existsSync(sharegpt), `${sharegpt} must sit beside the repository (as CI's shared/ does)`);
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const name = unique('sharegpt');

test('drop a ShareGPT file: preview its format and conversations, then import it', async () => {
  const { page } = app;
  await page.getByTestId('new-dataset').click();
  await page.getByTestId('tab-file').click();
  // What the OS hands the window on a drop (the runtime's file-drop event).
  await page.evaluate((p) => window.runtime.EventsEmit('wails:file-drop', 10, 10, [p]), sharegpt);

  await page.getByTestId('preview').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('preview-format').textContent(), /ShareGPT · JSON array/);
  // 300 conversations; 70 repeat an earlier prompt (counted by hand from the file)
  assert.match(await page.getByTestId('preview-counts').textContent(), /Would import 300 records from 300 items/);
  assert.equal((await page.getByTestId('preview-valid').textContent()).trim(), '230 valid');
  assert.equal((await page.getByTestId('preview-invalid').textContent()).trim(), '70 invalid');

  // The first conversation: human, gpt, human, function_call, observation,
  // gpt, then the last human turn; the final gpt answer is the output.
  const first = page.getByTestId('preview-record').first();
  const roles = await first.getByTestId('preview-turn').evaluateAll((els) => els.map((e) => e.getAttribute('data-role')));
  assert.deepEqual(roles, ['user', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'user']);
  assert.match(await first.textContent(), /search_recipes\(\)/);
  assert.equal(await first.getByTestId('preview-output-turn').count(), 1);
  assert.equal(await page.getByTestId('preview-record').count(), 5);
  // the name comes from the file
  assert.equal(await page.getByTestId('name').inputValue(), 'llamafactory_glaive_toolcall_en_demo');

  await page.getByTestId('name').fill(name);
  await page.getByTestId('objective').fill('Call the right tool for cooking and finance questions');
  await page.getByTestId('create-start').click();
  await page.getByTestId('canvas-title').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('canvas-title').textContent(), name);
  await page.waitForFunction(() => /230 valid/.test(document.querySelector('[data-testid="health-valid"]')?.textContent ?? ''), null, {
    timeout: 120_000,
  });
  assert.match(await page.getByTestId('health-invalid').textContent(), /70 invalid/);

  // The bound preview method stores nothing.
  const before = (await call(page, 'Datasets.List')).length;
  await call(page, 'Datasets.PreviewFile', sharegpt, { mode: 'append', source: '', format: '', adapt: {} });
  assert.equal((await call(page, 'Datasets.List')).length, before);
});

test('append and replace from the canvas go through the same preview', async () => {
  const { page } = app;
  // Still on the canvas of the dataset made above (300 records, 230 valid).
  assert.equal(await page.getByTestId('canvas-title').textContent(), name);
  await page.getByTestId('data-menu').click();
  await page.getByRole('menuitem', { name: 'Append records from a file…' }).click();
  const dialog = page.getByTestId('import-dialog');
  await dialog.waitFor();
  // Nothing is imported before a file is chosen and previewed.
  assert.equal(await page.getByTestId('import-start').isDisabled(), true);
  await page.evaluate((p) => window.runtime.EventsEmit('wails:file-drop', 10, 10, [p]), alpaca);
  await dialog.getByTestId('preview').waitFor({ timeout: 60_000 });
  assert.match(await dialog.getByTestId('preview-format').textContent(), /Alpaca · JSON array/);
  // 999 items, 14 repeats of an earlier instruction (read from the file)
  assert.match(await dialog.getByTestId('preview-counts').textContent(), /Would import 999 records from 999 items/);
  assert.equal((await dialog.getByTestId('preview-valid').textContent()).trim(), '985 valid');
  await page.getByTestId('import-start').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction(() => /1,215 valid/.test(document.querySelector('[data-testid="health-valid"]')?.textContent ?? ''), null, {
    timeout: 120_000,
  });

  // Replace warns with the count it deletes; Escape cancels with nothing changed.
  await page.getByTestId('data-menu').click();
  await page.getByRole('menuitem', { name: 'Replace all records from a file…' }).click();
  await dialog.waitFor();
  await page.evaluate((p) => window.runtime.EventsEmit('wails:file-drop', 10, 10, [p]), sharegpt);
  await dialog.getByTestId('preview').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('import-replace-warning').textContent(), /deletes all 1,299 records/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  let d = (await call(page, 'Datasets.List')).find((x) => x.name === name);
  assert.equal(d.total, 1299);

  // Replace for real: the dataset holds the ShareGPT file's records again.
  await page.getByTestId('data-menu').click();
  await page.getByRole('menuitem', { name: 'Replace all records from a file…' }).click();
  await dialog.waitFor();
  await page.evaluate((p) => window.runtime.EventsEmit('wails:file-drop', 10, 10, [p]), sharegpt);
  await dialog.getByTestId('preview').waitFor({ timeout: 60_000 });
  await page.getByTestId('import-start').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction(() => /✓ 230 valid/.test(document.querySelector('[data-testid="health-valid"]')?.textContent ?? ''), null, {
    timeout: 120_000,
  });
  d = (await call(page, 'Datasets.List')).find((x) => x.name === name);
  assert.equal(d.total, 300);

  // Export offers all four choices (all or valid; as imported or RFT).
  await page.getByTestId('data-menu').click();
  await page.getByRole('menuitem', { name: 'Download records…' }).click();
  await page.getByTestId('export-dialog').waitFor();
  assert.equal(await page.getByTestId('export-valid-only').isChecked(), false);
  assert.deepEqual(
    await page
      .getByTestId('export-format')
      .locator('option')
      .evaluateAll((os) => os.map((o) => o.value)),
    ['original', 'rft'],
  );
  await page.keyboard.press('Escape');
  await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
  assert.deepEqual(app.errors, []);
});
