// Package health validates records: the 13 checks of PRODUCT.md §3 in their
// order (checks 1–12 look at one record, check 13 — duplicate — at the whole
// dataset), revalidation of stored datasets, and the health report behind
// the Health Indicator and View Issues.
package health

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
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"

	"tracetune/backend/record"
	"tracetune/backend/tokens"
)

// Message roles; roleNone is any other role.
const (
	roleNone = iota
	roleSystem
	roleDeveloper
	roleUser
	roleAssistant
	roleTool
)

var roleNames = [...]string{"", "system", "developer", "user", "assistant", "tool"}

func roleOf(s []byte) int {
	switch string(s) {
	case "system":
		return roleSystem
	case "developer":
		return roleDeveloper
	case "user":
		return roleUser
	case "assistant":
		return roleAssistant
	case "tool":
		return roleTool
	}
	return roleNone
}

// A Checker runs checks 1–12, reusing its parser and buffers from record to
// record. It is not safe for concurrent use: each goroutine needs its own.
type Checker struct {
	parser fastjson.Parser
	tools  fastjson.Parser // the tools array: the messages' parse must stay intact
	msgs   []message
	text   []byte   // message texts and token-counted strings, end to end
	parts  [][2]int // check 12: the token-counted strings, as spans of text
	seen   map[string]bool
	raw    []byte   // scratch for a string's JSON text
	str    []byte   // scratch for one unquoted string
	canon  []byte   // the canonical prompt being hashed
	keys   []keyVal // canon: members of the objects being encoded
}

// message is what the checks read of one prompt message.
type message struct {
	role                                 int
	content, name, toolCalls, toolCallID *fastjson.Value
	text                                 [2]int // the content's text, a span of Checker.text
}

var checkers = sync.Pool{New: func() any { return new(Checker) }}

// Check sets rec.Code and rec.Detail for checks 1–12 (not duplicate), and
// rec.Hash (the canonical prompt hash duplicate detection compares) when
// the prompt passes them. A record of shape raw keeps the Detail its
// normalization gave (the parse error, with line and column).
func Check(rec *record.Record, set record.Settings) {
	c := checkers.Get().(*Checker)
	c.Check(rec, set)
	checkers.Put(c)
}

// Check is the package's Check with c's buffers.
func (c *Checker) Check(rec *record.Record, set record.Settings) {
	c.run(rec, set, nil, false)
}

// CheckMessages is Check for a record whose caller has just parsed
// rec.Messages with fastjson: msgs are the elements of that array. It saves
// parsing the messages twice on import.
func (c *Checker) CheckMessages(rec *record.Record, set record.Settings, msgs []*fastjson.Value) {
	c.run(rec, set, msgs, true)
}

func (c *Checker) run(rec *record.Record, set record.Settings, msgs []*fastjson.Value, parsed bool) {
	if set.MinUserChars <= 0 && set.MaxTokens <= 0 {
		set = record.DefaultSettings()
	}
	rec.Hash = ""
	code, detail := c.check(rec, set, msgs, parsed)
	if code == record.InvalidDataStructure && rec.Shape == record.ShapeRaw && rec.Detail != "" {
		detail = rec.Detail
	}
	rec.Code, rec.Detail = code, detail
}

// SearchTextMax is how many characters of a record's text are searchable
// (the same bound as the SQL side of the search index).
const SearchTextMax = 16000

// SearchText returns a record's searchable text: the text of every
// message's content, or the raw line when the record has no messages array.
func SearchText(rec *record.Record) string {
	c := checkers.Get().(*Checker)
	defer checkers.Put(c)
	if _, _, ok := precheck(rec); ok {
		if v, err := c.parse(bytes.TrimSpace(rec.Messages)); err == nil {
			b := c.text[:0]
			for _, m := range v.GetArray() {
				o := m.GetObject()
				if o == nil {
					continue
				}
				start := len(b)
				if len(b) > 0 {
					b = append(b, ' ')
				}
				textStart := len(b)
				if b = c.appendContentText(b, member(o, "content")); len(b) == textStart {
					b = b[:start] // no text, no separator
					continue
				}
				if len(b) >= SearchTextMax*4 {
					break
				}
			}
			c.text = b
			return clipRunes(string(b), SearchTextMax)
		}
	}
	return clipRunes(rec.Raw, SearchTextMax)
}

