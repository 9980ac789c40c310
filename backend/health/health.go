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
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"tracetune/backend/record"
	"tracetune/backend/tokens"
)

var roles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true}

// Check sets rec.Code and rec.Detail for checks 1–12 (not duplicate), and
// rec.Hash (the canonical prompt hash duplicate detection compares) when
// the prompt passes them. A record of shape raw keeps the Detail its
// normalization gave (the parse error, with line and column).
func Check(rec *record.Record, set record.Settings) {
	CheckText(rec, set)
}

// CheckText is Check that also returns the record's searchable text (what
// the search index holds: the text of every message, or the raw line when
// there are no messages), which validation has parsed anyway.
func CheckText(rec *record.Record, set record.Settings) string {
	if set.MinUserChars <= 0 && set.MaxTokens <= 0 {
		set = record.DefaultSettings()
	}
	rec.Hash = ""
	var msgs []any
	code, detail := check(rec, set, &msgs)
	if code == record.InvalidDataStructure && rec.Shape == record.ShapeRaw && rec.Detail != "" {
		detail = rec.Detail
	}
	rec.Code, rec.Detail = code, detail
	if msgs == nil {
		return clipRunes(rec.Raw, SearchTextMax)
	}
	var b strings.Builder
	for _, m := range msgs {
		mm, ok := m.(map[string]any)
		if !ok {
			continue
		}
		if t := contentText(mm["content"]); t != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t)
			if b.Len() >= SearchTextMax*4 {
				break
			}
		}
	}
	return clipRunes(b.String(), SearchTextMax)
}

// SearchTextMax is how many characters of a record's text are searchable
// (the same bound as the SQL side of the search index).
const SearchTextMax = 16000

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

func check(rec *record.Record, set record.Settings, decoded *[]any) (record.Code, string) {
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
		if !roles[role] {
			return record.InvalidRole, fmt.Sprintf("message %d has role %q (allowed: system, developer, user, assistant, tool)", i+1, clip(role, 40))
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
		texts[i] = contentText(m["content"])
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
				return record.OrphanToolResult, fmt.Sprintf("tool message %d answers tool call %q, which no earlier assistant message made", i+1, clip(id, 60))
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
	rec.Hash = hashPrompt(msgs)
	return record.Valid, ""
}

// contentText flattens a decoded content value: a string, or the text of
// the parts of an array (other values have no text).
func contentText(v any) string {
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

// hashPrompt hashes a canonical encoding of the decoded prompt messages:
// object keys sorted, no insignificant white space, strings quoted one way,
// so two prompts hash alike exactly when their content is the same.
func hashPrompt(msgs []any) string {
	b := canon(make([]byte, 0, 512), msgs)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func canon(b []byte, v any) []byte {
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
			b = canon(b, e)
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
			b = canon(b, x[k])
		}
		return append(b, '}')
	}
	return fmt.Appendf(b, "%v", v)
}

// CanonicalHash returns the duplicate-detection hash of a messages array
// ("" when it is not one).
func CanonicalHash(messages json.RawMessage) string {
	var msgs []any
	d := json.NewDecoder(bytes.NewReader(messages))
	d.UseNumber()
	if d.Decode(&msgs) != nil {
		return ""
	}
	return hashPrompt(msgs)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
