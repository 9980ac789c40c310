// Step 7 journey (issue 14): a model fine-tuned on the fake fine-tuning
// platform (set up through bound calls: grader, provider, Train.Start), then
// in the Deploy panel: run benchmarks on the validation split, send one
// prompt to both models in the playground, deploy as A/B 90/10 to the fake
// LiteLLM proxy after reading the plain summary, and roll back: the proxy's
// model table routes as before.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, createCodeWordDataset, fakes, nodeStatus, openApp, unique } from './harness.mjs';

const shot = async (page, name) => {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/deploy-${name}.png`, fullPage: true });
};

const LITELLM_KEY = 'sk-litellm-e2e'; // the fakes command's admin key (FAKE_LITELLM_KEY)
const BASE = 'o4-mini-2025-04-16';

let app;
let providerId = 0;
let sourceName = '';
before(async () => {
  app = await openApp();
});
after(async () => {
  // Leave the shared data directory and the shared fakes as found.
  await chunkDelay(0).catch(() => {});
  if (app && providerId) await call(app.page, 'Settings.RemoveProvider', providerId).catch(() => {});
  if (app && sourceName) await call(app.page, 'Sources.Remove', sourceName).catch(() => {});
  await app?.close();
});

/** The LiteLLM proxy's model table as its API shows it. */
async function modelTable() {
  const res = await fetch(`${fakes().litellm}/model/info`, { headers: { authorization: `Bearer ${LITELLM_KEY}` } });
  assert.equal(res.status, 200);
  return (await res.json()).data;
}

/** A locator's text with its whitespace collapsed, as it reads. */
const text = async (loc) => (await loc.textContent()).replace(/\s+/g, ' ').trim();

const byName = (table, name) => table.filter((d) => d.model_name === name);

/** Makes the fake platform's chat stream slowly: ms before each chunk (0: at once). */
async function chunkDelay(ms) {
  const res = await fetch(`${fakes().finetune}/fake/chunk-delay`, { method: 'POST', body: JSON.stringify({ ms }) });
  assert.equal(res.status, 200);
}

/** A playground card's state: streaming, done, stopped or failed. */
const cardState = (page, side) => page.getByTestId(`playground-${side}`).getAttribute('data-state');

test('benchmarks, playground, an A/B deployment to the fake LiteLLM proxy, rollback', { timeout: 300_000 }, async (t) => {
  const { page } = app;
  const f = fakes();
  assert.ok(f.finetune && f.litellm, 'the fakes program serves finetune and litellm');
  const name = unique('deploy');
  const id = await createCodeWordDataset(page, name, 40, (i) => `plum${i}z`);

  // Setup through bound calls: the grader, the fine-tuning provider (the
  // fake platform, which also chats), the LiteLLM source with its admin key.
  await call(page, 'Grader.Save', id, {
    components: [
      {
        name: 'contains',
        kind: 'script',
        weight: 1,
        source: 'def grade(sample, item):\n    return 1.0 if item["reference_answer"] in sample["output_text"] else 0.0\n',
      },
    ],
  });
  const provider = await call(page, 'Settings.AddProvider', {
    name: unique('deploy-ft'),
    kind: 'other',
    base_url: f.finetune,
    api_key: 'sk-e2e-finetune',
  });
  providerId = provider.id;
  sourceName = unique('ll');
  await call(page, 'Sources.Save', { name: sourceName, kind: 'litellm', url: f.litellm, key: LITELLM_KEY });

  // A finished training job (no dry run here: the override, kept with the
  // job, lets Start go on), then read it until the fake says succeeded.
  await call(page, 'Train.Start', id, { trainer: 'openai', provider: provider.name, model: BASE, suffix: 'e2e', override_nogo: true });
  let job;
  const end = Date.now() + 120_000;
  for (;;) {
    [job] = await call(page, 'Train.List', id);
    if (job?.status === 'succeeded') break;
    assert.ok(!job?.final, `training ended ${job?.status}: ${job?.error}`);
    assert.ok(Date.now() < end, `training not finished after 120 s: ${job?.status}`);
    if (job) await call(page, 'Train.Refresh', job.job).catch(() => {}); // the fake advances when read
    await page.waitForTimeout(300);
  }
  const tuned = job.fine_tuned_model;
  assert.match(tuned, new RegExp(`^ft:${BASE}:fake-org:e2e:`));
  t.diagnostic(`training job ${job.job}: ${job.train_count} train / ${job.validation_count} validation records → ${tuned}`);

  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Deploy);
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Open' }).click();
  await nodeStatus(page, 7, 'not_started');
  await page.getByTestId('step-node-7').click();
  const panel = page.getByTestId('step7');
  await panel.waitFor();
  assert.match(await panel.textContent(), new RegExp(`Tuned model ${tuned.replace(/[.:]/g, '\\$&')}, fine-tuned from ${BASE}`));

  // Benchmarks: base and tuned answer the validation split, the grader scores both.
  await page.getByTestId('step7-tab-benchmarks').click();
  await page.getByTestId('benchmark-run').click();
  const report = page.getByTestId('benchmark-report');
  await report.waitFor({ timeout: 120_000 });
  const bench = page.getByTestId('benchmark');
  // The fake platform answers the same for both models: every record a tie.
  assert.match(await report.textContent(), /^\s*(\d\.\d{3})\s*→\s*\1\s*\+0\.000\s*95 % CI \+0\.000 to \+0\.000\s*$/);
  assert.equal((await page.getByTestId('benchmark-verdict').textContent()).trim(), 'No clear difference: the 95 % interval includes zero.');
  const vc = job.validation_count;
  assert.match(await text(bench), new RegExp(`Tuned wins 0, ties ${vc}, loses 0 of ${vc} records`));
  assert.ok((await text(bench)).includes(`Base${BASE}`));
  await page.waitForFunction(() =>
    /benchmark \d\.\d\d → \d\.\d\d/.test(document.querySelector('[data-testid="step-node-7"]')?.textContent ?? ''),
  );
  await shot(page, 'benchmark');

  // Playground: one typed prompt, both answers streamed side by side. The
  // fake streams a word every 250 ms, so part of each answer shows first.
  await page.getByTestId('step7-tab-playground').click();
  const prompt = 'Question 99: the code word is plum99z. Repeat it.';
  const full = `echo: ${prompt}`;
  await chunkDelay(250);
  await page.getByTestId('playground-prompt').fill(prompt);
  await page.getByTestId('playground-send').click();
  const partial = await page.waitForFunction(
    (full) => {
      const t = document.querySelector('[data-testid="playground-tuned-text"]')?.textContent ?? '';
      return t !== '' && t !== full && full.startsWith(t) ? t : false;
    },
    full,
    { timeout: 60_000 },
  );
  t.diagnostic(`partial tuned answer while streaming: ${JSON.stringify(await partial.jsonValue())}`);
  assert.equal(await cardState(page, 'tuned'), 'streaming');
  assert.match(await page.getByTestId('playground-tuned-elapsed').textContent(), /^\d+\.\d s · answering…$/);
  await shot(page, 'playground-streaming');
  await page.waitForFunction(
    () => ['base', 'tuned'].every((s) => document.querySelector(`[data-testid="playground-${s}"]`)?.dataset.state === 'done'),
    null,
    { timeout: 60_000 },
  );
  assert.equal(await page.getByTestId('playground-base-text').textContent(), full);
  assert.equal(await page.getByTestId('playground-tuned-text').textContent(), full);
  assert.ok((await page.getByTestId('playground-base').textContent()).includes(BASE));
  assert.ok((await page.getByTestId('playground-tuned').textContent()).includes(tuned));

  // Stop ends both requests: each answer keeps its text so far, marked
  // stopped, with nothing to grade.
  await page.getByTestId('playground-send').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid="playground-tuned-text"]')?.textContent ?? '') !== '', null, {
    timeout: 60_000,
  });
  await page.getByTestId('playground-stop').click();
  await page.waitForFunction(
    () => ['base', 'tuned'].every((s) => document.querySelector(`[data-testid="playground-${s}"]`)?.dataset.state === 'stopped'),
    null,
    { timeout: 10_000 },
  );
  const kept = await page.getByTestId('playground-tuned-text').textContent();
  assert.ok(kept !== full && full.startsWith(kept), `stopped text ${JSON.stringify(kept)} is part of the answer`);
  await page.getByTestId('playground-tuned-stopped').waitFor();
  assert.equal(await page.getByTestId('playground-tuned-grade').count(), 0);
  await page.waitForFunction(() => document.querySelector('[data-testid="playground-send"]')?.disabled === false);
  await chunkDelay(0);

  // A record of the dataset (it carries the grader's reference answer), each answer graded on demand.
  const rows = (await call(page, 'Records.Page', { dataset_id: id, limit: 100 })).rows;
  const rec = rows.find((r) => r.preview === 'Question 1: the code word is plum1z. Repeat it.');
  assert.ok(rec, 'record 1 is listed');
  await page.getByLabel('Use a record').check();
  await page.getByTestId('playground-record').fill(String(rec.id));
  await page.getByTestId('playground-send').click();
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="playground-tuned-text"]')?.textContent ===
      'echo: Question 1: the code word is plum1z. Repeat it.',
    null,
    { timeout: 60_000 },
  );
  for (const side of ['base', 'tuned']) {
    await page.getByTestId(`playground-${side}-grade`).click();
    await page.getByTestId(`playground-${side}-score`).waitFor();
    assert.equal((await page.getByTestId(`playground-${side}-score`).textContent()).trim(), 'score 1.000');
  }
  await shot(page, 'playground');

  // Deploy as A/B 90/10 to the fake LiteLLM proxy, under the production model name.
  const before = await modelTable();
  const baseBefore = byName(before, 'gpt-4o-mini');
  assert.equal(baseBefore.length, 1);
  await page.getByTestId('step7-tab-deploy').click();
  await page.getByTestId('deploy-target').selectOption('litellm');
  await page.getByTestId('deploy-mode-ab').check();
  assert.equal(await page.getByTestId('deploy-split').inputValue(), '10');
  await page.getByRole('textbox', { name: 'Model name', exact: true }).fill('gpt-4o-mini');
  await page.getByRole('textbox', { name: 'Source', exact: true }).fill(sourceName);
  await page.getByTestId('deploy-preview').click();
  const summary = page.getByTestId('deploy-summary');
  await summary.waitFor({ timeout: 30_000 });
  const plain = await summary.textContent();
  assert.ok(plain.startsWith(`Requests for "gpt-4o-mini" on LiteLLM source "${sourceName}"`), plain);
  assert.ok(plain.includes(`will be split: 10 % to the tuned model ${tuned}`), plain);
  assert.ok(plain.includes('90 % to the 1 existing deployment(s) of openai/gpt-4o-mini'), plain);
  assert.ok(plain.includes('Rollback removes the tuned deployment and restores the existing deployments exactly as they were'), plain);
  assert.deepEqual(await modelTable(), before, 'the preview changes nothing');
  await shot(page, 'summary');

  // Deploy asks to confirm the same summary.
  await page.getByTestId('deploy-start').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.waitFor();
  assert.ok((await dialog.textContent()).includes(plain));
  await page.getByTestId('confirm').click();
  await page.getByTestId('deploy-state').getByText('active', { exact: true }).waitFor({ timeout: 60_000 });
  await nodeStatus(page, 7, 'complete');
  const during = byName(await modelTable(), 'gpt-4o-mini');
  assert.equal(during.length, 2, 'base and tuned deployments under one name');
  const base = during.find((d) => d.model_info.id === baseBefore[0].model_info.id);
  const added = during.find((d) => d !== base);
  assert.equal(base.litellm_params.weight, 90);
  assert.equal(added.litellm_params.weight, 10);
  assert.equal(added.litellm_params.model, `openai/${tuned}`);
  assert.equal(added.litellm_params.api_base, f.finetune);
  assert.deepEqual(byName(await modelTable(), 'gpt-4o'), byName(before, 'gpt-4o'), 'other models untouched');
  await shot(page, 'deployed');

  // Rollback: confirm, and the proxy routes as before.
  await page.getByTestId('deploy-rollback').click();
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Restores the routing deployment \d+ changed \(2 change\(s\) on litellm/);
  await page.getByTestId('confirm').click();
  await page.getByTestId('deploy-state').getByText('rolled back', { exact: true }).waitFor({ timeout: 60_000 });
  await nodeStatus(page, 7, 'not_started');
  assert.match(await page.getByTestId('deploy-message').textContent(), /^rolled back 2 change\(s\)/);
  const restored = await modelTable();
  assert.deepEqual(
    restored.map((d) => d.model_info.id),
    before.map((d) => d.model_info.id),
    'the tuned deployment is gone',
  );
  // The rollback is exact: the whole routing table reads as before.
  assert.deepEqual(restored, before, 'the routing table after rollback');

  // History keeps the deployment and what it changed.
  await page.getByTestId('step7-tab-history').click();
  const history = page.getByTestId('deploy-history');
  await history.waitFor();
  assert.match(await history.textContent(), new RegExp(`ab 90/10 on litellm:${sourceName}\\s*rolled back`));
  await shot(page, 'rolledback');
  assert.deepEqual(app.errors, []);
});
