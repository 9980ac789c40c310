package store

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// IndexDoc is what the indexes need of one inserted record: its search
// text and its duplicate key.
type IndexDoc struct {
	ID   int64
	Hash string
	Body string
}

// SelfIndexed makes the transaction index its records itself (Index, for
// every record it inserts) instead of queueing them for the background
// indexer. An import computes the search text on its parse workers, in
// parallel, and writes it in batches between its inserts: reading every
// record back afterwards cost more than the import (issue 16, item 8).
func (rt *RecordTx) SelfIndexed() { rt.selfIndexed = true }

// Index adds records of this transaction to the search index and the
// prompt-hash index. Batches of several thousand keep FTS5's segment
// writes few (it flushes its pending terms at every statement).
func (rt *RecordTx) Index(docs []IndexDoc) error {
	if len(docs) == 0 {
		return nil
	}
	// One statement per index, the rows passed as one JSON array of
	// strings (json_each gives a string element as text, no per-row JSON
	// work): binding ten thousand rows one by one into a staging table cost
	// as much as the index writes themselves. The records of a batch have
	// consecutive ids (AssignIDs), so a body's id is the first id plus its
	// position.
	if !rt.mergeOff {
		// FTS5 merges segments as it writes; an import writes a few large
		// segments and leaves their merging to later writes (Commit puts
		// the setting back in the same transaction)
		if _, err := rt.t.ExecContext(rt.ctx, `INSERT INTO records_fts(records_fts, rank) VALUES('automerge', 0)`); err != nil {
			return fmt.Errorf("index records: %w", err)
		}
		rt.mergeOff = true
	}
	for i := range docs {
		if docs[i].ID != docs[0].ID+int64(i) {
			return fmt.Errorf("index records: ids %d and %d are not consecutive", docs[0].ID, docs[i].ID)
		}
	}
	keys := make([]IndexDoc, 0, len(docs))
	body := make([]byte, 0, 64*len(docs))
	body = append(body, '[')
	for i, d := range docs {
		if i > 0 {
			body = append(body, ',')
		}
		body = appendJSONString(body, d.Body)
		if len(d.Hash) == hashLen {
			keys = append(keys, d)
		}
	}
	body = append(body, ']')
	// in hash order: the B-tree takes them as runs, not at random
	slices.SortFunc(keys, func(a, b IndexDoc) int { return cmp.Or(strings.Compare(a.Hash, b.Hash), cmp.Compare(a.ID, b.ID)) })
	hashes := make([]byte, 0, 48*len(keys)+2)
	hashes = append(hashes, '[')
	for i, k := range keys {
		if i > 0 {
			hashes = append(hashes, ',')
		}
		hashes = append(hashes, '"')
		hashes = append(hashes, k.Hash...) // hex: nothing to escape
		hashes = strconv.AppendInt(append(hashes, ' '), k.ID, 10)
		hashes = append(hashes, '"')
	}
	hashes = append(hashes, ']')
	if _, err := rt.t.ExecContext(rt.ctx, `INSERT INTO records_fts(rowid, body) SELECT ? + key, value FROM json_each(?)`,
		docs[0].ID, string(body)); err != nil {
		return fmt.Errorf("index records %d–%d: %w", docs[0].ID, docs[len(docs)-1].ID, err)
	}
	if _, err := rt.t.ExecContext(rt.ctx, `INSERT OR IGNORE INTO record_hashes(dataset_id, hash, id)
		SELECT ?, substr(value, 1, `+strconv.Itoa(hashLen)+`), CAST(substr(value, `+strconv.Itoa(hashLen+2)+`) AS INTEGER) FROM json_each(?)`,
		rt.datasetID, string(hashes)); err != nil {
		return fmt.Errorf("index records %d–%d: %w", docs[0].ID, docs[len(docs)-1].ID, err)
	}
	return nil
}

// ftsAutomerge is FTS5's default automerge setting, put back after an
// import's writes.
const ftsAutomerge = 4

// hashLen is the length of a duplicate key (health.WithFields: 32 hex
// characters); a record without one has "".
const hashLen = 32

// appendJSONString appends s as a JSON string (invalid UTF-8 becomes U+FFFD,
// as SQLite's JSON functions would not read it).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
