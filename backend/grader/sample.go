package grader

import (
	"bytes"
	"encoding/json"
	"fmt"

	"tracetune/backend/record"
)

// ItemFromRecord builds the RFT line of a record: its prompt messages, the
// tools offered and the grader fields it offers (ItemFields: its own, and
// references taken from a file's trajectory).
func ItemFromRecord(rec record.Record) (Item, error) {
	var it Item
	if len(rec.Messages) > 0 {
		if err := json.Unmarshal(rec.Messages, &it.Messages); err != nil {
			return it, fmt.Errorf("record %d messages: %w", rec.ID, err)
		}
	}
	if t := bytes.TrimSpace(rec.Tools); len(t) > 0 && string(t) != "null" {
		it.Tools = rec.Tools
	}
	fields, err := ItemFields(rec)
	if err != nil {
		return it, err
	}
	if len(fields.JSON) > 0 {
		dec := json.NewDecoder(bytes.NewReader(fields.JSON))
		dec.UseNumber() // 3 stays an int and 3.0 a float, as in Python
		if err := dec.Decode(&it.Fields); err != nil {
			return it, fmt.Errorf("record %d fields: %w", rec.ID, err)
		}
	}
	return it, nil
}

// SampleFromMessage turns an assistant message into the sample graders see:
// its text, its tool calls, and the text parsed as JSON when it is JSON.
func SampleFromMessage(m record.Message) Sample {
	return newSample(m.Text(), m.ToolCalls)
}

func newSample(text string, calls []record.ToolCall) Sample {
	s := Sample{OutputText: text, OutputTools: calls}
	if s.OutputTools == nil {
		s.OutputTools = []record.ToolCall{}
	}
	s.OutputJSON = parseOutputJSON(text)
	return s
}

// parseOutputJSON is output_json: the text's JSON value, or nil.
func parseOutputJSON(text string) any {
	if len(bytes.TrimSpace([]byte(text))) == 0 {
		return nil
	}
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return nil
	}
	return v
}

// ProductionSample is the response a record's trace already has
// (rec.Output), in whichever shape the import kept it: an assistant
// message, {"messages": [...]} (the assistant turns of a chat line), a
// single {"messages": {...}} message, a chat completion ({"choices": …}),
// {"message": …}, a list of messages, or plain text (record.OutputMessage
// reads it). ok is false when the record has none.
func ProductionSample(rec record.Record) (Sample, bool) {
	m, ok := record.OutputMessage(rec.Output)
	if !ok {
		return Sample{}, false
	}
	return SampleFromMessage(m), true
}
