// Display names and colours for step statuses.
export const statusLabel: Record<string, string> = {
  waiting: 'Waiting',
  processing: 'Processing',
  complete: 'Complete',
  attention: 'Attention',
  failed: 'Failed',
  not_started: 'Not started',
};

export const stepShort = ['', 'Extract', 'Topics', 'Coverage', 'Grader', 'Dry Run', 'Train', 'Deploy'];

/**
 * Where the canvas puts its seven nodes so that all of them fit a flow of
 * width w at zoom 1: node width between 100 and 184 px, centred.
 */
export function stepLayout(w: number, count = 7): { nodeW: number; x0: number; spacing: number; y: number } {
  const gap = 24;
  const pad = 8;
  const nodeW = Math.max(100, Math.min(184, Math.floor((w - 2 * pad - (count - 1) * gap) / count)));
  const spacing = nodeW + gap;
  const used = count * nodeW + (count - 1) * gap;
  return { nodeW, x0: Math.max(pad, Math.floor((w - used) / 2)), spacing, y: 14 };
}
