package ingest

// The implementation of Normalize, checks 1–12 and the search text as it was
// before lineParser parsed each line once with fastjson (encoding/json
// validation, a hand scanner for spans, a decode of the messages into []any,
// canon over that), copied verbatim with every name prefixed "ref". It is the
// reference the equivalence test and BenchmarkPrepareReference100k use.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"tracetune/backend/record"
	"tracetune/backend/tokens"
)

var refBom = []byte{0xEF, 0xBB, 0xBF}

// refNormalize classifies one line and normalizes it into a record (PRODUCT.md
// §2). It never fails: a line that is not a JSON object, or whose input or
// messages has the wrong JSON type, becomes a record of shape raw whose
// Detail says why; the checks of package health then give the code.
//
//   - {"input":{…}} is the gateway shape: messages and tools from input,
//     input.tool_choice kept as a field, output and metadata as they are;
//   - {"messages":[…]} is the chat shape: the turns after the last user
//     turn move from the prompt to output, so an SFT file imports as RFT prompts;
//   - any other object is classified by the checks (missing_input when it
//     has an output, else missing_messages);
//   - in every object, top-level keys other than input, messages, tools,
//     output and metadata are kept as grader fields.
func refNormalize(line []byte, lineNo int) record.Record {
	line = bytes.TrimPrefix(line, refBom)
	line = bytes.TrimSpace(line)
	rec := record.Record{Line: lineNo, Raw: string(line), Shape: record.ShapeRaw}
	if !json.Valid(line) {
		var v any
		rec.Detail = refNotObject(line, json.Unmarshal(line, &v))
		return rec
	}
	if line[0] != '{' {
		rec.Detail = refNotObject(line, nil)
		return rec
	}
	// The record's JSON fields are spans of this private copy of the line.
	own := bytes.Clone(line)
	top := map[string][]byte{}
	refEachMember(own, func(k string, v []byte) { top[k] = v })
	fields := map[string]json.RawMessage{}
	var msgs []byte
	hasMsgs := false
	if in, ok := top["input"]; ok {
		if in[0] != '{' {
			rec.Detail = "input is " + refKindName(in) + ", not an object"
			return rec
		}
		rec.Shape = record.ShapeGateway
		input := map[string][]byte{}
		refEachMember(in, func(k string, v []byte) { input[k] = v })
		msgs, hasMsgs = input["messages"]
		rec.Tools = input["tools"]
		if tc, ok := input["tool_choice"]; ok {
			fields["tool_choice"] = tc
		}
	} else if m, ok := top["messages"]; ok {
		rec.Shape = record.ShapeChat
		msgs, hasMsgs = m, true
		rec.Tools = top["tools"]
	} else {
		rec.Shape = record.ShapeOther
		rec.Tools = top["tools"]
	}
	rec.Output = top["output"]
	rec.Metadata = top["metadata"]
	for k, v := range top {
		switch k {
		case "input", "output", "metadata", "tools", "messages":
		default:
			fields[k] = v
		}
	}
	if hasMsgs {
		if msgs[0] != '[' {
			rec.Shape = record.ShapeRaw
			rec.Detail = "messages is " + refKindName(msgs) + ", not an array"
			return rec
		}
		rec.Messages = msgs
		if rec.Shape == record.ShapeChat {
			if prompt, moved := refSplitTrailingAssistant(rec.Messages); moved != nil {
				if len(rec.Output) > 0 {
					fields["output"] = rec.Output
				}
				rec.Messages = prompt
				rec.Output = moved
			}
		}
	}
	if len(fields) > 0 {
		rec.Fields, _ = json.Marshal(fields)
	}
	rec.TraceID = refTraceID(rec.Metadata)
	return rec
}

// refSplitTrailingAssistant cuts the assistant turns at the end of a chat
// conversation off the prompt. It returns the prompt and {"messages":[…]}
// of the cut turns, or moved == nil when there is nothing to move (or when
// every turn is an assistant turn: such a line stays whole and fails the
// no_user_message refCheck rather than looking empty).
func refSplitTrailingAssistant(msgs json.RawMessage) (prompt, moved json.RawMessage) {
	elems := refElements(msgs)
	// issue 16: everything after the last user turn moves, not only
	// trailing assistant turns
	k := len(elems)
	for k > 0 && !refIsRole(elems[k-1], "user") {
		k--
	}
	if k == len(elems) || k == 0 {
		return msgs, nil
	}
	return refJoinArray(elems[:k]), append(append([]byte(`{"messages":`), refJoinArray(elems[k:])...), '}')
}

