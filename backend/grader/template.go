package grader

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Templates: {{ name }} with OpenAI's namespaces (sample.*, item.*, with
// JSON-path-like access: item.a.b, sample.output_tools[0].function.name) and
// Tracetune's own shorthands. The exported Python renders them with the same
// rules (see python.go): a missing path renders as nothing.

var tmplVar = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// Shorthand variables a template may use besides sample.* and item.*.
var shorthands = map[string]bool{
	"messages": true, "response": true, "lastUserMessage": true,
	"tools": true, "toolCalls": true, "systemPrompt": true,
}

// pathStep is one step of a variable path: an object key or a list index.
type pathStep struct {
	key   string
	index int
	isIdx bool
}

// parsePath splits "item.a[0].b" into its root and steps.
func parsePath(p string) (root string, steps []pathStep, err error) {
	i := strings.IndexAny(p, ".[")
	if i < 0 {
		return p, nil, nil
	}
	root, rest := p[:i], p[i:]
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			j := strings.IndexAny(rest, ".[")
			if j < 0 {
				j = len(rest)
			}
			if j == 0 {
				return "", nil, fmt.Errorf("empty name in %q", p)
			}
			steps = append(steps, pathStep{key: rest[:j]})
			rest = rest[j:]
		case '[':
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return "", nil, fmt.Errorf("unclosed [ in %q", p)
			}
			n, err := strconv.Atoi(strings.TrimSpace(rest[1:j]))
			if err != nil {
				return "", nil, fmt.Errorf("index %q in %q is not a number", rest[1:j], p)
			}
			steps = append(steps, pathStep{index: n, isIdx: true})
			rest = rest[j+1:]
		default:
			return "", nil, fmt.Errorf("unexpected %q in %q", rest[0], p)
		}
	}
	return root, steps, nil
}

// checkTemplate reports the first variable a template cannot resolve by name.
func checkTemplate(t string) error {
	for _, m := range tmplVar.FindAllStringSubmatch(t, -1) {
		root, _, err := parsePath(m[1])
		if err != nil {
			return fmt.Errorf("template variable {{%s}}: %w", m[1], err)
		}
		if root != "sample" && root != "item" && !shorthands[root] {
			return fmt.Errorf("template variable {{%s}} is unknown: use sample.*, item.* or one of messages, response, lastUserMessage, tools, toolCalls, systemPrompt", m[1])
		}
		if shorthands[root] && m[1] != root {
			return fmt.Errorf("template variable {{%s}}: %s takes no path", m[1], root)
		}
	}
	return nil
}

