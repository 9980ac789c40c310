package ingest

import (
	"encoding/json"
	"strconv"
	"time"
)

// LiteLLMSpendLog is the part of a LiteLLM_SpendLogs row Tracetune reads,
// as the proxy's /spend/logs API writes it.
type LiteLLMSpendLog struct {
	RequestID          string          `json:"request_id"`
	CallType           string          `json:"call_type"`
	Model              string          `json:"model"`
	StartTime          time.Time       `json:"startTime"`
	EndTime            time.Time       `json:"endTime"`
	Messages           json.RawMessage `json:"messages,omitempty"`
	Response           json.RawMessage `json:"response,omitempty"`
	ProxyServerRequest json.RawMessage `json:"proxy_server_request,omitempty"`
	Status             string          `json:"status,omitempty"`
	Metadata           json.RawMessage `json:"metadata,omitempty"`
	TotalTokens        int             `json:"total_tokens"`
	Spend              float64         `json:"spend"`
	SessionID          string          `json:"session_id,omitempty"`
}

// LiteLLMCall turns a spend log row into a call: proxy_server_request is
// the full request body (messages and tools); the messages column alone is
// the fallback.
func LiteLLMCall(r LiteLLMSpendLog) Call {
	c := Call{ID: r.RequestID, Time: r.StartTime, Model: r.Model, IsError: r.Status == "failure"}
	var req struct {
		Messages json.RawMessage `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
		Model    string          `json:"model"`
	}
	if psr := Unquote(pyJSON(r.ProxyServerRequest)); json.Unmarshal(psr, &req) == nil && len(req.Messages) > 0 {
		c.Messages = AsMessages(req.Messages)
		c.Tools = req.Tools
	} else {
		c.Messages = AsMessages(Unquote(pyJSON(r.Messages)))
	}
	if IsEmptyJSON(json.RawMessage(firstMessage(c.Messages))) && len(c.Messages) == 1 {
		c.Messages = nil // "{}": the proxy stored no prompt
	}
	if c.Model == "" {
		c.Model = req.Model
	}
	c.Output = ResponseMessage(pyJSON(r.Response))
	c.Meta = map[string]any{"call_type": r.CallType, "total_tokens": r.TotalTokens, "spend": r.Spend}
	if len(c.Messages) == 0 {
		// Health will flag the record; say why, so the fix is one setting away.
		c.Meta["warning"] = "the proxy stored no prompt: enable store_prompts_in_spend_logs in its general_settings"
	}
	if r.SessionID != "" {
		c.Meta["session_id"] = r.SessionID
	}
	return c
}

func firstMessage(m []json.RawMessage) []byte {
	if len(m) == 0 {
		return nil
	}
	return m[0]
}

// liteLLMLog reads a spend log row or a StandardLoggingPayload as logging
// callbacks and exports write them, where every value may be a string
// (numbers, times without a zone, Python reprs of dicts).
func liteLLMLog(m map[string]json.RawMessage) (Call, bool) {
	text := func(k string) string {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s != "None" {
			return s
		}
		return ""
	}
	num := func(k string) float64 {
		var f float64
		if json.Unmarshal(m[k], &f) == nil {
			return f
		}
		f, _ = strconv.ParseFloat(text(k), 64)
		return f
	}
	r := LiteLLMSpendLog{RequestID: text("request_id"), CallType: text("call_type"), Model: text("model"),
		Messages: m["messages"], Response: m["response"], ProxyServerRequest: m["proxy_server_request"],
		Status: text("status"), Metadata: m["metadata"], TotalTokens: int(num("total_tokens")),
		Spend: num("spend"), SessionID: text("session_id")}
	if r.RequestID == "" {
		r.RequestID = text("id") // StandardLoggingPayload
		r.Spend = num("response_cost")
	}
	r.StartTime, _ = ParseTime(m["startTime"])
	if r.RequestID == "" || r.CallType == "" {
		return Call{}, false
	}
	return LiteLLMCall(r), true
}
