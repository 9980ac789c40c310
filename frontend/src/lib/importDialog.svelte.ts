// One import dialog for the whole app: the canvas buttons, the header menu
// and the native File → Import all open it with `openImport(...)`, and
// App.svelte renders the single ImportDialog. Nothing is imported before
// the user has seen the preview of the file and pressed Import.

export type ImportMode = 'append' | 'replace';

export interface ImportRequest {
  datasetId: number;
  name: string;
  /** Records the dataset has now (the replace warning names them). */
  total: number;
  mode: ImportMode;
}

export const importState = $state<{ current: ImportRequest | null }>({ current: null });

/** Opens the import dialog for a dataset (replacing one already open). */
export function openImport(req: ImportRequest) {
  importState.current = req;
}

export function closeImport() {
  importState.current = null;
}
