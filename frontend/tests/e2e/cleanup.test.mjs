// Clean-up journeys (issue 20, items 1, 4 and 5): delete all N invalid
// records matching a filter at once and confirm every low-confidence record
// at once, each confirmed with its count; raise the token limit from View
// Issues' advice; a duplicated gateway dataset keeps its pull filter; a
// dataset made from a file connects a source with an explicit filter.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, fakes, gotoApp, jsonl, openApp, scratchFile, unique, waitJobsDone } from './harness.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// Foundry's clause-matching RFT sample: 4 of its 10 prompts are over 8,000 tokens.
const clauses = join(repo, '..', 'shared', 'data', 'rft', 'foundry_clause_matching_validation_head10.jsonl');

// E2E_SCREENSHOTS=dir keeps screenshots of the journeys for a human look.
const shot = async (page, name) => {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/cleanup-${name}.png` });
};

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const text = async (locator) => (await locator.textContent())?.trim() ?? '';
const user = (content) => ({ messages: [{ role: 'user', content }] });

/** Polls from node until the dataset has no running job. */
/** Opens a dataset's canvas from the datasets list (loaded afresh, waiting
 * out a restart of the app that `wails dev` makes when Go files change). */
async function openCanvas(page, name) {
  await gotoApp(page);
  const row = page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
  await row.getByTestId('open').click({ timeout: 90_000 });
  await page.getByTestId('canvas-title').waitFor();
  assert.equal(await text(page.getByTestId('canvas-title')), name);
}

const healthIs = (page, re) =>
  page.waitForFunction(
    (src) => new RegExp(src).test(document.querySelector('[data-testid="health-invalid"]')?.textContent ?? ''),
    re.source,
    {
      timeout: 60_000,
    },
  );

// 90 valid prompts of three families (help-desk, cooking, python: the last
// two fit no help-desk topic) and 120 distinct prompts under the minimum
// user message length, interleaved.
function cleanupFixture() {
  const valid = [];
  for (let i = 0; i < 30; i++) {
    valid.push(user(`I was charged twice for invoice ${1000 + i}, can I get a refund on my card?`));
    valid.push(user(`Give me a recipe for dish number ${i} that I can bake in the oven for dinner.`));
    valid.push(user(`My python function number ${i} raises a TypeError when parsing csv files, how do I fix it?`));
  }
  const lines = [];
  for (let i = 0; i < 120; i++) {
    lines.push(user(`q${i}`));
    if (valid.length) lines.push(valid.shift());
    if (i % 4 === 3 && valid.length) lines.push(valid.shift());
  }
  return jsonl([...lines, ...valid]);
}

test('delete all 120 invalid records at once, then confirm, then move, every low-confidence record', async (t) => {
  const { page } = app;
  const name = unique('cleanup');
  const created = await call(
    page,
    'Datasets.CreateFromFile',
    name,
    'Answer support questions',
    scratchFile(`${name}.jsonl`, cleanupFixture()),
  );
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  await openCanvas(page, name);
  await healthIs(page, /⚠ 120 invalid/);

  // Filter the invalid records: 120 match, a page holds 50.
  await page.getByTestId('step-node-1').click();
  await page.getByTestId('step-panel-1').getByTestId('view-records').click();
  const browser = page.getByTestId('records-browser');
  await browser.waitFor();
  await browser.getByTestId('filter-code').selectOption('invalid');
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–50 of 120');

  // Selecting the page offers all 120 matching (like Gmail).
  assert.equal(await browser.getByTestId('select-all-offer').count(), 0);
  await browser.getByTestId('select-page').check();
  const offer = browser.getByTestId('select-all-offer');
  await offer.waitFor();
  assert.equal(await text(offer), 'All 50 records on this page are selected. Select all 120 matching');
  await browser.getByTestId('select-all-matching').click();
  assert.equal(
    await text(browser.getByTestId('all-matching-selected')),
    'All 120 records matching these filters are selected. Clear selection',
  );
  assert.equal(await text(browser.getByTestId('selected-count')), '120 selected');
  await shot(page, 'all-matching');
  // The next page's rows are part of the selection too.
  await browser.getByTestId('page-next').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '51–100 of 120');
  assert.ok(await browser.getByTestId('select-page').isChecked());

  // Delete: the confirmation names the exact count; one call deletes them all.
  assert.equal(await text(browser.getByTestId('bulk-delete')), 'Delete all 120');
  await browser.getByTestId('bulk-delete').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByText(/^Delete 120 records\? Every record matching these filters goes/).waitFor();
  assert.equal(await text(dialog.getByTestId('confirm')), 'Delete 120');
  await shot(page, 'delete-confirm');
  await dialog.getByTestId('confirm').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === 'no records');
  assert.equal(await text(browser.getByTestId('records-notice')), 'Deleted 120 records.');
  await healthIs(page, /^⚠ 0 invalid \(0\.0 %\)$/);
  assert.equal(await text(page.getByTestId('health-valid')), '✓ 90 valid');
  const rep = await call(page, 'Records.Health', id);
  assert.deepEqual([rep.total, rep.valid, rep.invalid], [90, 90, 0]);
  await page.keyboard.press('Escape');
  await browser.waitFor({ state: 'detached' });

  // A help-desk template leaves cooking and python prompts at low confidence.
  await waitJobsDone(page, id);
  const replaced = await call(page, 'Topics.ApplyTemplate', id, 'customer_support', false);
  assert.ok(replaced.job_id > 0);
  await waitJobsDone(page, id);
  const low = (await call(page, 'Topics.Stats', id)).low_confidence;
  t.diagnostic(`customer_support template: ${low} of 90 under 0.7`);
  assert.ok(low > 0, 'expected low-confidence records under the help-desk template');

  // Confirm all N: asked with the count, done in one call.
  await page.getByTestId('step-node-2').click();
  await page.getByTestId('view-low').click();
  const review = page.getByTestId('low-confidence');
  await review.getByTestId('low-item').first().waitFor();
  const n = low.toLocaleString('en-US');
  assert.equal(await text(review.getByTestId('low-confirm-all')), `Confirm all ${n}`);
  await shot(page, 'low-all');
  await review.getByTestId('low-confirm-all').click();
  await dialog.getByText(`Confirm the topic of ${n} record${low === 1 ? '' : 's'}?`, { exact: false }).waitFor();
  await dialog.getByTestId('confirm').click();
  await review.getByTestId('low-empty').waitFor();
  assert.equal(await text(review.getByTestId('low-all-done')), `Confirmed ${n} record${low === 1 ? '' : 's'}.`);
  assert.equal(await review.getByTestId('low-all').count(), 0);
  assert.equal((await call(page, 'Topics.Stats', id)).low_confidence, 0);
  await page.keyboard.press('Escape');
  await review.waitFor({ state: 'detached' });

  // Again, clearing every assignment: now move all N to one topic.
  await call(page, 'Topics.ApplyTemplate', id, 'customer_support', false);
  await waitJobsDone(page, id);
  const low2 = (await call(page, 'Topics.Stats', id)).low_confidence;
  assert.ok(low2 > 0, 'expected low-confidence records again after clearing the assignments');
  const billing = (await call(page, 'Topics.Tree', id)).find((x) => x.name === 'billing_payments');
  const inBilling = () =>
    call(page, 'Records.Count', { dataset_id: id, code: '', topic_id: billing.id, search: '', after_id: 0, limit: 0, with_total: false });
  const before = await inBilling();
  await page.getByTestId('view-low').click();
  await review.getByTestId('low-item').first().waitFor();
  const n2 = low2.toLocaleString('en-US');
  await review.getByTestId('low-move-all-to').selectOption({ label: 'billing_payments' });
  await review.getByTestId('low-move-all').click();
  await dialog.getByText(`Move ${n2} record${low2 === 1 ? '' : 's'} to billing_payments?`, { exact: false }).waitFor();
  await dialog.getByTestId('confirm').click();
  await review.getByTestId('low-empty').waitFor();
  assert.equal(await text(review.getByTestId('low-all-done')), `Moved ${n2} record${low2 === 1 ? '' : 's'} to billing_payments.`);
  assert.equal((await call(page, 'Topics.Stats', id)).low_confidence, 0);
  assert.equal(await inBilling(), before + low2);
  assert.deepEqual(app.errors, []);
});

test('raise the token limit from View Issues: the over-long prompts become valid', async () => {
  const { page } = app;
  assert.ok(existsSync(clauses), `${clauses} must sit beside the repository (as CI's shared/ does)`);
  const name = unique('clauses');
  const created = await call(page, 'Datasets.CreateFromFile', name, '', clauses);
  await waitJobsDone(page, created.dataset.id);
  await openCanvas(page, name);
  await healthIs(page, /⚠ 4 invalid \(40\.0 %\)/);

  // The advice of "Prompt too long" opens the settings on the token limit.
  await page.getByTestId('view-issues').click();
  const issues = page.getByTestId('issues-dialog');
  const group = issues.locator('[data-testid="issue-group"][data-code="exceeds_max_tokens"]');
  await group.waitFor();
  assert.equal(await text(group.getByTestId('issue-count')), '4');
  assert.match(await group.textContent(), /raise the limit in the dataset settings/);
  await group.getByTestId('issue-settings').click();
  const dialog = page.getByTestId('settings-dialog');
  await dialog.waitFor();
  const max = dialog.getByTestId('settings-max-tokens');
  await page.waitForFunction(() => document.querySelector('[data-testid="settings-max-tokens"]')?.value === '8000');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'settings-max-tokens');
  assert.equal(await dialog.getByTestId('settings-min-chars').inputValue(), '10');

  // Out of range: the error stands next to the field, nothing is sent.
  await max.fill('1000001');
  assert.equal(await text(dialog.getByTestId('settings-max-error')), 'The maximum prompt length is between 1 and 1,000,000.');
  await shot(page, 'settings-error');
  await dialog.getByTestId('settings-save').click();
  assert.equal(await dialog.getByTestId('job-progress').count(), 0);

  // 100,000 tokens: the revalidation runs and the Health Indicator follows.
  await max.fill('100,000');
  assert.equal(await dialog.getByTestId('settings-max-error').count(), 0);
  await dialog.getByTestId('settings-save').click();
  await dialog.getByTestId('settings-result').waitFor({ timeout: 60_000 });
  assert.equal(await text(dialog.getByTestId('settings-result')), 'Revalidated: 10 valid, 0 invalid.');
  await shot(page, 'settings-done');
  await healthIs(page, /^⚠ 0 invalid \(0\.0 %\)$/);
  assert.equal(await text(page.getByTestId('health-valid')), '✓ 10 valid');
  await dialog.getByTestId('settings-close').click();
  await dialog.waitFor({ state: 'detached' });
  await issues.getByTestId('issues-none').waitFor();
  assert.equal(await issues.locator('[data-testid="issue-group"][data-code="exceeds_max_tokens"]').count(), 0);
  await page.keyboard.press('Escape');
  await issues.waitFor({ state: 'detached' });

  // The header's Settings button shows the saved limit.
  await page.getByTestId('dataset-settings').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="settings-max-tokens"]')?.value === '100000');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await call(page, 'Datasets.Get', created.dataset.id)).settings.max_tokens, 100000);
  assert.deepEqual(app.errors, []);
});

