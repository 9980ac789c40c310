// Step 7 serving journeys: a model trained on a platform that answers only
// through a deployment of its own is served from the Deploy panel before
// anything can call it. Fireworks: a LoRA trained on the fake Fireworks
// account is served on an on-demand deployment (CREATING → READY), the
// benchmark's tuned requests go to the served name, Rollback deletes the
// deployment. Azure: a model fine-tuned on the fake Azure OpenAI resource
// is deployed through the fake ARM (Creating → still starting → ready), the
// playground's tuned answer comes from that deployment, Rollback deletes
// it. Setup goes through bound calls (grader, providers, Train.Start);
// run.sh exports TRACETUNE_SERVE_POLL_MS so the waits read the fakes often.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, createCodeWordDataset, fakes, nodeStatus, openApp, unique } from './harness.mjs';

const shot = async (page, name) => {
  if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/serve-${name}.png`, fullPage: true });
};

let app;
const providers = [];
before(async () => {
  app = await openApp();
});
after(async () => {
  // Leave the shared data directory and the shared fakes as found.
  await control('azure', 'latency', { n: 0 }).catch(() => {});
  for (const id of providers) await call(app.page, 'Settings.RemoveProvider', id).catch(() => {});
  await app?.close();
});

/** GET <fake>/fake/<name>: a fake's own view (deployments, chat requests, settings). */
async function peek(fake, name) {
  const res = await fetch(`${fakes()[fake]}/fake/${name}`);
  assert.equal(res.status, 200, `GET ${fake}/fake/${name}`);
  return res.json();
}

/** POST <fake>/fake/<name>: a test control of a fake. */
async function control(fake, name, body) {
  const res = await fetch(`${fakes()[fake]}/fake/${name}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200, `POST ${fake}/fake/${name}`);
}

/** A locator's text with its whitespace collapsed, as it reads. */
const text = async (loc) => (await loc.textContent()).replace(/\s+/g, ' ').trim();

const script = (name) => ({
  components: [
    {
      name,
      kind: 'script',
      weight: 1,
      source: 'def grade(sample, item):\n    return 1.0 if item["reference_answer"] in sample["output_text"] else 0.0\n',
    },
  ],
});

/** Starts training and reads the job until the fake platform says it succeeded. */
async function trainUntilDone(page, id, opts) {
  await call(page, 'Train.Start', id, { suffix: 'e2e', override_nogo: true, ...opts });
  const end = Date.now() + 60_000;
  for (;;) {
    const [job] = await call(page, 'Train.List', id);
    if (job?.status === 'succeeded') return job;
    assert.ok(!job?.final, `training ended ${job?.status}: ${job?.error}`);
    assert.ok(Date.now() < end, `training not finished after 60 s: ${job?.status}`);
    if (job) await call(page, 'Train.Refresh', job.job).catch(() => {}); // the fake advances when read
    await page.waitForTimeout(200);
  }
}

/** Opens a dataset's Step 7 panel. */
async function openStep7(page, name) {
  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Deploy);
  await page.locator(`[data-testid="dataset-row"][data-name="${name}"]`).getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('step-node-7').click();
  await page.getByTestId('step7').waitFor();
}

/**
 * Records every message the job progress line shows from now on (a state
 * may last only one poll), and every status of the Deploy node: returns a
 * function that reads them ({phases, node}).
 */
