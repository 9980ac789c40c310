package ingest

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Python loggers (LiteLLM's callbacks, some OTel exporters) write dicts and
// lists with str(): single quotes, None, True, False. pyJSON reads such a
// value when a JSON string holds one; anything else passes unchanged.
func pyJSON(v json.RawMessage) json.RawMessage {
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return v
	}
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') || json.Valid([]byte(t)) {
		return v
	}
	p := pyParser{s: t}
	val, ok := p.value()
	if !ok || strings.TrimSpace(p.s[p.i:]) != "" {
		return v
	}
	b, err := json.Marshal(val)
	if err != nil {
		return v
	}
	return b
}

type pyParser struct {
	s string
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) value() (any, bool) {
	p.space()
	if p.i >= len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.dict()
	case c == '[' || c == '(':
		return p.list(map[byte]byte{'[': ']', '(': ')'}[c])
	case c == '\'' || c == '"':
		return p.str()
	}
	for _, lit := range []struct {
		w string
		v any
	}{{"None", nil}, {"True", true}, {"False", false}} {
		if strings.HasPrefix(p.s[p.i:], lit.w) {
			p.i += len(lit.w)
			return lit.v, true
		}
	}
	j := p.i
	for j < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[j]) >= 0 {
		j++
	}
	f, err := strconv.ParseFloat(p.s[p.i:j], 64)
	if err != nil {
		return nil, false
	}
	p.i = j
	return f, true
}

func (p *pyParser) dict() (any, bool) {
	p.i++
	out := map[string]any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return out, true
		}
		k, ok := p.value()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		out[str(k)] = v
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

func (p *pyParser) list(end byte) (any, bool) {
	p.i++
	out := []any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == end {
			p.i++
			return out, true
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

func (p *pyParser) str() (any, bool) {
	q := p.s[p.i]
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), true
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			switch e := p.s[p.i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'u', 'x':
				n := map[byte]int{'u': 4, 'x': 2}[e]
				if r, err := strconv.ParseUint(p.s[p.i+1:min(p.i+1+n, len(p.s))], 16, 32); err == nil {
					b.WriteRune(rune(r))
					p.i += n
				}
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return nil, false
}
