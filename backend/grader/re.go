package grader

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// A small re for scripts, on Go's regexp (RE2): search, match, fullmatch,
// findall, sub, split and compile, the flags I/M/S, and match objects with
// group, groups, start, end and span. RE2 has no lookaround or
// backreferences in patterns; \w, \d, \s are ASCII-only (Python's are
// Unicode).

const (
	reIgnoreCase = 2
	reMultiline  = 8
	reDotAll     = 16
)

var reModule = &starlarkstruct.Module{Name: "re", Members: starlark.StringDict{
	"search":     starlark.NewBuiltin("re.search", reFunc("search")),
	"match":      starlark.NewBuiltin("re.match", reFunc("match")),
	"fullmatch":  starlark.NewBuiltin("re.fullmatch", reFunc("fullmatch")),
	"findall":    starlark.NewBuiltin("re.findall", reFunc("findall")),
	"sub":        starlark.NewBuiltin("re.sub", reFunc("sub")),
	"split":      starlark.NewBuiltin("re.split", reFunc("split")),
	"compile":    starlark.NewBuiltin("re.compile", reCompile),
	"escape":     starlark.NewBuiltin("re.escape", reEscape),
	"I":          starlark.MakeInt(reIgnoreCase),
	"IGNORECASE": starlark.MakeInt(reIgnoreCase),
	"M":          starlark.MakeInt(reMultiline),
	"MULTILINE":  starlark.MakeInt(reMultiline),
	"S":          starlark.MakeInt(reDotAll),
	"DOTALL":     starlark.MakeInt(reDotAll),
}}

var reCache sync.Map // pattern+flags → *regexp.Regexp

func compileRE(pattern string, flags int) (*regexp.Regexp, error) {
	key := strconv.Itoa(flags) + "\x00" + pattern
	if r, ok := reCache.Load(key); ok {
		return r.(*regexp.Regexp), nil
	}
	prefix := ""
	if flags&reIgnoreCase != 0 {
		prefix += "i"
	}
	if flags&reMultiline != 0 {
		prefix += "m"
	}
	if flags&reDotAll != 0 {
		prefix += "s"
	}
	p := pattern
	if prefix != "" {
		p = "(?" + prefix + ")" + p
	}
	r, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("re: bad pattern %q (Go RE2 syntax: no lookaround or backreferences): %v", pattern, err)
	}
	reCache.Store(key, r)
	return r, nil
}

// rePattern is a compiled pattern (re.compile).
type rePattern struct {
	re      *regexp.Regexp
	pattern string
	flags   int
}

func (p *rePattern) String() string        { return "re.compile(" + strconv.Quote(p.pattern) + ")" }
func (p *rePattern) Type() string          { return "re.Pattern" }
func (p *rePattern) Freeze()               {}
func (p *rePattern) Truth() starlark.Bool  { return true }
func (p *rePattern) Hash() (uint32, error) { return starlark.String(p.pattern).Hash() }
func (p *rePattern) AttrNames() []string {
	return []string{"findall", "fullmatch", "match", "pattern", "search", "split", "sub"}
}
func (p *rePattern) Attr(name string) (starlark.Value, error) {
	switch name {
	case "pattern":
		return starlark.String(p.pattern), nil
	case "search", "match", "fullmatch", "findall", "sub", "split":
		return starlark.NewBuiltin("Pattern."+name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return reCall(th, name, p.re, args, kw)
		}), nil
	}
	return nil, nil
}

func reCompile(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var pattern string
	flags := 0
	if err := starlark.UnpackArgs(b.Name(), args, kw, "pattern", &pattern, "flags?", &flags); err != nil {
		return nil, err
	}
	r, err := compileRE(pattern, flags)
	if err != nil {
		return nil, err
	}
	return &rePattern{re: r, pattern: pattern, flags: flags}, nil
}

func reEscape(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &s); err != nil {
		return nil, err
	}
	return starlark.String(regexp.QuoteMeta(s)), nil
}

