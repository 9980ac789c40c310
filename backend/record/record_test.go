package record

import (
	"encoding/json"
	"testing"
)

func TestContentText(t *testing.T) {
	cases := []struct {
		raw  string
		want string
	}{
		{``, ""},
		{`"plain text"`, "plain text"},
		{`[{"type":"text","text":"first"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"second"}]`, "first\nsecond"},
		{`null`, ""},
		{`42`, ""},
	}
	for _, c := range cases {
		if got := ContentText(json.RawMessage(c.raw)); got != c.want {
			t.Errorf("ContentText(%s) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestLastUserText(t *testing.T) {
	var msgs []Message
	if err := json.Unmarshal([]byte(`[
		{"role":"system","content":"be brief"},
		{"role":"user","content":"first question"},
		{"role":"assistant","content":"an answer"},
		{"role":"user","content":[{"type":"text","text":"follow-up"}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}
	]`), &msgs); err != nil {
		t.Fatal(err)
	}
	if got := LastUserText(msgs); got != "follow-up" {
		t.Fatalf("LastUserText = %q", got)
	}
	if got := LastUserText(msgs[:1]); got != "" {
		t.Fatalf("no user turn gave %q", got)
	}
	if msgs[4].ToolCalls[0].Function.Name != "f" {
		t.Fatalf("tool call not decoded: %+v", msgs[4])
	}
}

func TestLeaves(t *testing.T) {
	ts := []Topic{
		{ID: 1, Name: "billing"},
		{ID: 2, ParentID: 1, Name: "refunds"},
		{ID: 3, ParentID: 1, Name: "invoices"},
		{ID: 4, Name: "shipping"},
	}
	got := Leaves(ts)
	if len(got) != 3 || got[0].Name != "refunds" || got[1].Name != "invoices" || got[2].Name != "shipping" {
		t.Fatalf("Leaves = %+v", got)
	}
}