// refIsRole says whether a message (valid JSON) is an object whose role
// is written exactly as name.
func refIsRole(m []byte, name string) bool {
	if m[0] != '{' {
		return false
	}
	var role []byte
	refEachMember(m, func(k string, v []byte) {
		if k == "role" {
			role = v
		}
	})
	return string(role) == `"`+name+`"`
}

func refJoinArray[T ~[]byte](elems []T) json.RawMessage {
	n := 2
	for _, e := range elems {
		n += len(e) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, bytes.TrimSpace(e)...)
	}
	return append(b, ']')
}

// refTraceID reads a trace or span id from a metadata object, if it has one.
func refTraceID(meta json.RawMessage) string {
	if !refIsKind(meta, '{') {
		return ""
	}
	m := map[string][]byte{}
	refEachMember(meta, func(k string, v []byte) { m[k] = v })
	for _, k := range []string{"trace_id", "traceId", "span_id", "spanId"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil && s != "" {
			return s
		}
		if _, err := strconv.ParseFloat(string(v), 64); err == nil {
			return string(v)
		}
	}
	return ""
}

func refIsKind(v json.RawMessage, open byte) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && v[0] == open
}

func refKindName(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "empty"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// refNotObject explains why a line is not a JSON object, naming the column of
// a syntax error.
func refNotObject(line []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON at column %d: %s", se.Offset, se.Error())
	}
	if json.Valid(line) {
		return "the line is " + refKindName(line) + ", not a JSON object"
	}
	if err != nil {
		return "not valid JSON: " + err.Error()
	}
	return "the line is not a JSON object"
}

// A tiny scanner over JSON already known to be valid (json.Valid passed):
// it finds the spans of object members and array refElements without
// decoding or copying them, which is all normalization needs. Doing this
// with encoding/json cost a full decode (and a copy of every value) per
// line, then another for the messages array.

func refSkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// refSkipString returns the index just past the string starting at b[i] == '"'.
func refSkipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// refSkipValue returns the index just past the value starting at b[i].
func refSkipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return refSkipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = refSkipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// refEachMember calls fn for every member of the valid JSON object b, in
// order (a repeated key is seen twice; callers keep the last, as
// encoding/json does).
func refEachMember(b []byte, fn func(key string, val []byte)) {
	i := refSkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i = refSkipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		ke := refSkipString(b, i)
		key := refUnquoteKey(b[i:ke])
		i = refSkipSpace(b, ke) + 1 // ':'
		i = refSkipSpace(b, i)
		ve := refSkipValue(b, i)
		fn(key, b[i:ve])
		i = refSkipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = refSkipSpace(b, i+1)
		}
	}
}

// refElements returns the spans of the refElements of the valid JSON array b.
func refElements(b []byte) [][]byte {
	i := refSkipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil
	}
	var out [][]byte
	i = refSkipSpace(b, i+1)
	for i < len(b) && b[i] != ']' {
		ve := refSkipValue(b, i)
		out = append(out, b[i:ve])
		i = refSkipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = refSkipSpace(b, i+1)
		}
	}
	return out
}

func refUnquoteKey(q []byte) string {
	for _, c := range q[1 : len(q)-1] {
		if c == '\\' {
			var s string
			json.Unmarshal(q, &s)
			return s
		}
	}
	return string(q[1 : len(q)-1])
}

var refRoles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true}

// refCheck sets rec.Code and rec.Detail for checks 1–12 (not duplicate), and
// rec.Hash (the canonical prompt hash duplicate detection compares) when
// the prompt passes them. A record of shape raw keeps the Detail its
// normalization gave (the parse error, with line and column).
func refCheck(rec *record.Record, set record.Settings) {
	refCheckText(rec, set)
}

// refCheckText is refCheck that also returns the record's searchable text (what
// the search index holds: the text of every message, or the raw line when
// there are no messages), which validation has parsed anyway.
func refCheckText(rec *record.Record, set record.Settings) string {
	if set.MinUserChars <= 0 && set.MaxTokens <= 0 {
		set = record.DefaultSettings()
	}
	rec.Hash = ""
	var msgs []any
	code, detail := refCheckCodes(rec, set, &msgs)
	if code == record.InvalidDataStructure && rec.Shape == record.ShapeRaw && rec.Detail != "" {
		detail = rec.Detail
	}
	rec.Code, rec.Detail = code, detail
	if msgs == nil {
		return refClipRunes(rec.Raw, refSearchTextMax)
	}
	var b strings.Builder
	for _, m := range msgs {
		mm, ok := m.(map[string]any)
		if !ok {
			continue
		}
		if t := refContentText(mm["content"]); t != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
			if b.Len() >= refSearchTextMax*4 {
				break
			}
		}
	}
	return refClipRunes(b.String(), refSearchTextMax)
}

