package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// itemReader returns the reader of a format's items, and fills in the
// adapter the first item asks for.
func itemReader(f Format, br *bufio.Reader, peek []byte, det *Detected, o AdaptOptions) (func(ctx context.Context, out chan<- *chunk) (int, error), error) {
	setAdapter := func(item []byte) bool {
		a := findAdapter(prefixMembers(item))
		if a == nil {
			return false
		}
		det.Adapter, det.Label = a.Name, a.Label
		return a.Adapt != nil
	}
	switch f {
	case FormatJSONL:
		adapt := setAdapter(firstLine(peek))
		return func(ctx context.Context, out chan<- *chunk) (int, error) {
			return readChunks(ctx, br, out, adapt)
		}, nil
	case FormatJSONArray:
		dec := json.NewDecoder(bytes.NewReader(peek))
		if _, err := dec.Token(); err == nil && dec.More() {
			var first json.RawMessage
			if dec.Decode(&first) == nil {
				setAdapter(first)
			}
		}
		return func(ctx context.Context, out chan<- *chunk) (int, error) {
			return readArray(ctx, br, out)
		}, nil
	case FormatJSON:
		doc, err := io.ReadAll(br)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		setAdapter(doc)
		return func(ctx context.Context, out chan<- *chunk) (int, error) {
			return readDocuments(ctx, doc, out)
		}, nil
	case FormatCSV, FormatTSV:
		det.Adapter, det.Label = AdapterCSV, "CSV with a column mapping"
		comma := ','
		if f == FormatTSV {
			comma, det.Label = '\t', "TSV with a column mapping"
		}
		hr := csv.NewReader(bytes.NewReader(peek))
		hr.Comma, hr.LazyQuotes, hr.FieldsPerRecord = comma, true, -1
		header, err := hr.Read()
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("header row: %w", err)
		}
		m, err := csvMapping(header, o.Map)
		if err != nil {
			return nil, err
		}
		det.Columns, det.Mapping = header, m
		return func(ctx context.Context, out chan<- *chunk) (int, error) {
			return readCSV(ctx, br, comma, m, out)
		}, nil
	}
	return nil, fmt.Errorf("format %q: want one of jsonl, json-array, json, csv, tsv", f)
}

// firstLine is the first non-blank line of text.
func firstLine(text []byte) []byte {
	for len(text) > 0 {
		l := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if l = bytes.TrimSpace(l); len(l) > 0 {
			return l
		}
	}
	return nil
}

