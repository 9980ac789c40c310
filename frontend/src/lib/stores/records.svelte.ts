// Which records dialogs are open on the canvas: View Issues, the records
// browser (with the filter it opened on) and the record viewer. Any panel
// can open them; RecordsDialogs renders them, the viewer on top.
export const recordsUI = $state({
  issues: false,
  // underServed: the topics Step 3's "View gaps" offers as quick filters.
  browser: null as null | { code: string; topic?: string; underServed?: { id: number; label: string }[] },
  viewer: 0, // record id; 0 = closed
  // dataset settings, opened on the field to change (View Issues' advice)
  settings: null as null | { focus: 'max' | 'min' | '' },
});

export function openIssues() {
  recordsUI.issues = true;
}

/**
 * Opens the records browser on a validity code and, optionally, a topic
 * ("-1": uncategorized), offering underServed topics as one-click filters.
 */
export function openBrowser(code = '', topic = '', underServed: { id: number; label: string }[] = []) {
  recordsUI.browser = { code, topic, underServed };
}

export function openRecord(id: number) {
  recordsUI.viewer = id;
}

/** Opens the dataset settings, on the maximum prompt tokens or the minimum user message length. */
export function openSettings(focus: 'max' | 'min' | '' = '') {
  recordsUI.settings = { focus };
}

export function closeAllRecords() {
  recordsUI.issues = false;
  recordsUI.browser = null;
  recordsUI.viewer = 0;
  recordsUI.settings = null;
}
