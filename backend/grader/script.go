package grader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	starjson "go.starlark.net/lib/json"
	starmath "go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Script components run Python-dialect source in-process with Starlark:
// no load, no I/O, no network; while and recursion allowed, bounded by a
// step limit and a per-call time limit. json, math and a small re are
// predeclared under Python's names and "import json|math|re" lines are
// accepted (and ignored), so that the same source runs unchanged under
// python3 and as an OpenAI python grader.

// Limits of one script call.
var (
	ScriptTimeLimit        = time.Second
	ScriptMaxSteps  uint64 = 50_000_000
)

var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// program is a compiled script.
type program struct {
	prog *starlark.Program
}

var (
	importLine = regexp.MustCompile(`^(\s*)(import\s+(json|math|re)(\s*,\s*(json|math|re))*|from\s+(typing|__future__)\s+import\s+.*)\s*(#.*)?$`)
	defLine    = regexp.MustCompile(`^(\s*def\s+\w+\s*)\((.*)\)\s*(->\s*[^:]+)?:(.*)$`)
)

// preprocess turns the accepted Python-only lines into Starlark: import
// lines of the predeclared modules become pass, and type annotations of def
// lines are dropped. Line numbers stay the same.
func preprocess(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if m := importLine.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + "pass"
			continue
		}
		if m := defLine.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + "(" + stripAnnotations(m[2]) + "):" + m[4]
		}
	}
	return strings.Join(lines, "\n")
}

