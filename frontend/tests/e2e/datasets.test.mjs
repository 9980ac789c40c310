// Foundation journey: create a dataset from a JSONL file, see it in the list
// with the right counts, open its canvas, see the Health Indicator, delete it.
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

const good = (text) => ({
  messages: [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: text },
  ],
});

test('create from a file, list counts, canvas, health, delete', async () => {
  const { page } = app;
  const name = unique('foundation');
  const file = scratchFile(
    `${name}.jsonl`,
    jsonl([
      good('How do I reset my password on the mobile app?'),
      good('What is the refund policy for annual plans?'),
      good('Can I change the billing email on my account?'),
      '{"messages": [ this is not json',
      { messages: [{ role: 'user', content: 'hi' }] },
    ]),
  );

  await page.getByTestId('new-dataset').click();
  await page.getByTestId('tab-file').click();
  // The native open dialog would give this path; hand it to the same bound
  // method the Create & Start button calls.
  const created = await call(page, 'Datasets.CreateFromFile', name, 'Answer account questions', file);
  assert.ok(created.dataset.id > 0);

  // Back to the list: the dataset is there with 5 records, 3 valid, 2 invalid.
  await page.getByText('← Datasets').click();
  const row = page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
  await row.waitFor();
  await page.waitForFunction(
    (n) => document.querySelector(`[data-testid="dataset-row"][data-name="${n}"] [data-testid="count-total"]`)?.textContent === '5',
    name,
    { timeout: 60_000 },
  );
  assert.equal(await row.getByTestId('count-valid').textContent(), '3 valid');
  assert.equal(await row.getByTestId('count-invalid').textContent(), '2 invalid');

  // Open the canvas: seven step nodes and the Health Indicator.
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('canvas-title').waitFor();
  assert.equal(await page.getByTestId('canvas-title').textContent(), name);
  for (let n = 1; n <= 7; n++) await page.getByTestId(`step-node-${n}`).waitFor();
  assert.match(await page.getByTestId('health-valid').textContent(), /3 valid/);
  assert.match(await page.getByTestId('health-invalid').textContent(), /2 invalid \(40\.0 %\)/);
  // Step 1 is Attention: 40 % of the records are invalid (> 5 %).
  assert.equal(await page.getByTestId('step-node-1').getAttribute('data-status'), 'attention');
  // The header's data menu offers import and export of records and topics.
  await page.getByTestId('data-menu').click();
  for (const item of [
    'Append records from a file…',
    'Replace all records from a file…',
    'Download records…',
    'Download valid records as RFT prompts…',
    'Download topics (JSON)',
  ]) {
    await page.getByRole('menuitem', { name: item }).waitFor();
  }
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });
  // A step not built yet says what it needs.
  await page.getByTestId('step-node-5').click();
  await page.getByTestId('step-panel-5').getByText('Needs:').waitFor();

  // Delete with a confirmation that names the record count.
  await page.getByText('← Datasets').click();
  await row.getByTestId('delete').click();
  await page.getByText(`Delete “${name}” and its 5 records?`).waitFor();
  await page.getByTestId('confirm').click();
  await row.waitFor({ state: 'detached' });
  const list = await call(page, 'Datasets.List');
  assert.ok(!list.some((d) => d.name === name));
  assert.deepEqual(app.errors, []);
});

test('New Dataset opens on gateway traces once a source exists; a dropped file switches to Upload File', async () => {
  const { page } = app;
  const file = scratchFile(`${unique('dropped')}.jsonl`, jsonl([good('How do I reset my password on the mobile app?')]));
  const tabOpen = (tab) =>
    page.waitForFunction((t) => document.querySelector(`[data-testid="${t}"]`)?.getAttribute('aria-selected') === 'true', tab);
  // Without any source the gateway tab could only ask for a connection:
  // a first-time user lands on Upload File. (Another file of the suite may
  // have left a source behind; then the next check covers it.)
  if ((await call(page, 'Sources.List')).length === 0) {
    await page.getByTestId('new-dataset').click();
    await tabOpen('tab-file');
    assert.equal(await page.getByTestId('tab-gateway').getAttribute('aria-selected'), 'false');
    await page.getByText('← Datasets').click();
  }

  // With a source, the journey's first tab: From Gateway Traces.
  const source = unique('e2e-src');
  await call(page, 'Sources.Save', {
    name: source,
    kind: 'langfuse',
    url: 'http://127.0.0.1:9',
    project: '',
    key: '',
    public_key: 'pk-lf-tab',
    secret_key: 'sk-lf-tab',
  });
  try {
    await page.getByTestId('new-dataset').click();
    await tabOpen('tab-gateway');
    await page.getByTestId('gateway-tab').waitFor();

    // A file dropped on the window while the gateway tab is open is meant
    // for Upload File: that tab opens with the file chosen.
    await page.evaluate((p) => window.runtime.EventsEmit('wails:file-drop', 10, 10, [p]), file);
    await tabOpen('tab-file');
    assert.equal(await page.getByTestId('chosen-file').textContent(), file);
    assert.equal(await page.getByTestId('gateway-tab').count(), 0);
    await page.getByText('← Datasets').click();
  } finally {
    await call(page, 'Sources.Remove', source);
  }
  assert.deepEqual(app.errors, []);
});
