package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"tracetune/backend/grader"
	"tracetune/backend/pipeline"
)

var graderCommand = Command{Name: "grader",
	Usage: "grader show --dataset N [--json]\n" +
		"grader set --dataset N --file grader.json [--json]\n" +
		"grader test --dataset N [--n 5] [--seed S] [--json]\n" +
		"grader export --dataset N --trainer openai|azure|fireworks|trl --out F [--json]\n" +
		"grader presets [--json]",
	Summary: "Step 4: the dataset's reward function: judge, scripts, checks; Test Sample; export",
	Run:     graderCmd,
	Help: `A grader is a list of weighted components (weights sum to 1). Kinds:
llm_judge (prompt, schema, model, temperature, max_tokens), script (Python-
dialect def grade(sample, item) run sandboxed), string_check (eq, ne, like,
ilike), text_similarity (fuzzy_match, bleu, rouge_1…rouge_5, rouge_l) and
tool_call_match (reference_field). Every saved version is kept.

set --file F (or - for stdin) saves a grader after validating it:
  {"components":[{"name":"exact","kind":"string_check","weight":0.5,
   "input":"{{sample.output_text}}","reference":"{{item.reference_answer}}",
   "operation":"eq"},{"name":"style","kind":"script","weight":0.5,
   "source":"def grade(sample, item):\n    return 1.0"}]}
  --json prints {"version"}.
show prints the current grader in the same format plus "version" and
"last_test" (null until Test Sample ran).
test grades --n random valid records (default 5, all when fewer; --seed
makes the draw repeatable): the production response when the record has one,
else a fresh answer of the base model role. With --json:
  {"version","samples":[{"record_id","score","components":{NAME:SCORE},
   "response","reasoning","errors":[…]}],"mean"}
export writes the grader for a trainer: openai/azure → F holds the object for
method.reinforcement.grader (a multi grader keyed by component name) and,
when an OpenAI or Azure training provider is assigned, is checked with its
/fine_tuning/alpha/graders/validate; trl → F is reward.py; fireworks → F is a
folder with the evaluator files. --json prints {"trainer","version","files",
"remote_check"}. What a trainer cannot express is refused with the reason.
presets lists the ready-made graders (--json: [{"id","name","description",
"components"}]).`}

func graderCmd(e *Env, args []string) error {
	return Dispatch(e, "grader", args,
		Sub{"show", graderShow},
		Sub{"set", graderSet},
		Sub{"test", graderTest},
		Sub{"export", graderExport},
		Sub{"presets", graderPresets},
	)
}

// graderView is the grader as show prints it: the set format plus its
// version and last test.
type graderView struct {
	Components []grader.Component `json:"components"`
	Version    string             `json:"version"`
	LastTest   *grader.TestResult `json:"last_test"`
}

func graderShow(e *Env, args []string) error {
	d, err := e.DatasetOnly("grader show", args)
	if err != nil {
		return err
	}
	g, ok, err := grader.Load(e.Ctx, e.Store, d.ID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("dataset %q has no grader yet: tracetune grader set --dataset %d --file grader.json (see tracetune grader presets)", d.Name, d.ID)
	}
	v := graderView{Components: g.Components, Version: g.Version()}
	if t, ok, err := grader.LastTest(e.Ctx, e.Store, d.ID); err != nil {
		return err
	} else if ok {
		v.LastTest = &t
	}
	return e.Print(v, func(w io.Writer) {
		fmt.Fprintf(w, "grader %s of %q, %d components\n", v.Version, d.Name, len(g.Components))
		for _, c := range g.Components {
			fmt.Fprintf(w, "  %-16s %-16s weight %g%s\n", c.Name, c.Kind, c.Weight, componentDetail(c))
		}
		if v.LastTest != nil {
			stale := ""
			if v.LastTest.Version != v.Version {
				stale = " (an older version)"
			}
			fmt.Fprintf(w, "last Test Sample%s: mean %.3f over %d records\n", stale, v.LastTest.Mean, len(v.LastTest.Samples))
		}
	})
}

func componentDetail(c grader.Component) string {
	switch c.Kind {
	case grader.KindStringCheck:
		return fmt.Sprintf(", %s %s vs %s", c.Operation, c.Input, c.Reference)
	case grader.KindTextSimilarity:
		return fmt.Sprintf(", %s %s vs %s", c.Metric, c.Input, c.Reference)
	case grader.KindToolCallMatch:
		return ", against item." + c.ReferenceField
	case grader.KindJudge:
		m := c.Model
		if m == "" {
			m = "judge role's model"
		}
		return ", " + m
	case grader.KindScript:
		return fmt.Sprintf(", %d lines", strings.Count(strings.TrimSpace(c.Source), "\n")+1)
	}
	return ""
}

