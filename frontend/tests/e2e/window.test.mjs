// The window as a keyboard user and a small screen meet it: dialogs are
// walked with the keyboard only (focus moves in, Tab stays inside, focus
// comes back, Escape never throws an edit away without asking), and the
// datasets list and the canvas are checked for clipped controls at the
// app's own sizes (1024×700 and 1280×800), with screenshots kept in
// build/screenshots/.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, jsonl, openApp, scratchFile, unique } from './harness.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '../../../build/screenshots');

let app;
before(async () => {
  app = await openApp();
  mkdirSync(shots, { recursive: true });
});
after(async () => {
  await app?.close();
});

const prompt = (text) => ({ messages: [{ role: 'user', content: text }] });

/** Creates a small dataset (4 valid records, 1 too short) and waits for its chain. */
async function dataset(page, prefix) {
  const name = unique(prefix);
  const file = scratchFile(
    `${name}.jsonl`,
    jsonl([
      prompt('How do I reset my password on the mobile app?'),
      prompt('What is the refund policy for annual plans?'),
      prompt('Can I change the billing email on my account?'),
      prompt('Where do I download last month’s invoice as a PDF?'),
      prompt('hi'),
    ]),
  );
  const created = await call(page, 'Datasets.CreateFromFile', name, 'Answer account questions', file);
  const end = Date.now() + 120_000;
  while ((await call(page, 'Jobs.Active', created.dataset.id)).length > 0) {
    assert.ok(Date.now() < end, `jobs of ${name} still running after 120 s`);
    await page.waitForTimeout(200);
  }
  return { name, id: created.dataset.id };
}

/** The focused element, described: its test id, its text, whether it sits in the top dialog. */
async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    const dialogs = [...document.querySelectorAll('[role="dialog"]')];
    const top = dialogs[dialogs.length - 1];
    return {
      testid: a?.getAttribute('data-testid') ?? '',
      text: (a?.textContent ?? '').trim(),
      tag: a?.tagName ?? '',
      inTopDialog: !!top && top.contains(a),
      dialogs: dialogs.length,
      topTitle: top?.querySelector('h2')?.textContent ?? '',
    };
  });
}

/** Presses Tab until the focused element matches selector (keyboard only). */
async function tabTo(page, selector, max = 800) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => !!document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}; focus is on ${JSON.stringify(await focused(page))}`);
}

/** Tab and Shift+Tab n times each: focus must stay in the top dialog. */
async function assertTrapped(page, n) {
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < n; i++) {
      await page.keyboard.press(key);
      const f = await focused(page);
      assert.ok(f.inTopDialog, `${key} #${i + 1} left the dialog: ${JSON.stringify(f)}`);
    }
  }
}

async function waitDialogs(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('[role="dialog"]').length === k, n);
}