// refSearchTextMax is how many characters of a record's text are searchable
// (the same bound as the SQL side of the search index).
const refSearchTextMax = 16000

func refClipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

func refCheckCodes(rec *record.Record, set record.Settings, decoded *[]any) (record.Code, string) {
	switch rec.Shape {
	case record.ShapeRaw:
		return record.InvalidDataStructure, "the line is not a JSON object"
	case record.ShapeOther:
		if len(rec.Output) > 0 {
			return record.MissingInput, "the line has an output but no input"
		}
		return record.MissingMessages, "the line has neither input nor messages"
	}
	raw := bytes.TrimSpace(rec.Messages)
	if len(raw) == 0 || string(raw) == "null" {
		if rec.Shape == record.ShapeGateway {
			return record.MissingMessages, "input has no messages"
		}
		return record.MissingMessages, "the record has no messages"
	}
	if raw[0] != '[' {
		return record.InvalidDataStructure, "messages is not a JSON array"
	}
	var msgs []any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&msgs); err != nil {
		return record.InvalidDataStructure, "messages is not valid JSON: " + err.Error()
	}
	*decoded = msgs
	// (added with the tool-name rule of issue 20: function names outside
	// ^[a-zA-Z0-9_-]{1,64}$, in the tools offered or in a tool call, make
	// the record invalid_data_structure)
	if detail := refToolNames(rec.Tools, msgs); detail != "" {
		return record.InvalidDataStructure, detail
	}
	if len(msgs) == 0 {
		return record.EmptyMessages, "messages is an empty array"
	}
	// 5 invalid_role
	ms := make([]map[string]any, len(msgs))
	for i, v := range msgs {
		m, ok := v.(map[string]any)
		if !ok {
			return record.InvalidRole, fmt.Sprintf("message %d is not an object", i+1)
		}
		role, ok := m["role"].(string)
		if !ok {
			if _, has := m["role"]; !has {
				return record.InvalidRole, fmt.Sprintf("message %d has no role", i+1)
			}
			return record.InvalidRole, fmt.Sprintf("message %d has a role that is not a string", i+1)
		}
		if !refRoles[role] {
			return record.InvalidRole, fmt.Sprintf("message %d has role %q (allowed: system, developer, user, assistant, tool)", i+1, refClip(role, 40))
		}
		ms[i] = m
	}
	// 6 no_user_message
	users := 0
	for _, m := range ms {
		if m["role"] == "user" {
			users++
		}
	}
	if users == 0 {
		return record.NoUserMessage, "no message has role user"
	}
	// 7 empty_user_message, then 8 user_message_too_short
	texts := make([]string, len(ms))
	for i, m := range ms {
		texts[i] = refContentText(m["content"])
	}
	for i, m := range ms {
		if m["role"] == "user" && strings.TrimSpace(texts[i]) == "" {
			return record.EmptyUserMessage, fmt.Sprintf("user message %d is empty", i+1)
		}
	}
	for i, m := range ms {
		if m["role"] != "user" {
			continue
		}
		if n := utf8.RuneCountInString(strings.TrimFunc(texts[i], unicode.IsSpace)); n < set.MinUserChars {
			return record.UserMessageTooShort, fmt.Sprintf("user message %d has %d characters, fewer than %d", i+1, n, set.MinUserChars)
		}
	}
	// 9 missing_tool_call_id, then 10 orphan_tool_result
	for i, m := range ms {
		switch m["role"] {
		case "assistant":
			calls, _ := m["tool_calls"].([]any)
			for k, c := range calls {
				cm, _ := c.(map[string]any)
				if id, _ := cm["id"].(string); strings.TrimSpace(id) == "" {
					return record.MissingToolCallID, fmt.Sprintf("tool call %d of assistant message %d has no id", k+1, i+1)
				}
			}
		case "tool":
			if id, _ := m["tool_call_id"].(string); strings.TrimSpace(id) == "" {
				return record.MissingToolCallID, fmt.Sprintf("tool message %d has no tool_call_id", i+1)
			}
		}
	}
	seen := map[string]bool{}
	for i, m := range ms {
		switch m["role"] {
		case "assistant":
			calls, _ := m["tool_calls"].([]any)
			for _, c := range calls {
				cm, _ := c.(map[string]any)
				id, _ := cm["id"].(string)
				seen[id] = true
			}
		case "tool":
			if id, _ := m["tool_call_id"].(string); !seen[id] {
				return record.OrphanToolResult, fmt.Sprintf("tool message %d answers tool call %q, which no earlier assistant message made", i+1, refClip(id, 60))
			}
		}
	}
	// 11 last_message_not_user
	if last := ms[len(ms)-1]["role"]; last != "user" {
		return record.LastMessageNotUser, fmt.Sprintf("the prompt ends with a %s message, not a user message", last)
	}
	// 12 exceeds_max_tokens
	if set.MaxTokens > 0 {
		parts := make([]string, 0, len(ms)*2+1)
		for i, m := range ms {
			parts = append(parts, m["role"].(string), texts[i])
			if name, ok := m["name"].(string); ok {
				parts = append(parts, name)
			}
			calls, _ := m["tool_calls"].([]any)
			for _, c := range calls {
				cm, _ := c.(map[string]any)
				fn, _ := cm["function"].(map[string]any)
				name, _ := fn["name"].(string)
				args, _ := fn["arguments"].(string)
				parts = append(parts, name, args)
			}
		}
		if t := bytes.TrimSpace(rec.Tools); len(t) > 0 && string(t) != "null" {
			parts = append(parts, string(t))
		}
		// 3 tokens of framing per message and 3 to prime the reply, as
		// OpenAI counts chat prompts.
		v, err := tokens.Exceeds(parts, 3*len(ms)+3, set.MaxTokens)
		if err != nil {
			return record.ExceedsMaxTokens, "could not count tokens: " + err.Error()
		}
		if v.Over {
			if v.Exact {
				return record.ExceedsMaxTokens, fmt.Sprintf("the prompt has %d tokens, more than the limit of %d", v.Count, set.MaxTokens)
			}
			return record.ExceedsMaxTokens, fmt.Sprintf("the prompt has at least %d tokens, more than the limit of %d", v.Count, set.MaxTokens)
		}
	}
	rec.Hash = refWithFields(refHashPrompt(msgs), rec.Fields)
	return record.Valid, ""
}

