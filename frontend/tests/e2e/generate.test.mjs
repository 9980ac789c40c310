// Step 3's Generate journey: a dataset with one thin topic; from Coverage,
// Generate for gaps → the preview (records per topic, model, tokens) → run
// against the fake generation model → review → accept all passing → the
// chart and the table show the topic lifted, with its generated records.
// Before that: View gaps opens the records browser on the thin topic, and a
// row's Generate… opens the dialog for that one topic.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, fakes, jsonl, openApp, scratchFile, unique, waitJobsDone } from './harness.mjs';

let app;
let providerId = 0;
before(async () => {
  app = await openApp();
});
after(async () => {
  // Other files run offline: leave no generation role behind.
  if (app && providerId) {
    await call(app.page, 'Settings.SetRole', 'generation', '', '').catch(() => {});
    await call(app.page, 'Settings.RemoveProvider', providerId).catch(() => {});
  }
  await app?.close();
});

const topics = {
  billing: {
    keywords: ['charged', 'invoice', 'billing', 'payment'],
    stems: [
      'I was charged twice for my {x} subscription this month, please fix the billing.',
      'My {x} invoice shows a payment I do not recognise.',
    ],
  },
  shipping: {
    keywords: ['package', 'parcel', 'delivery', 'courier'],
    stems: [
      'My {x} package still shows in transit after ten days, where is the parcel?',
      'The courier marked my {x} delivery as done but nothing arrived.',
    ],
  },
  account: {
    keywords: ['password', 'log in', 'two-factor', 'locked'],
    stems: [
      'I cannot log in on my {x} because the password reset email never arrives.',
      'My account is locked on the {x} after two-factor codes failed.',
    ],
  },
  returns: {
    keywords: ['return', 'exchange', 'label', 'receipt'],
    stems: [
      'I want to return the {x} I bought, the return label has expired.',
      'Can I exchange the {x} for another size without the receipt?',
    ],
  },
};
const fills = [
  'jacket',
  'laptop',
  'phone',
  'sofa',
  'kettle',
  'camera',
  'desk',
  'lamp',
  'guitar',
  'printer',
  'tablet',
  'watch',
  'blender',
  'rug',
  'bike',
];

function fixture() {
  const lines = [];
  for (const t of Object.values(topics))
    for (const stem of t.stems) for (const x of fills) lines.push({ messages: [{ role: 'user', content: stem.replace('{x}', x) }] });
  // The thin topic: two product questions out of 122 records.
  lines.push({
    messages: [{ role: 'user', content: 'I am comparing the pro and basic models of your coffee grinder. Which one would you recommend?' }],
  });
  lines.push({ messages: [{ role: 'user', content: 'Is the tent suitable for winter camping, and does it come with a warranty?' }] });
  return lines;
}

async function chartRow(page, topic) {
  const g = page.locator(`[data-testid="chart-row"][data-topic="${topic}"]`);
  return Number(await g.getAttribute('data-current'));
}