test('dialogs by keyboard only: focus in, Tab trapped, focus back, Escape asks before discarding', async () => {
  const { page } = app;
  const ds = await dataset(page, 'keyboard');
  await page.reload();
  await page.waitForFunction(() => window.go && window.go.app && window.go.app.Datasets);
  const row = `[data-testid="dataset-row"][data-name="${ds.name}"]`;
  await page.locator(row).waitFor();

  // Open the dataset from the list with the keyboard.
  await tabTo(page, `${row} [data-testid="open"]`);
  await page.keyboard.press('Enter');
  await page.getByTestId('canvas-title').waitFor();

  // View Issues: the dialog takes focus and keeps Tab inside.
  await tabTo(page, '[data-testid="view-issues"]');
  await page.keyboard.press('Enter');
  await page.getByTestId('issues-dialog').waitFor();
  await page.waitForFunction(() => document.querySelector('[role="dialog"]')?.contains(document.activeElement));
  assert.equal((await focused(page)).topTitle, 'Issues');
  await assertTrapped(page, 8);

  // The example record opens over it; Edit JSON puts focus in the editor.
  await tabTo(page, '[data-testid="issue-example"]', 40);
  await page.keyboard.press('Enter');
  await page.getByTestId('record-viewer').waitFor();
  await waitDialogs(page, 2);
  assert.ok((await focused(page)).inTopDialog, 'the record viewer took focus');
  await assertTrapped(page, 6);
  await tabTo(page, '[data-testid="record-edit"]', 40);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'record-json');
  await page.keyboard.press('End');
  await page.keyboard.type(' ');
  const edited = await page.getByTestId('record-json').inputValue();

  // Escape with an unsaved edit asks; Cancel (focused first: it is the safe
  // answer) keeps the edit and gives focus back to the editor.
  await page.keyboard.press('Escape');
  await waitDialogs(page, 3);
  let f = await focused(page);
  assert.equal(f.topTitle, 'Discard changes?');
  assert.equal(f.testid, 'confirm-cancel', `focus on the discard question: ${JSON.stringify(f)}`);
  await assertTrapped(page, 3);
  await tabTo(page, '[data-testid="confirm-cancel"]', 10);
  await page.keyboard.press('Enter');
  await waitDialogs(page, 2);
  assert.equal(await page.getByTestId('record-json').inputValue(), edited, 'Cancel kept the edit');
  assert.equal((await focused(page)).testid, 'record-json', 'focus is back in the editor');

  // Escape again, this time discard: the viewer closes and focus returns to
  // the example button that opened it, in the issues dialog.
  await page.keyboard.press('Escape');
  await waitDialogs(page, 3);
  await tabTo(page, '[data-testid="confirm"]', 10);
  assert.equal((await focused(page)).text, 'Discard changes');
  await page.keyboard.press('Enter');
  await page.getByTestId('record-viewer').waitFor({ state: 'detached' });
  f = await focused(page);
  assert.equal(f.testid, 'issue-example', `focus after the viewer closed: ${JSON.stringify(f)}`);
  assert.equal(f.topTitle, 'Issues');
  const rec = await call(page, 'Records.Get', (await call(page, 'Records.Health', ds.id)).codes[0].examples[0]);
  assert.equal(rec.code, 'user_message_too_short', 'the discarded edit was not saved');

  // Escape without edits closes at once; focus returns to View Issues.
  await page.keyboard.press('Escape');
  await page.getByTestId('issues-dialog').waitFor({ state: 'detached' });
  assert.equal((await focused(page)).testid, 'view-issues');

  // Back to the list; Delete's confirmation is reachable and answerable by keyboard.
  await tabTo(page, '[data-testid="back"]');
  await page.keyboard.press('Enter');
  await page.locator(row).waitFor();
  const del = `${row} [data-testid="delete"]`;
  await tabTo(page, del);
  await page.keyboard.press('Enter');
  await page.getByText(`Delete “${ds.name}” and its 5 records?`).waitFor();
  f = await focused(page);
  assert.equal(f.testid, 'confirm-cancel', 'a destructive question starts on Cancel');
  await assertTrapped(page, 4);
  await page.keyboard.press('Escape');
  await waitDialogs(page, 0);
  assert.ok(await page.evaluate((s) => document.activeElement?.matches(s), del), 'focus is back on Delete');
  assert.ok(await page.locator(row).isVisible(), 'Escape deleted nothing');
  await page.keyboard.press('Enter');
  await waitDialogs(page, 1);
  await tabTo(page, '[data-testid="confirm"]', 10);
  await page.keyboard.press('Enter');
  await page.locator(row).waitFor({ state: 'detached' });
  assert.ok(!(await call(page, 'Datasets.List')).some((d) => d.name === ds.name));
  assert.deepEqual(app.errors, []);
});

/**
 * Controls (buttons, fields) that are cut off: partly outside the window,
 * or outside an ancestor that hides its overflow. Hidden ones are skipped;
 * controls below the fold of a page that scrolls vertically are not cut.
 */
