// Steps 2 and 3 journey: create a dataset from a file of five clear topic
// families, watch Create & Start run Extract → Topics → Categorize → Coverage
// by itself (offline: no provider is configured here), edit a topic, set a
// target, delete a topic and recategorize, and see the chart and table change.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { call, jsonl, openApp, scratchFile, unique, waitJobsDone } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

// Five families with their own vocabulary; 60 records each, varied by
// deterministic fillers so no two prompts are equal.
const families = {
  billing: {
    stems: [
      'I was charged twice for my {x} subscription, can I get a refund on the invoice?',
      'Why does my {x} invoice show an extra charge on my credit card?',
      'Please refund the {x} payment, the billing amount is wrong.',
      'How do I update the credit card used for {x} billing and invoices?',
    ],
    fill: [
      'monthly',
      'annual',
      'premium',
      'family',
      'team',
      'student',
      'business',
      'trial',
      'basic',
      'pro',
      'gold',
      'starter',
      'enterprise',
      'plus',
      'lite',
    ],
  },
  login: {
    stems: [
      'I cannot log in to my account on the {x}, the password reset email never arrives.',
      'My password stopped working on the {x} and the login page says account locked.',
      'How do I reset two-factor authentication for login on my {x}?',
      'The {x} keeps logging me out and asking for my password again.',
    ],
    fill: [
      'iphone',
      'android phone',
      'laptop',
      'tablet',
      'desktop app',
      'web browser',
      'smart tv',
      'work computer',
      'chromebook',
      'watch',
      'kindle',
      'ipad',
      'mac',
      'linux box',
      'console',
    ],
  },
  shipping: {
    stems: [
      'Where is my package? The {x} order tracking number shows no delivery update.',
      'My {x} parcel was marked delivered but the shipment never arrived.',
      'Can I change the delivery address for my {x} order before it ships?',
      'How long does shipping take for a {x} order sent by courier?',
    ],
    fill: [
      'shoes',
      'laptop',
      'sofa',
      'book',
      'phone case',
      'jacket',
      'lamp',
      'bicycle',
      'camera',
      'printer',
      'desk',
      'mattress',
      'guitar',
      'kettle',
      'rug',
    ],
  },
  python: {
    stems: [
      'My python function that parses {x} raises a TypeError, how do I fix this code?',
      'Write a python script with pandas that reads {x} and groups the rows.',
      'Why is my python loop over {x} so slow, can I vectorize the code with numpy?',
      'How do I write a unit test in python with pytest for a function handling {x}?',
    ],
    fill: [
      'csv files',
      'json logs',
      'dates',
      'user records',
      'sensor data',
      'api responses',
      'xml feeds',
      'invoices data',
      'timestamps',
      'matrices',
      'strings',
      'dictionaries',
      'images',
      'config files',
      'query results',
    ],
  },
  cooking: {
    stems: [
      'Give me a recipe for {x} that I can cook in the oven for dinner.',
      'How long should I bake {x} and at what oven temperature?',
      'What spices go well in a {x} recipe for a family dinner?',
      'Can I cook {x} ahead and reheat it, and how do I store the leftovers?',
    ],
    fill: [
      'lasagna',
      'roast chicken',
      'salmon',
      'banana bread',
      'vegetable curry',
      'meatloaf',
      'apple pie',
      'risotto',
      'chili',
      'pork ribs',
      'focaccia',
      'shepherd pie',
      'tofu stir fry',
      'brownies',
      'ratatouille',
    ],
  },
};

function fixture() {
  const lines = [];
  for (const f of Object.values(families)) {
    for (const stem of f.stems) for (const x of f.fill) lines.push({ messages: [{ role: 'user', content: stem.replace('{x}', x) }] });
  }
  // Interleave the families so the file is not sorted by topic.
  return lines
    .map((l, i) => [(i * 7919) % lines.length, l])
    .sort((a, b) => a[0] - b[0])
    .map((p) => p[1]);
}

const settled = ['complete', 'attention', 'failed'];

