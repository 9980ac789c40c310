package llm

import (
	"encoding/json"
	"strings"
	"testing"
)

// The request that answers a stored prompt carries its messages (content
// parts, tool calls and results) and tools as stored, and refuses what is
// not chat JSON with the reason.
func TestAnswerRequestSendsThePromptAsStored(t *testing.T) {
	msgs := `[{"role":"system","content":"Be brief."},
		{"role":"user","content":[{"type":"text","text":"What is in"},{"type":"text","text":"this order?"}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_order","arguments":"{\"id\":7}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"2 books"},
		{"role":"user","content":"And the total?"}]`
	tools := `[{"type":"function","function":{"name":"get_order","description":"An order","strict":true,"parameters":{"type":"object"}}}]`
	req, err := AnswerRequest("m", json.RawMessage(msgs), json.RawMessage(tools))
	if err != nil {
		t.Fatal(err)
	}
	if req.Model != "m" || len(req.Messages) != 5 || len(req.Messages[1].MultiContent) != 2 || req.Messages[2].ToolCalls[0].Function.Name != "get_order" || req.Messages[3].ToolCallID != "c1" {
		t.Fatalf("messages %+v", req.Messages)
	}
	if len(req.Tools) != 1 || req.Tools[0].Function.Name != "get_order" || !req.Tools[0].Function.Strict {
		t.Fatalf("tools %+v", req.Tools)
	}
	body, _ := json.Marshal(req)
	if !strings.Contains(string(body), `"text":"this order?"`) || !strings.Contains(string(body), `"parameters":{"type":"object"}`) {
		t.Errorf("sent %s", body)
	}
	if _, err := AnswerRequest("m", json.RawMessage(`{"role":"user"}`), nil); err == nil || !strings.Contains(err.Error(), "messages are not") {
		t.Errorf("an object for messages: %v", err)
	}
	if _, err := AnswerRequest("m", json.RawMessage(`[]`), json.RawMessage(`{"x":1}`)); err == nil || !strings.Contains(err.Error(), "tools are not") {
		t.Errorf("an object for tools: %v", err)
	}
}