// reFunc is a module-level function: its first argument is the pattern
// (a string or a compiled pattern) and flags come last.
func reFunc(name string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("%s: missing pattern", b.Name())
		}
		flags := 0
		var rest []starlark.Tuple
		for _, p := range kw {
			if string(p[0].(starlark.String)) == "flags" {
				f, err := starlark.AsInt32(p[1])
				if err != nil {
					return nil, fmt.Errorf("%s: flags: %v", b.Name(), err)
				}
				flags = f
				continue
			}
			rest = append(rest, p)
		}
		// positional flags: search/match/fullmatch/findall(p, s, flags),
		// sub(p, r, s, count, flags), split(p, s, maxsplit, flags)
		pos := map[string]int{"search": 3, "match": 3, "fullmatch": 3, "findall": 3, "sub": 5, "split": 4}[name]
		if len(args) >= pos {
			f, err := starlark.AsInt32(args[pos-1])
			if err != nil {
				return nil, fmt.Errorf("%s: flags: %v", b.Name(), err)
			}
			flags = f
			args = args[:pos-1]
		}
		var r *regexp.Regexp
		switch p := args[0].(type) {
		case *rePattern:
			r = p.re
		case starlark.String:
			var err error
			if r, err = compileRE(string(p), flags); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s: pattern must be a string, not %s", b.Name(), args[0].Type())
		}
		return reCall(th, name, r, args[1:], rest)
	}
}

func reCall(th *starlark.Thread, name string, r *regexp.Regexp, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	switch name {
	case "search", "match", "fullmatch":
		var s string
		if err := starlark.UnpackPositionalArgs(name, args, kw, 1, &s); err != nil {
			return nil, err
		}
		loc := r.FindStringSubmatchIndex(s)
		if name != "search" {
			loc = anchored(r, s, name == "fullmatch")
		}
		if loc == nil {
			return starlark.None, nil
		}
		return &reMatch{s: s, loc: loc, re: r}, nil
	case "findall":
		var s string
		if err := starlark.UnpackPositionalArgs(name, args, kw, 1, &s); err != nil {
			return nil, err
		}
		var out []starlark.Value
		for _, loc := range r.FindAllStringSubmatchIndex(s, -1) {
			n := r.NumSubexp()
			switch n {
			case 0:
				out = append(out, starlark.String(s[loc[0]:loc[1]]))
			case 1:
				out = append(out, starlark.String(groupText(s, loc, 1)))
			default:
				t := make(starlark.Tuple, n)
				for g := 1; g <= n; g++ {
					t[g-1] = starlark.String(groupText(s, loc, g))
				}
				out = append(out, t)
			}
		}
		return starlark.NewList(out), nil
	case "sub":
		var repl starlark.Value
		var s string
		count := 0
		if err := starlark.UnpackArgs(name, args, kw, "repl", &repl, "string", &s, "count?", &count); err != nil {
			return nil, err
		}
		var b strings.Builder
		last, n := 0, 0
		for _, loc := range r.FindAllStringSubmatchIndex(s, -1) {
			if count > 0 && n >= count {
				break
			}
			b.WriteString(s[last:loc[0]])
			switch rp := repl.(type) {
			case starlark.String:
				b.Write(r.ExpandString(nil, pyTemplate(string(rp)), s, loc))
			case starlark.Callable:
				v, err := starlark.Call(th, rp, starlark.Tuple{&reMatch{s: s, loc: loc, re: r}}, nil)
				if err != nil {
					return nil, err
				}
				str, ok := starlark.AsString(v)
				if !ok {
					return nil, fmt.Errorf("re.sub: the replacement function returned %s, not a string", v.Type())
				}
				b.WriteString(str)
			default:
				return nil, fmt.Errorf("re.sub: repl must be a string or a function, not %s", repl.Type())
			}
			last = loc[1]
			n++
		}
		b.WriteString(s[last:])
		return starlark.String(b.String()), nil
	case "split":
		var s string
		maxsplit := 0
		if err := starlark.UnpackArgs(name, args, kw, "string", &s, "maxsplit?", &maxsplit); err != nil {
			return nil, err
		}
		var out []starlark.Value
		last, n := 0, 0
		for _, loc := range r.FindAllStringSubmatchIndex(s, -1) {
			if maxsplit > 0 && n >= maxsplit {
				break
			}
			out = append(out, starlark.String(s[last:loc[0]]))
			for g := 1; g <= r.NumSubexp(); g++ {
				if loc[2*g] < 0 {
					out = append(out, starlark.None)
				} else {
					out = append(out, starlark.String(s[loc[2*g]:loc[2*g+1]]))
				}
			}
			last = loc[1]
			n++
		}
		out = append(out, starlark.String(s[last:]))
		return starlark.NewList(out), nil
	}
	return nil, fmt.Errorf("re.%s is not supported", name)
}

