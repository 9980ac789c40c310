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
