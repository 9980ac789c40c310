import { describe, expect, it } from 'vitest';
import { ago, bytes, duration, jobAmounts, percent, rate, recordName, thousands } from '../../src/lib/format';

describe('format', () => {
  it('groups thousands', () => {
    expect(thousands(1234567)).toBe('1,234,567');
    expect(thousands(0)).toBe('0');
  });
  it('gives percents and survives a zero total', () => {
    expect(percent(1, 3)).toBe('33.3%');
    expect(percent(5, 0)).toBe('0%');
  });
  it('formats durations for an ETA', () => {
    expect(duration(42)).toBe('42 s');
    expect(duration(185)).toBe('3 min 5 s');
    expect(duration(3720)).toBe('1 h 2 min');
    expect(duration(-1)).toBe('—');
  });
  it('formats rates', () => {
    expect(rate(12345.6, 'records')).toBe('12,346 records/s');
    expect(rate(2.25, 'calls')).toBe('2.3 calls/s');
    expect(rate(0, 'x')).toBe('');
  });
  it('formats sizes', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(84 * 1024 * 1024)).toBe('84.0 MB');
  });
  it('says how long ago', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(ago('2026-11-24T11:59:50Z', now)).toBe('just now');
    expect(ago('2026-11-24T11:30:00Z', now)).toBe('30 min ago');
    expect(ago('2026-11-20T11:30:00Z', now)).toBe('2026-11-20');
    expect(ago('0001-01-01T00:00:00Z', now)).toBe('—');
  });
  it('reads file imports in bytes and other jobs in items', () => {
    expect(
      jobAmounts({ done: 42 * 1024 * 1024, total: 84 * 1024 * 1024, rate: 31 * 1024 * 1024, message: 'importing traces.jsonl' }),
    ).toEqual({
      done: '42.0 MB',
      total: '84.0 MB',
      rate: '31.0 MB/s',
    });
    expect(jobAmounts({ done: 1200, total: 5000, rate: 0, message: 'Topics: categorizing' })).toEqual({
      done: '1,200',
      total: '5,000',
      rate: '',
    });
  });
});

describe('recordName', () => {
  it('names a record by its line in the imported file when it has one', () => {
    expect(recordName(48213, 5)).toBe('line 5');
    expect(recordName(48213, 12034)).toBe('line 12,034');
  });
  it('falls back to the stored id for pulled or generated records', () => {
    expect(recordName(48213, 0)).toBe('record #48213');
    expect(recordName(7, null)).toBe('record #7');
  });
});
