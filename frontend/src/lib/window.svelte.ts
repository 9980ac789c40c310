// The window's side of the native menu and title: File → New dataset,
// Import and Export do what the page's own buttons do, and the title names
// the dataset whose canvas is open.
import { exportDataset, getDataset, pickExportPath } from './api/datasets';
import { onMenuExport, onMenuImport, onMenuNewDataset, showDataset } from './api/window';
import { errorText } from './errors';
import { thousands } from './format';
import { openImport } from './importDialog.svelte';
import { notify } from './notices.svelte';
import { go, nav } from './stores/nav.svelte';

let started = false;

export function followWindow() {
  if (started) return;
  started = true;
  onMenuNewDataset(() => go('new'));
  onMenuImport(() => void menuImport());
  onMenuExport(() => void menuExport());
  $effect.root(() => {
    $effect(() => {
      const id = nav.screen === 'canvas' ? nav.datasetId : 0;
      showDataset(id).catch(() => showDataset(0).catch(() => {}));
    });
  });
}

// Import appends to the open dataset; elsewhere a new dataset starts from a file.
async function menuImport() {
  if (nav.screen !== 'canvas' || !nav.datasetId) {
    go('new');
    return;
  }
  const id = nav.datasetId;
  try {
    const d = await getDataset(id);
    openImport({ datasetId: id, name: d.name, total: d.total, mode: 'append' }); // previews before importing
  } catch (e) {
    notify(errorText(e), 'error');
  }
}

async function menuExport() {
  if (nav.screen !== 'canvas' || !nav.datasetId) {
    notify('Open a dataset to export its records (or use Export on the datasets list).', 'info');
    return;
  }
  const id = nav.datasetId;
  try {
    const path = await pickExportPath(id, '.jsonl');
    if (!path) return;
    const n = await exportDataset(id, path, false, 'original');
    notify(`Exported ${thousands(n)} records to ${path}.`);
  } catch (e) {
    notify(errorText(e), 'error');
  }
}
