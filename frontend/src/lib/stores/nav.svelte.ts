// Which screen is showing. The app has three places (datasets list, new
// dataset, a dataset's canvas) plus settings; no URL router is needed.
export type Screen = 'datasets' | 'new' | 'canvas' | 'settings';

export const nav = $state({ screen: 'datasets' as Screen, datasetId: 0, step: 0 });

export function go(screen: Screen, datasetId = 0, step = 0) {
  nav.screen = screen;
  nav.datasetId = datasetId;
  nav.step = step;
}