async function nodeStatus(page, n) {
  return page.getByTestId(`step-node-${n}`).getAttribute('data-status');
}

/** Chart rows as {topic: [current, target]}. */
async function chart(page) {
  return page.$$eval('[data-testid="chart-row"]', (gs) =>
    Object.fromEntries(
      gs.map((g) => [g.getAttribute('data-topic'), [Number(g.getAttribute('data-current')), Number(g.getAttribute('data-target'))]]),
    ),
  );
}

/** Polls from node (not inside the page) until the dataset has no running job. */
test('the chain runs to Coverage; edit a topic, set a target, recategorize; the chart follows', async (t) => {
  const { page } = app;
  const name = unique('topics');
  const records = fixture();
  assert.equal(records.length, 300);
  const file = scratchFile(`${name}.jsonl`, jsonl(records));

  // Create & Start from the Upload File tab. The native open dialog is the
  // one thing a browser cannot drive: the bound PickImportFile answers with
  // the fixture's path instead, as the dialog would.
  await page.evaluate((p) => {
    window.go.app.Datasets.PickImportFile = () => Promise.resolve(p);
  }, file);
  await page.getByTestId('new-dataset').click();
  await page.getByTestId('tab-file').click();
  await page.getByText('Drop a JSONL file here').click();
  await page.getByTestId('chosen-file').waitFor();
  await page.getByTestId('name').fill(name);
  await page.getByTestId('objective').fill('Support and assistant traffic');
  await page.getByTestId('create-start').click();
  // Create & Start opens the canvas at once, while the chain runs.
  await page.getByTestId('canvas-title').waitFor();
  assert.equal(await page.getByTestId('canvas-title').textContent(), name);
  const id = (await call(page, 'Datasets.List')).find((d) => d.name === name).id;
  assert.ok(id > 0);

  // Watch the chain: nodes 2 and 3 go through and leave Waiting/Processing.
  const seen = { 2: new Set(), 3: new Set() };
  const end = Date.now() + 180_000;
  for (;;) {
    const s2 = await nodeStatus(page, 2);
    const s3 = await nodeStatus(page, 3);
    seen[2].add(s2);
    seen[3].add(s3);
    if (settled.includes(s2) && settled.includes(s3) && (await call(page, 'Jobs.Active', id)).length === 0) break;
    assert.ok(Date.now() < end, `chain did not settle: step 2 ${s2}, step 3 ${s3}`);
    await page.waitForTimeout(150);
  }
  assert.notEqual(await nodeStatus(page, 2), 'failed', `step 2 failed: ${JSON.stringify(await call(page, 'Datasets.Steps', id))}`);
  assert.notEqual(await nodeStatus(page, 3), 'failed', `step 3 failed: ${JSON.stringify(await call(page, 'Datasets.Steps', id))}`);

  // Step 2: the generated tree with counts that add up to the categorized records.
  await page.getByTestId('step-node-2').click();
  const tree = page.getByTestId('topic-tree');
  await tree.waitFor();
  const stats = await call(page, 'Topics.Stats', id);
  assert.equal(stats.valid, 300);
  assert.ok(stats.leaves >= 2, `expected several topics, got ${stats.leaves}`);
  const counts = await page.$$eval('[data-testid="topic-row"] [data-testid="topic-count"]', (tds) =>
    tds.map((t) => Number(t.textContent.replace(/,/g, ''))),
  );
  assert.equal(counts.length, stats.topics);
  const leafTree = (await call(page, 'Topics.Tree', id)).filter((n) => !n.children?.length);
  assert.equal(
    leafTree.reduce((a, n) => a + n.count, 0),
    stats.categorized,
  );

  // Step 3: a chart row and a table row per leaf topic.
  await page.getByTestId('step-node-3').click();
  await page.getByTestId('coverage-chart').waitFor();
  const before1 = await chart(page);
  assert.equal(Object.keys(before1).length, stats.leaves);
  const cov = await call(page, 'Topics.Coverage', id);
  assert.equal(
    cov.topics.reduce((a, s) => a + s.count, 0),
    cov.categorized,
  );
  assert.equal(await page.getByTestId('rating').textContent(), cov.rating);
  t.diagnostic(
    `chain: ${stats.leaves} topics, ${stats.categorized}/${stats.valid} categorized, ${stats.low_confidence} low confidence; balance ${cov.balance} (${cov.rating}); step 2 went through ${[...seen[2]].join(' → ')}`,
  );

  // Edit a topic in step 2: rename it; the chart shows the new name.
  await page.getByTestId('step-node-2').click();
  const first = page.getByTestId('topic-row').first();
  const oldName = await first.getAttribute('data-topic');
  await first.getByTestId('topic-edit').click();
  await page.getByTestId('topic-name').fill('renamed_by_e2e');
  await page.getByTestId('topic-keywords').fill('zzz_unused_keyword');
  await page.getByTestId('topic-save').click();
  await page.locator('[data-testid="topic-row"][data-topic="renamed_by_e2e"]').waitFor();
  const renamed = (await call(page, 'Topics.Tree', id)).find((n) => n.name === 'renamed_by_e2e');
  assert.deepEqual(renamed.keywords, ['zzz_unused_keyword']);
  // New keywords: the assignments follow the old definitions, so the panel
  // offers to recategorize; "Not now" dismisses it.
  await page.getByTestId('recategorize-offer').waitFor();
  assert.match(await page.getByTestId('recategorize-offer').textContent(), /renamed_by_e2e has a new description or keywords/);
  await page.getByTestId('recategorize-offer-no').click();
  await page.getByTestId('recategorize-offer').waitFor({ state: 'detached' });
  await page.getByTestId('step-node-3').click();
  await page.locator('[data-testid="chart-row"][data-topic="renamed_by_e2e"]').waitFor();
  assert.ok(!(oldName in (await chart(page))) || oldName === 'renamed_by_e2e');

  // Set a target in the table: the chart's target bar and the status follow.
  const target = page.locator('[data-testid="coverage-row"][data-topic="renamed_by_e2e"] [data-testid="cov-target"]');
  await target.fill('60');
  await target.press('Enter');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="chart-row"][data-topic="renamed_by_e2e"]')?.getAttribute('data-target') === '60',
  );
  assert.equal(
    await page.locator('[data-testid="coverage-row"][data-topic="renamed_by_e2e"] [data-testid="cov-status"]').textContent(),
    'under',
  );
  const others = Object.entries(await chart(page)).filter(([t]) => t !== 'renamed_by_e2e');
  const uniformRest = 40 / others.length;
  for (const [t, [, tg]] of others) assert.ok(Math.abs(tg - uniformRest) < 0.1, `${t}: target ${tg}, expected ${uniformRest}`);

  // A topic's name opens the records browser on its valid records, as many
  // as the table counts; Continue to Grader opens step 4.
  const covRow = (await call(page, 'Topics.Coverage', id)).topics.find((s) => s.topic === 'renamed_by_e2e');
  await page.locator('[data-testid="coverage-row"][data-topic="renamed_by_e2e"] [data-testid="cov-view"]').click();
  await page.getByTestId('records-browser').waitFor();
  assert.equal(await page.getByTestId('filter-topic').inputValue(), String(covRow.topic_id));
  assert.equal(await page.getByTestId('filter-code').inputValue(), 'valid');
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="records-range"]')?.textContent ?? '').endsWith(` of ${n}`),
    covRow.count.toLocaleString('en-US'),
  );
  await page.keyboard.press('Escape');
  await page.getByTestId('records-browser').waitFor({ state: 'detached' });
  await page.getByTestId('to-grader').click();
  await page.getByTestId('step-panel-4').waitFor();

  // Delete another topic: its records become uncategorized and its bar goes.
  await page.getByTestId('step-node-2').click();
  const victim = page.locator('[data-testid="topic-row"]:not([data-topic="renamed_by_e2e"])').first();
  const victimName = await victim.getAttribute('data-topic');
  await victim.getByTestId('topic-delete').click();
  await page.getByTestId('confirm').click();
  await page.locator(`[data-testid="topic-row"][data-topic="${victimName}"]`).waitFor({ state: 'detached' });
  const afterDelete = await call(page, 'Topics.Coverage', id);
  assert.ok(afterDelete.uncategorized > 0, 'deleting a topic with records leaves records uncategorized');
  await page.getByTestId('step-node-3').click();
  await page.waitForFunction((v) => !document.querySelector(`[data-testid="chart-row"][data-topic="${v}"]`), victimName);
  assert.equal(await page.getByTestId('uncategorized').textContent(), `${afterDelete.uncategorized.toLocaleString('en-US')} uncategorized`);
  const beforeRecat = await chart(page);

  // Recategorize all (confirmed): the uncategorized records find topics and
  // the chart's shares change.
  await page.getByTestId('step-node-2').click();
  // Remember the job id the panel gets, to report the job if it goes wrong.
  await page.evaluate(() => {
    const orig = window.go.app.Topics.Categorize;
    window.go.app.Topics.Categorize = async (...a) => (window.__categorizeJob = await orig(...a));
  });
  await page.getByTestId('recategorize-all').click();
  await page.getByTestId('confirm').click();
  // The notice appears once the job is registered (and says when it ends,
  // which a fast job may do first); then wait for the job to end.
  await page
    .getByTestId('step2-notice')
    .getByText(/Categorization (started|finished)/)
    .waitFor();
  await waitJobsDone(page, id);
  const recat = await call(page, 'Topics.Coverage', id);
  const job = await call(page, 'Jobs.Status', await page.evaluate(() => window.__categorizeJob));
  assert.equal(job.state, 'done', `categorize job: ${JSON.stringify(job)}`);
  assert.ok(
    recat.uncategorized < afterDelete.uncategorized,
    `recategorize left ${recat.uncategorized} uncategorized; job ${JSON.stringify(job)}`,
  );
  assert.equal(
    recat.topics.reduce((a, s) => a + s.count, 0),
    recat.categorized,
  );
  await page.getByTestId('step-node-3').click();
  await page.getByTestId('coverage-chart').waitFor();
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="uncategorized"]')?.textContent === want,
    `${recat.uncategorized.toLocaleString('en-US')} uncategorized`,
  );
  const afterRecat = await chart(page);
  assert.deepEqual(Object.keys(afterRecat).sort(), Object.keys(beforeRecat).sort());
  assert.notDeepEqual(afterRecat, beforeRecat, 'the chart did not change after recategorizing');
  for (const s of recat.topics) assert.equal(afterRecat[s.topic][0], s.percent);
  assert.ok(settled.includes(await nodeStatus(page, 3)));
  assert.deepEqual(app.errors, []);
});

