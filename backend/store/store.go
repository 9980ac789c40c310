// Package store is Tracetune's one home for SQL: the SQLite schema, its
// migrations and every query. Other packages call typed methods, never SQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Store wraps the application's SQLite database.
type Store struct {
	db   *sql.DB
	path string

	ckptOnce sync.Once
	ckpt     chan struct{} // a checkpoint is wanted
	ckptStop chan struct{}
	ckptDone chan struct{}

	importing atomic.Int32 // open RecordTx

	closeOnce sync.Once
	closeErr  error

	hookMu    sync.Mutex
	onBacklog func()
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. WAL lets readers (the UI) proceed while an import writes.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)", "cache_size(-65536)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return s, nil
}

// Path is the database file's location.
func (s *Store) Path() string { return s.path }

// Close closes the database (after a checkpoint under way finishes). A
// second Close does nothing.
func (s *Store) Close() error {
	s.ckptOnce.Do(func() {}) // no checkpointer may start from now on
	s.closeOnce.Do(func() {
		if s.ckptStop != nil {
			close(s.ckptStop)
			<-s.ckptDone
		}
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// Importing says whether an import (a RecordTx) is writing.
func (s *Store) Importing() bool { return s.importing.Load() > 0 }

// ckptQuiet is how long imports must have been idle before a checkpoint.
const ckptQuiet = 200 * time.Millisecond

// checkpointLater asks for the WAL to be copied into the database file in
// the background (imports turn the automatic checkpoint off, see
// BeginRecords), so that the import's commit does not wait for it.
func (s *Store) checkpointLater() {
	s.ckptOnce.Do(func() {
		s.ckpt, s.ckptStop, s.ckptDone = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(s.ckptDone)
			for {
				select {
				case <-s.ckptStop:
					return
				case <-s.ckpt:
				}
				// Wait until no import has written for a moment: an
				// import commits in batches, and copying its first
				// batches while it writes the next would slow it down.
				for {
					select {
					case <-s.ckptStop:
						return
					case <-time.After(ckptQuiet):
					}
					if s.importing.Load() == 0 {
						break
					}
				}
				// PASSIVE never blocks readers or writers; what it
				// cannot copy now, the next checkpoint will.
				s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}()
	})
	if s.ckpt != nil {
		select {
		case s.ckpt <- struct{}{}:
		default:
		}
	}
}

// OnBacklog registers f to be called (it must not block) whenever records
// are queued for the indexer (index_backlog.go).
func (s *Store) OnBacklog(f func()) {
	s.hookMu.Lock()
	s.onBacklog = f
	s.hookMu.Unlock()
}

func (s *Store) backlogAdded() {
	s.hookMu.Lock()
	f := s.onBacklog
	s.hookMu.Unlock()
	if f != nil {
		f()
	}
}

// tx runs fn in a transaction, committing on success.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

func now() int64 { return time.Now().UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
