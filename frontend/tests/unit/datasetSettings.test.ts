import { describe, expect, it } from 'vitest';
import { checkSettings } from '../../src/lib/datasetSettings';

describe('checkSettings', () => {
  const cases: { name: string; min: string; max: string; value: unknown; minError: RegExp | ''; maxError: RegExp | '' }[] = [
    { name: 'accepts the defaults', min: '10', max: '8000', value: { min_user_chars: 10, max_tokens: 8000 }, minError: '', maxError: '' },
    {
      name: 'reads thousands separators',
      min: '1',
      max: '16,000',
      value: { min_user_chars: 1, max_tokens: 16000 },
      minError: '',
      maxError: '',
    },
    {
      name: 'accepts the highest limits',
      min: '10000',
      max: '1000000',
      value: { min_user_chars: 10000, max_tokens: 1000000 },
      minError: '',
      maxError: '',
    },
    { name: 'refuses a maximum over a million', min: '10', max: '1000001', value: null, minError: '', maxError: /between 1 and 1,000,000/ },
    { name: 'refuses a zero minimum', min: '0', max: '8000', value: null, minError: /between 1 and 10,000/, maxError: '' },
    { name: 'refuses a minimum over ten thousand', min: '10001', max: '8000', value: null, minError: /between 1 and 10,000/, maxError: '' },
    { name: 'refuses a fraction', min: '2.5', max: '8000', value: null, minError: /whole number/, maxError: '' },
    { name: 'refuses a negative number', min: '10', max: '-5', value: null, minError: '', maxError: /whole number/ },
    {
      name: 'asks for empty fields, each for itself',
      min: '',
      max: ' ',
      value: null,
      minError: /Give the minimum/,
      maxError: /Give the maximum/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = checkSettings(c.min, c.max);
      expect(r.value).toEqual(c.value);
      if (c.minError) expect(r.minError).toMatch(c.minError);
      else expect(r.minError).toBe('');
      if (c.maxError) expect(r.maxError).toMatch(c.maxError);
      else expect(r.maxError).toBe('');
    });
  }
});