// readArray streams the elements of a JSON array into chunks; an element's
// number is its position, from 1. Where the array stops being valid JSON,
// the rest becomes one more item, which is stored as invalid.
func readArray(ctx context.Context, r io.Reader, out chan<- *chunk) (int, error) {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil {
		return 0, fmt.Errorf("not a JSON array: %w", err)
	}
	n, seq := 0, 0
	c := &chunk{seq: seq, adapt: true}
	var size, last int64
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
		c, size = &chunk{seq: seq, adapt: true}, 0
		return nil
	}
	for dec.More() {
		var el json.RawMessage
		n++
		if err := dec.Decode(&el); err != nil {
			rest, _ := io.ReadAll(io.LimitReader(io.MultiReader(dec.Buffered(), r), 1<<20))
			c.lines = append(c.lines, rest)
			c.nums = append(c.nums, n)
			c.bytes += int64(len(rest))
			return n, flush()
		}
		off := dec.InputOffset()
		c.bytes += off - last
		last = off
		c.lines = append(c.lines, el)
		c.nums = append(c.nums, n)
		if size += int64(len(el)); len(c.lines) >= chunkLines || size >= chunkBytes {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	// what follows the array's end is not dropped: one more item, invalid
	if _, err := dec.Token(); err == nil {
		rest, _ := io.ReadAll(io.LimitReader(io.MultiReader(dec.Buffered(), r), 1<<20))
		if rest = bytes.TrimSpace(rest); len(rest) > 0 {
			n++
			c.lines = append(c.lines, rest)
			c.nums = append(c.nums, n)
		}
	}
	return n, flush()
}

// readDocuments reads one JSON document, or several written one after the
// other (pretty-printed objects saved as .jsonl): each is an item whose
// line number is the line it starts on. Where the text stops being JSON,
// the rest becomes one more item, which is stored as invalid.
func readDocuments(ctx context.Context, doc []byte, out chan<- *chunk) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	c := &chunk{adapt: true, bytes: int64(len(doc))}
	line, pos := 1, 0
	at := func(off int) int {
		line += bytes.Count(doc[pos:off], []byte{'\n'})
		pos = off
		return line
	}
	for {
		start := int(dec.InputOffset())
		start += len(doc[start:]) - len(bytes.TrimLeft(doc[start:], " \t\r\n"))
		if start >= len(doc) {
			break
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			c.lines = append(c.lines, bytes.TrimSpace(doc[start:]))
			c.nums = append(c.nums, at(start))
			break
		}
		c.lines = append(c.lines, v)
		c.nums = append(c.nums, at(start))
	}
	if len(c.lines) == 0 {
		return 0, nil
	}
	select {
	case out <- c:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return len(c.lines), nil
}

// adaptChunk makes the records of a chunk whose lines are adapter items
// (or CSV rows with their raw values).
func adaptChunk(lp *lineParser, c *chunk, o *AdaptOptions) {
	c.recs = make([]record.Record, 0, len(c.lines))
	for i, l := range c.lines {
		num := c.nums[i]
		if c.adapt {
			if outs, ok := adaptItem(l, o); ok {
				if len(outs) == 0 {
					c.skipped++
				}
				for _, a := range outs {
					pos := num
					if a.Pos > 0 {
						pos = a.Pos
					}
					rec := lp.record(a.Line, pos)
					rec.Raw, rec.Topic = string(a.Raw), a.Topic
					c.recs = append(c.recs, rec)
				}
				continue
			}
		}
		rec := lp.record(l, num)
		if c.raws != nil {
			rec.Raw, rec.Topic = string(c.raws[i]), c.topics[i]
		}
		c.recs = append(c.recs, rec)
	}
}

// topicOf is a record that arrived with a topic.
type topicOf struct {
	id   int64
	name string
}

// assignTopics categorizes imported records by the topics their source
// gave (method import, confidence 1), creating the topics that do not
// exist yet.
func assignTopics(ctx context.Context, st *store.Store, datasetID int64, as []topicOf) error {
	ts, err := st.Topics(ctx, datasetID)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, t := range ts {
		ids[t.Name] = t.ID
	}
	batch := make([]store.Assignment, 0, 5000)
	for _, a := range as {
		id, ok := ids[a.name]
		if !ok {
			t, err := st.InsertTopic(ctx, record.Topic{DatasetID: datasetID, Name: a.name})
			if err != nil {
				return fmt.Errorf("imported topic %q: %w", a.name, err)
			}
			id, ids[a.name] = t.ID, t.ID
		}
		batch = append(batch, store.Assignment{RecordID: a.id, TopicID: id, Confidence: 1, Method: record.MethodImport})
		if len(batch) == cap(batch) {
			if err := st.SetAssignments(ctx, datasetID, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return st.SetAssignments(ctx, datasetID, batch)
}

// Item is one record's worth of a file, before parsing: its line in the
// gateway or chat shape, its raw value, its line number and its topic.
type Item struct {
	Line  []byte
	Raw   []byte
	Pos   int
	Topic string
}

// ReadItems reads a whole file the way Import does (same detection and
// adapters) into items, for the gateway step's file sources: a file of
// any format Import reads becomes traces. skipped counts items that hold
// no LLM call.
func ReadItems(ctx context.Context, r io.Reader, opt Options) (items []Item, det Detected, skipped int, err error) {
	br, det, err := openText(r)
	if err != nil {
		return nil, det, 0, err
	}
	peek, _ := br.Peek(peekSize)
	if det.Format = opt.Format; det.Format == "" {
		det.Format = detectFormat(peek)
	}
	read, err := itemReader(det.Format, br, peek, &det, opt.Adapt)
	if err != nil {
		return nil, det, 0, err
	}
	chunks := make(chan *chunk, 2)
	var rerr error
	go func() {
		defer close(chunks)
		_, rerr = read(ctx, chunks)
	}()
	for c := range chunks {
		for i, l := range c.lines {
			num := c.nums[i]
			if c.adapt {
				if outs, ok := adaptItem(l, &opt.Adapt); ok {
					if len(outs) == 0 {
						skipped++
					}
					for _, a := range outs {
						pos := num
						if a.Pos > 0 {
							pos = a.Pos
						}
						// the chunk's buffer is reused once recycled
						items = append(items, Item{Line: bytes.Clone(a.Line), Raw: bytes.Clone(a.Raw), Pos: pos, Topic: a.Topic})
					}
					continue
				}
			}
			it := Item{Line: bytes.Clone(l), Pos: num}
			it.Raw = it.Line
			if c.raws != nil {
				it.Raw, it.Topic = c.raws[i], c.topics[i]
			}
			items = append(items, it)
		}
		recycle(c)
	}
	return items, det, skipped, rerr
}
