// Package record holds Tracetune's domain vocabulary: datasets, records,
// messages, topics and validation codes. It depends on nothing else in the
// project so every other package can speak it.
package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Code is a record's validation outcome. The empty code means valid.
type Code string

// Validation codes in the order the checks run (PRODUCT.md §3).
const (
	Valid                Code = ""
	InvalidDataStructure Code = "invalid_data_structure"
	MissingInput         Code = "missing_input"
	MissingMessages      Code = "missing_messages"
	EmptyMessages        Code = "empty_messages"
	InvalidRole          Code = "invalid_role"
	NoUserMessage        Code = "no_user_message"
	EmptyUserMessage     Code = "empty_user_message"
	UserMessageTooShort  Code = "user_message_too_short"
	MissingToolCallID    Code = "missing_tool_call_id"
	OrphanToolResult     Code = "orphan_tool_result"
	LastMessageNotUser   Code = "last_message_not_user"
	ExceedsMaxTokens     Code = "exceeds_max_tokens"
	Duplicate            Code = "duplicate"
)

// CheckOrder lists every invalid code in the order the checks run.
var CheckOrder = []Code{
	InvalidDataStructure, MissingInput, MissingMessages, EmptyMessages, InvalidRole,
	NoUserMessage, EmptyUserMessage, UserMessageTooShort, MissingToolCallID,
	OrphanToolResult, LastMessageNotUser, ExceedsMaxTokens, Duplicate,
}

// Shape says which JSONL form a record arrived in.
type Shape string

const (
	ShapeGateway Shape = "gateway" // {"input":{"messages":…},"output":…}
	ShapeChat    Shape = "chat"    // {"messages":…} (OpenAI fine-tuning files)
	ShapeOther   Shape = "other"   // a JSON object of neither shape
	ShapeRaw     Shape = "raw"     // not a JSON object; kept as text
)

// Categorization methods, cheapest first.
const (
	MethodKeyword   = "keyword"
	MethodEmbedding = "embedding"
	MethodLLM       = "llm"
	MethodManual    = "manual"
	MethodImport    = "import"     // the source file gave the topic (confidence 1)
	MethodOnly      = "only_topic" // the dataset has a single leaf topic: nothing to decide
)

// LowConfidence is the threshold under which a categorization needs review.
const LowConfidence = 0.7

// Settings are per-dataset validation defaults.
type Settings struct {
	MinUserChars int `json:"min_user_chars"`
	MaxTokens    int `json:"max_tokens"`
}

// DefaultSettings are the defaults of PRODUCT.md §3.
func DefaultSettings() Settings { return Settings{MinUserChars: 10, MaxTokens: 8000} }

// Limits of the settings: a user message needs at least one character, and
// no trainer takes prompts longer than MaxPromptTokens.
const (
	MaxMinUserChars = 10000
	MaxPromptTokens = 1000000
)

// Validate checks the settings every caller sets (window, command).
func (s Settings) Validate() error {
	if s.MinUserChars < 1 || s.MinUserChars > MaxMinUserChars {
		return fmt.Errorf("minimum user message length %d: give 1–%d characters", s.MinUserChars, MaxMinUserChars)
	}
	if s.MaxTokens < 1 || s.MaxTokens > MaxPromptTokens {
		return fmt.Errorf("maximum prompt tokens %d: give 1–%d", s.MaxTokens, MaxPromptTokens)
	}
	return nil
}

// Dataset is a named collection of records with an objective.
type Dataset struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Objective    string    `json:"objective"`
	Settings     Settings  `json:"settings"`
	CreatedAt    time.Time `json:"created_at"`
	LastActivity time.Time `json:"last_activity"`
}

// Record is one RFT prompt and everything known about where it came from.
// JSON-valued fields hold raw JSON text ("" when absent) so that the user's
// data round-trips byte for byte where it can.
type Record struct {
	ID        int64  `json:"id"`
	DatasetID int64  `json:"dataset_id"`
	Line      int    `json:"line"` // 1-based line in the source file; 0 when not from a file
	Raw       string `json:"raw"`  // the line as imported
	Shape     Shape  `json:"shape"`

	Messages json.RawMessage `json:"messages,omitempty"` // prompt: up to and including the last user turn
	Tools    json.RawMessage `json:"tools,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`   // production response, if any
	Fields   json.RawMessage `json:"fields,omitempty"`   // grader fields (item.*): a JSON object
	Metadata json.RawMessage `json:"metadata,omitempty"` // free metadata from the source

	Source  string `json:"source"`   // e.g. "file:traces.jsonl", "langfuse:prod"
	TraceID string `json:"trace_id"` // trace or span id from a gateway
	Hash    string `json:"hash"`     // hash of the canonical prompt messages

	Code   Code   `json:"code"`
	Detail string `json:"detail"` // what exactly is wrong, for a person

	TopicID    int64   `json:"topic_id"` // 0 = uncategorized
	Topic      string  `json:"topic"`    // leaf topic name, filled on reads
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`

	Generated      bool   `json:"generated"`
	SourceRecordID int64  `json:"source_record_id,omitempty"`
	Strategy       string `json:"strategy,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Message is one chat turn as OpenAI-compatible APIs write it.
type Message struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content,omitempty"` // a string, an array of parts, or null
	Name       string          `json:"name,omitempty"`
	ToolCalls  []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

// ToolCall is a function call made by an assistant turn.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its JSON-encoded arguments.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Text returns the message content as plain text: the string itself, or the
// text parts of a content array joined by newlines.
func (m Message) Text() string { return ContentText(m.Content) }

// ContentText flattens a content value (string or array of parts) to text;
// parts without text (images, audio, files) are left out.
func ContentText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text *string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			if p.Text == nil { // an image, audio or file part: no text
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(*p.Text)
		}
		return b.String()
	}
	return ""
}

// LastUserText returns the text of the last user message of a prompt.
func LastUserText(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Text()
		}
	}
	return ""
}

// Topic is a node of a dataset's topic hierarchy. Records are assigned to
// leaves.
type Topic struct {
	ID          int64    `json:"id"`
	DatasetID   int64    `json:"dataset_id"`
	ParentID    int64    `json:"parent_id"` // 0 = top level
	Name        string   `json:"name"`      // snake_case
	Description string   `json:"description"`
	Keywords    []string `json:"keywords"`
	Target      float64  `json:"target"` // desired share in percent; 0 = uniform
	Position    int      `json:"position"`
}

// Leaves returns the topics that have no children, keeping their order.
// Records are assigned to leaves only.
func Leaves(ts []Topic) []Topic {
	parent := map[int64]bool{}
	for _, t := range ts {
		parent[t.ParentID] = true
	}
	var out []Topic
	for _, t := range ts {
		if !parent[t.ID] {
			out = append(out, t)
		}
	}
	return out
}
