package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"tracetune/backend/ingest"
)

// The otel source reads OTLP/JSON trace files, or JSON arrays of flattened
// GenAI spans, ({"resourceSpans":[{"scopeSpans":
// [{"spans":[…]}]}]}, one document per file or one per line as the
// collector's file exporter writes them) and keeps the spans that describe a
// GenAI call in any of the three shapes instrumentations have used:
//
//   - current semantic conventions: gen_ai.input.messages /
//     gen_ai.output.messages (role + parts), gen_ai.system_instructions and
//     gen_ai.tool.definitions attributes (on the span, or on a
//     gen_ai.client.inference.operation.details event);
//   - the earlier event convention: span events gen_ai.system.message,
//     gen_ai.user.message, gen_ai.assistant.message, gen_ai.tool.message and
//     gen_ai.choice, with content / tool_calls / id attributes;
//   - the earlier indexed attributes: gen_ai.prompt.N.role / .content /
//     .tool_call_id / .tool_calls.M.*, gen_ai.completion.N.*, and
//     llm.request.functions.N.* for tools.
//
// The model is gen_ai.request.model (else gen_ai.response.model); a span
// with status ERROR or an error.type attribute is an error.
func newOTel(c Config) (Source, error) {
	label := string(KindOTel) + ":" + c.Name
	return &fileSource{name: c.Name, kind: KindOTel, path: c.URL, exts: []string{".json", ".jsonl", ".ndjson"},
		parse: func(path string, data []byte, _ time.Time) ([]Trace, error) {
			return parseOTLP(label, filepath.Base(path), data)
		}}, nil
}

// OTLP/JSON shapes (exported for tests and fixtures).
type (
	OTLPDocument      = ingest.OTLPDocument
	OTLPResourceSpans = ingest.OTLPResourceSpans
	OTLPResource      = ingest.OTLPResource
	OTLPScopeSpans    = ingest.OTLPScopeSpans
	OTLPSpan          = ingest.OTLPSpan
	OTLPEvent         = ingest.OTLPEvent
	OTLPStatus        = ingest.OTLPStatus
	OTLPKeyValue      = ingest.OTLPKeyValue
	OTLPAnyValue      = ingest.OTLPAnyValue
	OTLPArrayValue    = ingest.OTLPArrayValue
	OTLPKvlist        = ingest.OTLPKvlist
)

// parseOTLP reads one file: OTLP/JSON, or a JSON array of flattened spans.
func parseOTLP(label, file string, data []byte) ([]Trace, error) {
	var calls []call
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var spans []ingest.FlatSpan
		if err := json.Unmarshal(trimmed, &spans); err != nil {
			return nil, fmt.Errorf("not a JSON array of spans: %w", err)
		}
		for _, sp := range spans {
			if c, ok := ingest.FlatSpanCall(sp); ok {
				calls = append(calls, c)
			}
		}
	} else {
		spans, err := ingest.OTLPSpans(trimmed)
		if err != nil {
			return nil, err
		}
		for _, sp := range spans {
			if c, ok := ingest.OTelSpanCall(sp); ok {
				calls = append(calls, c)
			}
		}
	}
	out := make([]Trace, 0, len(calls))
	for _, c := range calls {
		c.Meta["file"] = file
		out = append(out, toTrace(c, label))
	}
	return out, nil
}