test('regenerate names what it clears; template, low confidence, export and import', async (t) => {
  const { page } = app;
  const name = unique('topics2');
  const file = scratchFile(`${name}.jsonl`, jsonl(fixture()));
  const created = await call(page, 'Datasets.CreateFromFile', name, '', file);
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Datasets);
  const row = page.locator(`[data-testid="dataset-row"][data-name="${name}"]`);
  await row.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('step-node-2').click();
  await page.getByTestId('topic-tree').waitFor();

  // Offline, so the figures below do not depend on a provider another test
  // may have configured in the shared data directory.
  await page.getByTestId('offline').check();
  // Regenerate with k = 5: the warning names the 300 assignments it clears.
  await page.getByTestId('gen-k').fill('5');
  await page.getByTestId('gen-topics').click();
  await page.getByText('clears 300 assignments').waitFor();
  await page.getByTestId('confirm').click();
  await page
    .getByTestId('step2-notice')
    .getByText(/Topic generation (started|finished)/)
    .waitFor();
  await waitJobsDone(page, id);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="topic-row"]').length === 5);
  const gen = await call(page, 'Topics.Stats', id);
  assert.equal(gen.leaves, 5);
  assert.equal(gen.categorized, 300);

  // A rename alone changes the text records are matched against, so the
  // panel offers to recategorize too.
  const renameRow = page.getByTestId('topic-row').first();
  const before = await renameRow.getAttribute('data-topic');
  await renameRow.getByTestId('topic-edit').click();
  await page.getByTestId('topic-name').fill('renamed_only_e2e');
  await page.getByTestId('topic-save').click();
  await page.locator('[data-testid="topic-row"][data-topic="renamed_only_e2e"]').waitFor();
  await page.getByTestId('recategorize-offer').waitFor();
  assert.match(await page.getByTestId('recategorize-offer').textContent(), new RegExp(`${before} was renamed to renamed_only_e2e`));
  await page.getByTestId('recategorize-offer-no').click();
  await page.getByTestId('recategorize-offer').waitFor({ state: 'detached' });

  // Topic text is rendered as text, never as HTML.
  const evil = '<img src=x onerror="window.__pwned=1"> refunds';
  await page.getByTestId('add-topic').click();
  await page.getByTestId('topic-name').fill('html_probe');
  await page.getByTestId('topic-description').fill(evil);
  await page.getByTestId('topic-save').click();
  const probe = page.locator('[data-testid="topic-row"][data-topic="html_probe"]');
  await probe.waitFor();
  assert.match(await probe.textContent(), /<img src=x onerror=/);
  assert.equal(await probe.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await probe.getByTestId('topic-delete').click();
  await page.getByTestId('confirm').click();
  await probe.waitFor({ state: 'detached' });

  // Export the hierarchy (the save dialog answers with a scratch path).
  const out = scratchFile(`${name}.topics.json`, '');
  await page.evaluate((p) => {
    window.go.app.Topics.PickExportPath = () => Promise.resolve(p);
    window.go.app.Topics.PickImportFile = () => Promise.resolve(p);
  }, out);
  await page.getByRole('button', { name: 'Export topics JSON' }).click();
  await page.getByTestId('step2-notice').getByText('Exported 5 topics').waitFor();
  const exported = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(exported.topics.length, 5);
  const genNames = exported.topics.map((x) => x.name).sort();

  // A template that clears: every assignment goes, and categorization of
  // the records left without a topic follows by itself.
  await page.getByTestId('template-select').selectOption('customer_support');
  await page.getByTestId('use-template').click();
  await page.getByText('Clear all 300 assignments').click();
  await page.getByTestId('replace-confirm').click();
  await page.locator('[data-testid="topic-row"][data-topic="billing_payments"]').waitFor();
  await page
    .getByTestId('step2-notice')
    .getByText(/300 assignments cleared; categorizing|Categorization finished/)
    .waitFor();
  await waitJobsDone(page, id);
  await page.getByTestId('unlabeled-callout').waitFor({ state: 'detached' });
  const tpl = await call(page, 'Topics.Stats', id);
  assert.equal(tpl.categorized, 300);
  t.diagnostic(`customer_support template on the fixture: ${tpl.low_confidence} of 300 under 0.7`);

  // Low confidence: cooking and coding prompts fit no help-desk topic.
  assert.ok(tpl.low_confidence > 0, 'expected low-confidence records under the help-desk template');
  await page.getByTestId('view-low').click();
  const first = page.getByTestId('low-item').first();
  await first.waitFor();
  const lowText = await first.locator('.text').textContent();
  assert.ok(
    fixture().some((r) => r.messages[0].content === lowText),
    `low item text is not a fixture prompt: ${lowText}`,
  );
  await first.getByTestId('low-confirm').click();
  await page.getByText('1 reviewed').waitFor();
  await page.getByRole('button', { name: 'Close' }).click();
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="topic-stats"]')?.textContent.includes(`${want} under 0.7`),
    (tpl.low_confidence - 1).toLocaleString('en-US'),
  );

  // Import the exported hierarchy back, keeping assignments: the generated
  // topics return; no help-desk name survives, so every record lost its
  // topic, and categorization gives each one again.
  await page.getByRole('button', { name: 'Import topics JSON…' }).click();
  await page.getByText('Keep assignments of topics whose name survives').click();
  await page.getByTestId('replace-confirm').click();
  await page.locator(`[data-testid="topic-row"][data-topic="${genNames[0]}"]`).waitFor();
  const names = (await call(page, 'Topics.Tree', id)).map((n) => n.name).sort();
  assert.deepEqual(names, genNames);
  await waitJobsDone(page, id);
  const back = await call(page, 'Topics.Stats', id);
  assert.equal(back.uncategorized, 0);
  assert.equal(back.categorized, 300);
  assert.deepEqual(app.errors, []);
});

