package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/health"
	"tracetune/backend/record"
)

// Preview is what importing a file would store, computed without storing
// anything: the detected format and mapping, the counts (duplicates within
// the file included; the dataset's own records are not looked at) and the
// first records as conversations.
type Preview struct {
	Detected Detected        `json:"detected"`
	Items    int             `json:"items"` // lines, array elements, documents or rows read
	Total    int             `json:"total"` // records it would store
	Valid    int             `json:"valid"` // of them, the expected valid count
	Invalid  int             `json:"invalid"`
	ByCode   map[string]int  `json:"by_code"`
	Skipped  int             `json:"skipped"` // items holding no LLM call
	Topics   []string        `json:"topics"`  // imported topics, in order of first use
	Records  []PreviewRecord `json:"records"`
	Adapters []AdapterInfo   `json:"adapters"` // what --format and the mapping can choose from
	Targets  []string        `json:"targets"`  // CSV column targets
	Options  AdaptOptions    `json:"options"`
	Formats  []Format        `json:"formats"`
	Settings record.Settings `json:"settings"`
}

// PreviewRecord is one record as the preview shows it.
type PreviewRecord struct {
	Line     int             `json:"line"`
	Code     record.Code     `json:"code"`
	Detail   string          `json:"detail"`
	Topic    string          `json:"topic,omitempty"`
	Messages json.RawMessage `json:"messages,omitempty"`
	Tools    json.RawMessage `json:"tools,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
	Fields   json.RawMessage `json:"fields,omitempty"`
	Raw      string          `json:"raw"`
}

// AdapterInfo names an item format.
type AdapterInfo struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// maxPreviewTopics bounds the topic names a preview lists.
const maxPreviewTopics = 200

// PreviewFile reads a file as Import would (same detection, adapters and
// checks, with set as the dataset's settings) and returns its first n
// records and its counts. Nothing is stored.
func PreviewFile(ctx context.Context, path string, opt Options, set record.Settings, n int) (Preview, error) {
	f, err := os.Open(path)
	if err != nil {
		return Preview{}, fmt.Errorf("preview: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return Preview{}, fmt.Errorf("preview %s: a folder, not a file", path)
	}
	if opt.Source == "" {
		opt.Source = "file:" + filepath.Base(path)
	}
	p := Preview{ByCode: map[string]int{}, Topics: []string{}, Records: []PreviewRecord{}, Options: opt.Adapt,
		Formats: Formats, Settings: set, Targets: []string{ColUser, ColSystem, ColReference, ColOutput, ColTopic, ColSkip}}
	for _, a := range Adapters {
		p.Adapters = append(p.Adapters, AdapterInfo{a.Name, a.Label})
	}
	br, det, err := openText(f)
	if err != nil {
		return p, fmt.Errorf("preview %s: %w", filepath.Base(path), err)
	}
	peek, _ := br.Peek(peekSize)
	if det.Format = opt.Format; det.Format == "" {
		det.Format = detectFormat(peek)
	}
	read, err := itemReader(det.Format, br, peek, &det, opt.Adapt)
	if err != nil {
		return p, fmt.Errorf("preview %s: %w", filepath.Base(path), err)
	}
	p.Detected = det

	g, gctx := errgroup.WithContext(ctx)
	chunks := make(chan *chunk, 2)
	g.Go(func() error {
		defer close(chunks)
		n, err := read(gctx, chunks)
		p.Items = n
		return err
	})
	g.Go(func() error {
		lp := newLineParser(set, opt.Source)
		dd := health.NewDeduper()
		topics := map[string]bool{}
		id := int64(0)
		for c := range chunks {
			if c.adapt || c.raws != nil {
				adaptChunk(lp, c, &opt.Adapt)
			} else {
				c.recs = make([]record.Record, len(c.lines))
				for i, l := range c.lines {
					c.recs[i] = lp.record(l, c.nums[i])
				}
			}
			p.Skipped += c.skipped
			for i := range c.recs {
				r := &c.recs[i]
				id++
				if r.Code == record.Valid {
					r.Code, r.Detail = dd.Add(id, r.Line, r.Hash, r.TraceID)
				}
				p.Total++
				if r.Code == record.Valid {
					p.Valid++
				} else {
					p.Invalid++
					p.ByCode[string(r.Code)]++
				}
				if r.Topic != "" && !topics[r.Topic] && len(p.Topics) < maxPreviewTopics {
					topics[r.Topic] = true
					p.Topics = append(p.Topics, r.Topic)
				}
				if len(p.Records) < n {
					raw := r.Raw
					if len(raw) > 0 && raw[0] == 0 { // a layout marker: the line is its fields
						raw = ""
					}
					p.Records = append(p.Records, PreviewRecord{Line: r.Line, Code: r.Code, Detail: r.Detail, Topic: r.Topic,
						Messages: r.Messages, Tools: r.Tools, Output: r.Output, Fields: r.Fields, Raw: clipText(raw, 4000)})
				}
			}
			recycle(c)
			if err := gctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return p, fmt.Errorf("preview %s: %w", filepath.Base(path), err)
	}
	return p, nil
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
