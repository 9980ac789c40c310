// Settings journey (issue 4): add a provider pointing at the fake
// OpenAI-compatible server, Test Connection lists its models, assign roles,
// restart the app, and everything (key included) is still there.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, fakes, openApp, restartApp, unique } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

async function openSettings(page) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('heading', { name: 'Model providers' }).waitFor();
}

test('add a provider, test its connection, assign roles, survive a restart', async () => {
  const { page } = app;
  const fakeURL = fakes().openai;
  const name = unique('fake-openai');
  const key = `sk-e2e-${Date.now().toString(36)}-secret`;

  await openSettings(page);
  // Where keys go is stated on the page (a file here: no Secret Service under Xvfb).
  const note = page.getByTestId('key-storage-note');
  await note.waitFor();
  assert.match(await note.textContent(), /keyring|0600/);

  await page.getByTestId('provider-new').click();
  const form = page.getByTestId('provider-form');
  await form.getByTestId('provider-name').fill(name);
  await form.getByTestId('provider-kind').selectOption('other');
  await form.getByTestId('provider-url').fill(fakeURL);
  await form.getByTestId('provider-key-input').fill(key);
  assert.equal(await form.getByTestId('provider-key-input').getAttribute('type'), 'password');
  await form.getByTestId('provider-save').click();
  await form.waitFor({ state: 'detached' });

  const row = page.locator(`[data-testid="provider-row"][data-name="${name}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId('provider-key').textContent(), 'set');
  // The key never comes back to the page.
  assert.ok(!(await page.content()).includes(key));
  assert.ok(!JSON.stringify(await call(page, 'Settings.Providers')).includes(key));

  // Test Connection lists the fake's models.
  await row.getByTestId('provider-test').click();
  const models = page.locator(`[data-testid="provider-models"][data-name="${name}"]`);
  await models.waitFor();
  const listed = await models.locator('li').allTextContents();
  assert.ok(listed.includes('fake-chat') && listed.includes('fake-embed'), `models: ${listed}`);

  // Assign the judge and embedding roles from the tested models.
  for (const [role, model] of [
    ['judge', 'fake-judge'],
    ['embedding', 'fake-embed'],
  ]) {
    const r = page.locator(`[data-testid="role-row"][data-role="${role}"]`);
    await r.getByTestId('role-provider').selectOption(name);
    await r.getByTestId('role-model').selectOption(model);
    await r.getByTestId('role-save').click();
    await r.getByText('Saved').waitFor();
  }

  // Restart the app: settings come back from the database, the key from the keyring file.
  await restartApp(page);
  await openSettings(page);
  const row2 = page.locator(`[data-testid="provider-row"][data-name="${name}"]`);
  await row2.waitFor();
  assert.equal(await row2.getByTestId('provider-key').textContent(), 'set');
  const judge = page.locator('[data-testid="role-row"][data-role="judge"]');
  assert.equal(await judge.getByTestId('role-provider').inputValue(), name);
  assert.equal(await judge.getByTestId('role-model').inputValue(), 'fake-judge');
  const roles = await call(page, 'Settings.Roles');
  assert.deepEqual(
    roles.filter((r) => r.provider === name).map((r) => [r.role, r.model]),
    [
      ['judge', 'fake-judge'],
      ['embedding', 'fake-embed'],
    ],
  );
  // The restored provider still connects (its stored key is used).
  await row2.getByTestId('provider-test').click();
  await page.locator(`[data-testid="provider-models"][data-name="${name}"]`).waitFor();

  // Clean up the shared data directory: removing the provider unassigns its roles.
  await row2.getByTestId('provider-remove').click();
  await page.getByTestId('confirm').click(); // the app's own confirmation dialog
  await row2.waitFor({ state: 'detached' });
  const after = await call(page, 'Settings.Roles');
  assert.ok(!after.some((r) => r.provider === name));
  assert.deepEqual(app.errors, []);
});
