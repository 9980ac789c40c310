package llm

import (
	"encoding/json"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

// AnswerRequest is the chat request that asks a model to answer a stored
// prompt: its messages (content parts kept) and tools exactly as stored.
// Test Sample, the dry run, benchmarks and the playground all send this
// one, so a model is asked the same question wherever it is measured.
func AnswerRequest(model string, messages, tools json.RawMessage) (openai.ChatCompletionRequest, error) {
	req := openai.ChatCompletionRequest{Model: model}
	if err := json.Unmarshal(messages, &req.Messages); err != nil {
		return req, fmt.Errorf("messages are not OpenAI chat messages: %w", err)
	}
	if len(tools) == 0 || string(tools) == "null" {
		return req, nil
	}
	var ts []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description,omitempty"`
			Strict      bool            `json:"strict,omitempty"`
			Parameters  json.RawMessage `json:"parameters,omitempty"`
		} `json:"function"`
	}
	if err := json.Unmarshal(tools, &ts); err != nil {
		return req, fmt.Errorf("tools are not OpenAI function tools: %w", err)
	}
	for _, t := range ts {
		fd := &openai.FunctionDefinition{Name: t.Function.Name, Description: t.Function.Description, Strict: t.Function.Strict}
		if len(t.Function.Parameters) > 0 {
			fd.Parameters = t.Function.Parameters
		}
		typ := openai.ToolType(t.Type)
		if typ == "" {
			typ = openai.ToolTypeFunction
		}
		req.Tools = append(req.Tools, openai.Tool{Type: typ, Function: fd})
	}
	return req, nil
}