// stripAnnotations removes ": type" from each parameter of a def, keeping
// defaults ("x: int = 3" → "x = 3").
func stripAnnotations(params string) string {
	var parts []string
	depth, start := 0, 0
	for i, r := range params {
		switch r {
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, params[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, params[start:])
	for i, p := range parts {
		name, rest, ok := strings.Cut(p, ":")
		if !ok {
			continue
		}
		if _, def, hasDef := strings.Cut(rest, "="); hasDef {
			parts[i] = strings.TrimRight(name, " ") + " =" + def
		} else {
			parts[i] = strings.TrimRight(name, " ")
		}
	}
	return strings.Join(parts, ",")
}

// compileScript compiles a script and checks that it defines
// grade(sample, item).
func compileScript(src string) (*program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("the script is empty: define def grade(sample, item)")
	}
	_, prog, err := starlark.SourceProgramOptions(fileOptions, "grade.py", preprocess(src), predeclared.Has)
	if err != nil {
		return nil, fmt.Errorf("does not compile: %v", err)
	}
	p := &program{prog: prog}
	// Running the top level once proves grade exists and takes two
	// arguments.
	if _, err := p.gradeFunc(context.Background()); err != nil {
		return nil, err
	}
	return p, nil
}

func newThread(ctx context.Context) (*starlark.Thread, func()) {
	th := &starlark.Thread{Name: "grade", Print: func(*starlark.Thread, string) {}}
	th.SetMaxExecutionSteps(ScriptMaxSteps)
	limit := ScriptTimeLimit
	t := time.AfterFunc(limit, func() { th.Cancel(fmt.Sprintf("time limit of %s exceeded", limit)) })
	stop := context.AfterFunc(ctx, func() { th.Cancel("stopped") })
	return th, func() { t.Stop(); stop() }
}

func (p *program) gradeFunc(ctx context.Context) (*starlark.Function, error) {
	th, done := newThread(ctx)
	defer done()
	globals, err := p.prog.Init(th, predeclared)
	if err != nil {
		return nil, fmt.Errorf("top level failed: %v", scriptErr(err))
	}
	fn, ok := globals["grade"].(*starlark.Function)
	if !ok {
		return nil, errors.New("defines no function grade: write def grade(sample, item)")
	}
	if fn.NumParams() < 2 || (fn.NumParams()-fn.NumKwonlyParams() < 2 && !fn.HasVarargs()) {
		return nil, fmt.Errorf("grade takes %d parameters; it must take two: grade(sample, item)", fn.NumParams())
	}
	return fn, nil
}

// run calls grade(sample, item) within the limits and checks its answer.
func (p *program) run(ctx context.Context, sample, item *object) (float64, error) {
	th, done := newThread(ctx)
	defer done()
	globals, err := p.prog.Init(th, predeclared)
	if err != nil {
		return 0, fmt.Errorf("top level failed: %v", scriptErr(err))
	}
	fn, ok := globals["grade"].(starlark.Callable)
	if !ok {
		return 0, errors.New("defines no function grade")
	}
	v, err := starlark.Call(th, fn, starlark.Tuple{toStarlark(sample), toStarlark(item)}, nil)
	if err != nil {
		return 0, scriptErr(err)
	}
	var f float64
	switch x := v.(type) {
	case starlark.Int:
		f = float64(x.Float())
	case starlark.Float:
		f = float64(x)
	case starlark.Bool:
		if x {
			f = 1
		}
	default:
		return 0, fmt.Errorf("grade returned %s (%s), not a number", x.Type(), truncate(x.String(), 60))
	}
	if math.IsNaN(f) || f < 0 || f > 1 {
		return 0, fmt.Errorf("grade returned %s, outside 0–1", pyFloatRepr(f))
	}
	return f, nil
}

// scriptErr phrases a Starlark error with its backtrace's last frame.
func scriptErr(err error) error {
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		msg, limit := ee.Msg, true
		switch {
		case strings.Contains(msg, "too many steps"):
			msg = fmt.Sprintf("stopped after %d steps: an endless loop?", ScriptMaxSteps)
		case strings.Contains(msg, "time limit"):
			msg = fmt.Sprintf("stopped at the time limit of %s: an endless loop?", ScriptTimeLimit)
		case strings.Contains(msg, "stack overflow"):
			msg = "recursion too deep: stack overflow"
		default:
			limit = false
		}
		if len(ee.CallStack) > 0 && !limit {
			fr := ee.CallStack[len(ee.CallStack)-1]
			if fr.Pos.IsValid() {
				msg = fmt.Sprintf("line %d: %s", fr.Pos.Line, msg)
			}
		}
		return errors.New(msg)
	}
	return err
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// toStarlark converts a grader value to Starlark (ints stay ints, objects
// keep their key order).
func toStarlark(v any) starlark.Value {
	switch x := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case string:
		return starlark.String(x)
	case json.Number:
		if isIntLiteral(x) {
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return starlark.MakeInt64(i)
			}
			if b, ok := new(big.Int).SetString(string(x), 10); ok {
				return starlark.MakeBigInt(b)
			}
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return starlark.Float(f)
	case float64:
		return starlark.Float(x)
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			l[i] = toStarlark(e)
		}
		return starlark.NewList(l)
	case *object:
		d := starlark.NewDict(len(x.keys))
		for _, k := range x.keys {
			_ = d.SetKey(starlark.String(k), toStarlark(x.m[k]))
		}
		return d
	}
	return starlark.None
}

// fromStarlark converts a Starlark value back to a grader value (for
// json.dumps).
func fromStarlark(v starlark.Value) (any, error) {
	switch x := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(x), nil
	case starlark.String:
		return string(x), nil
	case starlark.Int:
		return json.Number(x.String()), nil
	case starlark.Float:
		return float64(x), nil
	case *starlark.List:
		out := make([]any, x.Len())
		for i := range out {
			e, err := fromStarlark(x.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case starlark.Tuple:
		out := make([]any, len(x))
		for i, e := range x {
			w, err := fromStarlark(e)
			if err != nil {
				return nil, err
			}
			out[i] = w
		}
		return out, nil
	case *starlark.Dict:
		o := newObject()
		for _, kv := range x.Items() {
			var k string
			switch kk := kv[0].(type) {
			case starlark.String:
				k = string(kk)
			case starlark.Int:
				k = kk.String()
			case starlark.Float:
				k = pyFloatRepr(float64(kk))
			case starlark.Bool:
				k = "false"
				if kk {
					k = "true"
				}
			case starlark.NoneType:
				k = "null"
			default:
				return nil, fmt.Errorf("keys must be str, int, float, bool or None, not %s", kv[0].Type())
			}
			w, err := fromStarlark(kv[1])
			if err != nil {
				return nil, err
			}
			o.set(k, w)
		}
		return o, nil
	}
	return nil, fmt.Errorf("Object of type %s is not JSON serializable", v.Type())
}

func init() {
	// shared by every thread: frozen, as Starlark requires for concurrent use
	predeclared.Freeze()
}

// predeclared are the names every script sees besides Starlark's builtins.
var predeclared = starlark.StringDict{
	"json":       jsonModule,
	"math":       mathModule,
	"re":         reModule,
	"sum":        starlark.NewBuiltin("sum", builtinSum),
	"round":      starlark.NewBuiltin("round", builtinRound),
	"isinstance": starlark.NewBuiltin("isinstance", builtinIsinstance),
	"len":        starlark.NewBuiltin("len", builtinLen),
}

// builtinLen is Python's len: a string's length in characters. Starlark
// counts a string's bytes, so "—" would be 3 here and 1 on every trainer.
func builtinLen(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &x); err != nil {
		return nil, err
	}
	if s, ok := x.(starlark.String); ok {
		return starlark.MakeInt(utf8.RuneCountInString(string(s))), nil
	}
	n := starlark.Len(x)
	if n < 0 {
		return nil, fmt.Errorf("len: value of type %s has no len", x.Type())
	}
	return starlark.MakeInt(n), nil
}

