package grader

// Preset is a ready-made grader the editor offers; its components' weights
// sum to 1.
type Preset struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Components  []Component `json:"components"`
}

// CorrectnessPrompt is the correctness preset's judge prompt.
const CorrectnessPrompt = `You are grading an AI assistant's answer to a conversation.

Conversation:
{{messages}}

Reference answer (empty when there is none):
{{item.reference_answer}}

Assistant's answer:
{{response}}

Score 1 when the answer is correct and complete (agreeing with the reference answer when one is given), 0 when it is wrong or missing, and partial credit in between. Answer with a JSON object: "score" (a number from 0 to 1) and "reasoning" (one or two sentences).`

const formatSource = `def grade(sample, item):
    # 1 when the answer is JSON (output_json) carrying every key listed in
    # the item's required_keys field (when it has one), 0 otherwise
    data = sample["output_json"]
    if data == None:
        return 0.0
    keys = item.get("required_keys", [])
    if not isinstance(keys, list) or len(keys) == 0:
        return 1.0
    if not isinstance(data, dict):
        return 0.0
    found = len([k for k in keys if k in data])
    return found / len(keys)
`

const concisenessSource = `def grade(sample, item):
    # 1 up to the item's max_words (150 when it has none), then falling
    # linearly to 0 at twice that length
    limit = item.get("max_words", 150)
    if not isinstance(limit, int) or limit <= 0:
        limit = 150
    words = len(sample["output_text"].split())
    if words <= limit:
        return 1.0
    if words >= 2 * limit:
        return 0.0
    return (2 * limit - words) / limit
`

// Presets are the graders the editor offers to start from.
func Presets() []Preset {
	return []Preset{
		{ID: "correctness", Name: "Correctness", Description: "An LLM judge compares the response with the conversation and with item.reference_answer when the record has one.",
			Components: []Component{{Name: "correctness", Kind: KindJudge, Weight: 1, Prompt: CorrectnessPrompt}}},
		{ID: "tool_usage", Name: "Tool usage", Description: "The response's tool calls against the record's reference_tool_calls: names first, then arguments as JSON, partial credit per call.",
			Components: []Component{{Name: "tool_usage", Kind: KindToolCallMatch, Weight: 1, ReferenceField: "reference_tool_calls"}}},
		{ID: "format", Name: "Format compliance", Description: "The response is valid JSON and has every key listed in the record's required_keys field.",
			Components: []Component{{Name: "format", Kind: KindScript, Weight: 1, Source: formatSource}}},
		{ID: "conciseness", Name: "Conciseness", Description: "Full score up to max_words words (150 by default), falling to 0 at twice that.",
			Components: []Component{{Name: "conciseness", Kind: KindScript, Weight: 1, Source: concisenessSource}}},
	}
}
