package ingest

import (
	"strings"
	"unsafe"

	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// lineParser turns one line into a record ready to store: normalized
// (PRODUCT.md §2), checked (checks 1–12 with the prompt hash), and with its
// raw line compacted. Each import worker owns one, so parse state can be
// reused from line to line.
type lineParser struct {
	set    record.Settings
	source string
	norm   normalizer
	check  health.Checker
}

func newLineParser(set record.Settings, source string) *lineParser {
	return &lineParser{set: set, source: source}
}

// record prepares one non-blank line. The messages array is parsed once,
// by the normalizer, and checked on that parse.
func (p *lineParser) record(line []byte, lineNo int) record.Record {
	return p.prepare(line, lineNo, false)
}

// recordOwned is record for a line nothing will change while the record
// lives (the import's chunks): the record's fields are spans of it rather
// than of a copy.
func (p *lineParser) recordOwned(line []byte, lineNo int) record.Record {
	return p.prepare(line, lineNo, true)
}

func (p *lineParser) prepare(line []byte, lineNo int, owned bool) record.Record {
	rec, raw, prompt, parsed := p.norm.normalize(line, lineNo, owned)
	// Most records' Raw becomes a layout marker in CompactRaw: until then
	// it only borrows the line's bytes (which nothing writes to), and is
	// copied if it stays and the line is not owned.
	borrowed := unsafe.String(unsafe.SliceData(raw), len(raw))
	rec.Raw = borrowed
	rec.Source = p.source
	if parsed {
		p.check.CheckMessages(&rec, p.set, prompt)
	} else {
		p.check.Check(&rec, p.set)
	}
	store.CompactRaw(&rec)
	if rec.Raw == borrowed && !owned {
		rec.Raw = strings.Clone(borrowed)
	}
	return rec
}