async function watchProgress(page) {
  await page.evaluate(() => {
    const seen = (window.__servePhases = []);
    const node = (window.__serveNode = []);
    const push = (list, t) => t && list[list.length - 1] !== t && list.push(t);
    const note = () => {
      for (const el of document.querySelectorAll('[data-testid="job-progress"] .msg')) push(seen, el.textContent.trim());
      push(node, document.querySelector('[data-testid="step-node-7"]')?.getAttribute('data-status'));
    };
    note();
    window.__serveObserver?.disconnect();
    window.__serveObserver = new MutationObserver(note);
    window.__serveObserver.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () => page.evaluate(() => ({ phases: window.__servePhases, node: window.__serveNode }));
}

/** Confirms the open dialog from the keyboard: Enter on its focused button, after Tab when Cancel has the focus. */
async function confirmByKeyboard(page, label) {
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.waitFor();
  const message = await text(dialog);
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  if ((await focused()) === 'confirm-cancel') await page.keyboard.press('Tab');
  assert.equal(await focused(), 'confirm', 'the confirm button has the focus');
  assert.equal((await page.getByTestId('confirm').textContent()).trim(), label);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  return message;
}

test('serve a Fireworks LoRA on an on-demand deployment, benchmark it, roll it back', { timeout: 120_000 }, async (t) => {
  const { page } = app;
  const f = fakes();
  assert.ok(f.fireworks, 'the fakes program serves fireworks');
  const before = await peek('fireworks', 'deployments');
  const name = unique('servefw');
  const id = await createCodeWordDataset(page, name, 20, (i) => `fig${i}q`);
  await call(page, 'Grader.Save', id, script('contains'));
  const provider = await call(page, 'Settings.AddProvider', {
    name: unique('fw'),
    kind: 'fireworks',
    base_url: f.fireworks,
    api_key: 'fw-e2e-key',
    api_version: 'fake-acct', // the account id
  });
  providers.push(provider.id);
  const job = await trainUntilDone(page, id, {
    trainer: 'fireworks',
    provider: provider.name,
    model: 'accounts/fireworks/models/qwen3-0p6b',
  });
  const lora = job.fine_tuned_model;
  assert.match(lora, /^accounts\/fake-acct\/models\//);
  t.diagnostic(`training job ${job.job} → ${lora}`);

  // Step 7 says the LoRA must be served first, and what that costs.
  await openStep7(page, name);
  await nodeStatus(page, 7, 'not_started');
  assert.match(await text(page.getByTestId('step7')), /Needs: serve the Fireworks model on an on-demand deployment/);
  const first = page.getByTestId('fireworks-serve-first');
  assert.match(await text(first), /runs a LoRA only on an on-demand deployment \(billed per GPU-second while a replica runs\)/);
  await page.getByTestId('fireworks-serve-open').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('deploy-form').waitFor();
  assert.equal(await page.getByTestId('deploy-target').inputValue(), 'fireworks');
  assert.equal(await page.getByTestId('deploy-min-replicas').inputValue(), '0');
  assert.match(await text(page.getByTestId('deploy-form')), /min 0: scales to zero when idle \(no cost at zero/);
  assert.match(
    await text(page.getByTestId('deploy-cost-note')),
    /bills an on-demand deployment per GPU-second while a replica runs, not per token/,
  );

  // The preview names the deployment and the cost, changing nothing.
  await page.getByTestId('deploy-preview').click();
  const summary = page.getByTestId('deploy-summary');
  await summary.waitFor({ timeout: 30_000 });
  const plain = await text(summary);
  const served = plain.match(/call it as "([^"]+)"/)?.[1];
  assert.ok(served?.startsWith(`${lora}#accounts/fake-acct/deployments/`), plain);
  assert.ok(plain.includes('0–1 replicas: it scales to zero when idle'), plain);
  assert.ok(plain.includes('With min replicas 0 (the default) it scales to zero after 1 h without traffic'), plain);
  assert.deepEqual(await peek('fireworks', 'deployments'), before, 'the preview creates nothing');
  await shot(page, 'fireworks-preview');

  // Deploy, confirmed with Enter: the progress goes CREATING → READY.
  const phases = await watchProgress(page);
  await page.getByTestId('deploy-start').click();
  assert.ok((await confirmByKeyboard(page, 'Create deployment')).includes('Create a Fireworks deployment?'));
  const status = page.getByTestId('deploy-status');
  await status.getByTestId('deploy-state').getByText('active', { exact: true }).waitFor({ timeout: 30_000 });
  const { phases: seen, node } = await phases();
  t.diagnostic(`progress: ${JSON.stringify(seen)}; Deploy node: ${JSON.stringify(node)}`);
  assert.ok(node[0] === 'not_started' && node.includes('processing'), `the Deploy node was busy while serving: ${JSON.stringify(node)}`);
  const creating = seen.findIndex((m) => /: CREATING for /.test(m));
  assert.ok(creating >= 0, `the progress showed CREATING: ${JSON.stringify(seen)}`);
  assert.ok(
    seen.slice(creating + 1).some((m) => /READY/.test(m)),
    `then READY: ${JSON.stringify(seen)}`,
  );
  assert.equal(await status.getByTestId('deploy-served-model').textContent(), served);
  assert.match(await text(status.getByTestId('deploy-message')), /^READY: call /);
  await nodeStatus(page, 7, 'complete');
  assert.match(await text(page.getByTestId('step-node-7')), /served on Fireworks as/);
  assert.equal(await page.getByTestId('fireworks-serve-first').count(), 0, 'the serve-first note is gone');
  const live = await peek('fireworks', 'deployments');
  assert.equal(live.length, before.length + 1);
  const dep = live[live.length - 1];
  assert.equal(dep.State, 'READY');
  assert.equal(dep.BaseModel, lora);
  assert.equal(`${lora}#accounts/fake-acct/deployments/${dep.ID}`, served);
  await shot(page, 'fireworks-ready');

  // The benchmark runs, its tuned requests go to the served name.
  const calls = (await peek('fireworks', 'requests')).length;
  await page.getByTestId('step7-tab-benchmarks').click();
  await page.getByTestId('benchmark-run').click();
  const report = page.getByTestId('benchmark-report');
  await report.waitFor({ timeout: 60_000 });
  const bench = await text(page.getByTestId('benchmark'));
  assert.ok(bench.includes(`Tuned${served}`), bench);
  assert.ok(bench.includes('Baseaccounts/fireworks/models/qwen3-0p6b'), bench);
  const asked = (await peek('fireworks', 'requests')).slice(calls).map((r) => r.model);
  assert.ok(asked.includes(served), `the tuned requests name ${served}: ${JSON.stringify(asked)}`);
  assert.ok(!asked.includes(lora), 'no request names the bare LoRA');
  await page.waitForFunction(() => /served on Fireworks as/.test(document.querySelector('[data-testid="step-node-7"]')?.textContent ?? ''));

  // Rollback (confirmed from the keyboard) deletes the deployment.
  await page.getByTestId('deploy-rollback').click();
  assert.match(await confirmByKeyboard(page, 'Roll back'), /Deletes the Fireworks deployment accounts\/fake-acct\/deployments\//);
  await page.getByTestId('deploy-state').getByText('rolled back', { exact: true }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await peek('fireworks', 'deployments'), before, 'the fake has no deployment left');
  await nodeStatus(page, 7, 'not_started');
  await page.getByTestId('fireworks-serve-first').waitFor();
  await shot(page, 'fireworks-rolledback');
  assert.deepEqual(app.errors, []);
});

test('serve an Azure fine-tuned model on a deployment, ask it in the playground, roll it back', { timeout: 120_000 }, async (t) => {
  const { page } = app;
  const f = fakes();
  assert.ok(f.azure, 'the fakes program serves azure');
  const arm = await peek('azure', 'settings');
  const name = unique('serveaz');
  const id = await createCodeWordDataset(page, name, 20, (i) => `kiwi${i}v`);
  await call(page, 'Grader.Save', id, script('contains'));
  const provider = await call(page, 'Settings.AddProvider', {
    name: unique('az'),
    kind: 'azure',
    base_url: f.azure,
    api_key: 'az-e2e-data-plane-key',
    api_version: '2024-10-21',
    azure_arm: { ...arm, arm_url: f.azure, login_url: f.azure },
  });
  providers.push(provider.id);
  const listed = (await call(page, 'Settings.Providers')).find((p) => p.id === provider.id);
  assert.equal(listed.azure_arm.has_secret, true, 'the client secret is stored');
  assert.equal(listed.azure_arm.client_secret, '', 'and never shown');
  const job = await trainUntilDone(page, id, { trainer: 'azure', provider: provider.name, model: 'o4-mini-2025-04-16' });
  const tuned = job.fine_tuned_model;
  t.diagnostic(`training job ${job.job} → ${tuned}`);

  // Step 7 says the model must be deployed first; the form asks a capacity and says it bills by the hour.
  await openStep7(page, name);
  await nodeStatus(page, 7, 'not_started');
  assert.match(await text(page.getByTestId('step7')), /Needs: deploy the Azure fine-tuned model/);
  assert.match(await text(page.getByTestId('azure-serve-first')), /hosting billed by the hour, whether used or not/);
  await page.getByTestId('azure-serve-open').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.getByTestId('deploy-target').inputValue(), 'azure');
  const capacity = page.getByTestId('deploy-capacity');
  assert.equal(await capacity.inputValue(), '1');
  assert.match(await text(page.getByTestId('deploy-form')), /at capacity 1 Azure allows only about 1 request per minute/);
  assert.match(
    await text(page.getByTestId('deploy-cost-note')),
    /bills a deployed fine-tuned model's hosting by the hour, whether it is used or not/,
  );
  await capacity.fill('5');
  assert.ok(!(await text(page.getByTestId('deploy-form'))).includes('so a benchmark crawls'), 'the warning is for capacity 1');
  await page.getByTestId('deploy-preview').click();
  const summary = page.getByTestId('deploy-summary');
  await summary.waitFor({ timeout: 30_000 });
  const plain = await text(summary);
  const depName = plain.match(/call it as model "([^"]+)"/)?.[1];
  assert.ok(depName?.startsWith('tt-'), plain);
  assert.ok(plain.includes(`on Azure OpenAI resource ${arm.resource}`), plain);
  assert.ok(plain.includes('capacity 5 (5,000 tokens per minute)'), plain);
  assert.deepEqual(await peek('azure', 'deployments'), [], 'the preview creates nothing');
  await shot(page, 'azure-preview');

  // Deploy (Enter confirms): Creating, then Succeeded but still starting
  // (the fake's first chat is DeploymentNotReady; each answer takes 300 ms,
  // as a real one does), then ready.
  await control('azure', 'latency', { n: 300 });
  const phases = await watchProgress(page);
  await page.getByTestId('deploy-start').click();
  assert.ok((await confirmByKeyboard(page, 'Create deployment')).includes('It bills by the hour.'));
  const status = page.getByTestId('deploy-status');
  await status.getByTestId('deploy-state').getByText('active', { exact: true }).waitFor({ timeout: 30_000 });
  await control('azure', 'latency', { n: 0 });
  const { phases: seen, node } = await phases();
  t.diagnostic(`progress: ${JSON.stringify(seen)}; Deploy node: ${JSON.stringify(node)}`);
  assert.ok(node[0] === 'not_started' && node.includes('processing'), `the Deploy node was busy while serving: ${JSON.stringify(node)}`);
  const at = (re) => seen.findIndex((m) => re.test(m));
  const creating = at(new RegExp(`^${depName}: Creating for `));
  const starting = at(/Succeeded, still starting \(Azure: DeploymentNotReady\)/);
  assert.ok(creating >= 0 && starting > creating, `Creating, then still starting: ${JSON.stringify(seen)}`);
  assert.equal(await status.getByTestId('deploy-served-model').textContent(), depName);
  assert.match(await text(status.getByTestId('deploy-message')), new RegExp(`^ready: call model "${depName}" at .* \\(capacity 5;`));
  await nodeStatus(page, 7, 'complete');
  assert.match(await text(page.getByTestId('step-node-7')), new RegExp(`served on Azure as ${depName}`));
  assert.deepEqual(await peek('azure', 'deployments'), [{ Name: depName, Model: tuned, SKU: 'standard', State: 'Succeeded', Capacity: 5 }]);
  await shot(page, 'azure-ready');

  // The playground's tuned answer comes from the deployment.
  const calls = (await peek('azure', 'requests')).length;
  await page.getByTestId('step7-tab-playground').click();
  const prompt = 'Question 7: the code word is kiwi7v. Repeat it.';
  await page.getByTestId('playground-prompt').fill(prompt);
  await page.getByTestId('playground-send').click();
  await page.waitForFunction(
    () => ['base', 'tuned'].every((s) => document.querySelector(`[data-testid="playground-${s}"]`)?.dataset.state === 'done'),
    null,
    { timeout: 30_000 },
  );
  assert.equal(await page.getByTestId('playground-tuned-text').textContent(), `echo: ${prompt}`);
  assert.ok((await page.getByTestId('playground-tuned').textContent()).includes(depName));
  const asked = (await peek('azure', 'requests')).slice(calls);
  assert.ok(
    asked.some((r) => r.model === depName && r.path === `/openai/deployments/${depName}/chat/completions`),
    `a chat went to the deployment: ${JSON.stringify(asked)}`,
  );
  await shot(page, 'azure-playground');

  // Rollback (from the keyboard) deletes the deployment.
  await page.getByTestId('deploy-rollback').click();
  assert.match(
    await confirmByKeyboard(page, 'Roll back'),
    new RegExp(`Deletes the Azure deployment ${depName}: .*hourly hosting billing stops`),
  );
  await page.getByTestId('deploy-state').getByText('rolled back', { exact: true }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await peek('azure', 'deployments'), [], 'deleted on Azure');
  await nodeStatus(page, 7, 'not_started');
  await page.getByTestId('azure-serve-first').waitFor();
  await shot(page, 'azure-rolledback');
  assert.deepEqual(app.errors, []);
});
