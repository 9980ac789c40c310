// Package ingest turns the files users have (JSONL, JSON arrays and
// documents, CSV/TSV; gzipped or not; UTF-8 or UTF-16) and records pulled
// from gateways into stored, validated records: format detection on the
// first bytes, adapters for the item formats trace tools and fine-tuning
// kits write (see Adapters), a streaming reader with bounded memory, shape
// detection and normalization (PRODUCT.md §2), parsing and validation in
// parallel across cores, batched inserts with duplicate detection in file
// order, edits and deletes that revalidate, and export back to JSONL.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Mode says what happens to a dataset's existing records on import.
type Mode string

const (
	Append  Mode = "append"  // keep existing records, add the new ones after them
	Replace Mode = "replace" // drop existing records in the same transaction that adds the new ones
)

// Options configure an import.
type Options struct {
	Mode   Mode         `json:"mode"`
	Source string       `json:"source"` // e.g. "file:traces.jsonl"; stored on every record
	Format Format       `json:"format"` // "" detects it from the first bytes
	Adapt  AdaptOptions `json:"adapt"`  // evals template, CSV column mapping
}

// Result summarizes an import.
type Result struct {
	Lines    int            `json:"lines"` // lines read, blank ones included
	Total    int            `json:"total"` // records stored
	Valid    int            `json:"valid"`
	Invalid  int            `json:"invalid"`
	ByCode   map[string]int `json:"by_code"`
	Duration time.Duration  `json:"duration"`
	Detected Detected       `json:"detected"`
	Skipped  int            `json:"skipped"` // items that hold no LLM call (tool or agent spans), not records
	Topics   int            `json:"topics"`  // records that arrived categorized by a topic of the source
}

func (r *Result) add(recs []record.Record) {
	for i := range recs {
		r.Total++
		if recs[i].Code == record.Valid {
			r.Valid++
		} else {
			r.Invalid++
			r.ByCode[string(recs[i].Code)]++
		}
	}
}

// Tuning. A chunk is the unit of parallel work; commitEvery bounds an
// append transaction. Memory in flight is about workers×3+2 chunks.
const (
	chunkLines  = 256
	chunkBytes  = 256 << 10
	commitEvery = 50000
	readBuf     = 1 << 20
)

// ImportFile imports a file (see Import); report gets bytes done / total.
func ImportFile(ctx context.Context, st *store.Store, datasetID int64, path string, opt Options, report func(done, total int64)) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{ByCode: map[string]int{}}, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Result{ByCode: map[string]int{}}, fmt.Errorf("import %s: %w", path, err)
	}
	if fi.IsDir() {
		return Result{ByCode: map[string]int{}}, fmt.Errorf("import %s: a folder, not a file", path)
	}
	if opt.Source == "" {
		opt.Source = "file:" + filepath.Base(path)
	}
	res, err := Import(ctx, st, datasetID, f, fi.Size(), opt, report)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	return res, nil
}

// chunk is a run of consecutive lines; lines, and then the records made of
// them, point into arena.
type chunk struct {
	seq   int
	first int // line number of lines[0]
	arena *[]byte
	lines [][]byte
	nums  []int
	bytes int64 // input bytes consumed, blank lines included
	recs  []record.Record
	// adapt: lines are items for the adapters; raws and topics (CSV):
	// each line's raw value and topic
	adapt   bool
	raws    [][]byte
	topics  []string
	skipped int
}

// Import imports a file's content from r (size is the byte total for
// progress; 0 if unknown): its format and item kind are detected from the
// first bytes (Options.Format forces the format), a file that is not text is
// refused before anything is stored (ErrNotText), and every item becomes
// records through its adapter (see Adapters); JSONL in the gateway or chat
// shape takes the fast path, line by line. Reading, parsing+checking (one
// worker per core) and writing run as a pipeline; duplicates are decided by
// the writer in line order, so the first of two equal prompts is the valid
// one. In replace mode the whole import is one transaction that starts by
// deleting the old records.
func Import(ctx context.Context, st *store.Store, datasetID int64, r io.Reader, size int64, opt Options, report func(done, total int64)) (Result, error) {
	start := time.Now()
	res := Result{ByCode: map[string]int{}}
	switch opt.Mode {
	case "":
		opt.Mode = Append
	case Append, Replace:
	default:
		return res, fmt.Errorf("import mode %q: want append or replace", opt.Mode)
	}
	ds, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return res, err
	}
	if report == nil {
		report = func(int64, int64) {}
	}
	// Nothing is stored before the file is known to be text.
	br, det, err := openText(r)
	if err != nil {
		return res, err
	}
	if det.Gzip || det.Encoding == EncUTF16LE || det.Encoding == EncUTF16BE {
		size = 0 // progress counts decoded bytes: the total is not known
	}
	peek, _ := br.Peek(peekSize)
	if det.Format = opt.Format; det.Format == "" {
		det.Format = detectFormat(peek)
	}
	read, err := itemReader(det.Format, br, peek, &det, opt.Adapt)
	if err != nil {
		return res, err
	}
	res.Detected = det
	dd := health.NewDeduper()
	if opt.Mode == Append {
		if err := loadKeys(ctx, st, datasetID, dd); err != nil {
			return res, err
		}
	}

	workers := runtime.GOMAXPROCS(0)
	g, gctx := errgroup.WithContext(ctx)
	raw := make(chan *chunk, workers)
	done := make(chan *chunk, workers)
	g.Go(func() error {
		defer close(raw)
		n, err := read(gctx, raw)
		res.Lines = n
		return err
	})
	var wg sync.WaitGroup
	wg.Add(workers)
	go func() { wg.Wait(); close(done) }()
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			defer wg.Done()
			lp := newLineParser(ds.Settings, opt.Source)
			for c := range raw {
				if c.adapt || c.raws != nil {
					adaptChunk(lp, c, &opt.Adapt)
				} else {
					c.recs = make([]record.Record, len(c.lines))
					for i, l := range c.lines {
						c.recs[i] = lp.recordOwned(l, c.nums[i]) // chunk buffers are never reused
					}
				}
				c.lines, c.nums, c.raws, c.topics = nil, nil, nil, nil
				select {
				case done <- c:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}

	var werr error
	var assigned []topicOf
	g.Go(func() error {
		// an error here cancels gctx, which stops the reader and workers
		assigned, werr = write(gctx, st, datasetID, opt.Mode, dd, done, &res, size, report)
		return werr
	})
	err = g.Wait()
	if werr != nil {
		err = werr
	}
	if err == nil && len(assigned) > 0 {
		res.Topics = len(assigned)
		err = assignTopics(ctx, st, datasetID, assigned)
	}
	res.Duration = time.Since(start)
	if err != nil {
		return res, err
	}
	report(max(size, 0), size)
	return res, nil
}

// arenas recycles chunk buffers: each is done with once its records are
// written, and allocating a new one per chunk made the garbage collector
// run twice as often during an import.
var arenas = sync.Pool{New: func() any { b := make([]byte, 0, chunkBytes); return &b }}

// recycle gives a written chunk's buffer back (its records are garbage).
func recycle(c *chunk) {
	if c.arena != nil && cap(*c.arena) == chunkBytes {
		arenas.Put(c.arena)
	}
	c.arena, c.recs = nil, nil
}

// loadKeys feeds the deduper with the dataset's existing records, which all
// come before the new ones.
func loadKeys(ctx context.Context, st *store.Store, datasetID int64, dd *health.Deduper) error {
	var after int64
	for {
		rows, err := st.DedupeRows(ctx, datasetID, after, 20000)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			dd.Add(r.ID, r.Line, r.Hash, r.TraceID)
		}
		after = rows[len(rows)-1].ID
	}
}

// readChunks streams lines into chunks. Lines of any length are read (a
// long line grows one buffer; nothing is capped), a BOM and CR line ends
// are dropped, and blank lines are counted but not sent.
func readChunks(ctx context.Context, r io.Reader, out chan<- *chunk, adapt bool) (int, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBuf)
	}
	lineNo, seq := 0, 0
	c := &chunk{seq: seq, adapt: adapt}
	var buf []byte // arena of the current chunk
	flush := func() error {
		if len(c.lines) == 0 && c.bytes == 0 {
			return nil
		}
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
		c, buf = &chunk{seq: seq, adapt: adapt}, nil
		return nil
	}
	newArena := func(n int) {
		if n > chunkBytes { // a long line: a buffer of its own, not recycled
			buf, c.arena = make([]byte, 0, n), nil
			return
		}
		c.arena = arenas.Get().(*[]byte)
		buf = (*c.arena)[:0]
	}
	var long []byte
	for {
		part, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, part...)
			continue
		}
		line := part
		if long != nil {
			line = append(long, part...)
		}
		if len(line) > 0 {
			lineNo++
			c.bytes += int64(len(line))
			t := bytes.TrimSuffix(line, []byte("\n"))
			t = bytes.TrimSuffix(t, []byte("\r"))
			t = bytes.TrimPrefix(t, bom)
			if len(bytes.TrimSpace(t)) > 0 {
				if cap(buf)-len(buf) < len(t) {
					if len(buf) > 0 && len(c.lines) > 0 {
						if ferr := flush(); ferr != nil {
							return lineNo, ferr
						}
					}
					newArena(len(t))
				}
				off := len(buf)
				buf = append(buf, t...)
				c.lines = append(c.lines, buf[off:len(buf):len(buf)])
				c.nums = append(c.nums, lineNo)
			}
			long = nil
			if len(c.lines) >= chunkLines || len(buf) >= chunkBytes {
				if ferr := flush(); ferr != nil {
					return lineNo, ferr
				}
			}
		}
		if err == io.EOF {
			return lineNo, flush()
		}
		if err != nil {
			return lineNo, fmt.Errorf("read line %d: %w", lineNo+1, err)
		}
	}
}

// write receives checked chunks, puts them back in order, applies the
// duplicate check and inserts them.
func write(ctx context.Context, st *store.Store, datasetID int64, mode Mode, dd *health.Deduper, in <-chan *chunk, res *Result, size int64, report func(done, total int64)) ([]topicOf, error) {
	var topics []topicOf
	err := writeChunks(ctx, st, datasetID, mode, dd, in, res, size, report, &topics)
	return topics, err
}

func writeChunks(ctx context.Context, st *store.Store, datasetID int64, mode Mode, dd *health.Deduper, in <-chan *chunk, res *Result, size int64, report func(done, total int64), topics *[]topicOf) error {
	var rt *store.RecordTx
	defer func() {
		if rt != nil {
			rt.Rollback()
		}
	}()
	begin := func() error {
		var err error
		rt, err = st.BeginRecords(ctx, datasetID)
		return err
	}
	if err := begin(); err != nil {
		return err
	}
	if mode == Replace {
		if _, err := rt.DeleteAll(); err != nil {
			return err
		}
	}
	pending := map[int]*chunk{}
	next, inTx := 0, 0
	var doneBytes int64
	for c := range in {
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			rt.AssignIDs(c.recs)
			for i := range c.recs {
				rec := &c.recs[i]
				if rec.Code == record.Valid {
					rec.Code, rec.Detail = dd.Add(rec.ID, rec.Line, rec.Hash, rec.TraceID)
				}
				if rec.Topic != "" && rec.Code == record.Valid {
					*topics = append(*topics, topicOf{rec.ID, rec.Topic})
				}
			}
			res.Skipped += c.skipped
			if err := rt.Insert(c.recs); err != nil {
				return err
			}
			res.add(c.recs)
			inTx += len(c.recs)
			doneBytes += c.bytes
			recycle(c)
			report(doneBytes, size)
			if mode == Append && inTx >= commitEvery {
				if err := rt.Commit(); err != nil {
					return err
				}
				rt, inTx = nil, 0
				if err := begin(); err != nil {
					return err
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(pending) > 0 {
		return errors.New("import: internal error: chunks missing from the pipeline")
	}
	err := rt.Commit()
	rt = nil
	return err
}