async function clippedControls(page) {
  return page.evaluate(() => {
    const W = window.innerWidth;
    const out = [];
    const label = (el) =>
      `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} “${(el.textContent || el.getAttribute('aria-label') || el.getAttribute('placeholder') || '').trim().slice(0, 40)}”`;
    for (const el of document.querySelectorAll('button, select, input:not([type="hidden"]), textarea, [data-testid^="step-node-"]')) {
      const r = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      if (!r.width || !r.height || st.visibility === 'hidden') continue;
      if (r.left < -0.5 || r.right > W + 0.5) out.push(`${label(el)} spans x ${Math.round(r.left)}–${Math.round(r.right)} of ${W}`);
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX !== 'hidden' && s.overflowX !== 'clip') continue;
        const p = a.getBoundingClientRect();
        if (r.left < p.left - 0.5 || r.right > p.right + 0.5) out.push(`${label(el)} is cut by ${a.className || a.tagName} horizontally`);
        if (s.overflowY === 'hidden' && (r.top < p.top - 0.5 || r.bottom > p.bottom + 0.5))
          out.push(`${label(el)} is cut by ${a.className || a.tagName} vertically`);
        break;
      }
    }
    if (document.documentElement.scrollWidth > W) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${W}`);
    return out;
  });
}

/** Waits (up to 10 s: the canvas lays its nodes out after measuring) until locator is inside the viewport. */
async function boxInViewport(page, locator, what) {
  const vp = page.viewportSize();
  const inside = (b) => b && b.x >= 0 && b.y >= 0 && b.x + b.width <= vp.width + 0.5 && b.y + b.height <= vp.height + 0.5;
  const end = Date.now() + 10_000;
  let b = null;
  for (;;) {
    b = await locator.boundingBox().catch(() => null);
    if (inside(b) || Date.now() > end) break;
    await page.waitForTimeout(100);
  }
  assert.ok(b, `${what} is not visible`);
  assert.ok(inside(b), `${what} at ${JSON.stringify(b)} is outside ${vp.width}×${vp.height}`);
}

test('layout at 1024×700 and 1280×800: nothing clipped, all seven steps visible, notices beside the layout', async (t) => {
  const { page } = app;
  const ds = await dataset(page, 'layout-with-a-rather-long-dataset-name');
  const out = scratchFile(`${ds.name}.export.jsonl`, '');
  try {
    for (const [w, h] of [
      [1024, 700],
      [1280, 800],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      await page.reload();
      await page.waitForFunction(() => window.go && window.go.app && window.go.app.Datasets);

      // Datasets list: every row keeps Open and Delete on screen.
      const row = page.locator(`[data-testid="dataset-row"][data-name="${ds.name}"]`);
      await row.waitFor();
      await row.scrollIntoViewIfNeeded();
      await boxInViewport(page, row.getByRole('button', { name: 'Open' }), `Open at ${w}×${h}`);
      await boxInViewport(page, row.getByTestId('delete'), `Delete at ${w}×${h}`);
      await page.screenshot({ path: join(shots, `layout-datasets-${w}x${h}.png`) });
      assert.deepEqual(await clippedControls(page), [], `datasets list at ${w}×${h}`);

      // The canvas: the header, all seven steps, the step panel.
      await row.getByRole('button', { name: 'Open' }).click();
      await page.getByTestId('canvas-title').waitFor();
      for (let n = 1; n <= 7; n++) await boxInViewport(page, page.getByTestId(`step-node-${n}`), `step ${n} at ${w}×${h}`);
      await boxInViewport(page, page.getByTestId('data-menu'), `the data menu at ${w}×${h}`);
      await boxInViewport(page, page.getByTestId('view-issues'), `View Issues at ${w}×${h}`);
      await page.getByTestId('step-node-2').click();
      await page.getByTestId('step2').waitFor();
      await page.screenshot({ path: join(shots, `layout-canvas-${w}x${h}.png`) });
      assert.deepEqual(await clippedControls(page), [], `canvas at ${w}×${h}`);

      // An export notice appears in its corner: the header does not move.
      const header = await page.locator('header.head').boundingBox();
      const flow = await page.getByTestId('canvas').boundingBox();
      await page.evaluate((p) => {
        window.go.app.Datasets.PickExportPath = () => Promise.resolve(p);
      }, out);
      await page.getByTestId('data-menu').click();
      await page.getByRole('menuitem', { name: 'Download records…' }).click();
      await page.getByTestId('export-start').click();
      const notice = page.getByTestId('notice').filter({ hasText: 'Exported 5 records' });
      await notice.waitFor();
      assert.deepEqual(await page.locator('header.head').boundingBox(), header, 'the notice moved the header');
      assert.deepEqual(await page.getByTestId('canvas').boundingBox(), flow, 'the notice moved the canvas');
      await boxInViewport(page, notice, `the notice at ${w}×${h}`);
      await page.screenshot({ path: join(shots, `layout-notice-${w}x${h}.png`) });
      // Notices expire by themselves.
      await notice.waitFor({ state: 'detached', timeout: 15_000 });
    }

    // Resizing on the canvas keeps every step visible.
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.waitForFunction(() => {
      const n = document.querySelector('[data-testid="step-node-7"]')?.getBoundingClientRect();
      return n && n.right <= window.innerWidth;
    });
    for (let n = 1; n <= 7; n++) await boxInViewport(page, page.getByTestId(`step-node-${n}`), `step ${n} after resizing to 1024×700`);
    assert.deepEqual(await clippedControls(page), [], 'canvas after resizing');
    t.diagnostic(`screenshots in ${shots}`);
    assert.deepEqual(app.errors, []);
  } finally {
    await page.setViewportSize({ width: 1400, height: 900 });
    await call(page, 'Datasets.Delete', ds.id);
  }
});
