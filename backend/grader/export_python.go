package grader

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed python/runtime.py
var pyRuntime string

// Environment variables the exported Python reads for judge components.
const PythonJudgeEnvDoc = `Judge components call an OpenAI-compatible chat endpoint configured by:
  TRACETUNE_JUDGE_BASE_URL        base URL ending in /v1 (default https://api.openai.com/v1)
  TRACETUNE_JUDGE_API_KEY         the key (never written into this file)
  TRACETUNE_JUDGE_API_KEY_HEADER  Authorization (default, sent as Bearer) or api-key (Azure)
  TRACETUNE_JUDGE_MODEL           model of judges that name none
  TRACETUNE_JUDGE_TIMEOUT         seconds per call (default 120)`

// ExportPython returns one self-contained python3 module (standard library
// only) defining grade(sample, item) -> float, which computes the same
// weighted score as Evaluator.Grade, and evaluate(sample, item) with the
// per-component scores and errors. Run as a program it reads JSON lines
// {"sample": …, "item": …} on stdin and writes one evaluate result per line.
func ExportPython(g Grader) (string, error) {
	if err := g.Validate(); err != nil {
		return "", err
	}
	spec, err := g.Canonical()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `"""Tracetune grader %s, exported for python3 (standard library only).

grade(sample, item) -> float is OpenAI's python-grader signature:
  sample = {"output_text": str, "output_json": object or None, "output_tools": [tool calls]}
  item   = the RFT line: {"messages": [...], "tools": [...], <grader fields>}
evaluate(sample, item) also returns each component's score and any errors.

%s

Components:
`, g.Version(), PythonJudgeEnvDoc)
	for _, c := range g.Components {
		fmt.Fprintf(&b, "  %s (%s), weight %s\n", c.Name, c.Kind, strconv.FormatFloat(c.Weight, 'g', -1, 64))
	}
	b.WriteString(`"""` + "\n")
	b.WriteString(pyRuntime)
	b.WriteString("\n\nGRADER_VERSION = " + strconv.Quote(g.Version()) + "\n")
	b.WriteString("GRADER = _json.loads(" + strconv.QuoteToASCII(string(spec)) + ")\n")
	b.WriteString("_SCRIPTS = _load_scripts(GRADER[\"components\"])\n")
	b.WriteString(`

def _main():
    import sys
    for line in sys.stdin:
        if not line.strip():
            continue
        req = _json.loads(line)
        sys.stdout.write(_json.dumps(evaluate(req["sample"], req["item"])) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    _main()
`)
	return b.String(), nil
}

// toolMatchPythonSource is an OpenAI python grader computing a
// tool_call_match component exactly as the app does.
func toolMatchPythonSource(field string) string {
	return pyRuntime + "\n\nGRADER = {\"components\": []}\n_SCRIPTS = {}\n\n\ndef grade(sample, item):\n    return _tool_component(" +
		strconv.QuoteToASCII(field) + ", sample, item)\n"
}
