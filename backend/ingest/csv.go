package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// CSV and TSV: a header row names the columns; each row becomes a chat
// line through a column mapping (AdaptOptions.Map): user (joined when
// several columns map to it), system, reference_answer, output (the
// production response), topic (the record arrives categorized; the value
// is also kept as a grader field), skip, or any other name: a grader field.
// Columns the mapping leaves out are mapped by their names (DefaultMapping).

// Column targets.
const (
	ColUser      = "user"
	ColSystem    = "system"
	ColReference = "reference_answer"
	ColOutput    = "output"
	ColTopic     = "topic"
	ColSkip      = "skip"
)

var columnGuesses = []struct {
	target string
	names  []string
}{
	{ColUser, []string{"text", "prompt", "question", "query", "input", "instruction", "user", "message", "utterance", "user_message"}},
	{ColSystem, []string{"system", "system_prompt", "system_message"}},
	{ColReference, []string{"reference_answer", "answer", "reference", "expected", "expected_output", "ideal", "target", "solution"}},
	{ColOutput, []string{"output", "response", "completion", "assistant"}},
	{ColTopic, []string{"topic", "category", "intent", "label", "class"}},
}

// DefaultMapping maps columns by their names; a column it does not know
// becomes a grader field of its name. When no column looks like the user
// message, the first column is.
func DefaultMapping(columns []string) map[string]string {
	m := map[string]string{}
	taken := map[string]bool{}
	for _, c := range columns {
		name := strings.ToLower(strings.TrimSpace(c))
		m[c] = name
		for _, g := range columnGuesses {
			if taken[g.target] && g.target != ColUser {
				continue
			}
			for _, n := range g.names {
				if name == n {
					m[c] = g.target
					taken[g.target] = true
				}
			}
			if m[c] == g.target {
				break
			}
		}
	}
	if !taken[ColUser] && len(columns) > 0 {
		m[columns[0]] = ColUser
	}
	return m
}

// csvMapping completes a person's mapping with DefaultMapping and checks it.
func csvMapping(columns []string, given map[string]string) (map[string]string, error) {
	for c := range given {
		found := false
		for _, h := range columns {
			if h == c {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("mapping names column %q, which the header does not have (columns: %s)", c, strings.Join(columns, ", "))
		}
	}
	m := DefaultMapping(columns)
	if len(given) > 0 {
		// a given user column replaces the guessed one
		for _, t := range given {
			if t == ColUser {
				for c, g := range m {
					if g == ColUser {
						m[c] = strings.ToLower(c)
					}
				}
			}
		}
	}
	for c, t := range given {
		m[c] = t
	}
	for _, t := range m {
		if t == ColUser {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no column is mapped to user: map one with COLUMN=user")
}

// readCSV streams the rows of a CSV/TSV file into chunks of chat lines.
func readCSV(ctx context.Context, r io.Reader, comma rune, m map[string]string, out chan<- *chunk) (int, error) {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("header row: %w", err)
	}
	seq, rows := 0, 0
	c := &chunk{seq: seq}
	flush := func() error {
		if len(c.lines) == 0 {
			return nil
		}
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
		c = &chunk{seq: seq}
		return nil
	}
	var last int64
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return rows, flush()
		}
		if err != nil {
			if _, ok := err.(*csv.ParseError); !ok {
				return rows, fmt.Errorf("row %d: %w", rows+1, err)
			}
		}
		rows++
		line, _ := cr.FieldPos(0)
		off := cr.InputOffset()
		c.bytes += off - last
		last = off
		l, raw, topic := csvRow(header, row, m)
		c.lines = append(c.lines, l)
		c.raws = append(c.raws, raw)
		c.topics = append(c.topics, topic)
		c.nums = append(c.nums, line)
		if len(c.lines) >= chunkLines {
			if err := flush(); err != nil {
				return rows, err
			}
		}
	}
}

// csvRow builds a row's chat line, its raw value (the row as a JSON
// object, in column order) and its topic.
func csvRow(header, row []string, m map[string]string) (line, raw []byte, topic string) {
	var rb bytes.Buffer
	rb.WriteByte('{')
	var users, systems []string
	var output json.RawMessage
	fields := map[string]json.RawMessage{}
	for i, v := range row {
		col := fmt.Sprintf("column_%d", i+1)
		if i < len(header) {
			col = header[i]
		}
		if i > 0 {
			rb.WriteByte(',')
		}
		rb.Write(marshal(col))
		rb.WriteByte(':')
		rb.Write(marshal(v))
		switch t := m[col]; t {
		case ColUser:
			users = append(users, v)
		case ColSystem:
			systems = append(systems, v)
		case ColOutput:
			output = msg("assistant", v)
		case ColTopic:
			topic = strings.TrimSpace(v)
			fields[col] = marshal(v)
		case ColSkip:
		case "":
			fields[col] = marshal(v)
		default:
			fields[t] = marshal(v)
		}
	}
	rb.WriteByte('}')
	var msgs []json.RawMessage
	if s := strings.Join(systems, "\n\n"); s != "" {
		msgs = append(msgs, msg("system", s))
	}
	msgs = append(msgs, msg("user", strings.Join(users, "\n\n")))
	return chatLine(msgs, nil, output, nil, fields), rb.Bytes(), topic
}
