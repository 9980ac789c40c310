package gateway

import (
	"encoding/json"
	"strings"
	"time"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
)

// call is what every adapter extracts from its wire format before it
// becomes a record (ingest.Call, shared with file imports).
type call = ingest.Call

// toTrace turns a call into a trace with its gateway-shape record and the
// summary the preview table shows.
func toTrace(c call, source string) Trace {
	rec := c.Record(source)
	var msgs []json.RawMessage
	_ = json.Unmarshal(rec.Messages, &msgs)
	out := rec.Output
	t := Trace{ID: c.ID, Time: c.Time.UTC(), Model: c.Model, Messages: len(msgs), Error: c.IsError, Record: rec}
	if c.Time.IsZero() {
		t.Time = time.Time{}
	}
	var text strings.Builder
	for _, m := range msgs {
		var msg record.Message
		if json.Unmarshal(m, &msg) != nil {
			continue
		}
		if msg.Role == "user" && t.FirstUser == "" {
			t.FirstUser = truncate(strings.TrimSpace(msg.Text()), 200)
		}
		if len(msg.ToolCalls) > 0 || msg.Role == "tool" {
			t.HasTools = true
		}
		text.WriteString(msg.Text())
		text.WriteByte('\n')
	}
	if rec.Tools != nil {
		t.HasTools = true
	}
	if len(out) > 0 {
		outs := []json.RawMessage{out}
		var wrapped struct {
			Messages []json.RawMessage `json:"messages"`
		}
		if json.Unmarshal(out, &wrapped) == nil && len(wrapped.Messages) > 0 {
			outs = wrapped.Messages
		}
		for _, o := range outs {
			var msg record.Message
			if json.Unmarshal(o, &msg) == nil {
				text.WriteString(msg.Text())
				text.WriteByte('\n')
				if len(msg.ToolCalls) > 0 || msg.Role == "tool" {
					t.HasTools = true
				}
			} else {
				text.Write(o)
			}
		}
	}
	t.text = strings.ToLower(text.String())
	return t
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Shared with file imports.
var (
	isEmptyJSON     = ingest.IsEmptyJSON
	asMessages      = ingest.AsMessages
	unquote         = ingest.Unquote
	responseMessage = ingest.ResponseMessage
	contentHashID   = ingest.ContentHashID
	parseTimeValue  = ingest.ParseTime
)
