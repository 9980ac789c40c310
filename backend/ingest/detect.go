package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf16"
	"unicode/utf8"
)

// Format is how a file holds its items.
type Format string

const (
	FormatJSONL     Format = "jsonl"      // one JSON value per line
	FormatJSONArray Format = "json-array" // [item, item, …]; an item's line number is its index, from 1
	FormatJSON      Format = "json"       // one (pretty-printed) JSON document
	FormatCSV       Format = "csv"        // a header row, then one item per row
	FormatTSV       Format = "tsv"
)

// Formats lists the formats --format accepts.
var Formats = []Format{FormatJSONL, FormatJSONArray, FormatJSON, FormatCSV, FormatTSV}

// ErrNotText is returned for a file that is not text: nothing is stored.
var ErrNotText = errors.New("not a text file")

// Encoding names what the bytes were before Tracetune read them as UTF-8.
const (
	EncUTF8    = "utf-8"
	EncUTF8BOM = "utf-8-bom"
	EncUTF16LE = "utf-16le"
	EncUTF16BE = "utf-16be"
)

// Detected is what the first bytes of a file say about it.
type Detected struct {
	Format   Format `json:"format"`
	Encoding string `json:"encoding"`
	Gzip     bool   `json:"gzip"`
	Adapter  string `json:"adapter"` // the item format of the first item (see Adapters)
	Label    string `json:"label"`   // the adapter's name for a person
	// CSV/TSV: the header's columns and the mapping in effect
	Columns []string          `json:"columns,omitempty"`
	Mapping map[string]string `json:"mapping,omitempty"`
}

// peekSize is how much of the (decoded) text detection looks at.
const peekSize = 64 << 10

// openText undoes gzip and transcodes UTF-16 to UTF-8 (a UTF-8 BOM is
// dropped), refusing binary data. The reader it returns peeks without
// consuming.
func openText(r io.Reader) (*bufio.Reader, Detected, error) {
	var d Detected
	br := bufio.NewReaderSize(r, readBuf)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, d, fmt.Errorf("gzip: %w", err)
		}
		d.Gzip = true
		br = bufio.NewReaderSize(zr, readBuf)
	}
	d.Encoding = EncUTF8
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, bom):
		d.Encoding = EncUTF8BOM
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		d.Encoding = EncUTF16LE
		br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br, le: true}, readBuf)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		d.Encoding = EncUTF16BE
		br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br}, readBuf)
	}
	text, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, d, fmt.Errorf("read: %w", err)
	}
	if !looksText(text) {
		return nil, d, fmt.Errorf("%w: its first bytes are binary (an image, an archive or a program?); JSONL, JSON, CSV or TSV files can be imported, plain or gzipped, in UTF-8 or UTF-16", ErrNotText)
	}
	return br, d, nil
}

// looksText says whether a file's first bytes are text: no NUL byte and at
// most 1 % of bytes that are not UTF-8 (a cut at the end is allowed).
func looksText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	bad := 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			if len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				break
			}
			bad++
		} else if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			bad++
		}
		i += n
	}
	return bad*100 <= len(b)
}

// utf16Reader decodes UTF-16 into UTF-8.
type utf16Reader struct {
	r    io.Reader
	le   bool
	in   []byte
	out  []byte
	high uint16 // a high surrogate waiting for its pair
	err  error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		buf := make([]byte, 32<<10)
		n, err := io.ReadFull(u.r, buf)
		u.in = append(u.in, buf[:n]...)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			u.err = io.EOF
		} else if err != nil {
			u.err = err
		}
		for len(u.in) >= 2 {
			var c uint16
			if u.le {
				c = uint16(u.in[0]) | uint16(u.in[1])<<8
			} else {
				c = uint16(u.in[1]) | uint16(u.in[0])<<8
			}
			u.in = u.in[2:]
			switch {
			case u.high != 0:
				r := utf16.DecodeRune(rune(u.high), rune(c))
				u.high = 0
				u.out = utf8.AppendRune(u.out, r)
			case utf16.IsSurrogate(rune(c)) && c < 0xDC00:
				u.high = c
			default:
				u.out = utf8.AppendRune(u.out, rune(c))
			}
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// detectFormat reads the container format from the first text.
func detectFormat(text []byte) Format {
	t := bytes.TrimLeft(text, " \t\r\n")
	if len(t) == 0 {
		return FormatJSONL
	}
	switch t[0] {
	case '[':
		// an array on its first line with more lines after it: a JSONL
		// file whose lines are arrays (each stored as invalid)
		if nl := bytes.IndexByte(t, '\n'); nl >= 0 && json.Valid(bytes.TrimSpace(t[:nl])) && len(bytes.TrimSpace(t[nl:])) > 0 {
			return FormatJSONL
		}
		return FormatJSONArray
	case '{':
		nl := bytes.IndexByte(t, '\n')
		if nl < 0 {
			// one line: a document and a JSONL file of one line are the same
			return FormatJSONL
		}
		if json.Valid(bytes.TrimSpace(t[:nl])) {
			return FormatJSONL
		}
		return FormatJSON
	}
	first := t
	if nl := bytes.IndexByte(t, '\n'); nl >= 0 {
		first = t[:nl]
	}
	switch {
	case bytes.Count(first, []byte{'\t'}) >= 1:
		return FormatTSV
	case bytes.Count(first, []byte{','}) >= 1:
		return FormatCSV
	}
	return FormatJSONL // lines of text that are not JSON: each one is stored with its code
}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("format %q: want one of jsonl, json-array, json, csv, tsv", s)
}

// Sniff reads the first bytes of a file and says what Import would detect
// (ErrNotText for a file that is not text), reading no further.
func Sniff(path string, opt Options) (Detected, error) {
	f, err := os.Open(path)
	if err != nil {
		return Detected{}, err
	}
	defer f.Close()
	br, det, err := openText(f)
	if err != nil {
		return det, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	peek, _ := br.Peek(peekSize)
	if det.Format = opt.Format; det.Format == "" {
		det.Format = detectFormat(peek)
	}
	return det, nil
}
