// Turns a record's stored JSON (prompt messages, output, grader fields)
// into plain display data for the record viewer. Everything here returns
// strings that the components interpolate as text: record content is never
// treated as markup.

/** A function call made by an assistant turn, arguments pretty-printed. */
export interface DisplayToolCall {
  id: string;
  name: string;
  args: string;
}

/** One conversation turn as the viewer shows it. */
export interface Turn {
  role: string; // system, developer, user, assistant, tool, or "invalid" for a message that is not an object
  text: string;
  name?: string;
  toolCalls: DisplayToolCall[];
  toolCallId?: string;
  /** Set when the role is not one a prompt may use. */
  unknownRole?: boolean;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Pretty JSON for any value; strings holding JSON are not re-parsed. */
export function prettyJSON(v: unknown): string {
  if (v === undefined) return '';
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Tool-call arguments as people read them: a JSON string is parsed and
 * re-indented; anything that does not parse is returned as it was.
 */
export function prettyArgs(args: unknown): string {
  if (args === undefined || args === null) return '';
  if (typeof args !== 'string') return prettyJSON(args);
  const t = args.trim();
  if (t === '') return '';
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return args;
  }
}

/**
 * Message content as text: a string as is, the text of an array of parts
 * joined by newlines (non-text parts named in brackets), null as empty.
 */
export function contentText(content: unknown): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (typeof p === 'string') return p;
        if (!isObject(p)) return prettyJSON(p);
        if (typeof p.text === 'string') return p.text;
        if (typeof p.refusal === 'string') return `[refusal] ${p.refusal}`;
        const type = typeof p.type === 'string' ? p.type : 'part';
        const img = p.image_url;
        const url = typeof img === 'string' ? img : isObject(img) && typeof img.url === 'string' ? img.url : '';
        if (url) return `[${type}: ${url.startsWith('data:') ? url.slice(0, 40) + '…' : url}]`;
        return `[${type}]`;
      })
      .join('\n');
  }
  return prettyJSON(content);
}

function toolCalls(v: unknown): DisplayToolCall[] {
  if (!Array.isArray(v)) return [];
  return v.map((c) => {
    if (!isObject(c)) return { id: '', name: '(not an object)', args: prettyJSON(c) };
    const fn = isObject(c.function) ? c.function : {};
    return {
      id: typeof c.id === 'string' ? c.id : '',
      name: typeof fn.name === 'string' ? fn.name : typeof c.name === 'string' ? c.name : '(unnamed)',
      args: prettyArgs(fn.arguments ?? c.arguments),
    };
  });
}

/** One message object (or whatever stands in its place) as a turn. */
export function toTurn(m: unknown): Turn {
  if (!isObject(m)) return { role: 'invalid', text: prettyJSON(m), toolCalls: [], unknownRole: true };
  const role = typeof m.role === 'string' ? m.role : '';
  const t: Turn = { role: role || '(no role)', text: contentText(m.content), toolCalls: toolCalls(m.tool_calls) };
  if (!ROLES.has(role)) t.unknownRole = true;
  if (typeof m.name === 'string' && m.name) t.name = m.name;
  if (typeof m.tool_call_id === 'string') t.toolCallId = m.tool_call_id;
  // Legacy single function_call on an assistant turn.
  if (isObject(m.function_call)) t.toolCalls.push(...toolCalls([{ function: m.function_call }]));
  return t;
}

/** A prompt's messages as turns; [] when there are none or they are not an array. */
export function toTurns(messages: unknown): Turn[] {
  if (!Array.isArray(messages)) return [];
  return messages.map(toTurn);
}

/**
 * The stored production output as turns when it has a recognizable shape
 * (a list of messages, a message, a chat completion with choices, a
 * Responses API output list, or plain text); null when it should be shown
 * as JSON instead.
 */
