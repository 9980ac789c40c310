// Records journey (issue 3): import a file with broken lines, read the
// Health Indicator, open View Issues, open a record, fix it by editing and
// see the counts change; browse records by keyset pages, filter and
// bulk-delete; a record whose text holds markup shows it literally and runs
// nothing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, jsonl, openApp, scratchFile, unique } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const XSS = '<img src=x onerror="window.__xss=1">';
const user = (text) => ({
  messages: [
    { role: 'system', content: 'You are a support agent.' },
    { role: 'user', content: text },
  ],
});

// 66 lines: 63 valid, line 4 not JSON, line 5 too short, line 6 a duplicate
// of line 1.
function fixture() {
  const lines = [
    user('How do I reset my password on the mobile app?'),
    user(`Please show this literally: ${XSS} and tell me what it does`),
    user('What is the refund policy for annual plans?'),
    '{"messages": [ this is not json',
    { messages: [{ role: 'user', content: 'hi' }] },
    user('How do I reset my password on the mobile app?'),
  ];
  for (let i = 1; i <= 60; i++) lines.push(user(`Question ${i}: where can I find the invoice for order number ${1000 + i}?`));
  return jsonl(lines);
}

async function text(locator) {
  return (await locator.textContent())?.trim() ?? '';
}

test('health, issues, record viewer, edit, browser, bulk delete, markup as text', async () => {
  const { page } = app;
  const name = unique('records');
  const file = scratchFile(`${name}.jsonl`, fixture());

  // The native open dialog would give this path: call the same bound method
  // the Create & Start button calls.
  await page.getByTestId('new-dataset').click();
  const created = await call(page, 'Datasets.CreateFromFile', name, 'Answer support questions', file);
  assert.ok(created.dataset.id > 0);
  await page.getByText('← Datasets').click();
  const row = page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('canvas-title').waitFor();

  // Health Indicator: 63 valid, 3 invalid (4.5 %).
  await page.waitForFunction(() => /✓ 63 valid/.test(document.querySelector('[data-testid="health-valid"]')?.textContent ?? ''), null, {
    timeout: 60_000,
  });
  assert.equal(await text(page.getByTestId('health-invalid')), '⚠ 3 invalid (4.5 %)');

  // View Issues: one group per code, with counts, line numbers and advice.
  await page.getByTestId('view-issues').click();
  const issues = page.getByTestId('issues-dialog');
  await issues.waitFor();
  const group = (code) => issues.locator(`[data-testid="issue-group"][data-code="${code}"]`);
  await group('invalid_data_structure').waitFor();
  assert.deepEqual(await issues.getByTestId('issue-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), [
    'invalid_data_structure',
    'user_message_too_short',
    'duplicate',
  ]);
  for (const [code, line] of [
    ['invalid_data_structure', 4],
    ['user_message_too_short', 5],
    ['duplicate', 6],
  ]) {
    assert.equal(await text(group(code).getByTestId('issue-count')), '1');
    assert.equal(await text(group(code).getByTestId('issue-lines')), `Line ${line}`);
  }
  assert.ok((await issues.getByTestId('issues-advice').locator('li').count()) >= 1);

  // Open the short record from its example button.
  await group('user_message_too_short').getByTestId('issue-example').click();
  const viewer = page.getByTestId('record-viewer');
  await viewer.waitFor();
  assert.equal(await viewer.getByTestId('record-code').getAttribute('data-code'), 'user_message_too_short');
  assert.equal(await text(viewer.getByTestId('record-line')), 'line 5');
  assert.equal(await text(viewer.getByTestId('turn-text')), 'hi');

  // Edit: broken JSON is refused with its line and column; a fix saves and
  // revalidates.
  await viewer.getByTestId('record-edit').click();
  await viewer.getByTestId('record-json').fill('{"messages": [ oops ]}');
  await viewer.getByTestId('record-save').click();
  assert.match(await text(viewer.getByTestId('record-save-error')), /invalid JSON at line 1, column \d+/);
  await viewer.getByTestId('record-json').fill('[1, 2]');
  await viewer.getByTestId('record-save').click();
  assert.equal(await text(viewer.getByTestId('record-save-error')), 'A record must be a JSON object, not an array.');
  await viewer
    .getByTestId('record-json')
    .fill(JSON.stringify({ messages: [{ role: 'user', content: 'hi, can you help me with my last invoice please?' }] }, null, 2));
  await viewer.getByTestId('record-save').click();
  await viewer.locator('[data-testid="record-code"][data-code=""]').waitFor();
  assert.equal(await text(viewer.getByTestId('record-notice')), 'Saved. The record is valid.');

  // The counts change everywhere: the header and the open issues list.
  await page.waitForFunction(() => /✓ 64 valid/.test(document.querySelector('[data-testid="health-valid"]')?.textContent ?? ''));
  assert.equal(await text(page.getByTestId('health-invalid')), '⚠ 2 invalid (3.0 %)');
  await group('user_message_too_short').waitFor({ state: 'detached' });

  // A valid record offers variations of itself (PRODUCT.md §7, one record):
  // the Generate dialog opens on it, over the viewer; Escape closes only it.
  await viewer.getByTestId('record-generate').click();
  const gen = page.getByTestId('generate-dialog');
  await gen.waitFor();
  assert.match(await gen.textContent(), /Generate from record \d+/);
  await page.keyboard.press('Escape');
  await gen.waitFor({ state: 'detached' });
  assert.ok(await viewer.isVisible());

  // Escape closes only the top dialog (the viewer), then the issues list.
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  assert.ok(await issues.isVisible());
  await page.keyboard.press('Escape');
  await issues.waitFor({ state: 'detached' });

  // Records browser from Step 1: keyset pages of 50.
  await page.getByTestId('step-panel-1').getByTestId('view-records').click();
  const browser = page.getByTestId('records-browser');
  await browser.waitFor();
  const range = browser.getByTestId('records-range');
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–50 of 66');
  assert.equal(await browser.getByTestId('record-row').count(), 50);
  await browser.getByTestId('page-next').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '51–66 of 66');
  assert.equal(await browser.getByTestId('record-row').count(), 16);
  assert.ok(await browser.getByTestId('page-next').isDisabled());
  await browser.getByTestId('page-prev').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–50 of 66');

  // Full-text search finds the record with markup; it is shown as text.
  await browser.getByTestId('filter-search').fill('literally onerror');
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–1 of 1');
  const xssRow = browser.getByTestId('record-row');
  assert.match(
    await text(xssRow.getByTestId('record-open')),
    /Please show this literally: <img src=x onerror="window.__xss=1"> and tell me/,
  );
  await xssRow.getByTestId('record-open').click();
  await viewer.waitFor();
  const turns = viewer.getByTestId('turn-text');
  assert.equal(await text(turns.nth(1)), `Please show this literally: ${XSS} and tell me what it does`);
  assert.equal(await page.locator('[data-testid="record-viewer"] img, [data-testid="records-browser"] img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });

  // Filter by validity and bulk-delete the invalid records, with a
  // confirmation that names the count.
  await browser.getByTestId('filter-search').fill('');
  await browser.getByTestId('filter-code').selectOption('invalid');
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–2 of 2');
  assert.deepEqual(await browser.getByTestId('record-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), [
    'invalid_data_structure',
    'duplicate',
  ]);
  await browser.getByTestId('select-page').check();
  await browser.getByTestId('bulk-delete').click();
  await page.getByText('Delete 2 records? This cannot be undone; validation re-runs afterwards.').waitFor();
  await page.getByTestId('confirm').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === 'no records');
  await page.waitForFunction(() =>
    /⚠ 0 invalid \(0\.0 %\)/.test(document.querySelector('[data-testid="health-invalid"]')?.textContent ?? ''),
  );
  assert.equal(await text(page.getByTestId('health-valid')), '✓ 64 valid');
  assert.equal(await range.count(), 1);

  // The bound API agrees with the screen.
  const rep = await call(page, 'Records.Health', created.dataset.id);
  assert.deepEqual([rep.total, rep.valid, rep.invalid], [64, 64, 0]);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(app.errors, []);
});
