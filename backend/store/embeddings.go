package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// CachedEmbeddings returns the stored vectors of the given content hashes for
// a model, keyed by hash (as a string of the raw hash bytes). Missing hashes
// are simply absent. Lookups go in chunks to stay under SQLite's variable cap.
func (s *Store) CachedEmbeddings(ctx context.Context, model string, hashes [][]byte) (map[string][]float32, error) {
	out := make(map[string][]float32, len(hashes))
	const chunk = 500
	for i := 0; i < len(hashes); i += chunk {
		part := hashes[i:min(i+chunk, len(hashes))]
		args := make([]any, 0, len(part)+1)
		args = append(args, model)
		for _, h := range part {
			args = append(args, h)
		}
		q := `SELECT hash, vector FROM embedding_cache WHERE model=? AND hash IN (?` + strings.Repeat(",?", len(part)-1) + `)`
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("embedding cache lookup: %w", err)
		}
		for rows.Next() {
			var h, v []byte
			if err := rows.Scan(&h, &v); err != nil {
				rows.Close()
				return nil, err
			}
			out[string(h)] = decodeVector(v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutEmbeddings stores vectors by content hash in one transaction.
func (s *Store) PutEmbeddings(ctx context.Context, model string, hashes [][]byte, vectors [][]float32) error {
	if len(hashes) != len(vectors) {
		return fmt.Errorf("embedding cache: %d hashes for %d vectors", len(hashes), len(vectors))
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO embedding_cache(model, hash, vector, created_at) VALUES(?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		t := now()
		for i := range hashes {
			if _, err := st.ExecContext(ctx, model, hashes[i], encodeVector(vectors[i]), t); err != nil {
				return err
			}
		}
		return nil
	})
}

// Vectors are little-endian float32s: 6 KB for 1536 dims, no JSON parsing.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