/** Saves a source on the fake Langfuse (120 traces, 17 of them errors). */
async function langfuseSource(page) {
  const name = unique('lf');
  await call(page, 'Sources.Save', {
    name,
    kind: 'langfuse',
    url: fakes().langfuse,
    project: '',
    key: '',
    public_key: 'pk-lf-e2e',
    secret_key: 'sk-lf-e2e',
  });
  return name;
}

const seeded = [...Array(120).keys()]; // the fake's traces lf-0000 … lf-0119
const isError = (i) => i % 7 === 6;
const isMini = (i) => i % 4 !== 3;

test('a duplicate keeps the pull filter: Pull New Traces in the copy brings no error trace', async () => {
  const { page } = app;
  const source = await langfuseSource(page);
  const name = unique('gw-orig');
  const filter = { from: '', to: '', model: '', text: '', has_tools: false, exclude_errors: true };
  const created = await call(page, 'Sources.CreateDataset', { name, objective: '', source, filter, ids: [], window_end: '' });
  await waitJobsDone(page, created.dataset.id);
  const want = seeded.filter((i) => !isError(i)).length; // 103
  assert.equal((await call(page, 'Datasets.Get', created.dataset.id)).total, want);

  // Duplicate from the datasets list, open the copy.
  await gotoApp(page);
  const copy = `${name}-copy`;
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Duplicate' }).click();
  await page.getByTestId('duplicate-name').fill(copy);
  await page.getByTestId('duplicate-confirm').click();
  await page.locator(`[data-testid="dataset-row"][data-name="${copy}"]`).getByTestId('open').click();
  await page.getByTestId('canvas-title').waitFor();
  assert.equal(await text(page.getByTestId('canvas-title')), copy);

  // Step 1's pull panel names the source and the filter it applies.
  await page.getByTestId('step-node-1').click();
  const pull = page.getByTestId('pull-traces');
  await pull.waitFor();
  assert.equal(await pull.getByTestId('pull-source').inputValue(), source);
  assert.equal(await text(pull.getByTestId('pull-filter')), 'Filter: errors excluded');
  assert.match(await pull.textContent(), /Last pull up to/);
  await shot(page, 'duplicate-pull');

  // Pull New Traces: nothing new, and the 17 error traces stay out.
  await pull.getByTestId('pull-new').click();
  const result = pull.getByTestId('pull-result');
  await result.waitFor({ timeout: 60_000 });
  assert.match(await text(result), /^0 new, 0 skipped, 0 invalid$/);
  const ds = (await call(page, 'Datasets.List')).find((d) => d.name === copy);
  assert.deepEqual([ds.total, ds.invalid], [want, 0]);
  assert.deepEqual(app.errors, []);
});