export function outputTurns(output: unknown): Turn[] | null {
  if (output === undefined || output === null) return null;
  if (typeof output === 'string') return [{ role: 'assistant', text: output, toolCalls: [] }];
  if (Array.isArray(output)) {
    if (output.length > 0 && output.every((m) => isObject(m) && typeof m.role === 'string')) return output.map(toTurn);
    const resp = responsesTurns(output);
    return resp.length ? resp : null;
  }
  if (!isObject(output)) return null;
  if (typeof output.role === 'string') return [toTurn(output)];
  if (Array.isArray(output.choices)) {
    const turns = output.choices.filter(isObject).map((c) => toTurn(c.message ?? c.delta ?? { role: 'assistant', content: c.text ?? '' }));
    return turns.length ? turns : null;
  }
  if (Array.isArray(output.messages)) return outputTurns(output.messages);
  if (Array.isArray(output.output)) {
    const resp = responsesTurns(output.output);
    return resp.length ? resp : null;
  }
  if (isObject(output.message)) return [toTurn(output.message)];
  return null;
}

// Responses API output items: messages with output_text parts and
// function_call items.
function responsesTurns(items: unknown[]): Turn[] {
  const out: Turn[] = [];
  for (const it of items) {
    if (!isObject(it)) continue;
    if (it.type === 'message' || typeof it.role === 'string') out.push(toTurn({ role: it.role ?? 'assistant', content: it.content }));
    else if (it.type === 'function_call')
      out.push({
        role: 'assistant',
        text: '',
        toolCalls: [{ id: String(it.call_id ?? it.id ?? ''), name: String(it.name ?? '(unnamed)'), args: prettyArgs(it.arguments) }],
      });
  }
  return out;
}

/** A JSON object's entries for a key/value list; [] for anything else. */
export function entries(v: unknown): { key: string; value: string }[] {
  if (!isObject(v)) return [];
  return Object.entries(v).map(([key, val]) => ({ key, value: typeof val === 'string' ? val : prettyJSON(val) }));
}

/** Names of the tools a prompt offers (function tools and others by type). */
export function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((t) => {
    if (!isObject(t)) return '(not an object)';
    if (isObject(t.function) && typeof t.function.name === 'string') return t.function.name;
    if (typeof t.name === 'string') return t.name;
    return typeof t.type === 'string' ? `(${t.type})` : '(unnamed)';
  });
}

/**
 * The text the JSON editor starts with: the line as imported, indented when
 * it is JSON, as is when it is not (so a broken line can be repaired).
 */
export function editText(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

/** The stored parts of a record the editor can rebuild a line from. */
export interface RecordParts {
  raw: string;
  messages?: unknown;
  tools?: unknown;
  output?: unknown;
  fields?: unknown;
  metadata?: unknown;
}

/**
 * The editor's starting text: the imported line when there is one; for a
 * record that never had a line (pulled or generated), a line rebuilt from
 * its parts: chat shape, or gateway shape when it has an output or
 * metadata to keep. Grader fields stay top-level fields either way.
 */
export function editSource(r: RecordParts): string {
  if (r.raw.trim() !== '') return editText(r.raw);
  const has = (v: unknown) => v !== undefined && v !== null;
  const fields = isObject(r.fields) ? r.fields : {};
  let line: Record<string, unknown>;
  if (has(r.output) || has(r.metadata)) {
    const input: Record<string, unknown> = { messages: r.messages ?? [] };
    if (has(r.tools)) input.tools = r.tools;
    line = { input };
    if (has(r.output)) line.output = r.output;
    if (has(r.metadata)) line.metadata = r.metadata;
  } else {
    line = { messages: r.messages ?? [] };
    if (has(r.tools)) line.tools = r.tools;
  }
  return JSON.stringify({ ...fields, ...line }, null, 2);
}

/**
 * Checks edited text before it is sent: a message naming the problem when
 * it is empty or JSON that is not an object (an array, a string, null).
 * Text that does not parse is left to the server, whose error names the
 * line and column exactly in every browser engine.
 */
export function editProblem(text: string): string | null {
  if (text.trim() === '') return 'The record is empty: enter a JSON object.';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v)) return `A record must be a JSON object, not ${Array.isArray(v) ? 'an array' : v === null ? 'null' : 'a ' + typeof v}.`;
  return null;
}

/** Parses a confidence bound typed by a person: null for empty, else 0–1. */
export function parseConfidence(s: string): { value: number | null; error: string } {
  const t = s.trim();
  if (t === '') return { value: null, error: '' };
  const n = Number(t);
  if (!isFinite(n)) return { value: null, error: `“${t}” is not a number` };
  if (n < 0 || n > 1) return { value: null, error: 'confidence is between 0 and 1' };
  return { value: n, error: '' };
}
