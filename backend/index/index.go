// Package index keeps two indexes up with the records: full-text search over
// prompts, and the prompt hashes duplicate detection looks up. Imports
// queue new records (store.RecordTx) rather than index them inside their
// transaction, and an Indexer drains that queue in the background, so an
// import is done as soon as its records are stored and checked.
package index

import (
	"context"
	"log"
	"sync"
	"time"

	"tracetune/backend/health"
	"tracetune/backend/store"
)

// batch is how many record ids one indexing transaction takes: enough for
// FTS5 to write few segments, few enough that an edit waits for the write
// lock a tenth of a second at most.
const batch = 10000

// Pending indexes every queued record and returns how many ids it took
// off the queue.
func Pending(ctx context.Context, st *store.Store) (int, error) {
	total := 0
	for {
		n, err := st.IndexPending(ctx, batch, health.SearchText)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// Indexer drains the queue in the background: once at start (what a
// previous run left) and whenever records are queued.
type Indexer struct {
	st     *store.Store
	kick   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start starts an Indexer on st.
func Start(st *store.Store) *Indexer {
	ctx, cancel := context.WithCancel(context.Background())
	ix := &Indexer{st: st, kick: make(chan struct{}, 1), cancel: cancel}
	ix.Kick()
	st.OnBacklog(ix.Kick)
	ix.wg.Add(1)
	go func() {
		defer ix.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ix.kick:
				if err := ix.drain(ctx); err != nil && ctx.Err() == nil {
					// the queue stays; the next kick or start retries
					log.Printf("index records: %v", err)
				}
			}
		}
	}()
	return ix
}

// drain indexes the queue a batch at a time, pausing while an import
// writes: both want SQLite's one write lock, and the import comes first.
func (ix *Indexer) drain(ctx context.Context) error {
	for {
		for ix.st.Importing() {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(yieldToImport):
			}
		}
		n, err := ix.st.IndexPending(ctx, batch, health.SearchText)
		if err != nil || n == 0 {
			return err
		}
	}
}

// yieldToImport is how often a paused indexer looks again.
const yieldToImport = 100 * time.Millisecond

// Kick asks for the queue to be drained (never blocks).
func (ix *Indexer) Kick() {
	select {
	case ix.kick <- struct{}{}:
	default:
	}
}

// Stop stops the Indexer after its current batch; the queue keeps the rest.
func (ix *Indexer) Stop() {
	ix.st.OnBacklog(nil)
	ix.cancel()
	ix.wg.Wait()
}
