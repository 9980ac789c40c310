// The preview of a file about to be imported (a new dataset, or an append
// or replace on the canvas): the chosen path, the person's choices and what
// importing would store. Answers to superseded previews are dropped.
import { previewFile, type ImportChoices, type Preview } from './api/datasets';
import { errorText } from './errors';

export class FilePreview {
  path = $state('');
  choices = $state<ImportChoices>({});
  preview = $state<Preview | null>(null);
  loading = $state(false);
  error = $state('');
  #seq = 0;

  /** Previews another file with no choices made yet ("" clears it). */
  setPath(p: string) {
    this.path = p;
    this.choices = {};
    this.preview = null;
    this.error = '';
    if (p) void this.#load();
  }

  /** Previews the same file again with changed choices. */
  change(c: ImportChoices) {
    this.choices = c;
    if (this.path) void this.#load();
  }

  async #load() {
    const mine = ++this.#seq;
    this.loading = true;
    this.error = '';
    try {
      const r = await previewFile(this.path, this.choices);
      if (mine === this.#seq) this.preview = r;
    } catch (e) {
      if (mine === this.#seq) {
        this.preview = null;
        this.error = errorText(e);
      }
    } finally {
      if (mine === this.#seq) this.loading = false;
    }
  }
}
