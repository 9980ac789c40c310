import { describe, expect, it } from 'vitest';
import { errorText } from '../../src/lib/errors';

describe('errorText', () => {
  it('reads a Go error as Wails rejects it: a string, first letter raised', () => {
    expect(errorText('create dataset: a dataset with that name already exists')).toBe(
      'Create dataset: a dataset with that name already exists',
    );
  });
  it('reads an Error without the "Error: " prefix String() would add', () => {
    expect(errorText(new Error('k must be a whole number'))).toBe('K must be a whole number');
    expect(errorText('Error: dial tcp 127.0.0.1:9: connection refused')).toBe('Dial tcp 127.0.0.1:9: connection refused');
  });
  it('reads objects that carry a message, an error or a nested one', () => {
    expect(errorText({ message: 'not found' })).toBe('Not found');
    expect(errorText({ error: 'timeout' })).toBe('Timeout');
    expect(errorText({ error: { message: 'quota exceeded' } })).toBe('Quota exceeded');
  });
  it('never answers an empty or useless text', () => {
    for (const v of [undefined, null, '', '   ', {}, new Error('')]) {
      const t = errorText(v);
      expect(t.length).toBeGreaterThan(10);
      expect(t).not.toContain('[object');
      expect(t).not.toBe('undefined');
    }
  });
  it('shows other objects as JSON and other values as text', () => {
    expect(errorText({ code: 409 })).toBe('{"code":409}');
    expect(errorText(42)).toBe('42');
  });
  it('survives a circular object', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(errorText(o)).toMatch(/went wrong/);
  });
});
