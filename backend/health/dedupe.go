package health

import (
	"encoding/hex"
	"fmt"

	"tracetune/backend/record"
)

// Deduper applies check 13 to records fed in id order. Only records that
// passed checks 1–12 are fed. A record is a duplicate when its prompt hash or
// its trace id was already seen on an earlier such record; the first one
// stays valid. Keys are 16-byte arrays so a million records cost tens of MB.
type Deduper struct {
	hashes map[[16]byte]ref
	traces map[string]ref
	// Lookup, when set, finds an earlier stored record (one that passed
	// checks 1–12) with the hash, or with the trace id when hash is "". It
	// replaces loading a large dataset's keys for a small batch.
	Lookup func(hash, traceID string) (id int64, line int, ok bool, err error)
	// Err is the first Lookup error; Add treats a failed lookup as a miss.
	Err error
}

type ref struct {
	id   int64
	line int32
}

// NewDeduper returns an empty Deduper.
func NewDeduper() *Deduper {
	return &Deduper{hashes: map[[16]byte]ref{}, traces: map[string]ref{}}
}

// Add feeds one record and returns its code (valid or duplicate) and detail.
func (d *Deduper) Add(id int64, line int, hash, traceID string) (record.Code, string) {
	r := ref{id, int32(line)}
	var key [16]byte
	hasKey := len(hash) == 32
	if hasKey {
		if _, err := hex.Decode(key[:], []byte(hash)); err != nil {
			hasKey = false
		}
	}
	if d.Lookup != nil {
		if id, line, ok := d.lookup(hash, ""); ok && hash != "" {
			d.addTrace(traceID, r)
			return record.Duplicate, fmt.Sprintf("same prompt and grader fields as record %d%s", id, lineSuffix(int32(line)))
		}
		if id, line, ok := d.lookup("", traceID); ok && traceID != "" {
			return record.Duplicate, fmt.Sprintf("trace %q was already imported as record %d%s", clip(traceID, 60), id, lineSuffix(int32(line)))
		}
	}
	if hasKey {
		if first, ok := d.hashes[key]; ok {
			d.addTrace(traceID, r)
			return record.Duplicate, fmt.Sprintf("same prompt and grader fields as record %d%s", first.id, lineSuffix(first.line))
		}
	}
	if traceID != "" {
		if first, ok := d.traces[traceID]; ok {
			return record.Duplicate, fmt.Sprintf("trace %q was already imported as record %d%s", clip(traceID, 60), first.id, lineSuffix(first.line))
		}
		d.traces[traceID] = r
	}
	if hasKey {
		d.hashes[key] = r
	}
	return record.Valid, ""
}

func (d *Deduper) addTrace(traceID string, r ref) {
	if traceID == "" {
		return
	}
	if _, ok := d.traces[traceID]; !ok {
		d.traces[traceID] = r
	}
}

func lineSuffix(line int32) string {
	if line <= 0 {
		return ""
	}
	return fmt.Sprintf(" (line %d)", line)
}

func (d *Deduper) lookup(hash, traceID string) (int64, int, bool) {
	if hash == "" && traceID == "" {
		return 0, 0, false
	}
	id, line, ok, err := d.Lookup(hash, traceID)
	if err != nil && d.Err == nil {
		d.Err = err
	}
	return id, line, ok && err == nil
}
