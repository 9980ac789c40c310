package grader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The grader's values are JSON values as Python's json module sees them, so
// that a template, a check or a script gives the same answer here and in the
// exported Python: objects keep their key order (*object), numbers keep
// whether they were written as integers (json.Number).

// object is a JSON object in document order.
type object struct {
	keys []string
	m    map[string]any
}

func newObject() *object { return &object{m: map[string]any{}} }

func (o *object) get(k string) (any, bool) { v, ok := o.m[k]; return v, ok }

func (o *object) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// decodeJSON decodes JSON text into the grader's value model: nil, bool,
// json.Number, string, []any, *object. A duplicate key keeps its first
// position and its last value, like Python's json.loads.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON: text after the value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(kt.(string), v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
		return nil, fmt.Errorf("invalid JSON delimiter %v", t)
	default:
		return t, nil // nil, bool, json.Number, string
	}
}

// toValue converts any Go value (maps, structs, float64…) to the value model
// through its JSON encoding, so it looks as it will to Python.
func toValue(v any) (any, error) {
	switch v.(type) {
	case nil, bool, string, json.Number, *object:
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// isIntLiteral says whether a JSON number is written as an integer (Python
// decodes it as int, otherwise as float).
func isIntLiteral(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// numberFloat returns a value's float when it is a number (bools are not).
func numberFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// pyFloatRepr formats a float as Python's repr does: shortest round-trip
// digits, fixed notation for exponents in [-4, 16), else 1.5e-05 / 1e+16.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// pyNumber formats a JSON number as Python prints the value json.loads makes
// of it: an int as its digits, a float as its repr.
func pyNumber(n json.Number) string {
	if isIntLiteral(n) {
		s := strings.TrimLeft(string(n), "-")
		s = strings.TrimLeft(s, "0")
		if s == "" {
			return "0"
		}
		if strings.HasPrefix(string(n), "-") {
			return "-" + s
		}
		return s
	}
	f, _ := strconv.ParseFloat(string(n), 64)
	return pyFloatRepr(f)
}

// dumpOptions mirror Python's json.dumps arguments.
type dumpOptions struct {
	sortKeys    bool
	ensureASCII bool
	itemSep     string
	keySep      string
}

// canonicalDump is how templates print objects and arrays:
// json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":")).
var canonicalDump = dumpOptions{sortKeys: true, itemSep: ",", keySep: ":"}

// pyDumps encodes a value as Python's json.dumps does with the options.
func pyDumps(v any, o dumpOptions) (string, error) {
	var b strings.Builder
	if err := dumpTo(&b, v, o); err != nil {
		return "", err
	}
	return b.String(), nil
}

func dumpTo(b *strings.Builder, v any, o dumpOptions) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(pyNumber(x))
	case float64:
		b.WriteString(pyFloatRepr(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case string:
		pyQuote(b, x, o.ensureASCII)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			if err := dumpTo(b, e, o); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *object:
		keys := x.keys
		if o.sortKeys {
			keys = append([]string(nil), keys...)
			sort.Strings(keys) // UTF-8 byte order = code point order, as Python sorts
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			pyQuote(b, k, o.ensureASCII)
			b.WriteString(o.keySep)
			if err := dumpTo(b, x.m[k], o); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		w, err := toValue(v)
		if err != nil {
			return err
		}
		if _, same := w.(*object); !same {
			if _, arr := w.([]any); !arr {
				switch w.(type) {
				case nil, bool, json.Number, string:
				default:
					return fmt.Errorf("cannot encode %T as JSON", v)
				}
			}
		}
		return dumpTo(b, w, o)
	}
	return nil
}

// pyQuote writes a JSON string as Python's json encoder does.
func pyQuote(b *strings.Builder, s string, ensureASCII bool) {
	b.WriteByte('"')
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			case ensureASCII && r > 0x7e:
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// pyStr is how a template prints a value: strings as they are, null as
// nothing, booleans as JSON, numbers as Python prints them, objects and
// arrays as canonical JSON.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return pyNumber(x)
	}
	s, err := pyDumps(v, canonicalDump)
	if err != nil {
		return ""
	}
	return s
}

// MarshalJSON writes the object with its keys in document order.
func (o *object) MarshalJSON() ([]byte, error) {
	s, err := pyDumps(o, dumpOptions{itemSep: ",", keySep: ":"})
	return []byte(s), err
}
