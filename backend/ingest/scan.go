package ingest

import "encoding/json"

// A tiny scanner over JSON already known to be valid (json.Valid passed):
// it finds the spans of object members and array elements without
// decoding or copying them, which is all normalization needs. Doing this
// with encoding/json cost a full decode (and a copy of every value) per
// line, then another for the messages array.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
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

// eachMember calls fn for every member of the valid JSON object b, in
// order (a repeated key is seen twice; callers keep the last, as
// encoding/json does).
func eachMember(b []byte, fn func(key string, val []byte)) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		ke := skipString(b, i)
		key := unquoteKey(b[i:ke])
		i = skipSpace(b, ke) + 1 // ':'
		i = skipSpace(b, i)
		ve := skipValue(b, i)
		fn(key, b[i:ve])
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
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

func unquoteKey(q []byte) string {
	for _, c := range q[1 : len(q)-1] {
		if c == '\\' {
			var s string
			json.Unmarshal(q, &s)
			return s
		}
	}
	return string(q[1 : len(q)-1])
}
