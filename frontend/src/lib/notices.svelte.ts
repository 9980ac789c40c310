// Notices: short confirmations of what just happened ("Exported 120
// records to …"). App.svelte shows them in one fixed corner that never
// moves the layout; each expires by itself (errors stay a little longer)
// and can be dismissed.

export type NoticeKind = 'ok' | 'info' | 'error';

export interface Notice {
  id: number;
  text: string;
  kind: NoticeKind;
}

/** How long a notice stays, in ms. */
export const noticeLife: Record<NoticeKind, number> = { ok: 6000, info: 6000, error: 12000 };

/** At most this many notices at once: the oldest goes first. */
const maxShown = 4;

export const notices = $state<{ list: Notice[] }>({ list: [] });

let seq = 0;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

/** Shows a notice; returns its id (for dismiss). */
export function notify(text: string, kind: NoticeKind = 'ok'): number {
  const id = ++seq;
  notices.list.push({ id, text, kind });
  while (notices.list.length > maxShown) dismiss(notices.list[0].id);
  timers.set(
    id,
    setTimeout(() => dismiss(id), noticeLife[kind]),
  );
  return id;
}

export function dismiss(id: number) {
  clearTimeout(timers.get(id));
  timers.delete(id);
  const i = notices.list.findIndex((n) => n.id === id);
  if (i >= 0) notices.list.splice(i, 1);
}