// refContentText flattens a decoded content value: a string, or the text of
// the parts of an array (other values have no text).
func refContentText(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for i, p := range c {
			switch pt := p.(type) {
			case string:
				b.WriteString(pt)
			case map[string]any:
				if s, ok := pt["text"].(string); ok {
					if i > 0 && b.Len() > 0 {
						b.WriteByte('\n')
					}
					b.WriteString(s)
				}
			}
		}
		return b.String()
	}
	return ""
}

// refHashPrompt hashes a canonical encoding of the decoded prompt messages:
// object keys sorted, no insignificant white space, strings quoted one way,
// so two prompts hash alike exactly when their content is the same.
func refHashPrompt(msgs []any) string {
	b := refCanon(make([]byte, 0, 512), msgs)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func refCanon(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case json.Number:
		return append(b, x...)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		return strconv.AppendQuote(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = refCanon(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = refCanon(b, x[k])
		}
		return append(b, '}')
	}
	return fmt.Appendf(b, "%v", v)
}

// refCanonicalHash returns the duplicate-detection hash of a messages array
// ("" when it is not one).
func refCanonicalHash(messages json.RawMessage) string {
	var msgs []any
	d := json.NewDecoder(bytes.NewReader(messages))
	d.UseNumber()
	if d.Decode(&msgs) != nil {
		return ""
	}
	return refHashPrompt(msgs)
}

func refClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// refWithFields is the duplicate key of issue 16: prompt and grader fields
// (the same prompt with different fields is not a duplicate).
func refWithFields(promptHash string, fields []byte) string {
	f := bytes.TrimSpace(fields)
	if len(promptHash) != 32 || len(f) == 0 || string(f) == "{}" || string(f) == "null" {
		return promptHash
	}
	sum := sha256.Sum256([]byte(promptHash + string(f)))
	return promptHash[:16] + hex.EncodeToString(sum[:8])
}

var refToolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func refToolNames(tools json.RawMessage, msgs []any) string {
	bad := func(where string, name any) string {
		n, _ := name.(string)
		return fmt.Sprintf("%s has the name %q, which OpenAI rejects: function names must match ^[a-zA-Z0-9_-]{1,64}$", where, refClip(n, 70))
	}
	nameOf := func(x any) (any, bool) {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		fn, ok := o["function"].(map[string]any)
		if !ok {
			return nil, false
		}
		return fn["name"], true
	}
	ok := func(name any) bool { n, isStr := name.(string); return isStr && refToolName.MatchString(n) }
	var ts []any
	if json.Unmarshal(tools, &ts) == nil {
		for i, t := range ts {
			if name, has := nameOf(t); has && !ok(name) {
				return bad(fmt.Sprintf("tool %d", i+1), name)
			}
		}
	}
	for i, m := range msgs {
		o, _ := m.(map[string]any)
		calls, _ := o["tool_calls"].([]any)
		for k, c := range calls {
			if name, has := nameOf(c); has && !ok(name) {
				return bad(fmt.Sprintf("tool call %d of message %d", k+1, i+1), name)
			}
		}
	}
	return ""
}
