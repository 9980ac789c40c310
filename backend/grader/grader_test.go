package grader

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

func msg(role, text string) record.Message {
	c, _ := json.Marshal(text)
	return record.Message{Role: role, Content: c}
}

func TestScriptComponents(t *testing.T) {
	it := Item{Messages: []record.Message{msg("user", "What is 2+2?")}, Fields: map[string]any{"reference_answer": "4", "n": json.Number("3")}}
	s := Sample{OutputText: "4", OutputTools: []record.ToolCall{}}
	cases := []struct {
		name, src string
		want      float64
		errPart   string
	}{
		{"a constant", "def grade(sample, item):\n    return 1.0", 1, ""},
		{"exact match with imports and annotations", "import json\nfrom typing import Any\ndef grade(sample: dict[str, Any], item: dict) -> float:\n    return 1.0 if sample['output_text'].strip() == item['reference_answer'] else 0.0", 1, ""},
		{"an int field stays an int", "def grade(sample, item):\n    return 1 if type(item['n']) == 'int' and item['n'] // 2 == 1 else 0", 1, ""},
		{"json, math and re helpers", "import re, math\ndef grade(sample, item):\n    m = re.search(r'(\\d+)', sample['output_text'])\n    d = json.loads('{\"a\": [1, 2.5]}')\n    return min(1.0, math.sqrt(int(m.group(1))) / 2 * d['a'][0])", 1, ""},
		{"sum, round and isinstance", "def grade(sample, item):\n    return round(sum([0.25, 0.25]), 2) if isinstance(item['n'], int) else 0", 0.5, ""},
		{"len counts characters as Python does", "def grade(sample, item):\n    return 1.0 if len('—é') == 2 and len([1, 2, 3]) == 3 and len({'a': 1}) == 1 else 0.0", 1, ""},
		{"while and recursion", "def f(n):\n    return 1 if n == 0 else f(n - 1)\ndef grade(sample, item):\n    i = 0\n    while i < 10:\n        i += 1\n    return f(20) * 0.5", 0.5, ""},
		{"no grade", "def other(sample, item):\n    return 1", 0, "defines no function grade"},
		{"does not compile", "def grade(sample, item)\n    return 1", 0, "does not compile"},
		{"returns a string", "def grade(sample, item):\n    return 'yes'", 0, "not a number"},
		{"returns more than 1", "def grade(sample, item):\n    return 1.5", 0, "outside 0–1"},
		{"raises", "def grade(sample, item):\n    return item['missing']", 0, "line 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := Grader{Components: []Component{{Name: "s", Kind: KindScript, Weight: 1, Source: c.src}}}
			r := NewEvaluator(nil, g).Grade(context.Background(), it, s)
			if math.Abs(r.Score-c.want) > 1e-12 {
				t.Fatalf("score %v, want %v (errors %v)", r.Score, c.want, r.Errors)
			}
			if c.errPart == "" && len(r.Errors) > 0 {
				t.Fatalf("unexpected errors %v", r.Errors)
			}
			if c.errPart != "" && (len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0], "s: ") || !strings.Contains(r.Errors[0], c.errPart)) {
				t.Fatalf("errors %v, want one naming s and containing %q", r.Errors, c.errPart)
			}
		})
	}
}

func TestAnEndlessScriptStopsWithinItsTimeLimit(t *testing.T) {
	for _, src := range []string{"def grade(sample, item):\n    while True:\n        pass", "def f(n):\n    return f(n + 1)\ndef grade(sample, item):\n    return f(0)"} {
		g := Grader{Components: []Component{{Name: "loop", Kind: KindScript, Weight: 1, Source: src}}}
		start := time.Now()
		r := NewEvaluator(nil, g).Grade(context.Background(), Item{}, Sample{})
		took := time.Since(start)
		if took > ScriptTimeLimit+time.Second {
			t.Fatalf("took %s", took)
		}
		if r.Score != 0 || len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0], "loop: ") {
			t.Fatalf("result %+v", r)
		}
		t.Logf("%s → %s in %s", strings.Split(src, "\n")[0], r.Errors[0], took)
	}
}

