package health

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Records are checked on fastjson values, but every result must stay what
// it was when encoding/json decoded them, and fastjson differs from it in
// ways that matter here:
//   - fastjson.Parser accepts some invalid JSON (bad numbers and escapes,
//     raw control characters in strings), so the text is validated first:
//     on import by the line scanner of package ingest, here by
//     fastjson.Validate, which has exactly json.Valid's grammar but no
//     depth limit;
//   - fastjson unescapes strings "best effort": invalid UTF-8 is kept and
//     unpaired surrogate escapes are kept or merged differently. String
//     values are therefore read from their JSON text (appendString) and
//     unquoted by AppendUnquoted; object keys, which fastjson only gives
//     unescaped, are trusted where its unescaping provably agrees (cleanKey);
//   - fastjson refuses nesting deeper than 300 levels (encoding/json: 10000).

// maxNesting is encoding/json's depth limit.
const maxNesting = 10000

// errTooDeep is the one case left where fastjson cannot read what
// encoding/json could.
var errTooDeep = errors.New("nested more than 300 levels deep")

// parse reads the JSON value raw starts with, as json.Decoder.Decode did:
// what follows the value is ignored, and the error is encoding/json's. The
// value is valid until c parses again.
func (c *Checker) parse(raw []byte) (*fastjson.Value, error) {
	// fastjson.Validate recurses once per level: text that may nest
	// deeper than encoding/json accepts goes to encoding/json, which stops.
	deep := len(raw) > maxNesting && bytes.Count(raw, []byte{'['})+bytes.Count(raw, []byte{'{'}) > maxNesting
	if !deep && fastjson.ValidateBytes(raw) == nil {
		if v, err := c.parser.ParseBytes(raw); err == nil {
			return v, nil
		}
	}
	// Not one valid value (text after it, or an error), or too deep for
	// fastjson: encoding/json finds the value's end or says what is wrong.
	var first json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&first); err != nil {
		return nil, err
	}
	v, err := c.parser.ParseBytes(first)
	if err != nil {
		return nil, errTooDeep
	}
	return v, nil
}

// appendString appends the value of v, when v is a JSON string, as
// encoding/json decodes it. It never calls v.Type or v.StringBytes, which
// would unescape v in place, fastjson's way: a string still unconverted
// marshals to its text as parsed.
func (c *Checker) appendString(dst []byte, v *fastjson.Value) ([]byte, bool) {
	if v == nil || v.GetObject() != nil || len(v.GetArray()) > 0 {
		return dst, false
	}
	start := len(dst)
	dst = v.MarshalTo(dst)
	if dst[start] != '"' {
		return dst[:start], false
	}
	raw := dst[start+1 : len(dst)-1]
	if plainRun(raw, 0, false) == len(raw) { // its text is its value
		copy(dst[start:], raw)
		return dst[:len(dst)-2], true
	}
	c.raw = append(c.raw[:0], raw...)
	return AppendUnquoted(dst[:start], c.raw), true
}

// member returns the value of the last member of o named key (encoding/json
// keeps the last of repeated keys), or nil. The keys compared are
// fastjson's: a key that is not clean never equals a plain name, in either
// reading.
func member(o *fastjson.Object, key string) *fastjson.Value {
	var found *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == key {
			found = v
		}
	})
	return found
}

// cleanKey says whether a key as fastjson unescaped it is certainly the
// key encoding/json reads. fastjson keeps invalid UTF-8 (encoding/json
// makes it U+FFFD) and turns unpaired surrogate escapes into U+FFFD or
// leaves them escaped; a key with none of U+FFFD, a backslash or invalid
// UTF-8 went through neither.
func cleanKey(k []byte) bool {
	for _, b := range k {
		if b >= utf8.RuneSelf || b == '\\' {
			return bytes.IndexByte(k, '\\') < 0 && utf8.Valid(k) && !bytes.Contains(k, []byte("\uFFFD"))
		}
	}
	return true
}

// AppendUnquoted appends the value of a JSON string to dst, given the
// string's text between its quotes (valid JSON), exactly as encoding/json
// decodes it: invalid UTF-8 bytes and unpaired surrogate escapes become
// U+FFFD.
func AppendUnquoted(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		// copy the run of bytes that need no work
		j := plainRun(s, i, false)
		dst = append(dst, s[i:j]...)
		i = j
		if i == len(s) {
			break
		}
		if s[i] != '\\' {
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, r)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		if i+1 == len(s) { // not valid JSON; keep the byte
			dst = append(dst, '\\')
			break
		}
		switch e := s[i+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := getu4(s[i:])
			if r < 0 { // not valid JSON; keep the text
				dst = append(dst, '\\', 'u')
				break
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if dec := utf16.DecodeRune(r, getu4(s[i:])); dec != utf8.RuneError {
					dst = utf8.AppendRune(dst, dec)
					i += 6
					continue
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		i += 2
	}
	return dst
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun returns the end of the run of bytes of s from i on that are
// ASCII and not a backslash, and with printable also 0x20–0x7E. It tests 8
// bytes at a time: a byte is flagged by its high bit, by x^'\\' (or x^0x7F)
// having a zero byte, or by being below 0x20; the lowest flag is never a
// false one.
func plainRun(s []byte, i int, printable bool) int {
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		bs := x ^ (ones * '\\')
		m := x | (bs-ones)&^bs
		if printable {
			del := x ^ (ones * 0x7F)
			m |= (del-ones)&^del | (x-ones*0x20)&^x
		}
		if m &= highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '\\' || printable && (c < 0x20 || c == 0x7F) {
			return i
		}
	}
	return i
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
