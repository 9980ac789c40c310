// The window API: the title, the version, the data folder, and the native
// menu's events. The only place that calls the generated Window bindings.
import * as W from '../../../wailsjs/go/app/Window';
import * as S from '../../../wailsjs/go/app/Settings';
import { EventsOn } from '../../../wailsjs/runtime/runtime';
import { app } from '../../../wailsjs/go/models';

/** Titles the window after a dataset (0: no dataset open). */
export const showDataset = (id: number): Promise<void> => W.ShowDataset(id);
export const appVersion = (): Promise<string> => W.Version();
export const dataDir = (): Promise<string> => S.DataDir();
export const openDataDir = (): Promise<void> => S.OpenDataDir();

export const onMenuNewDataset = (cb: () => void): (() => void) => EventsOn(app.Event.MenuNewDataset, cb);
export const onMenuImport = (cb: () => void): (() => void) => EventsOn(app.Event.MenuImport, cb);
export const onMenuExport = (cb: () => void): (() => void) => EventsOn(app.Event.MenuExport, cb);
