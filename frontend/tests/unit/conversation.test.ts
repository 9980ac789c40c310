import { describe, expect, it } from 'vitest';
import {
  contentText,
  editText,
  entries,
  editProblem,
  editSource,
  outputTurns,
  parseConfidence,
  prettyArgs,
  toolNames,
  toTurns,
} from '../../src/lib/conversation';

describe('prettyArgs', () => {
  it('re-indents JSON-encoded arguments', () => {
    expect(prettyArgs('{"city":"Paris","days":[1,2]}')).toBe('{\n  "city": "Paris",\n  "days": [\n    1,\n    2\n  ]\n}');
  });
  it('keeps arguments that are not JSON exactly as they were', () => {
    expect(prettyArgs('{"city": "Par')).toBe('{"city": "Par');
    expect(prettyArgs('not json at all')).toBe('not json at all');
  });
  it('pretty-prints arguments already given as an object, and empties', () => {
    expect(prettyArgs({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyArgs('')).toBe('');
    expect(prettyArgs(undefined)).toBe('');
  });
});

describe('contentText', () => {
  it('reads strings, part arrays and null', () => {
    expect(contentText('hello')).toBe('hello');
    expect(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ]),
    ).toBe('a\nb');
    expect(contentText(null)).toBe('');
  });
  it('names non-text parts instead of dropping them', () => {
    expect(contentText([{ type: 'image_url', image_url: { url: 'https://x/y.png' } }, { type: 'input_audio' }])).toBe(
      '[image_url: https://x/y.png]\n[input_audio]',
    );
  });
  it('keeps markup as literal text', () => {
    const evil = '<img src=x onerror="window.__xss=1">';
    expect(contentText(evil)).toBe(evil);
  });
});

describe('toTurns', () => {
  it('turns a tool-using conversation into display turns', () => {
    const turns = toTurns([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp": 21}' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
    expect(turns.map((t) => t.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(turns[2].toolCalls).toEqual([{ id: 'call_1', name: 'get_weather', args: '{\n  "city": "Paris"\n}' }]);
    expect(turns[2].text).toBe('');
    expect(turns[3].toolCallId).toBe('call_1');
    expect(turns[3].text).toBe('{"temp": 21}');
    expect(turns.some((t) => t.unknownRole)).toBe(false);
  });
  it('flags messages that are not objects or have an unknown role', () => {
    const turns = toTurns(['just a string', { role: 'narrator', content: 'Once upon a time' }, { content: 'no role' }]);
    expect(turns[0]).toMatchObject({ role: 'invalid', text: '"just a string"', unknownRole: true });
    expect(turns[1]).toMatchObject({ role: 'narrator', unknownRole: true });
    expect(turns[2]).toMatchObject({ role: '(no role)', unknownRole: true });
  });
  it('shows a tool call without id and a legacy function_call', () => {
    const [t] = toTurns([
      { role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: 'x' } }], function_call: { name: 'g', arguments: '{}' } },
    ]);
    expect(t.toolCalls).toEqual([
      { id: '', name: 'f', args: 'x' },
      { id: '', name: 'g', args: '{}' },
    ]);
  });
  it('gives no turns for anything but an array', () => {
    expect(toTurns(undefined)).toEqual([]);
    expect(toTurns({ role: 'user' })).toEqual([]);
  });
});

describe('outputTurns', () => {
  it('reads moved assistant messages (SFT answers)', () => {
    const t = outputTurns([{ role: 'assistant', content: 'Done.' }]);
    expect(t?.map((x) => [x.role, x.text])).toEqual([['assistant', 'Done.']]);
  });
  it('reads a chat completion', () => {
    const t = outputTurns({ id: 'x', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' } }] });
    expect(t?.[0].text).toBe('Hi there');
  });
  it('reads a single message and plain text', () => {
    expect(outputTurns({ role: 'assistant', content: 'ok' })?.[0].text).toBe('ok');
    expect(outputTurns('plain')?.[0]).toMatchObject({ role: 'assistant', text: 'plain' });
  });
  it('reads a Responses API output with a function call', () => {
    const t = outputTurns({
      output: [
        { type: 'function_call', call_id: 'c9', name: 'lookup', arguments: '{"q":1}' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Found it' }] },
      ],
    });
    expect(t?.[0].toolCalls[0]).toEqual({ id: 'c9', name: 'lookup', args: '{\n  "q": 1\n}' });
    expect(t?.[1].text).toBe('Found it');
  });
  it('says null for shapes it does not know (shown as JSON instead)', () => {
    expect(outputTurns({ score: 3 })).toBeNull();
    expect(outputTurns(null)).toBeNull();
    expect(outputTurns(42)).toBeNull();
  });
});

describe('record details', () => {
  it('lists grader fields and metadata as text', () => {
    expect(entries({ reference_answer: 'Paris', rubric: { max: 3 } })).toEqual([
      { key: 'reference_answer', value: 'Paris' },
      { key: 'rubric', value: '{\n  "max": 3\n}' },
    ]);
    expect(entries([1, 2])).toEqual([]);
  });
  it('names offered tools', () => {
    expect(toolNames([{ type: 'function', function: { name: 'get_weather' } }, { type: 'web_search' }, 3])).toEqual([
      'get_weather',
      '(web_search)',
      '(not an object)',
    ]);
  });
});

describe('editing', () => {
  it('starts from the imported line, indented when it is JSON and untouched when not', () => {
    expect(editText('{"messages":[]}')).toBe('{\n  "messages": []\n}');
    expect(editText('{"messages": [ oops')).toBe('{"messages": [ oops');
  });
  it('rebuilds a line for a record that has none', () => {
    const messages = [{ role: 'user', content: 'Where is my parcel number 42?' }];
    expect(JSON.parse(editSource({ raw: '', messages, fields: { reference_answer: 'in transit' } }))).toEqual({
      reference_answer: 'in transit',
      messages,
    });
    expect(
      JSON.parse(
        editSource({
          raw: '',
          messages,
          tools: [{ type: 'function' }],
          output: { role: 'assistant', content: 'x' },
          metadata: { trace_id: 't1' },
        }),
      ),
    ).toEqual({
      input: { messages, tools: [{ type: 'function' }] },
      output: { role: 'assistant', content: 'x' },
      metadata: { trace_id: 't1' },
    });
    expect(editSource({ raw: '{"messages":[]}' })).toBe('{\n  "messages": []\n}');
  });
  it('accepts a JSON object, and leaves syntax errors to the server (which names line and column)', () => {
    expect(editProblem('{"messages":[{"role":"user","content":"hello there"}]}')).toBeNull();
    expect(editProblem('{\n  "messages": [\n    oops\n  ]\n}')).toBeNull();
  });
  it('names the problem of JSON that is not an object', () => {
    expect(editProblem('   ')).toMatch(/empty/);
    expect(editProblem('[1,2]')).toBe('A record must be a JSON object, not an array.');
    expect(editProblem('"x"')).toBe('A record must be a JSON object, not a string.');
    expect(editProblem('null')).toBe('A record must be a JSON object, not null.');
  });
  it('parses confidence bounds', () => {
    expect(parseConfidence('')).toEqual({ value: null, error: '' });
    expect(parseConfidence('0.7')).toEqual({ value: 0.7, error: '' });
    expect(parseConfidence('1.5').error).toMatch(/between 0 and 1/);
    expect(parseConfidence('abc').error).toMatch(/not a number/);
  });
});