test('topics defined by hand offer to categorize; the header menu uploads topics', async () => {
  const { page } = app;
  const name = unique('topics3');
  const file = scratchFile(`${name}.jsonl`, jsonl(fixture()));
  const created = await call(page, 'Datasets.CreateFromFile', name, '', file);
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  // Keep the generated hierarchy for the upload below, then start over
  // from no topics at all, as a user defining them by hand would.
  const saved = scratchFile(`${name}.topics.json`, '');
  await call(page, 'Topics.ExportHierarchy', id, saved);
  const savedNames = JSON.parse(readFileSync(saved, 'utf8'))
    .topics.map((x) => x.name)
    .sort();
  for (const n of await call(page, 'Topics.Tree', id)) await call(page, 'Topics.DeleteTopic', id, n.id);
  assert.equal((await call(page, 'Topics.Stats', id)).categorized, 0);
  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Datasets);
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Open' }).click();
  // Coverage is advice: with no topics at all, step 3 still continues to the grader.
  await page.getByTestId('step-node-3').click();
  await page.getByText('No leaf topics yet').waitFor();
  await page.getByTestId('to-grader').click();
  await page.getByTestId('step-panel-4').waitFor();
  await page.getByTestId('step-node-2').click();
  await page.getByTestId('step2').waitFor();
  await page.getByTestId('offline').check();

  // The first topic, by hand: nothing is categorized yet, so the panel
  // offers categorization of every valid record in one click.
  await page.getByTestId('add-topic').click();
  await page.getByTestId('topic-name').fill('billing');
  await page.getByTestId('topic-keywords').fill('refund, invoice, charge, billing, credit card');
  await page.getByTestId('topic-save').click();
  await page.locator('[data-testid="topic-row"][data-topic="billing"]').waitFor();
  const offer = page.getByTestId('categorize-now');
  await offer.waitFor();
  assert.match(await offer.textContent(), /Topics defined — categorize the 300 valid records now\?/);
  assert.equal(await page.getByTestId('unlabeled-callout').count(), 0);
  await page.getByTestId('categorize-now-yes').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('confirm').click();
  await waitJobsDone(page, id);
  await offer.waitFor({ state: 'detached' });
  const after1 = await call(page, 'Topics.Stats', id);
  assert.ok(after1.categorized > 0, `expected records under billing, got ${after1.categorized}`);

  // Upload topics from the header menu, from another step: step 2 opens
  // with the file picker (answered with the saved file) and the keep/clear
  // choice, at once.
  await page.evaluate((p) => {
    window.__topicPicks = 0;
    window.go.app.Topics.PickImportFile = () => {
      window.__topicPicks++;
      return Promise.resolve(p);
    };
  }, saved);
  await page.getByTestId('step-node-1').click();
  await page.getByTestId('data-menu').click();
  await page.getByRole('menuitem', { name: 'Upload topics (JSON)…' }).click();
  await page.getByTestId('step2').waitFor();
  await page.getByText('Keep assignments of topics whose name survives').waitFor();
  await page.getByTestId('replace-confirm').click();
  await page.locator(`[data-testid="topic-row"][data-topic="${savedNames[0]}"]`).waitFor();
  assert.deepEqual((await call(page, 'Topics.Tree', id)).map((n) => n.name).sort(), savedNames);
  await waitJobsDone(page, id);
  // The request was taken once: showing step 2 again opens no picker.
  await page.getByTestId('step-node-1').click();
  await page.getByTestId('step-node-2').click();
  await page.getByTestId('step2').waitFor();
  assert.equal(await page.evaluate(() => window.__topicPicks), 1);
  assert.deepEqual(app.errors, []);
});
