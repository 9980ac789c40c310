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
		if b := rebuildRaw(rec, m); b != nil && string(b) == rec.Raw {
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
		return string(rebuildRaw(r, col))
	}
	return col[1:]
}

// rebuildRaw encodes a record's fields in a layout, or returns nil when the
// layout cannot express the record.
func rebuildRaw(r *record.Record, layout string) []byte {
	if len(r.Fields) > 0 || len(r.Messages) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.Grow(len(r.Messages) + len(r.Tools) + len(r.Output) + len(r.Metadata) + 64)
	field := func(name string, v json.RawMessage) {
		if len(v) > 0 {
			b.WriteString(`,"` + name + `":`)
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
			return nil
		}
		msgs := r.Messages
		if len(r.Output) > 0 {
			// the output of a chat line is the assistant turns moved out
			// of it: {"messages":[…]}; put them back
			const pre = `{"messages":[`
			o := string(r.Output)
			if !strings.HasPrefix(o, pre) || !strings.HasSuffix(o, "]}") || len(msgs) < 2 {
				return nil
			}
			joined := make([]byte, 0, len(msgs)+len(o))
			joined = append(joined, msgs[:len(msgs)-1]...)
			joined = append(joined, ',')
			joined = append(joined, o[len(pre):len(o)-1]...)
			msgs = joined
		}
		b.WriteString(`{"messages":`)
		b.Write(msgs)
		field("metadata", r.Metadata)
		field("tools", r.Tools)
	default:
		return nil
	}
	b.WriteByte('}')
	return b.Bytes()
}