// anchored finds a match starting at 0 (match) or spanning s (fullmatch).
func anchored(r *regexp.Regexp, s string, full bool) []int {
	p := `\A(?:` + r.String() + `)`
	if full {
		p += `\z`
	}
	a, err := regexp.Compile(p)
	if err != nil {
		return nil
	}
	return a.FindStringSubmatchIndex(s)
}

func groupText(s string, loc []int, g int) string {
	if loc[2*g] < 0 {
		return ""
	}
	return s[loc[2*g]:loc[2*g+1]]
}

// pyTemplate converts a Python replacement template (\1, \g<1>, \g<name>,
// \n, \\) to Go's Expand syntax.
func pyTemplate(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(t):
			n := t[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(t) && j < i+3 && t[j] >= '0' && t[j] <= '9' {
					j++
				}
				b.WriteString("${" + t[i+1:j] + "}")
				i = j - 1
			case n == 'g' && i+2 < len(t) && t[i+2] == '<':
				if end := strings.IndexByte(t[i+3:], '>'); end >= 0 {
					b.WriteString("${" + t[i+3:i+3+end] + "}")
					i = i + 3 + end
				} else {
					b.WriteByte(c)
				}
			case n == 'n':
				b.WriteByte('\n')
				i++
			case n == 't':
				b.WriteByte('\t')
				i++
			case n == '\\':
				b.WriteByte('\\')
				i++
			default:
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// reMatch is a match object.
type reMatch struct {
	s   string
	loc []int
	re  *regexp.Regexp
}

func (m *reMatch) String() string        { return "<re.Match object>" }
func (m *reMatch) Type() string          { return "re.Match" }
func (m *reMatch) Freeze()               {}
func (m *reMatch) Truth() starlark.Bool  { return true }
func (m *reMatch) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: re.Match") }
func (m *reMatch) AttrNames() []string {
	return []string{"end", "group", "groupdict", "groups", "span", "start", "string"}
}

func (m *reMatch) groupIndex(v starlark.Value) (int, error) {
	switch x := v.(type) {
	case starlark.Int:
		g, _ := x.Int64()
		if g < 0 || int(g) > m.re.NumSubexp() {
			return 0, fmt.Errorf("no such group")
		}
		return int(g), nil
	case starlark.String:
		if i := m.re.SubexpIndex(string(x)); i >= 0 {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no such group")
}

func (m *reMatch) group(g int) starlark.Value {
	if m.loc[2*g] < 0 {
		return starlark.None
	}
	return starlark.String(m.s[m.loc[2*g]:m.loc[2*g+1]])
}

// pos converts a byte offset into a code point offset (Python's indices).
func (m *reMatch) pos(b int) starlark.Value {
	if b < 0 {
		return starlark.MakeInt(-1)
	}
	return starlark.MakeInt(utf8.RuneCountInString(m.s[:b]))
}

func (m *reMatch) Attr(name string) (starlark.Value, error) {
	switch name {
	case "string":
		return starlark.String(m.s), nil
	case "group":
		return starlark.NewBuiltin("group", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 {
				return m.group(0), nil
			}
			out := make(starlark.Tuple, len(args))
			for i, a := range args {
				g, err := m.groupIndex(a)
				if err != nil {
					return nil, err
				}
				out[i] = m.group(g)
			}
			if len(out) == 1 {
				return out[0], nil
			}
			return out, nil
		}), nil
	case "groups":
		return starlark.NewBuiltin("groups", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			out := make(starlark.Tuple, m.re.NumSubexp())
			for g := range out {
				out[g] = m.group(g + 1)
			}
			return out, nil
		}), nil
	case "groupdict":
		return starlark.NewBuiltin("groupdict", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			d := starlark.NewDict(0)
			for i, n := range m.re.SubexpNames() {
				if n != "" {
					_ = d.SetKey(starlark.String(n), m.group(i))
				}
			}
			return d, nil
		}), nil
	case "start", "end", "span":
		return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			g := 0
			if len(args) > 0 {
				var err error
				if g, err = m.groupIndex(args[0]); err != nil {
					return nil, err
				}
			}
			switch name {
			case "start":
				return m.pos(m.loc[2*g]), nil
			case "end":
				return m.pos(m.loc[2*g+1]), nil
			}
			return starlark.Tuple{m.pos(m.loc[2*g]), m.pos(m.loc[2*g+1])}, nil
		}), nil
	}
	return nil, nil
}
