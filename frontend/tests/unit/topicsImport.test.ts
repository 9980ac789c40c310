import { describe, expect, it } from 'vitest';
import { requestTopicsImport, takeTopicsImport, topicsImportRequested } from '../../src/lib/stores/topicsImport.svelte';

describe('the header menu asks step 2 to open the topics import', () => {
  it('is taken once, by the panel of the dataset it was asked for', () => {
    requestTopicsImport(7);
    expect(topicsImportRequested()).toBe(7);
    expect(takeTopicsImport(3)).toBe(false);
    expect(takeTopicsImport(7)).toBe(true);
    expect(takeTopicsImport(7)).toBe(false);
    expect(topicsImportRequested()).toBe(0);
  });

  it('keeps only the latest request when another dataset asks', () => {
    requestTopicsImport(1);
    requestTopicsImport(2);
    expect(takeTopicsImport(1)).toBe(false);
    expect(takeTopicsImport(2)).toBe(true);
  });

  it('gives nothing to a panel without a dataset', () => {
    expect(takeTopicsImport(0)).toBe(false);
  });
});
