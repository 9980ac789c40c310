// A request, from the canvas header's "Upload topics (JSON)…", that step 2
// open its topics import (file picker, then keep/clear) as soon as its
// panel shows. The panel may not be mounted when the menu item is chosen,
// so the request waits here until the panel of that dataset takes it.
const pending = $state({ datasetId: 0 });

/** Asks step 2 of this dataset to open the topics import. */
export function requestTopicsImport(datasetId: number) {
  pending.datasetId = datasetId;
}

/** Whether an import was asked for this dataset; answering true clears the request, so it opens once. */
export function takeTopicsImport(datasetId: number): boolean {
  if (!datasetId || pending.datasetId !== datasetId) return false;
  pending.datasetId = 0;
  return true;
}

/** The dataset whose step 2 should open the import (0: none); reading it lets an effect follow new requests. */
export const topicsImportRequested = () => pending.datasetId;
