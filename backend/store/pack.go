package store

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/s2"
	"modernc.org/sqlite"
)

// Large values are stored compressed, as PostgreSQL's TOAST does: a JSON
// field or raw line of packMin bytes or more goes in as packedPrefix + an S2
// block when that is smaller, and comes out whole through scanRecord, or
// through the SQL function unpack() for the few queries that read these
// columns in SQL. Prompts this large are pasted documents and logs, which
// compress several times over, and writing them whole cost imports more
// than everything else a row holds.
const (
	packMin      = 2048
	packedPrefix = "\x00z" // never the start of JSON, nor of a raw column (see records_raw.go)
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("unpack", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case []byte:
			return unpack(string(v))
		case string:
			return unpack(v)
		}
		return args[0], nil
	})
}

// packArg is the value bound for a JSON field (NULL when empty). A value
// too small to pack is passed without copying it into a Go string first:
// the driver copies it into SQLite while the statement runs, and the record
// is not changed meanwhile.
func packArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	if len(b) >= packMin {
		if p := pack(b); p != nil {
			return p
		}
	}
	return unsafe.String(&b[0], len(b))
}

// packText is packArg for a text column that is never NULL.
func packText(s string) any {
	if len(s) >= packMin {
		if p := pack(unsafe.Slice(unsafe.StringData(s), len(s))); p != nil {
			return p
		}
	}
	return s
}

// pack returns the stored form of b, or nil when packing would not save.
func pack(b []byte) []byte {
	scratch := packScratch.Get().(*[]byte)
	defer packScratch.Put(scratch)
	if n := s2.MaxEncodedLen(len(b)); cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	enc := s2.Encode((*scratch)[:cap(*scratch)], b)
	if len(packedPrefix)+len(enc) >= len(b) {
		return nil
	}
	return append([]byte(packedPrefix), enc...)
}

// packScratch holds encoding buffers: an encoding may need more room than
// the input, while what is kept is usually a fraction of it.
var packScratch = sync.Pool{New: func() any { return new([]byte) }}

// unpackSQL is the SQL expression of column col as it was before pack.
// Packed values are bound as bytes, so they are exactly the BLOBs of these
// TEXT columns: the others skip a call into Go.
func unpackSQL(col string) string {
	return `(CASE WHEN typeof(` + col + `) = 'blob' THEN unpack(` + col + `) ELSE ` + col + ` END)`
}

// unpack returns a column value as it was before pack.
func unpack(s string) (string, error) {
	if !strings.HasPrefix(s, packedPrefix) {
		return s, nil
	}
	b, err := s2.Decode(nil, []byte(s[len(packedPrefix):]))
	if err != nil {
		return "", fmt.Errorf("unpack a stored value: %w", err)
	}
	return string(b), nil
}
