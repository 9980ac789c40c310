package testutil

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// GatewayTrace is one logged LLM call as the gateway fakes (Langfuse,
// LiteLLM, vllora) serve it, each in its own wire format. Messages, Tools
// and Output are OpenAI chat shapes.
type GatewayTrace struct {
	ID       string
	TraceID  string
	Time     time.Time
	Model    string
	Messages []map[string]any
	Tools    []map[string]any
	Output   map[string]any
	Error    bool
}

var sampleQuestions = []string{
	"How do I reset my password if I no longer have access to my email?",
	"Can you explain the difference between the basic and the pro subscription?",
	"My invoice shows a charge twice this month, what happened?",
	"Please summarize the attached meeting notes in three bullet points.",
	"What is the refund policy for annual plans cancelled after two months?",
	"Translate 'the shipment is delayed by two days' into French and German.",
	"Write a short apology email to a customer whose order arrived damaged.",
	"Which regions does the service support for data residency?",
}

// SampleGatewayTraces returns n deterministic traces, one every step
// starting at start (oldest first). Every third trace is a tool-calling
// conversation (tools offered, an assistant tool call, its tool result,
// then a follow-up user turn); every fourth uses gpt-4o instead of
// gpt-4o-mini; every seventh failed (Error, no output). prefix makes ids
// unique across batches.
func SampleGatewayTraces(prefix string, n int, start time.Time, step time.Duration) []GatewayTrace {
	out := make([]GatewayTrace, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		t := GatewayTrace{ID: id, TraceID: "trace-" + id, Time: start.Add(time.Duration(i) * step).UTC(), Model: "gpt-4o-mini"}
		if i%4 == 3 {
			t.Model = "gpt-4o"
		}
		q := sampleQuestions[i%len(sampleQuestions)]
		sys := map[string]any{"role": "system", "content": "You are the support assistant of Acme Cloud."}
		if i%3 == 2 {
			callID := "call_" + id
			t.Tools = []map[string]any{{"type": "function", "function": map[string]any{
				"name": "lookup_order", "description": "Look up an order by its number",
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"order_id": map[string]any{"type": "string"}}, "required": []string{"order_id"}},
			}}}
			t.Messages = []map[string]any{sys,
				{"role": "user", "content": fmt.Sprintf("Where is my order A-%d? %s", 1000+i, q)},
				{"role": "assistant", "content": nil, "tool_calls": []map[string]any{{"id": callID, "type": "function",
					"function": map[string]any{"name": "lookup_order", "arguments": fmt.Sprintf(`{"order_id":"A-%d"}`, 1000+i)}}}},
				{"role": "tool", "tool_call_id": callID, "content": fmt.Sprintf(`{"status":"shipped","eta_days":%d}`, 1+i%5)},
				{"role": "user", "content": "Thanks, and can you tell me when it will arrive exactly?"},
			}
			t.Output = map[string]any{"role": "assistant", "content": fmt.Sprintf("Your order A-%d has shipped and should arrive in %d days.", 1000+i, 1+i%5)}
		} else {
			t.Messages = []map[string]any{sys, {"role": "user", "content": fmt.Sprintf("%s (ticket %d)", q, i)}}
			t.Output = map[string]any{"role": "assistant", "content": "Here is what I found for ticket " + fmt.Sprint(i) + "."}
		}
		if i%7 == 6 {
			t.Error = true
			t.Output = nil
		}
		out = append(out, t)
	}
	return out
}

// gatewayFake is the part the gateway fakes share: the traces, newest
// first, scripted failures and a request count.
type gatewayFake struct {
	mu        sync.Mutex
	traces    []GatewayTrace
	listCalls int
	failAfter int // list pages served before failing; -1 = never
	failing   bool
}

func newGatewayFake() gatewayFake { return gatewayFake{failAfter: -1} }

// Add adds traces (any order).
func (g *gatewayFake) Add(ts ...GatewayTrace) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.traces = append(g.traces, ts...)
	sort.SliceStable(g.traces, func(i, j int) bool { return g.traces[i].Time.After(g.traces[j].Time) })
}

// FailListAfter makes every list request after the next n succeed fail
// with HTTP 500, until Recover.
func (g *gatewayFake) FailListAfter(n int) {
	g.mu.Lock()
	g.failAfter, g.failing = n, false
	g.mu.Unlock()
}

// Recover ends scripted failures.
func (g *gatewayFake) Recover() {
	g.mu.Lock()
	g.failAfter, g.failing = -1, false
	g.mu.Unlock()
}

// ListCalls counts list requests served (failed ones included).
func (g *gatewayFake) ListCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.listCalls
}

// listGate counts a list request and says whether it must fail.
func (g *gatewayFake) listGate() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.listCalls++
	if g.failing {
		return true
	}
	if g.failAfter == 0 {
		g.failing = true
		return true
	}
	if g.failAfter > 0 {
		g.failAfter--
	}
	return false
}

// window returns the traces with from <= time < to (to inclusive when
// toInclusive), newest first.
func (g *gatewayFake) window(from, to time.Time, toInclusive bool, keep func(GatewayTrace) bool) []GatewayTrace {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []GatewayTrace
	for _, t := range g.traces {
		if !from.IsZero() && t.Time.Before(from) {
			continue
		}
		if !to.IsZero() && (t.Time.After(to) || (!toInclusive && t.Time.Equal(to))) {
			continue
		}
		if keep != nil && !keep(t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func (g *gatewayFake) byID(id string) (GatewayTrace, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range g.traces {
		if t.ID == id {
			return t, true
		}
	}
	return GatewayTrace{}, false
}

func gwJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func pageSlice[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(offset+limit, len(all))]
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
