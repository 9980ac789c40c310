import { describe, expect, it } from 'vitest';
import { filterWords, parseStoredFilter } from '../../src/lib/pullFilter';

describe('the filter a pull applies, in words', () => {
  const cases: { name: string; json: string; words: string }[] = [
    {
      name: 'names the model and excluded errors',
      json: '{"model":"gpt-4o-mini","exclude_errors":true}',
      words: 'gpt-4o-mini only · errors excluded',
    },
    { name: 'says every trace when nothing filters', json: '{}', words: 'every trace (no filter)' },
    { name: 'lists text and tools', json: '{"text":"refund","has_tools":true}', words: 'containing “refund” · with tool calls only' },
    { name: 'treats unreadable text as no filter', json: 'not json', words: 'every trace (no filter)' },
    { name: 'treats an empty string as no filter', json: '', words: 'every trace (no filter)' },
    { name: 'ignores a blank model', json: '{"model":"  ","exclude_errors":true}', words: 'errors excluded' },
  ];
  for (const c of cases) {
    it(c.name, () => expect(filterWords(parseStoredFilter(c.json))).toBe(c.words));
  }
});