test('Coverage → Generate for gaps → preview → run → review → accept → the chart changes', async () => {
  const { page } = app;
  const name = unique('generate');
  const created = await call(
    page,
    'Datasets.CreateFromFile',
    name,
    'Answer customer support requests',
    scratchFile(`${name}.jsonl`, jsonl(fixture())),
  );
  const id = created.dataset.id;
  await waitJobsDone(page, id);

  // The user's five topics, then keyword categorization (offline).
  const hierarchy = {
    version: 1,
    topics: [
      ...Object.entries(topics).map(([n, t]) => ({ name: n, description: `customer requests about ${n}`, keywords: t.keywords })),
      { name: 'product', description: 'questions about products before buying', keywords: ['recommend', 'warranty', 'models', 'suitable'] },
    ],
  };
  await call(page, 'Topics.ImportHierarchy', id, scratchFile(`${name}-topics.json`, JSON.stringify(hierarchy)), false);
  await call(page, 'Topics.Categorize', id, 'all', true);
  await waitJobsDone(page, id);
  const before = await call(page, 'Topics.Coverage', id);
  const thin = before.topics.find((s) => s.topic === 'product');
  assert.equal(thin.status, 'under', `product is ${thin.percent} %`);
  assert.ok(thin.to_target > 0);

  // The generation model: the fake that writes support prompts.
  const provider = await call(page, 'Settings.AddProvider', {
    name: unique('synth'),
    kind: 'other',
    base_url: fakes().synth,
    api_key: 'sk-e2e-synth',
    concurrency: 4,
  });
  providerId = provider.id;
  await call(page, 'Settings.SetRole', 'generation', provider.name, 'fake-gen');

  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Generate);
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('step-node-3').click();
  await page.getByTestId('step3').waitFor();
  await page.locator('[data-testid="chart-row"][data-topic="product"]').waitFor();
  const currentBefore = await chartRow(page, 'product');

  // View gaps: the records browser on the most under-served topic, the
  // others (here none) as chips in its header.
  await page.getByTestId('view-gaps').click();
  const browser = page.getByTestId('records-browser');
  await browser.waitFor();
  assert.equal(await browser.getByTestId('filter-topic').inputValue(), String(thin.topic_id));
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–2 of 2');
  const chips = browser.getByTestId('underserved-chip');
  assert.deepEqual(await chips.allTextContents(), ['product']);
  assert.equal(await chips.first().getAttribute('aria-pressed'), 'true');
  // Another topic chosen by hand, the chip brings the gap back.
  await browser.getByTestId('filter-topic').selectOption({ label: 'billing' });
  const billing = before.topics.find((s) => s.topic === 'billing');
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="records-range"]')?.textContent === `1–${n} of ${n}`,
    billing.count,
  );
  assert.equal(await chips.first().getAttribute('aria-pressed'), 'false');
  await chips.first().click();
  await page.waitForFunction(() => document.querySelector('[data-testid="records-range"]')?.textContent === '1–2 of 2');
  await page.keyboard.press('Escape');
  await browser.waitFor({ state: 'detached' });

  // One topic's Generate…: the dialog for that topic, at what it needs.
  await page.locator('[data-testid="coverage-row"][data-topic="product"] [data-testid="cov-generate"]').click();
  const one = page.getByTestId('generate-dialog');
  await one.waitFor();
  assert.equal((await one.locator('h2').textContent()).trim(), 'Generate for product');
  await one.getByTestId('generate-preview').waitFor();
  const oneRows = one.getByTestId('generate-preview-row');
  assert.equal(await oneRows.count(), 1);
  assert.equal(await oneRows.first().getAttribute('data-topic'), 'product');
  assert.equal(await oneRows.first().getByTestId('generate-preview-count').textContent(), `+${thin.needed}`);
  await page.keyboard.press('Escape');
  await one.waitFor({ state: 'detached' });
  // A topic at its target starts at a tenth of its records, at least 5.
  assert.equal(billing.needed, 0);
  await page.locator('[data-testid="coverage-row"][data-topic="billing"] [data-testid="cov-generate"]').press('Enter');
  await one.waitFor();
  assert.equal((await one.locator('h2').textContent()).trim(), 'Generate for billing');
  await one.getByTestId('generate-preview').waitFor();
  assert.equal(await one.getByTestId('generate-preview-count').first().textContent(), `+${Math.max(5, Math.round(billing.count / 10))}`);
  await page.keyboard.press('Escape');
  await one.waitFor({ state: 'detached' });

  // Generate for gaps: the preview comes first and names what it will make.
  await page.getByTestId('generate-gaps').click();
  const dialog = page.getByTestId('generate-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('generate-preview').waitFor();
  const rows = dialog.getByTestId('generate-preview-row');
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getAttribute('data-topic'), 'product');
  assert.equal(await rows.first().getByTestId('generate-preview-count').textContent(), `+${thin.to_target}`);
  assert.match(await dialog.getByTestId('generate-preview').textContent(), /fake-gen/);

  // Run, then review.
  await dialog.getByTestId('generate-run').click();
  await dialog.getByTestId('candidate-review').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid="accept-all"]')?.hasAttribute('disabled'), null, {
    timeout: 30_000,
  });
  const passing = await dialog.locator('[data-testid="candidate"][data-status="pending"]').count();
  assert.equal(passing, thin.to_target, 'one passing candidate per record the topic needs');
  await dialog.getByTestId('accept-all').click();
  await dialog.getByTestId('candidate-notice').waitFor();
  assert.match(await dialog.getByTestId('candidate-notice').textContent(), new RegExp(`${passing} added as records`));
  await dialog.getByTestId('generate-close').click();
  await dialog.waitFor({ state: 'detached' });

  // The chart and the table follow: the topic is at its target, with its generated records shown.
  await page.waitForFunction(
    (b) => Number(document.querySelector('[data-testid="chart-row"][data-topic="product"]')?.getAttribute('data-current')) > b,
    currentBefore,
    { timeout: 30_000 },
  );
  const row = page.locator('[data-testid="coverage-row"][data-topic="product"]');
  assert.match(await row.getByTestId('cov-generated').textContent(), new RegExp(`${passing} generated`));
  const afterCov = await call(page, 'Topics.Coverage', id);
  const lifted = afterCov.topics.find((s) => s.topic === 'product');
  assert.notEqual(lifted.status, 'under');
  assert.equal(lifted.generated, passing);
});