var jsonModule = &starlarkstruct.Module{Name: "json", Members: starlark.StringDict{
	"loads": starlark.NewBuiltin("json.loads", jsonLoads),
	"dumps": starlark.NewBuiltin("json.dumps", jsonDumps),
}}

func jsonLoads(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s starlark.String
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	v, err := decodeJSON([]byte(string(s)))
	if err != nil {
		return nil, fmt.Errorf("json.loads: %v", err)
	}
	return toStarlark(v), nil
}

func jsonDumps(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var (
		x          starlark.Value
		sortKeys                  = false
		ensureASCI                = true
		separators starlark.Value = starlark.None
		indent     starlark.Value = starlark.None
	)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "obj", &x, "sort_keys?", &sortKeys, "ensure_ascii?", &ensureASCI, "separators?", &separators, "indent?", &indent); err != nil {
		return nil, err
	}
	if indent != starlark.None {
		return nil, errors.New("json.dumps: indent is not supported here")
	}
	o := dumpOptions{sortKeys: sortKeys, ensureASCII: ensureASCI, itemSep: ", ", keySep: ": "}
	if separators != starlark.None {
		t, ok := separators.(starlark.Tuple)
		if !ok || len(t) != 2 {
			return nil, errors.New("json.dumps: separators must be a pair of strings")
		}
		a, ok1 := starlark.AsString(t[0])
		c, ok2 := starlark.AsString(t[1])
		if !ok1 || !ok2 {
			return nil, errors.New("json.dumps: separators must be a pair of strings")
		}
		o.itemSep, o.keySep = a, c
	}
	v, err := fromStarlark(x)
	if err != nil {
		return nil, fmt.Errorf("json.dumps: %v", err)
	}
	s, err := pyDumps(v, o)
	if err != nil {
		return nil, err
	}
	return starlark.String(s), nil
}

