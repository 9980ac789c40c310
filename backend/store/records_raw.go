package store

import (
	"bytes"
	"encoding/json"
	"strings"

	"tracetune/backend/record"
)

// A record keeps the line it was imported from (Record.Raw) so that an
// export in the original shape gives the user's bytes back. Most lines are
// exactly what encoding the normalized fields again would give, and storing
// them twice made an import a quarter slower; such a line is stored as a
// two-byte marker naming the layout that rebuilds it, and Record reads
// expand it. A marker is only ever written after checking that the rebuild
// equals the line, and the rebuild is a pure function of the stored fields.
//
// Column encoding: a value starting with NUL is either a marker ("\x00s",
// "\x00o") or an escaped line that itself started with NUL ("\x00" + line).
const (
	rawSorted   = "\x00s" // {"input":…,"metadata":…,"output":…} / {"messages":…,"metadata":…,"tools":…}: keys sorted (Go, sort_keys)
	rawInserted = "\x00o" // {"input":…,"output":…,"metadata":…}: the order gateways usually write
)

// CompactRaw replaces rec.Raw by a layout marker when the layout rebuilds
// the line byte for byte (call it once the record is normalized).
func CompactRaw(rec *record.Record) {
	if rec.Raw == "" || rec.Shape == record.ShapeRaw || rec.Shape == record.ShapeOther {
		return
	}
	for _, m := range []string{rawSorted, rawInserted} {
		c := rawMatcher{rest: rec.Raw}
		if layoutRaw(&c, rec, m) && !c.failed && c.rest == "" {
			rec.Raw = m
			return
		}
	}
}

// isMarker says whether raw is a layout marker: only CompactRaw writes
// one, and only into a record of a JSON-object shape, whose line itself
// starts with '{'.
func isMarker(shape record.Shape, raw string) bool {
	return (raw == rawSorted || raw == rawInserted) && (shape == record.ShapeGateway || shape == record.ShapeChat)
}

// rawColumn is what the raw column stores for a record's Raw.
func rawColumn(r *record.Record) string {
	if strings.HasPrefix(r.Raw, "\x00") && !isMarker(r.Shape, r.Raw) {
		return "\x00" + r.Raw
	}
	return r.Raw
}

// expandRaw turns a raw column value back into the line.
func expandRaw(r *record.Record, col string) string {
	if !strings.HasPrefix(col, "\x00") {
		return col
	}
	if isMarker(r.Shape, col) {
		var b bytes.Buffer
		b.Grow(len(r.Messages) + len(r.Tools) + len(r.Output) + len(r.Metadata) + 64)
		if !layoutRaw(&b, r, col) {
			return ""
		}
		return b.String()
	}
	return col[1:]
}

// rawWriter is what layoutRaw writes a line to: a buffer that rebuilds it,
// or a rawMatcher that compares it with the stored line as it goes.
type rawWriter interface {
	Write(p []byte) (int, error)
	WriteString(s string) (int, error)
	WriteByte(c byte) error
}

// rawMatcher checks, without building it, that what is written equals rest
// from its start, consuming it.
type rawMatcher struct {
	rest   string
	failed bool
}

func (m *rawMatcher) WriteString(s string) (int, error) {
	if m.failed || !strings.HasPrefix(m.rest, s) {
		m.failed = true
	} else {
		m.rest = m.rest[len(s):]
	}
	return len(s), nil
}

func (m *rawMatcher) Write(p []byte) (int, error) {
	if m.failed || len(p) > len(m.rest) || m.rest[:len(p)] != string(p) {
		m.failed = true
	} else {
		m.rest = m.rest[len(p):]
	}
	return len(p), nil
}

func (m *rawMatcher) WriteByte(c byte) error {
	if m.failed || m.rest == "" || m.rest[0] != c {
		m.failed = true
	} else {
		m.rest = m.rest[1:]
	}
	return nil
}

// layoutRaw writes a record's fields to b in a layout, or returns false
// when the layout cannot express the record.
func layoutRaw(b rawWriter, r *record.Record, layout string) bool {
	if len(r.Fields) > 0 || len(r.Messages) == 0 {
		return false
	}
	field := func(name string, v json.RawMessage) {
		if len(v) > 0 {
			b.WriteString(`,"`)
			b.WriteString(name)
			b.WriteString(`":`)
			b.Write(v)
		}
	}
	switch r.Shape {
	case record.ShapeGateway:
		b.WriteString(`{"input":{"messages":`)
		b.Write(r.Messages)
		field("tools", r.Tools)
		b.WriteByte('}')
		if layout == rawSorted {
			field("metadata", r.Metadata)
			field("output", r.Output)
		} else {
			field("output", r.Output)
			field("metadata", r.Metadata)
		}
	case record.ShapeChat:
		if layout != rawSorted {
			return false
		}
		b.WriteString(`{"messages":`)
		msgs, o := r.Messages, r.Output
		if len(o) > 0 {
			// the output of a chat line is the assistant turns moved out
			// of it: {"messages":[…]}; put them back
			const pre = `{"messages":[`
			if !bytes.HasPrefix(o, []byte(pre)) || !bytes.HasSuffix(o, []byte("]}")) || len(msgs) < 2 {
				return false
			}
			b.Write(msgs[:len(msgs)-1])
			b.WriteByte(',')
			b.Write(o[len(pre) : len(o)-1])
		} else {
			b.Write(msgs)
		}
		field("metadata", r.Metadata)
		field("tools", r.Tools)
	default:
		return false
	}
	b.WriteByte('}')
	return true
}
