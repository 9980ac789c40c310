// Step 5 journey (issue 12, Workflow 4 of the seed): a strict script grader
// (Step 4 panel), the fake OpenAI-compatible provider as the base model, a
// dry run from the Step 5 panel (preview, live progress, a NO-GO verdict
// with its histogram), Adjust Grader, a fairer grader, re-grade the stored
// answers (no base-model call reaches the provider), GO, compare the two
// runs side by side, open one sample as a conversation and its record in
// the record viewer, and delete a listed sample's record from the report.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { call, createCodeWordDataset, fakes, nodeStatus, openApp, saveGraderInPanel, sleep, unique } from './harness.mjs';

const shot = async (page, name) => {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/dryrun-${name}.png`, fullPage: true });
};

/**
 * A pass-through to the fake OpenAI-compatible server that counts the chat
 * completions reaching it and holds each one delayMs (so the live progress
 * can be seen): the provider the app talks to during this journey.
 */
async function countingProxy(target, delayMs) {
  const counts = { chat: 0 };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const chat = req.method === 'POST' && req.url.endsWith('/chat/completions');
    if (chat) {
      counts.chat++;
      await sleep(delayMs);
    }
    try {
      const up = await fetch(target + req.url.replace(/^\/v1/, ''), {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: req.headers.authorization ?? '' },
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
      });
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await up.arrayBuffer()));
    } catch (e) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(e), type: 'proxy_error' } }));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, counts, close: () => new Promise((r) => server.close(r)) };
}

let app;
let proxy;
let providerId = 0;
before(async () => {
  app = await openApp();
  proxy = await countingProxy(fakes().openai, 250);
});
after(async () => {
  // Leave the shared data directory as found: removing the provider unassigns its role.
  if (providerId && app) await call(app.page, 'Settings.RemoveProvider', providerId).catch(() => {});
  await app?.close();
  await proxy?.close();
});

async function saveScript(page, name, source) {
  await page.getByTestId('component-name-0').fill(name);
  await page.getByTestId('script-source-0').fill(source);
  await page.getByTestId('grader-weight-sum').getByText('Weights sum to 1').waitFor();
  await saveGraderInPanel(page);
}

// The report of a finished run: the verdict over all n samples, nothing left unfinished.
async function waitVerdict(page, verdict, n) {
  await page.waitForFunction(
    ([v, n]) => {
      const el = document.querySelector('[data-testid="dryrun-verdict"]');
      const report = document.querySelector('[data-testid="dryrun-report"]');
      return (
        el?.querySelector('.big')?.textContent === v &&
        el.textContent.includes(`· ${n} samples`) &&
        !report.textContent.includes('unfinished') &&
        // the job is over: its progress no longer offers Stop
        ![...document.querySelectorAll('[data-testid="dryrun-live"] button')].some((b) => b.textContent.includes('Stop'))
      );
    },
    [verdict, n],
    { timeout: 120_000 },
  );
}

const histogram = (page) =>
  page.$$eval('[data-testid="dryrun-histogram"] [data-testid="hist-bar"]', (bs) => bs.map((b) => Number(b.dataset.count)));

test('a NO-GO dry run, a fairer grader, a re-grade without base-model calls, GO, compare', { timeout: 300_000 }, async (t) => {
  const { page } = app;
  const name = unique('dryrun');
  // 24 prompts; 18 of them contain their reference word, so the fake's echo
  // answer contains it too. Exact match scores nothing; containment 0.75.
  const N = 24;
  const id = await createCodeWordDataset(page, name, N, (i) => `kiwi${i}x`);

  // The base model: the fake OpenAI-compatible provider (behind the counter), two calls at a time.
  const provider = await call(page, 'Settings.AddProvider', {
    name: unique('dryrun-base'),
    kind: 'other',
    base_url: proxy.url,
    api_key: 'sk-e2e-dryrun',
    concurrency: 2,
  });
  providerId = provider.id;
  await call(page, 'Settings.SetRole', 'base', provider.name, 'fake-chat');

  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.DryRun);
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Open' }).click();

  // Step 4: a strict script grader (exact match) from the Grader panel.
  await page.getByTestId('step-node-4').click();
  await page.getByTestId('step4').waitFor();
  await page.getByTestId('preset-conciseness').click();
  await page.getByTestId('script-signature').waitFor();
  await saveScript(
    page,
    'exact',
    'def grade(sample, item):\n    return 1.0 if sample["output_text"] == item["reference_answer"] else 0.0\n',
  );
  const strictVersion = (await call(page, 'Grader.Get', id)).version;

  // Step 5 from the Grader panel's Dry Run button: nothing run yet.
  await page.getByTestId('to-dryrun').click();
  await page.getByTestId('step5').waitFor();
  assert.equal(await page.getByTestId('step-node-5').getAttribute('data-status'), 'waiting');

  // Preview before anything is spent: the whole (small) dataset, the model, 24 calls.
  await page.getByTestId('dryrun-preview').click();
  const card = page.getByTestId('dryrun-preview-card');
  await card.waitFor();
  const previewText = await card.textContent();
  assert.match(previewText, new RegExp(`${N} samples`));
  assert.match(previewText, /fake-chat/);
  assert.match(previewText, new RegExp(`${N} base-model calls`));
  assert.match(previewText, new RegExp(`only ${N} records can be sampled`));
  assert.equal(proxy.counts.chat, 0, 'the preview asks nothing');
  await shot(page, 'preview');

  // Run: the live progress shows while the base model answers.
  await page.getByTestId('dryrun-start').click();
  await page.getByTestId('dryrun-live').waitFor({ timeout: 30_000 });
  // done/total and the running mean, while the answers come in.
  await page.waitForFunction(
    (n) => {
      const text = document.querySelector('[data-testid="dryrun-live"]')?.textContent ?? '';
      return new RegExp(`\\d+ / ${n}`).test(text) && /running mean/.test(text);
    },
    N,
    { timeout: 30_000 },
  );
  await shot(page, 'live');
  const started = Date.now();

  // The verdict: NO-GO, every score 0; the node turns Failed.
  await waitVerdict(page, 'NO-GO', N);
  await nodeStatus(page, 5, 'failed');
  t.diagnostic(`first run (${N} samples, 250 ms each, 2 at a time) reported ${Date.now() - started} ms after the live progress showed`);
  assert.equal(proxy.counts.chat, N, 'each sample asked the base model once');
  const reasons = await page.getByTestId('dryrun-reasons').locator('li').allTextContents();
  assert.ok(reasons.includes('mean score 0.000 is below 0.1 (NO-GO)'), `reasons: ${reasons}`);
  assert.match(await page.getByTestId('dryrun-figures').textContent(), /mean\s*0\.000/);
  const hist1 = await histogram(page);
  assert.equal(hist1.length, 10);
  assert.deepEqual(hist1, [N, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.ok((await page.getByTestId('dryrun-diagnosis').locator('li').count()) >= 1, 'a diagnosis says what to do next');
  const [first] = await call(page, 'DryRun.History', id);
  assert.equal(first.verdict, 'NO-GO');
  assert.equal(first.grader_version, strictVersion);
  await shot(page, 'nogo');

  // Adjust Grader: a fairer script (the answer contains the reference word).
  await page.getByTestId('adjust-grader').click();
  await page.getByTestId('step4').waitFor();
  await saveScript(
    page,
    'contains',
    'def grade(sample, item):\n    return 1.0 if item["reference_answer"] in sample["output_text"] else 0.0\n',
  );
  // The run graded with the older grader is stale on the canvas.
  await nodeStatus(page, 5, 'attention');

  // Back on Step 5: re-grade the stored answers; no base-model call is made.
  await page.getByTestId('to-dryrun').click();
  await page.getByTestId('step5').waitFor();
  const regrade = page.getByTestId('dryrun-regrade');
  await regrade.waitFor();
  assert.equal((await regrade.textContent()).trim(), `Re-grade run ${first.id}`);
  await regrade.click();
  await waitVerdict(page, 'GO', N);
  await nodeStatus(page, 5, 'complete');
  assert.equal(proxy.counts.chat, N, 're-grading made no base-model calls');
  const report = page.getByTestId('dryrun-report');
  assert.match(await report.textContent(), new RegExp(`re-grade of run ${first.id}`));
  assert.match(await page.getByTestId('dryrun-figures').textContent(), /mean\s*0\.750/);
  assert.match(await page.getByTestId('dryrun-figures').textContent(), /scores > 0\s*75\.0 %/);
  assert.deepEqual(await histogram(page), [6, 0, 0, 0, 0, 0, 0, 0, 0, 18]);
  const runs = await call(page, 'DryRun.History', id);
  assert.equal(runs.length, 2);
  assert.equal(runs[0].regrade_of, first.id);
  assert.notEqual(runs[0].grader_version, strictVersion);
  await shot(page, 'go');

  // History: tick both runs and compare them side by side.
  await page.getByRole('tab', { name: /History/ }).click();
  await page.getByTestId('dryrun-history').waitFor();
  assert.equal(await page.getByTestId('dryrun-run').count(), 2);
  // The first run, graded with the older grader, is marked stale.
  assert.match(await page.locator(`[data-testid="dryrun-run"][data-run="${first.id}"]`).textContent(), /NO-GO\s*stale/);
  assert.doesNotMatch(await page.locator(`[data-testid="dryrun-run"][data-run="${runs[0].id}"]`).textContent(), /stale/);
  for (const r of runs) await page.getByLabel(`Pick run ${r.id} to compare`).check();
  await page.getByTestId('dryrun-compare').click();
  const cmp = page.getByTestId('dryrun-comparison');
  await cmp.waitFor();
  const rows = Object.fromEntries(
    await cmp
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.cells[0].textContent.trim(), [...tr.cells].slice(1).map((c) => c.textContent.trim())])),
  );
  assert.deepEqual(rows.Verdict.slice(0, 2), ['NO-GO', 'GO']);
  assert.deepEqual(rows.Mean, ['0.000', '0.750', '+0.750']);
  assert.deepEqual(rows['Scores > 0'].slice(0, 2), ['0.0 %', '75.0 %']);
  await page.getByText('Same answers, graded by different grader versions').waitFor();
  await shot(page, 'compare');

  // Samples: one opens as a conversation with its prompt, the answer graded and its score.
  await page.getByRole('tab', { name: /Samples/ }).click();
  const sampleRows = page.getByTestId('dryrun-sample-row');
  await sampleRows.first().waitFor();
  assert.equal(await sampleRows.count(), N);
  // Highest score first: a sample whose answer contains its reference word.
  await page.locator('select').filter({ hasText: 'highest score first' }).selectOption('desc');
  await sampleRows.first().click();
  const dialog = page.getByTestId('dryrun-sample');
  await dialog.waitFor();
  assert.equal((await dialog.getByTestId('sample-score').textContent()).trim(), '1.000');
  await dialog.getByTestId('turn').first().waitFor();
  const prompt = await dialog.getByTestId('turn-text').first().textContent();
  const answer = await dialog.getByTestId('answer-turn-text').first().textContent();
  assert.match(prompt, /^Question \d+: the code word is kiwi\d+x\. Repeat it\.$/);
  assert.equal(answer, `echo: ${prompt}`);
  // The grader's one component, with its score.
  const comps = await dialog
    .getByTestId('sample-component')
    .evaluateAll((trs) => trs.map((tr) => [...tr.cells].slice(0, 2).map((c) => c.textContent.trim())));
  assert.deepEqual(comps, [['contains', '1.000']]);
  await shot(page, 'sample');
  // Open record: the record viewer shows the sample's record (its line, its
  // prompt) above the sample dialog, and Escape closes only the viewer.
  const recordId = Number((await dialog.locator('h2').textContent()).match(/record (\d+)/)[1]);
  const rec = await call(page, 'Records.Get', recordId);
  await dialog.getByTestId('sample-open-record').click();
  const viewer = page.getByTestId('record-viewer');
  await viewer.waitFor();
  assert.equal((await viewer.getByTestId('record-line').textContent()).trim(), `line ${rec.line}`);
  assert.equal(await viewer.getByTestId('turn-text').first().textContent(), prompt);
  const onTop = await viewer.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + Math.min(r.height / 2, 40)));
  });
  assert.ok(onTop, 'the record viewer renders over the sample dialog');
  await shot(page, 'sample-record');
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  await dialog.getByTestId('sample-open-record').waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  // Who answers: the model Step 6 will train, else (none chosen) the base
  // role. Step 6's form saves its choice as the training target (here
  // through its binding: a TRL bundle, served by the base role's provider);
  // Step 5 follows it, and another model is a one-off that does not count
  // for the Train gate.
  const answers = page.getByTestId('dryrun-answers');
  assert.match(await answers.textContent(), new RegExp(`Answers from: fake-chat via ${provider.name}`));
  await call(page, 'Train.SetTarget', id, { trainer: 'trl', provider: '', model: 'Qwen/Qwen3-1.7B' });
  await page.waitForFunction(() => document.querySelector('[data-testid="dryrun-answers-model"]')?.textContent === 'Qwen/Qwen3-1.7B');
  assert.match(await answers.textContent(), /the model Step 6 will train/);
  await page.getByTestId('dryrun-other').click();
  await page.getByTestId('dryrun-other-provider').selectOption(provider.name);
  await page.getByTestId('dryrun-other-model').fill('fake-chat');
  await page.getByTestId('dryrun-not-for-gate').waitFor();
  await page.getByTestId('dryrun-preview').click();
  await card.waitFor();
  assert.match(await card.textContent(), /fake-chat is not the model Step 6 trains \(Qwen\/Qwen3-1\.7B\): this run will not count/);
  assert.equal(proxy.counts.chat, N, 'the preview asks nothing');
  await shot(page, 'other-model');
  await page.getByTestId('dryrun-other-close').click();
  await page.getByTestId('dryrun-not-for-gate').waitFor({ state: 'detached' });
  await shot(page, 'answers');
  // A base model typed in Step 6's form, no job started: Step 5 answers with it.
  await page.getByTestId('step-node-6').click();
  await page.getByTestId('train-setup').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="train-trainer"]')?.value === 'trl');
  await page.getByTestId('train-model-input').fill('Qwen/Qwen3-4B');
  // at once to Step 5: leaving the form saves what was typed
  await page.getByTestId('step-node-5').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="dryrun-answers-model"]')?.textContent === 'Qwen/Qwen3-4B');
  assert.equal((await call(page, 'Train.Target', id)).model, 'Qwen/Qwen3-4B');
  assert.match(await page.getByTestId('dryrun-answers').textContent(), /the model Step 6 will train/);

  // Workflow 4 "delete poor records": a listed sample's record opens from
  // the keyboard, is deleted in the viewer, and the report says so; its
  // sample stays readable and says the record is gone.
  await page.getByRole('tab', { name: 'Report' }).click();
  const pick = page.getByTestId('dryrun-pick-record').first();
  await pick.waitFor();
  const pickText = (await pick.textContent()).trim();
  await pick.focus();
  await page.keyboard.press('Enter');
  await viewer.waitFor();
  await viewer.getByTestId('record-line').waitFor();
  await viewer.getByTestId('record-delete').click();
  await page.getByTestId('confirm').click();
  await viewer.waitFor({ state: 'detached' });
  await page.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid="dryrun-pick-deleted"]')].some((e) => e.textContent.trim() === `${t} (deleted)`),
    pickText,
  );
  await page
    .locator('li', { has: page.getByTestId('dryrun-pick-deleted').filter({ hasText: `${pickText} (deleted)` }) })
    .getByTestId('dryrun-pick')
    .click();
  await dialog.getByTestId('sample-record-deleted').waitFor();
  assert.equal(await dialog.getByTestId('sample-open-record').count(), 0);
  await shot(page, 'record-deleted');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  // The delete changed the records the run measured: the report and the
  // node say to run it again, and no Re-grade is offered (it would reuse
  // the old sample).
  const changed = `the records changed since dry run ${runs[0].id}: run it again to measure the current data`;
  await page.getByTestId('dryrun-stale').getByText(changed).waitFor();
  assert.equal(await page.getByTestId('dryrun-regrade').count(), 0);
  await nodeStatus(page, 5, 'attention');
  await page.getByTestId('step5').getByText(`Needs: ${changed}`).waitFor();
  assert.deepEqual(app.errors, []);
});