var mathModule = func() *starlarkstruct.Module {
	m := starlark.StringDict{}
	for k, v := range starmath.Module.Members {
		if k != "round" && k != "mod" && k != "remainder" { // not Python's math
			m[k] = v
		}
	}
	m["inf"] = starlark.Float(math.Inf(1))
	m["nan"] = starlark.Float(math.NaN())
	m["tau"] = starlark.Float(2 * math.Pi)
	pred := func(name string, f func(float64) bool) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var x starlark.Value
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kw, 1, &x); err != nil {
				return nil, err
			}
			fx, ok := starlark.AsFloat(x)
			if !ok {
				return nil, fmt.Errorf("%s: must be real number, not %s", name, x.Type())
			}
			return starlark.Bool(f(fx)), nil
		})
	}
	m["isnan"] = pred("isnan", math.IsNaN)
	m["isinf"] = pred("isinf", func(f float64) bool { return math.IsInf(f, 0) })
	m["isfinite"] = pred("isfinite", func(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) })
	m["log"] = starlark.NewBuiltin("log", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var x, base starlark.Value
		if err := starlark.UnpackPositionalArgs("log", args, kw, 1, &x, &base); err != nil {
			return nil, err
		}
		fx, ok := starlark.AsFloat(x)
		if !ok {
			return nil, fmt.Errorf("log: must be real number, not %s", x.Type())
		}
		if fx <= 0 {
			return nil, errors.New("math domain error")
		}
		if base == nil {
			return starlark.Float(math.Log(fx)), nil
		}
		fb, ok := starlark.AsFloat(base)
		if !ok || fb <= 0 || fb == 1 {
			return nil, errors.New("math domain error")
		}
		return starlark.Float(math.Log(fx) / math.Log(fb)), nil
	})
	m["trunc"] = starlark.NewBuiltin("trunc", func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var x starlark.Value
		if err := starlark.UnpackPositionalArgs("trunc", args, kw, 1, &x); err != nil {
			return nil, err
		}
		if i, ok := x.(starlark.Int); ok {
			return i, nil
		}
		fx, ok := starlark.AsFloat(x)
		if !ok {
			return nil, fmt.Errorf("trunc: must be real number, not %s", x.Type())
		}
		return starlark.NumberToInt(starlark.Float(math.Trunc(fx)))
	})
	return &starlarkstruct.Module{Name: "math", Members: m}
}()

func builtinSum(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Iterable
	var start starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs("sum", args, kwargs, "iterable", &it, "start?", &start); err != nil {
		return nil, err
	}
	acc := start
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		v, err := starlark.Binary(syntax.PLUS, acc, x)
		if err != nil {
			return nil, fmt.Errorf("sum: %v", err)
		}
		acc = v
	}
	return acc, nil
}

// builtinRound is Python's round: half to even; an int without ndigits.
func builtinRound(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	var nd starlark.Value = starlark.None
	if err := starlark.UnpackArgs("round", args, kwargs, "number", &x, "ndigits?", &nd); err != nil {
		return nil, err
	}
	if i, ok := x.(starlark.Int); ok {
		if nd == starlark.None {
			return i, nil
		}
	}
	f, ok := starlark.AsFloat(x)
	if !ok {
		return nil, fmt.Errorf("round: type %s doesn't define __round__", x.Type())
	}
	if nd == starlark.None {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, errors.New("round: cannot convert float infinity or NaN to integer")
		}
		return starlark.NumberToInt(starlark.Float(math.RoundToEven(f)))
	}
	n, err := starlark.AsInt32(nd)
	if err != nil {
		return nil, fmt.Errorf("round: ndigits: %v", err)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) || n > 300 {
		return starlark.Float(f), nil
	}
	if n < 0 {
		p := math.Pow(10, float64(-n))
		return starlark.Float(math.RoundToEven(f/p) * p), nil
	}
	// the exact binary value rounded half-even, as Python's round does
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', n, 64), 64)
	return starlark.Float(r), nil
}

var pyTypeNames = map[string][]string{
	"str": {"string"}, "int": {"int", "bool"}, "float": {"float"}, "bool": {"bool"},
	"list": {"list"}, "dict": {"dict"}, "tuple": {"tuple"}, "set": {"set"},
}

func builtinIsinstance(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, t starlark.Value
	if err := starlark.UnpackPositionalArgs("isinstance", args, kwargs, 2, &x, &t); err != nil {
		return nil, err
	}
	types := []starlark.Value{t}
	if tup, ok := t.(starlark.Tuple); ok {
		types = tup
	}
	for _, ty := range types {
		bi, ok := ty.(*starlark.Builtin)
		if !ok {
			return nil, fmt.Errorf("isinstance: arg 2 must be a type (str, int, float, bool, list, dict, tuple, set) or a tuple of them, not %s", ty.Type())
		}
		names, ok := pyTypeNames[bi.Name()]
		if !ok {
			return nil, fmt.Errorf("isinstance: %s is not a type this sandbox knows", bi.Name())
		}
		for _, n := range names {
			if x.Type() == n {
				return starlark.True, nil
			}
		}
	}
	return starlark.False, nil
}

var _ = starjson.Module
