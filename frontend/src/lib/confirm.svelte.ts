// One confirmation dialog for the whole app: `if (await confirm({...}))`.
// App.svelte renders the single ConfirmDialog that shows the request on
// top; a second request while one is open waits its turn.

export interface ConfirmRequest {
  title: string;
  message: string;
  /** The confirming button's text (default "Confirm"). */
  confirmLabel?: string;
  /** Draws the confirming button red; focus starts on Cancel. */
  danger?: boolean;
}

interface Pending extends ConfirmRequest {
  resolve: (ok: boolean) => void;
}

const queue: Pending[] = [];

/** The request on screen, or null. Read by ConfirmDialog. */
export const confirmState = $state<{ current: Pending | null }>({ current: null });

/** Asks the user; resolves true on confirm, false on cancel (or Escape). */
export function confirm(req: ConfirmRequest): Promise<boolean> {
  return new Promise((resolve) => {
    queue.push({ ...req, resolve });
    if (!confirmState.current) confirmState.current = queue.shift()!;
  });
}

/** Answers the request on screen and shows the next one, if any. */
export function answer(ok: boolean) {
  const p = confirmState.current;
  if (!p) return;
  confirmState.current = queue.shift() ?? null;
  p.resolve(ok);
}