func clipRunes(s string, n int) string {
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

// precheck runs what checks 1–3 decide without parsing the messages; ok
// means the record has a messages array to parse.
func precheck(rec *record.Record) (code record.Code, detail string, ok bool) {
	switch rec.Shape {
	case record.ShapeRaw:
		return record.InvalidDataStructure, "the line is not a JSON object", false
	case record.ShapeOther:
		if len(rec.Output) > 0 {
			return record.MissingInput, "the line has an output but no input", false
		}
		return record.MissingMessages, "the line has neither input nor messages", false
	}
	raw := bytes.TrimSpace(rec.Messages)
	if len(raw) == 0 || string(raw) == "null" {
		if rec.Shape == record.ShapeGateway {
			return record.MissingMessages, "input has no messages", false
		}
		return record.MissingMessages, "the record has no messages", false
	}
	if raw[0] != '[' {
		return record.InvalidDataStructure, "messages is not a JSON array", false
	}
	return "", "", true
}

func (c *Checker) check(rec *record.Record, set record.Settings, msgs []*fastjson.Value, parsed bool) (record.Code, string) {
	if code, detail, ok := precheck(rec); !ok {
		return code, detail
	}
	if !parsed {
		v, err := c.parse(bytes.TrimSpace(rec.Messages))
		if errors.Is(err, errTooDeep) {
			return record.InvalidDataStructure, "messages is " + err.Error()
		}
		if err != nil {
			return record.InvalidDataStructure, "messages is not valid JSON: " + err.Error()
		}
		msgs = v.GetArray()
	}
	if detail := c.checkToolNames(rec.Tools, msgs); detail != "" {
		return record.InvalidDataStructure, detail
	}
	if len(msgs) == 0 {
		return record.EmptyMessages, "messages is an empty array"
	}
	// 5 invalid_role
	c.msgs = c.msgs[:0]
	for i, v := range msgs {
		o := v.GetObject()
		if o == nil {
			return record.InvalidRole, fmt.Sprintf("message %d is not an object", i+1)
		}
		var m message
		var role *fastjson.Value
		o.Visit(func(k []byte, v *fastjson.Value) {
			switch string(k) {
			case "role":
				role = v
			case "content":
				m.content = v
			case "name":
				m.name = v
			case "tool_calls":
				m.toolCalls = v
			case "tool_call_id":
				m.toolCallID = v
			}
		})
		if role == nil {
			return record.InvalidRole, fmt.Sprintf("message %d has no role", i+1)
		}
		s, ok := c.appendString(c.str[:0], role)
		if !ok {
			return record.InvalidRole, fmt.Sprintf("message %d has a role that is not a string", i+1)
		}
		c.str = s
		if m.role = roleOf(s); m.role == roleNone {
			return record.InvalidRole, fmt.Sprintf("message %d has role %q (allowed: system, developer, user, assistant, tool)", i+1, clip(string(s), 40))
		}
		c.msgs = append(c.msgs, m)
	}
	ms := c.msgs
	// 6 no_user_message
	users := 0
	for _, m := range ms {
		if m.role == roleUser {
			users++
		}
	}
	if users == 0 {
		return record.NoUserMessage, "no message has role user"
	}
	// 7 empty_user_message, then 8 user_message_too_short
	c.text = c.text[:0]
	for i := range ms {
		start := len(c.text)
		c.text = c.appendContentText(c.text, ms[i].content)
		ms[i].text = [2]int{start, len(c.text)}
	}
	text := func(m message) []byte { return c.text[m.text[0]:m.text[1]] }
	for i, m := range ms {
		if m.role == roleUser && len(bytes.TrimSpace(text(m))) == 0 {
			return record.EmptyUserMessage, fmt.Sprintf("user message %d is empty", i+1)
		}
	}
	for i, m := range ms {
		if m.role != roleUser {
			continue
		}
		// a rune is at most 4 bytes: a longer text has enough of them
		if t := bytes.TrimFunc(text(m), unicode.IsSpace); len(t) < 4*set.MinUserChars {
			if n := utf8.RuneCount(t); n < set.MinUserChars {
				return record.UserMessageTooShort, fmt.Sprintf("user message %d has %d characters, fewer than %d", i+1, n, set.MinUserChars)
			}
		}
	}
	// 9 missing_tool_call_id, then 10 orphan_tool_result
	for i, m := range ms {
		switch m.role {
		case roleAssistant:
			for k, call := range arrayOf(m.toolCalls) {
				if id := c.stringMember(call, "id"); len(bytes.TrimSpace(id)) == 0 {
					return record.MissingToolCallID, fmt.Sprintf("tool call %d of assistant message %d has no id", k+1, i+1)
				}
			}
		case roleTool:
			if id, _ := c.appendString(c.str[:0], m.toolCallID); len(bytes.TrimSpace(id)) == 0 {
				return record.MissingToolCallID, fmt.Sprintf("tool message %d has no tool_call_id", i+1)
			}
		}
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	clear(c.seen)
	for i, m := range ms {
		switch m.role {
		case roleAssistant:
			for _, call := range arrayOf(m.toolCalls) {
				c.seen[string(c.stringMember(call, "id"))] = true
			}
		case roleTool:
			if id, _ := c.appendString(c.str[:0], m.toolCallID); !c.seen[string(id)] {
				return record.OrphanToolResult, fmt.Sprintf("tool message %d answers tool call %q, which no earlier assistant message made", i+1, clip(string(id), 60))
			}
		}
	}
	// 11 last_message_not_user
	if last := ms[len(ms)-1].role; last != roleUser {
		return record.LastMessageNotUser, fmt.Sprintf("the prompt ends with a %s message, not a user message", roleNames[last])
	}
	// 12 exceeds_max_tokens
	if set.MaxTokens > 0 {
		if code, detail := c.checkTokens(ms, rec.Tools, set.MaxTokens); code != record.Valid {
			return code, detail
		}
	}
	rec.Hash = WithFields(c.hashPrompt(msgs, bytes.TrimSpace(rec.Messages)), rec.Fields)
	return record.Valid, ""
}

// checkTokens is check 12: the prompt's strings (role, text and name of
// each message, name and arguments of each tool call, the tools) counted
// by tokens.Exceeds, in that order.
func (c *Checker) checkTokens(ms []message, tools []byte, limit int) (record.Code, string) {
	c.parts = c.parts[:0]
	span := func(start int) { c.parts = append(c.parts, [2]int{start, len(c.text)}) }
	for _, m := range ms {
		start := len(c.text)
		c.text = append(c.text, roleNames[m.role]...)
		span(start)
		c.parts = append(c.parts, m.text)
		start = len(c.text)
		var ok bool
		if c.text, ok = c.appendString(c.text, m.name); ok {
			span(start)
		}
		for _, call := range arrayOf(m.toolCalls) {
			var fn *fastjson.Object
			if o := call.GetObject(); o != nil {
				if f := member(o, "function"); f != nil {
					fn = f.GetObject()
				}
			}
			for _, key := range []string{"name", "arguments"} {
				start = len(c.text)
				if fn != nil {
					c.text, _ = c.appendString(c.text, member(fn, key))
				}
				span(start)
			}
		}
	}
	t := bytes.TrimSpace(tools)
	hasTools := len(t) > 0 && string(t) != "null"
	// 3 tokens of framing per message and 3 to prime the reply, as
	// OpenAI counts chat prompts.
	overhead := 3*len(ms) + 3
	// Every token is at least one byte: a prompt of at most limit bytes
	// is under it, which is what tokens.Exceeds would answer first; only
	// longer prompts need their strings.
	size := overhead + len(t)
	for _, p := range c.parts {
		size += p[1] - p[0]
	}
	if size <= limit {
		return record.Valid, ""
	}
	// a view, not a copy: a 60 MB message is not copied again, and c.text
	// does not change until Exceeds returns
	all := unsafe.String(unsafe.SliceData(c.text), len(c.text))
	parts := make([]string, 0, len(c.parts)+1)
	for _, p := range c.parts {
		parts = append(parts, all[p[0]:p[1]])
	}
	if hasTools {
		parts = append(parts, string(t))
	}
	v, err := tokens.Exceeds(parts, overhead, limit)
	if err != nil {
		return record.ExceedsMaxTokens, "could not count tokens: " + err.Error()
	}
	if v.Over {
		if v.Exact {
			return record.ExceedsMaxTokens, fmt.Sprintf("the prompt has %d tokens, more than the limit of %d", v.Count, limit)
		}
		return record.ExceedsMaxTokens, fmt.Sprintf("the prompt has at least %d tokens, more than the limit of %d", v.Count, limit)
	}
	return record.Valid, ""
}

// arrayOf returns the elements of v when it is an array (else nil).
func arrayOf(v *fastjson.Value) []*fastjson.Value {
	if v == nil {
		return nil
	}
	return v.GetArray()
}

// stringMember returns the string value of member key of v, or nil when v
// is not an object or that member is not a string (in c.str, valid until
// the next call).
// toolName is the rule OpenAI and Azure apply to function names: a name
// outside it makes the platform reject the whole training file.
var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// checkToolNames finds a tool offered, or a tool call made, whose function
// name the platforms reject; "" when all are fine.
func (c *Checker) checkToolNames(tools []byte, msgs []*fastjson.Value) string {
	bad := func(where string, name []byte) string {
		return fmt.Sprintf("%s has the name %q, which OpenAI rejects: function names must match ^[a-zA-Z0-9_-]{1,64}$", where, clip(string(name), 70))
	}
	if t := bytes.TrimSpace(tools); len(t) > 0 && string(t) != "null" {
		if v, err := c.tools.ParseBytes(t); err == nil {
			for i, tool := range arrayOf(v) {
				fn := tool.Get("function")
				if fn == nil || fn.Type() != fastjson.TypeObject {
					continue
				}
				if name := c.stringMember(fn, "name"); !toolName.Match(name) {
					return bad(fmt.Sprintf("tool %d", i+1), name)
				}
			}
		}
	}
	for i, m := range msgs {
		for k, call := range arrayOf(m.Get("tool_calls")) {
			fn := call.Get("function")
			if fn == nil || fn.Type() != fastjson.TypeObject {
				continue
			}
			if name := c.stringMember(fn, "name"); !toolName.Match(name) {
				return bad(fmt.Sprintf("tool call %d of message %d", k+1, i+1), name)
			}
		}
	}
	return ""
}

func (c *Checker) stringMember(v *fastjson.Value, key string) []byte {
	o := v.GetObject()
	if o == nil {
		return nil
	}
	s, ok := c.appendString(c.str[:0], member(o, key))
	if !ok {
		return nil
	}
	c.str = s
	return s
}

// appendContentText appends the text of a message content: a string, or
// the text of the parts of an array, a newline before each text part but
// the first (other values have no text).
func (c *Checker) appendContentText(b []byte, v *fastjson.Value) []byte {
	if b2, ok := c.appendString(b, v); ok {
		return b2
	}
	start := len(b)
	for i, p := range arrayOf(v) {
		if b2, ok := c.appendString(b, p); ok {
			b = b2
			continue
		}
		if o := p.GetObject(); o != nil {
			if i > 0 && len(b) > start {
				if b2, ok := c.appendString(append(b, '\n'), member(o, "text")); ok {
					b = b2
				}
				continue
			}
			b, _ = c.appendString(b, member(o, "text"))
		}
	}
	return b
}

// hashPrompt hashes a canonical encoding of the prompt messages: object keys
// sorted (the last of repeated keys kept), no insignificant white space,
// strings quoted by strconv.Quote, numbers as written, so two prompts hash
// alike exactly when encoding/json decodes them alike. raw is the messages'
// JSON text, for the rare keys fastjson cannot be trusted with.
func (c *Checker) hashPrompt(msgs []*fastjson.Value, raw []byte) string {
	b, ok := c.appendCanonArray(c.canon[:0], msgs, false)
	if !ok {
		// Re-encode with encoding/json, whose escapes fastjson does unescape
		// exactly, and hash that.
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		d.Decode(&v)
		text, _ := json.Marshal(v)
		pv, _ := c.parser.ParseBytes(text)
		b, _ = c.appendCanonArray(b[:0], pv.GetArray(), true)
	}
	c.canon = b
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// keyVal is an object member being canonically encoded.
type keyVal struct {
	k []byte
	v *fastjson.Value
}

func (c *Checker) appendCanonArray(b []byte, elems []*fastjson.Value, exactKeys bool) ([]byte, bool) {
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = c.appendCanon(b, e, exactKeys); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendCanon appends the canonical encoding of v. It fails on a key that
// fastjson may have unescaped otherwise than encoding/json (unless
// exactKeys says v's keys need no unescaping).
func (c *Checker) appendCanon(b []byte, v *fastjson.Value, exactKeys bool) ([]byte, bool) {
	if o := v.GetObject(); o != nil {
		start := len(c.keys)
		b, ok := c.appendCanonObject(b, o, exactKeys)
		c.keys = c.keys[:start]
		return b, ok
	}
	if a := v.GetArray(); len(a) > 0 {
		return c.appendCanonArray(b, a, exactKeys)
	}
	// a scalar or an empty array: its JSON text, strings requoted
	start := len(b)
	b = v.MarshalTo(b)
	if b[start] == '"' && !plainASCII(b[start+1:len(b)-1]) {
		c.str = AppendUnquoted(c.str[:0], b[start+1:len(b)-1])
		b = strconv.AppendQuote(b[:start], string(c.str))
	}
	return b, true
}

// appendCanonObject appends the canonical encoding of o, using c.keys from
// its current length on (the caller truncates it back).
func (c *Checker) appendCanonObject(b []byte, o *fastjson.Object, exactKeys bool) ([]byte, bool) {
	start := len(c.keys)
	clean := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		clean = clean && (exactKeys || cleanKey(k))
		c.keys = append(c.keys, keyVal{k, v})
	})
	end := len(c.keys)
	if !clean {
		return b, false
	}
	slices.SortStableFunc(c.keys[start:end], func(x, y keyVal) int { return bytes.Compare(x.k, y.k) })
	b = append(b, '{')
	first := true
	for i := start; i < end; i++ {
		kv := c.keys[i]
		if i+1 < end && bytes.Equal(kv.k, c.keys[i+1].k) {
			continue // a later member of the same name wins
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if plainASCII(kv.k) && bytes.IndexByte(kv.k, '"') < 0 {
			b = append(b, '"')
			b = append(b, kv.k...)
			b = append(b, '"')
		} else {
			b = strconv.AppendQuote(b, string(kv.k))
		}
		b = append(b, ':')
		var ok bool
		if b, ok = c.appendCanon(b, kv.v, exactKeys); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// plainASCII says whether s is printable ASCII without a backslash: the
// JSON text of such a string is also its strconv.Quote.
func plainASCII(s []byte) bool {
	return plainRun(s, 0, true) == len(s)
}

// WithFields is a record's duplicate key (check 13): its prompt hash when it
// has no grader fields; else the first half of the prompt hash (so records
// sharing a prompt can be grouped) and the first half of a hash of prompt and
// fields, so the same prompt with different grader fields is not a duplicate.
func WithFields(promptHash string, fields []byte) string {
	f := bytes.TrimSpace(fields)
	if len(promptHash) != 32 || len(f) == 0 || string(f) == "{}" || string(f) == "null" {
		return promptHash
	}
	h := sha256.New()
	h.Write([]byte(promptHash))
	h.Write(f)
	return promptHash[:16] + hex.EncodeToString(h.Sum(nil)[:8])
}

// PromptPrefix is the part of a duplicate key that only the prompt decides.
const PromptPrefix = 16

// CanonicalHash returns the duplicate-detection hash of a messages array
// ("" when it is not one).
func CanonicalHash(messages json.RawMessage) string {
	c := checkers.Get().(*Checker)
	defer checkers.Put(c)
	v, err := c.parse(messages)
	if err != nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeArray:
		return c.hashPrompt(v.GetArray(), messages)
	case fastjson.TypeNull: // decodes as an empty []any
		return c.hashPrompt(nil, messages)
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
