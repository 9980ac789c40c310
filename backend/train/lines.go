package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"tracetune/backend/grader"
	"tracetune/backend/record"
)

// graderFields are the grader fields a record offers, read from the one
// place the grader's item reads them (grader.ItemFields), so a line carries
// exactly the fields the dry run graded with.
func graderFields(rec record.Record) (map[string]json.RawMessage, error) {
	f, err := grader.ItemFields(rec)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	if len(f.JSON) > 0 {
		if err := json.Unmarshal(f.JSON, &out); err != nil {
			return nil, fmt.Errorf("record %d grader fields: %w", rec.ID, err)
		}
	}
	return out, nil
}

// rftItem is a record as an RFT line's object: messages (ending with the
// user turn), tools, and the grader fields as top-level keys, the "item"
// every OpenAI grader template and the TRL reward function read. Field
// names that would shadow messages or tools are dropped (the API reserves
// them).
func rftItem(rec record.Record) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(rec.Messages)) == 0 {
		return nil, fmt.Errorf("record %d has no prompt messages", rec.ID)
	}
	var msgs []map[string]json.RawMessage
	if err := json.Unmarshal(rec.Messages, &msgs); err != nil {
		return nil, fmt.Errorf("record %d messages: %w", rec.ID, err)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("record %d has no prompt messages", rec.ID)
	}
	for _, m := range msgs {
		// RFT takes developer instructions; Azure refuses system messages.
		if string(m["role"]) == `"system"` {
			m["role"] = json.RawMessage(`"developer"`)
		}
	}
	if string(msgs[len(msgs)-1]["role"]) != `"user"` {
		return nil, fmt.Errorf("record %d: the last message must be the user's (RFT lines end with the user turn)", rec.ID)
	}
	item, err := graderFields(rec)
	if err != nil {
		return nil, err
	}
	delete(item, "messages")
	delete(item, "tools")
	m, _ := json.Marshal(msgs)
	item["messages"] = m
	if t := bytes.TrimSpace(rec.Tools); len(t) > 0 && string(t) != "null" && string(t) != "[]" {
		item["tools"] = t
	}
	return item, nil
}

// rftLine is a record's line in an OpenAI/Azure RFT file: messages first,
// then tools, then the grader fields in name order.
func rftLine(rec record.Record) ([]byte, error) {
	item, err := rftItem(rec)
	if err != nil {
		return nil, err
	}
	return orderedObject(item, "messages", "tools"), nil
}

// orderedObject writes an object with the named keys first, then the rest
// sorted, so files are byte-for-byte reproducible.
func orderedObject(m map[string]json.RawMessage, first ...string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	put := func(k string, v json.RawMessage) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		var c bytes.Buffer
		if json.Compact(&c, v) == nil {
			b.Write(c.Bytes())
		} else {
			b.Write(v)
		}
	}
	seen := map[string]bool{}
	for _, k := range first {
		if v, ok := m[k]; ok {
			put(k, v)
			seen[k] = true
		}
	}
	rest := make([]string, 0, len(m))
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		put(k, m[k])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// trlRow is a record's row in the TRL bundle: the prompt in TRL's
// conversational form (role and text content), the whole RFT item as a JSON
// string in tracetune_item (one Arrow type for every row, whatever the grader
// fields; reward.py reads it) and the
// record id. TRL passes every column but prompt to the reward function.
func trlRow(rec record.Record) ([]byte, error) {
	item, err := rftItem(rec)
	if err != nil {
		return nil, err
	}
	var msgs []record.Message
	if err := json.Unmarshal(rec.Messages, &msgs); err != nil {
		return nil, fmt.Errorf("record %d messages: %w", rec.ID, err)
	}
	type turn struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	prompt := make([]turn, 0, len(msgs))
	for _, m := range msgs {
		prompt = append(prompt, turn{Role: m.Role, Content: m.Text()})
	}
	p, _ := json.Marshal(prompt)
	it, _ := json.Marshal(string(orderedObject(item, "messages", "tools")))
	id, _ := json.Marshal(rec.ID)
	return orderedObject(map[string]json.RawMessage{"prompt": p, "tracetune_item": it, "record_id": id}, "prompt", "tracetune_item", "record_id"), nil
}