func TestLoadSaveKeepsVersions(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, "d", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("none configured", func(t *testing.T) {
		_, ok, err := Load(ctx, st, ds.ID)
		if err != nil || ok {
			t.Fatalf("ok=%v err=%v", ok, err)
		}
	})
	g1 := Grader{Components: []Component{{Name: "exact", Kind: KindStringCheck, Weight: 1, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"}}}
	v1, err := Save(ctx, st, ds.ID, g1)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an invalid grader is refused", func(t *testing.T) {
		bad := Grader{Components: []Component{{Name: "a", Kind: KindStringCheck, Weight: 0.5, Input: "x", Operation: "eq"}}}
		if _, err := Save(ctx, st, ds.ID, bad); err == nil || !strings.Contains(err.Error(), "weights sum to 0.5") {
			t.Fatalf("err %v", err)
		}
	})
	g2 := g1
	g2.Components = []Component{g1.Components[0], {Name: "s", Kind: KindScript, Weight: 0, Source: "def grade(sample, item):\n    return 1"}}
	v2, err := Save(ctx, st, ds.ID, g2)
	if err != nil {
		t.Fatal(err)
	}
	if v1 == v2 || len(v1) != 12 {
		t.Fatalf("versions %q %q", v1, v2)
	}
	got, ok, err := Load(ctx, st, ds.ID)
	if err != nil || !ok || got.Version() != v2 {
		t.Fatalf("load: %v %v %v", got.Version(), ok, err)
	}
	old, err := LoadVersion(ctx, st, ds.ID, v1)
	if err != nil || old.Version() != v1 {
		t.Fatalf("old version: %v %v", old.Version(), err)
	}
}

func TestTheReModuleSpeaksPython(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"search and group", `re.search(r"(\d+)-(\d+)", "a 12-34 b").group(2)`, "34"},
		{"match is anchored", `str(re.match(r"\d", "a1"))`, "None"},
		{"fullmatch", `str(re.fullmatch(r"[a-z]+", "abc") != None)`, "True"},
		{"findall with one group", `",".join(re.findall(r"(\w)\d", "a1 b2 c"))`, "a,b"},
		{"sub with a backreference", `re.sub(r"(\w+)@(\w+)", r"\2 at \1", "joe@home")`, "home at joe"},
		{"sub with a function", `re.sub(r"\d", lambda m: str(int(m.group(0)) * 2), "a1b4")`, "a2b8"},
		{"split keeps groups", `"|".join([str(x) for x in re.split(r"(,)", "a,b")])`, "a|,|b"},
		{"ignore case", `re.search("PARIS", "in paris", re.I).group()`, "paris"},
		{"positions in code points", `str(re.search("b", "éab").span())`, "(2, 3)"},
		{"compiled pattern", `re.compile(r"o+").sub("0", "foo")`, "f0"},
		{"json.dumps as Python writes it", `json.dumps({"b": 1, "a": [1.0, "é"]})`, `{"b": 1, "a": [1.0, "\u00e9"]}`},
		{"json.dumps sorted and compact", `json.dumps({"b": 1, "a": None}, sort_keys=True, separators=(",", ":"))`, `{"a":null,"b":1}`},
	}
	for _, c := range cases {
		src := "def grade(sample, item):\n    return 1.0 if (" + c.expr + ") == " + strconvQuote(c.want) + " else 0.0\n\ndef show(sample, item):\n    return " + c.expr
		p, err := compileScript(src)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if f, err := p.run(context.Background(), newObject(), newObject()); err != nil || f != 1 {
			t.Errorf("%s: %s gave another value (%v, %v)", c.name, c.expr, f, err)
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }
