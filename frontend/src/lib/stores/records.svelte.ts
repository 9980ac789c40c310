// Which records dialogs are open on the canvas: View Issues, the records
// browser (with the filter it opened on) and the record viewer. Any panel
// can open them; RecordsDialogs renders them, the viewer on top.
export const recordsUI = $state({
  issues: false,
  browser: null as null | { code: string },
  viewer: 0, // record id; 0 = closed
});

export function openIssues() {
  recordsUI.issues = true;
}

export function openBrowser(code = '') {
  recordsUI.browser = { code };
}

export function openRecord(id: number) {
  recordsUI.viewer = id;
}

export function closeAllRecords() {
  recordsUI.issues = false;
  recordsUI.browser = null;
  recordsUI.viewer = 0;
}
