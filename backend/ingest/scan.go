package ingest

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"tracetune/backend/health"
)

// A record keeps the JSON of its fields byte for byte as the line has it
// (white space inside included), which a parser's tree cannot give back:
// these scanners find spans of the line without decoding or copying them.
// lineScanner validates a line and finds its members in one pass; members,
// elements and skipValue read JSON already validated.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	open := i
	for i++; ; i++ {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		// the quote ends the string unless an odd run of backslashes
		// escapes it
		k := i
		for k > open+1 && b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// member is an object member: its key (see members) and the span of its
// value.
type member struct {
	key, val []byte
}

// members appends the members of the valid JSON object b to dst, in order
// (a repeated key is seen twice; get keeps the last, as encoding/json
// does). A key is its text as written, or its unquoted value when it has an
// escape.
func members(dst []member, b []byte) []member {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return dst
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		ke := skipString(b, i)
		key := keyOf(b[i+1 : ke-1])
		i = skipSpace(b, ke) + 1 // ':'
		i = skipSpace(b, i)
		ve := skipValue(b, i)
		dst = append(dst, member{key, b[i:ve]})
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return dst
}

// get returns the value of the last member named key, or ok false.
func get(ms []member, key string) (val []byte, ok bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if string(ms[i].key) == key {
			return ms[i].val, true
		}
	}
	return nil, false
}

// elements returns the spans of the elements of the valid JSON array b.
func elements(b []byte) [][]byte {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil
	}
	var out [][]byte
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] != ']' {
		ve := skipValue(b, i)
		out = append(out, b[i:ve])
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

// maxNesting is encoding/json's limit: it rejects a line whose arrays and
// objects nest deeper.
const maxNesting = 10000

// lineScanner checks a line with exactly the grammar of json.Valid (depth
// limit included) and, in the same pass, keeps the spans normalization
// needs: the members of the top-level object and of its "input" objects.
// fastjson's parser is not a validator (it takes 01, "\x", raw control
// characters), and a separate validation pass cost as much as this one.
type lineScanner struct {
	b       []byte
	depth   int
	top, in []member // in: the members of the last "input" that is an object
}

// scan reports whether b is a valid JSON object.
func (s *lineScanner) scan(b []byte) bool {
	s.b, s.depth, s.top, s.in = b, 0, s.top[:0], s.in[:0]
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return false
	}
	i, ok := s.object(i, &s.top)
	return ok && skipSpace(b, i) == len(b)
}

// value returns the index just past the valid value at b[i], or false.
func (s *lineScanner) value(i int) (int, bool) {
	b := s.b
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '{':
		return s.object(i, nil)
	case '[':
		return s.array(i)
	case '"':
		return s.str(i)
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	}
	return number(b, i)
}

// object scans the object at b[i], appending its members to keep (when
// not nil).
func (s *lineScanner) object(i int, keep *[]member) (int, bool) {
	if s.depth++; s.depth > maxNesting {
		return i, false
	}
	b := s.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		s.depth--
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		ks := i
		var ok bool
		if i, ok = s.str(i); !ok {
			return i, false
		}
		key := b[ks+1 : i-1]
		if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
			return i, false
		}
		vs := skipSpace(b, i+1)
		if keep == &s.top && vs < len(b) && b[vs] == '{' && keyIs(key, "input") {
			s.in = s.in[:0]
			i, ok = s.object(vs, &s.in)
		} else {
			i, ok = s.value(vs)
		}
		if !ok {
			return i, false
		}
		if keep != nil {
			*keep = append(*keep, member{keyOf(key), b[vs:i]})
		}
		if i = skipSpace(b, i); i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			s.depth--
			return i + 1, true
		default:
			return i, false
		}
	}
}

func (s *lineScanner) array(i int) (int, bool) {
	if s.depth++; s.depth > maxNesting {
		return i, false
	}
	b := s.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		s.depth--
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = s.value(i); !ok {
			return i, false
		}
		if i = skipSpace(b, i); i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			s.depth--
			return i + 1, true
		default:
			return i, false
		}
	}
}

// str scans the string at b[i] == '"': no control characters, only the
// escapes JSON has (any other byte, invalid UTF-8 included, is fine).
func (s *lineScanner) str(i int) (int, bool) {
	b := s.b
	for j := i + 1; ; {
		if j = stringStop(b, j); j == len(b) {
			return j, false
		}
		switch b[j] {
		case '"':
			return j + 1, true
		case '\\':
			if j+1 == len(b) {
				return j, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) || !isHex(b[j+5]) {
					return j, false
				}
				j += 6
			default:
				return j, false
			}
		default: // a control character
			return j, false
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stringStop returns the index of the first '"', '\\' or control character
// of b from i on, or len(b). It tests 8 bytes at a time: a byte of x is
// flagged when x^'"' or x^'\\' has a zero byte, or when it is below 0x20.
func stringStop(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		if m := ((q-ones)&^q | (bs-ones)&^bs | (x-ones*0x20)&^x) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8 // the lowest flag is never a false one
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func literal(b []byte, i int, lit string) (int, bool) {
	if !bytes.HasPrefix(b[i:], []byte(lit)) {
		return i, false
	}
	return i + len(lit), true
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i] (what
// may follow is the caller's to check).
func number(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); b[i-1] == '.' {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		if i = digits(b, i); i == start {
			return i, false
		}
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// keyOf is a key as members gives it: its text, or its value when it has
// an escape.
func keyOf(key []byte) []byte {
	if bytes.IndexByte(key, '\\') >= 0 {
		return health.AppendUnquoted(nil, key)
	}
	return key
}

// keyIs says whether the key whose text is key is name.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key) == name
	}
	return string(health.AppendUnquoted(nil, key)) == name
}