// walk follows steps from v; ok is false when a step does not exist.
func walk(v any, steps []pathStep) (any, bool) {
	for _, s := range steps {
		switch x := v.(type) {
		case *object:
			if s.isIdx {
				return nil, false
			}
			var ok bool
			if v, ok = x.get(s.key); !ok {
				return nil, false
			}
		case []any:
			if !s.isIdx {
				return nil, false
			}
			i := s.index
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// env is what templates and checks see of one graded pair.
type env struct {
	sample *object // output_text, output_json, output_tools
	item   *object // messages, tools, grader fields
	short  map[string]string
}

// render fills a template.
func (e *env) render(t string) string {
	return tmplVar.ReplaceAllStringFunc(t, func(m string) string {
		name := tmplVar.FindStringSubmatch(m)[1]
		root, steps, err := parsePath(name)
		if err != nil {
			return ""
		}
		switch root {
		case "sample", "item":
			base := e.sample
			if root == "item" {
				base = e.item
			}
			v, ok := walk(base, steps)
			if !ok {
				return ""
			}
			return pyStr(v)
		}
		return e.short[root]
	})
}

// newEnv builds the template environment of an item and a sample.
func newEnv(it Item, s Sample) (*env, error) {
	item, err := it.value()
	if err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	smp, err := s.value()
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	e := &env{sample: smp, item: item}
	msgs, _ := item.get("messages")
	tools, _ := item.get("tools")
	outTools, _ := smp.get("output_tools")
	text, _ := smp.get("output_text")
	e.short = map[string]string{
		"messages":        transcript(msgs),
		"response":        responseText(pyStr(text), outTools),
		"lastUserMessage": lastUser(msgs),
		"tools":           pyStrNonEmpty(tools),
		"toolCalls":       pyStrNonEmpty(outTools),
		"systemPrompt":    systemPrompt(msgs),
	}
	return e, nil
}

// pyStrNonEmpty prints a value, but an empty or missing list as nothing.
func pyStrNonEmpty(v any) string {
	if a, ok := v.([]any); ok && len(a) == 0 {
		return ""
	}
	return pyStr(v)
}

// contentText flattens a message content value: a string, or the text parts
// of an array joined by newlines.
func contentText(c any) string {
	switch x := c.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, p := range x {
			if o, ok := p.(*object); ok {
				if t, ok := o.get("text"); ok {
					if s, ok := t.(string); ok {
						parts = append(parts, s)
					}
				}
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

func field(v any, k string) any {
	if o, ok := v.(*object); ok {
		x, _ := o.get(k)
		return x
	}
	return nil
}

func strField(v any, k string) string {
	s, _ := field(v, k).(string)
	return s
}

// callLines prints tool calls one per line: [tool call] name(arguments).
func callLines(calls any) []string {
	arr, _ := calls.([]any)
	var out []string
	for _, c := range arr {
		fn := field(c, "function")
		args := field(fn, "arguments")
		a, ok := args.(string)
		if !ok {
			a = pyStr(args)
		}
		out = append(out, "[tool call] "+strField(fn, "name")+"("+a+")")
	}
	return out
}

// transcript prints messages as "role: text" blocks, tool calls included.
func transcript(msgs any) string {
	arr, _ := msgs.([]any)
	var blocks []string
	for _, m := range arr {
		lines := []string{strField(m, "role") + ": " + contentText(field(m, "content"))}
		lines = append(lines, callLines(field(m, "tool_calls"))...)
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	return strings.Join(blocks, "\n\n")
}

func responseText(text string, calls any) string {
	lines := callLines(calls)
	if len(lines) == 0 {
		return text
	}
	if text != "" {
		lines = append([]string{text}, lines...)
	}
	return strings.Join(lines, "\n")
}

func lastUser(msgs any) string {
	arr, _ := msgs.([]any)
	for i := len(arr) - 1; i >= 0; i-- {
		if strField(arr[i], "role") == "user" {
			return contentText(field(arr[i], "content"))
		}
	}
	return ""
}

func systemPrompt(msgs any) string {
	arr, _ := msgs.([]any)
	for _, m := range arr {
		if r := strField(m, "role"); r == "system" || r == "developer" {
			return contentText(field(m, "content"))
		}
	}
	return ""
}

// value is the item as graders see it: the RFT line (messages, tools and
// the grader fields at the top level).
func (it Item) value() (*object, error) {
	o := newObject()
	msgs := it.Messages
	if msgs == nil {
		msgs = nil
	}
	mv, err := toValue(msgsOrEmpty(it))
	if err != nil {
		return nil, err
	}
	o.set("messages", mv)
	if len(it.Tools) > 0 && string(it.Tools) != "null" {
		tv, err := decodeJSON(it.Tools)
		if err != nil {
			return nil, fmt.Errorf("tools: %w", err)
		}
		o.set("tools", tv)
	}
	if len(it.Fields) > 0 {
		// the fields' own order is lost in a Go map: sorted, as Python
		// receives them from JSON written by Go
		fv, err := toValue(it.Fields)
		if err != nil {
			return nil, fmt.Errorf("fields: %w", err)
		}
		if fo, ok := fv.(*object); ok {
			for _, k := range fo.keys {
				if k == "messages" || k == "tools" {
					continue
				}
				o.set(k, fo.m[k])
			}
		}
	}
	return o, nil
}

func msgsOrEmpty(it Item) any {
	if it.Messages == nil {
		return []any{}
	}
	return it.Messages
}

// JSON is the item as one RFT line (what the exported Python's grade
// receives as item).
func (it Item) JSON() ([]byte, error) {
	o, err := it.value()
	if err != nil {
		return nil, err
	}
	s, err := pyDumps(o, dumpOptions{itemSep: ",", keySep: ":"})
	return []byte(s), err
}

// value is the sample as graders see it.
func (s Sample) value() (*object, error) {
	o := newObject()
	o.set("output_text", s.OutputText)
	oj, err := toValue(s.OutputJSON)
	if err != nil {
		return nil, fmt.Errorf("output_json: %w", err)
	}
	o.set("output_json", oj)
	tools := []any{}
	if len(s.OutputTools) > 0 {
		tv, err := toValue(s.OutputTools)
		if err != nil {
			return nil, err
		}
		tools = tv.([]any)
	}
	o.set("output_tools", tools)
	return o, nil
}

// JSON is the sample as the exported Python's grade receives it.
func (s Sample) JSON() ([]byte, error) {
	o, err := s.value()
	if err != nil {
		return nil, err
	}
	str, err := pyDumps(o, dumpOptions{itemSep: ",", keySep: ":"})
	return []byte(str), err
}

var _ = json.Number("")