test('a dataset from a file connects a source with an explicit filter before its first pull', async () => {
  const { page } = app;
  const source = await langfuseSource(page);
  const name = unique('file-ds');
  const lines = [0, 1, 2, 3, 4].map((i) => user(`How do I export my invoices for the year ${2020 + i} as a PDF file?`));
  const created = await call(page, 'Datasets.CreateFromFile', name, '', scratchFile(`${name}.jsonl`, jsonl(lines)));
  await waitJobsDone(page, created.dataset.id);
  await openCanvas(page, name);

  // No "every trace" pull from an unrelated gateway: an offer to connect one.
  await page.getByTestId('step-node-1').click();
  const pull = page.getByTestId('pull-traces');
  await pull.waitFor();
  assert.equal(await pull.getByTestId('pull-new').count(), 0);
  assert.match(await pull.textContent(), /This dataset is not connected to a trace source/);
  await shot(page, 'not-connected');
  await pull.getByTestId('connect-open').click();

  // The dialog asks which source and shows the filter fields.
  const dialog = page.getByTestId('connect-dialog');
  await dialog.waitFor();
  assert.equal(await dialog.getByTestId('connect-source').inputValue(), '');
  assert.ok(await dialog.getByTestId('connect-exclude-errors').isChecked());
  await dialog.getByTestId('connect-pull').click();
  assert.equal(await text(dialog.getByTestId('connect-error')), 'Choose the source to pull from.');
  await dialog.getByTestId('connect-source').selectOption(source);
  assert.equal(await dialog.getByTestId('connect-error').count(), 0);
  await dialog.getByTestId('connect-model').fill('gpt-4o-mini');
  assert.equal(
    await text(dialog.getByTestId('connect-summary')),
    `Pulls from ${source}: gpt-4o-mini only · errors excluded, from the oldest trace.`,
  );
  await shot(page, 'connect');
  await dialog.getByTestId('connect-pull').click();
  await dialog.waitFor({ state: 'detached' });

  // The first pull takes only the filtered traces; the panel then shows the filter.
  const n = seeded.filter((i) => isMini(i) && !isError(i)).length;
  const result = pull.getByTestId('pull-result');
  await result.waitFor({ timeout: 60_000 });
  assert.equal(await text(result), `${n} new, 0 skipped, 0 invalid`);
  await pull.getByTestId('pull-filter').waitFor();
  assert.equal(await text(pull.getByTestId('pull-filter')), 'Filter: gpt-4o-mini only · errors excluded');
  await shot(page, 'connected');
  assert.equal(await pull.getByTestId('pull-source').inputValue(), source);
  assert.equal((await call(page, 'Datasets.Get', created.dataset.id)).total, 5 + n);
  assert.deepEqual(app.errors, []);
});
