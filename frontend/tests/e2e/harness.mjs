// Shared helpers for the browser end-to-end tests. run.sh starts the real app
// (`wails dev` under Xvfb, real Go services, a scratch data directory) and
// the fake remote services; each test file drives it with Debian's Chromium.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const APP_URL = process.env.TRACETUNE_URL || 'http://localhost:34115';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Launches Chromium on the app and waits until the Go bindings answer. */
export async function openApp() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // No hot reload mid-journey: vite's HMR socket (protocol "vite-hmr") never
  // connects, so an edit elsewhere in the tree cannot reload the page or
  // swap a component under a running test. The Wails IPC socket is untouched.
  await page.addInitScript(() => {
    class Quiet extends EventTarget {
      CONNECTING = 0;
      OPEN = 1;
      CLOSING = 2;
      CLOSED = 3;
      readyState = 0;
      send() {}
      close() {}
    }
    window.WebSocket = new Proxy(window.WebSocket, {
      construct(Native, args) {
        const p = args[1];
        return p === 'vite-hmr' || (Array.isArray(p) && p.includes('vite-hmr')) ? new Quiet() : new Native(...args);
      },
    });
  });
  await gotoApp(page);
  return { browser, page, errors, close: () => browser.close() };
}

/** Loads the app page and waits for the bindings (also after a restart). */
export async function gotoApp(page, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await page.goto(APP_URL, { waitUntil: 'load', timeout: 30_000 });
      await page.waitForFunction(() => window.go && window.go.app && window.go.app.Datasets, null, { timeout: 15_000 });
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await sleep(1000);
    }
  }
}

/** Calls a bound Go method in the page, e.g. call(page, 'Datasets.List'). */
export async function call(page, method, ...args) {
  return page.evaluate(
    async ([m, a]) => {
      const [struct, fn] = m.split('.');
      return window.go.app[struct][fn](...a);
    },
    [method, args],
  );
}

const scratch = mkdtempSync(join(process.env.TRACETUNE_E2E_TMP || tmpdir(), 'e2e-'));

/** Writes a scratch file (e.g. a JSONL fixture) and returns its path. */
export function scratchFile(name, content) {
  const p = join(scratch, name);
  writeFileSync(p, content);
  return p;
}

/** JSONL text from an array of values (strings are written as they are). */
export function jsonl(lines) {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}

/** The fake remote services run.sh started: {openai: url, langfuse: url, …}. */
export function fakes() {
  const f = process.env.TRACETUNE_FAKES;
  if (!f || !existsSync(f)) throw new Error('fake services are not running (TRACETUNE_FAKES unset)');
  return JSON.parse(readFileSync(f, 'utf8'));
}

/**
 * Restarts the desktop app process (a real restart of the Go side: the
 * database and keyring are read again from disk) and reloads the page.
 */
export async function restartApp(page) {
  const ctl = process.env.TRACETUNE_RESTART;
  if (!ctl) throw new Error('TRACETUNE_RESTART is unset: run the suite through run.sh');
  writeFileSync(ctl, String(Date.now()));
  const end = Date.now() + 180_000;
  while (existsSync(ctl)) {
    if (Date.now() > end) throw new Error('the app did not restart within 180 s');
    await sleep(500);
  }
  await gotoApp(page);
}

/** Unique names so test files never collide in the shared data directory. */
export function unique(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates a dataset of n records that ask the model to repeat a code word
 * (word(i), also the reference answer; every fourth asks without giving
 * it) and waits for its import; returns the dataset id.
 */
export async function createCodeWordDataset(page, name, n, word) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const ref = word(i);
    lines.push({
      messages: [
        {
          role: 'user',
          content: i % 4 === 0 ? `Question ${i}: what is the code word?` : `Question ${i}: the code word is ${ref}. Repeat it.`,
        },
        { role: 'assistant', content: ref },
      ],
      reference_answer: ref,
    });
  }
  const created = await call(page, 'Datasets.CreateFromFile', name, 'repeat the code word', scratchFile(`${name}.jsonl`, jsonl(lines)));
  const id = created.dataset.id;
  await waitJobsDone(page, id);
  return id;
}

/** Saves the grader edited in Step 4 once Save is enabled, and waits for the saved notice. */
export async function saveGraderInPanel(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="grader-save"]')?.disabled);
  await page.getByTestId('grader-save').click();
  await page
    .getByTestId('grader-notice')
    .getByText(/Saved as version/)
    .waitFor();
}

/** Waits until a dataset has no running job (two minutes at most). */
export async function waitJobsDone(page, id) {
  const end = Date.now() + 120_000;
  while ((await call(page, 'Jobs.Active', id)).length > 0) {
    if (Date.now() >= end) throw new Error(`jobs of dataset ${id} still running after 120 s`);
    await page.waitForTimeout(200);
  }
}

/** Waits until canvas node n shows status. */
export const nodeStatus = (page, n, status, timeout = 60_000) =>
  page.waitForFunction(
    ([n, s]) => document.querySelector(`[data-testid="step-node-${n}"]`)?.getAttribute('data-status') === s,
    [n, status],
    { timeout },
  );