func graderSet(e *Env, args []string) error {
	fs := Flags("grader set")
	ds := fs.String("dataset", "", "dataset name or id")
	file := fs.String("file", "", "grader JSON file (- for stdin)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return Usage("--file is required (a grader JSON file, or - for stdin)")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	var data []byte
	if *file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(*file)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", *file, err)
	}
	var g grader.Grader
	if err := json.Unmarshal(data, &g); err != nil {
		return fmt.Errorf("%s is not a grader: %w (expected {\"components\":[…]})", *file, err)
	}
	v, err := grader.Save(e.Ctx, e.Store, d.ID, g)
	if err != nil {
		return err
	}
	return e.Print(map[string]string{"version": v}, func(w io.Writer) {
		fmt.Fprintf(w, "grader %s saved for %q (%d components); run tracetune grader test --dataset %d\n", v, d.Name, len(g.Components), d.ID)
	})
}

// testSampleJSON is one record of grader test --json, exactly the issue's
// shape.
type testSampleJSON struct {
	RecordID   int64              `json:"record_id"`
	Score      float64            `json:"score"`
	Components map[string]float64 `json:"components"`
	Response   string             `json:"response"`
	Reasoning  string             `json:"reasoning"`
	Errors     []string           `json:"errors"`
	// DerivedFields name the grader fields taken from the file's trajectory.
	DerivedFields []string `json:"derived_fields,omitempty"`
}

type testJSON struct {
	Version string           `json:"version"`
	Samples []testSampleJSON `json:"samples"`
	Mean    float64          `json:"mean"`
}

func graderTest(e *Env, args []string) error {
	fs := Flags("grader test")
	ds := fs.String("dataset", "", "dataset name or id")
	n := fs.Int("n", grader.DefaultTestSamples, "records to grade")
	seed := fs.Int64("seed", 1, "sampling seed")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return Usage("--n must be at least 1, not %d", *n)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.GraderTestWork(e.Store, d.ID, grader.TestOptions{N: *n, Seed: *seed}))
	if err != nil {
		return err
	}
	res, _ := p.Result.(grader.TestResult)
	out := testJSON{Version: res.Version, Mean: res.Mean, Samples: make([]testSampleJSON, 0, len(res.Samples))}
	for _, s := range res.Samples {
		errs := s.Errors
		if errs == nil {
			errs = []string{}
		}
		out.Samples = append(out.Samples, testSampleJSON{RecordID: s.RecordID, Score: s.Score, Components: s.Components, Response: s.Response, Reasoning: s.Reasoning, Errors: errs, DerivedFields: s.DerivedFields})
	}
	return e.Print(out, func(w io.Writer) {
		fmt.Fprintf(w, "Test Sample of grader %s on %q: mean %.3f over %d records\n", res.Version, d.Name, res.Mean, len(res.Samples))
		for _, s := range res.Samples {
			names := make([]string, 0, len(s.Components))
			for k := range s.Components {
				names = append(names, k)
			}
			sort.Strings(names)
			var parts []string
			for _, k := range names {
				parts = append(parts, fmt.Sprintf("%s %.2f", k, s.Components[k]))
			}
			fmt.Fprintf(w, "\nrecord %d (%s response): %.3f  [%s]\n", s.RecordID, s.Source, s.Score, strings.Join(parts, ", "))
			fmt.Fprintf(w, "  response: %s\n", oneLine(s.Response, 160))
			if s.Reasoning != "" {
				fmt.Fprintf(w, "  reasoning: %s\n", oneLine(s.Reasoning, 200))
			}
			for _, x := range s.Errors {
				fmt.Fprintf(w, "  error: %s\n", x)
			}
			// where the fields the record did not carry came from
			for _, x := range s.DerivedSummary {
				fmt.Fprintf(w, "  %s%s\n", strings.ToLower(x[:1]), x[1:])
			}
		}
	})
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func graderExport(e *Env, args []string) error {
	fs := Flags("grader export")
	ds := fs.String("dataset", "", "dataset name or id")
	trainer := fs.String("trainer", "", "openai, azure, fireworks or trl")
	out := fs.String("out", "", "output file (a folder for fireworks)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	switch *trainer {
	case "openai", "azure", "fireworks", "trl":
	default:
		return Usage("--trainer must be openai, azure, fireworks or trl, not %q", *trainer)
	}
	if *out == "" {
		return Usage("--out is required")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	res, err := grader.ExportTo(e.Ctx, e.Store, d.ID, *trainer, *out)
	if err != nil {
		return err
	}
	return e.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "grader %s exported for %s: %s\n", res.Version, *trainer, strings.Join(res.Files, ", "))
		if res.RemoteCheck != nil {
			fmt.Fprintln(w, res.RemoteCheck.Message)
		}
	})
}

func graderPresets(e *Env, args []string) error {
	fs := Flags("grader presets")
	if err := Parse(fs, args); err != nil {
		return err
	}
	ps := grader.Presets()
	return e.Print(ps, func(w io.Writer) {
		for _, p := range ps {
			fmt.Fprintf(w, "%-12s %s: %s\n", p.ID, p.Name, p.Description)
		}
	})
}
