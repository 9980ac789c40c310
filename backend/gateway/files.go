package gateway

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fileSource is the shared part of the file-backed sources (otel, jsonl):
// it reads a file or every matching file of a folder, keeps the parsed
// traces until a file changes, and serves them newest first in pages like
// the HTTP sources do, so the puller treats both alike.
type fileSource struct {
	name  string
	kind  Kind
	path  string
	exts  []string
	parse func(path string, data []byte, mtime time.Time) ([]Trace, error)

	mu    sync.Mutex
	stamp string // names, sizes and mtimes of the files last read
	all   []Trace
}

func (s *fileSource) Name() string { return s.name }
func (s *fileSource) Kind() Kind   { return s.kind }

func (s *fileSource) files() ([]string, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return nil, fmt.Errorf("source %s:%s: %w", s.kind, s.name, err)
	}
	if !fi.IsDir() {
		return []string{s.path}, nil
	}
	var out []string
	err = filepath.WalkDir(s.path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		for _, e := range s.exts {
			if strings.HasSuffix(strings.ToLower(d.Name()), e) {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source %s:%s: reading folder: %w", s.kind, s.name, err)
	}
	sort.Strings(out)
	return out, nil
}

// load returns every trace of the files, newest first, re-reading only when
// a file was added, removed or changed.
func (s *fileSource) load(ctx context.Context) ([]Trace, error) {
	names, err := s.files()
	if err != nil {
		return nil, err
	}
	var stamp strings.Builder
	infos := make([]os.FileInfo, len(names))
	for i, n := range names {
		fi, err := os.Stat(n)
		if err != nil {
			return nil, fmt.Errorf("source %s:%s: %w", s.kind, s.name, err)
		}
		infos[i] = fi
		fmt.Fprintf(&stamp, "%s|%d|%d\n", n, fi.Size(), fi.ModTime().UnixNano())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if stamp.String() == s.stamp {
		return s.all, nil
	}
	var all []Trace
	for i, n := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("source %s:%s: %w", s.kind, s.name, err)
		}
		ts, err := s.parse(n, data, infos[i].ModTime())
		if err != nil {
			return nil, fmt.Errorf("source %s:%s: %s: %w", s.kind, s.name, filepath.Base(n), err)
		}
		all = append(all, ts...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.After(all[j].Time) })
	s.stamp, s.all = stamp.String(), all
	return all, nil
}

func (s *fileSource) List(ctx context.Context, f Filter, token string, limit int) (Page, error) {
	off, err := pageToken(token, 0)
	if err != nil {
		return Page{}, fmt.Errorf("source %s:%s: %w", s.kind, s.name, err)
	}
	if limit <= 0 {
		limit = 100
	}
	all, err := s.load(ctx)
	if err != nil {
		return Page{}, err
	}
	var match []Trace
	for _, t := range all {
		if f.match(t) {
			match = append(match, t)
		}
	}
	p := Page{Total: len(match)}
	if off < len(match) {
		end := min(off+limit, len(match))
		p.Traces = match[off:end]
		p.Scanned = len(p.Traces)
		if end < len(match) {
			p.Next = strconv.Itoa(end)
		}
	}
	return p, nil
}

func (s *fileSource) Fetch(ctx context.Context, id string) (Trace, error) {
	all, err := s.load(ctx)
	if err != nil {
		return Trace{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return Trace{}, fmt.Errorf("source %s:%s: no trace %q", s.kind, s.name, id)
}
