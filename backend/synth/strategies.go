package synth

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"tracetune/backend/record"
)

// request is one call to the generation model: n prompts for a topic, made
// from a source record (whose context the candidates keep) by a strategy.
type request struct {
	topic    record.Topic  // zero when the source record has no topic
	source   record.Record // zero when the topic has no records (topic description)
	examples []string      // few-shot: real prompts of the topic
	strategy Strategy
	n        int
	voice    int      // index in voices: who the prompts sound like
	angle    int      // index in angles: what kind of case they describe
	avoid    []string // prompts already made for the topic (retry rounds)
}

// angles cross the voices so that a run's requests differ even when they
// share a source and a voice.
var angles = []string{
	"a problem that has just happened",
	"a follow-up after an earlier contact",
	"a question before buying or starting",
	"an urgent case",
	"an unusual edge case",
	"a choice between options",
	"a request with several parts",
}

// voices spread a run's requests over kinds of users, so that requests
// made from the same source ask for different prompts.
var voices = []string{
	"different customers, each with their own situation",
	"a first-time user who is unsure how to ask",
	"a busy professional writing briefly",
	"a frustrated user who has tried before",
	"a precise user who gives exact numbers, names and dates",
	"a non-native speaker writing simply",
	"someone asking on behalf of a team or a company",
	"someone typing on a phone, short and informal",
}

// answerSchema is the structured answer asked of the generation model.
var answerSchema = json.RawMessage(`{"type":"object","properties":{"prompts":{"type":"array","items":{"type":"string"}}},"required":["prompts"],"additionalProperties":false}`)

type answer struct {
	Prompts []string `json:"prompts"`
}

// Prompt sizes: what of a record the model is shown.
const (
	clipMessage = 1500 // characters of one earlier message
	clipContext = 6000 // characters of the whole earlier conversation
	maxExamples = 5    // few-shot examples per request
)

// multiTurn says whether a prompt has turns before its last user message
// other than system or developer instructions.
func multiTurn(msgs []record.Message) bool {
	last := lastUser(msgs)
	for _, m := range msgs[:max(last, 0)] {
		if m.Role != "system" && m.Role != "developer" {
			return true
		}
	}
	return false
}

func lastUser(msgs []record.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return i
		}
	}
	return -1
}

func parseMessages(raw json.RawMessage) []record.Message {
	var ms []record.Message
	_ = json.Unmarshal(raw, &ms)
	return ms
}

func hasTools(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t != "" && t != "null" && t != "[]"
}

// strategyFor picks the strategy of a request when the user chose none:
// message variation for chosen records and for multi-turn sources (the
// real context is kept), tool chain where the topic's prompts offer tools,
// few-shot where the topic has examples, the topic's description otherwise.
func strategyFor(chosen Strategy, entry string, src record.Record, examples int) Strategy {
	if chosen != "" {
		if chosen == ToolChain && !hasTools(src.Tools) {
			return FewShot // no tools to offer: the note in the preview says so
		}
		if (chosen == MessageVariation || chosen == ScenarioExpansion) && src.ID == 0 {
			return TopicDescription
		}
		return chosen
	}
	switch {
	case src.ID == 0:
		return TopicDescription
	case entry == "records" || multiTurn(parseMessages(src.Messages)):
		return MessageVariation
	case hasTools(src.Tools):
		return ToolChain
	case examples >= 2:
		return FewShot
	}
	return MessageVariation
}

const systemPrompt = `You write realistic user messages for a dataset of prompts that will fine-tune an AI assistant.
Dataset objective: %s
Write only what a real user would type to the assistant. Never write as the assistant, never mention being an AI, never use placeholders such as [NAME], <name> or {{name}}, never leave template braces, never add role labels such as "User:", numbering or quotes around a message. Fill in concrete, plausible details instead. Every message must stand on its own and differ from the others and from the examples given.
Answer with a JSON object {"prompts": [...]} holding exactly the number of messages asked for.`

// messagesFor builds the system and user text of a request.
func messagesFor(objective string, o Options, rq request) (system, user string) {
	if strings.TrimSpace(objective) == "" {
		objective = "(not stated)"
	}
	system = fmt.Sprintf(systemPrompt, objective)
	var b strings.Builder
	if rq.topic.Name != "" {
		fmt.Fprintf(&b, "Topic: %s", rq.topic.Name)
		if rq.topic.Description != "" {
			fmt.Fprintf(&b, " — %s", rq.topic.Description)
		}
		b.WriteString("\n")
		if len(rq.topic.Keywords) > 0 {
			fmt.Fprintf(&b, "Keywords: %s\n", strings.Join(rq.topic.Keywords, ", "))
		}
		b.WriteString("\n")
	}
	intent := "Keep what the user asks for and the facts the conversation depends on; change the wording, tone, length and the concrete details."
	if !o.PreserveIntent {
		intent = "They may ask for a related but different thing within the same topic."
	}
	fmt.Fprintf(&b, "Voice: %s\nKind of case: %s\n\n", voices[rq.voice%len(voices)], angles[rq.angle%len(angles)])
	if len(rq.avoid) > 0 {
		b.WriteString("Already written for this topic (write different cases):\n")
		for _, a := range rq.avoid {
			fmt.Fprintf(&b, "- %s\n", clip(strings.Join(strings.Fields(a), " "), 300))
		}
		b.WriteString("\n")
	}
	msgs := parseMessages(rq.source.Messages)
	text := record.LastUserText(msgs)
	switch rq.strategy {
	case MessageVariation:
		if ctx := renderContext(msgs); ctx != "" {
			fmt.Fprintf(&b, "Conversation so far (kept as it is):\n%s\n\n", ctx)
		}
		fmt.Fprintf(&b, "Original last user message:\n\"\"\"\n%s\n\"\"\"\n\n", text)
		fmt.Fprintf(&b, "Write %d variations of the last user message that fit the conversation. %s", rq.n, intent)
	case FewShot:
		b.WriteString("Real user messages of this topic:\n")
		for _, e := range rq.examples {
			fmt.Fprintf(&b, "\"\"\"\n%s\n\"\"\"\n", clip(e, clipMessage))
		}
		fmt.Fprintf(&b, "\nWrite %d new user messages of the same kind, length and style, each about a different case.", rq.n)
	case TopicDescription:
		fmt.Fprintf(&b, "Write %d user messages a real user of this assistant would send about this topic, each about a different case.", rq.n)
	case ScenarioExpansion:
		fmt.Fprintf(&b, "Original user message:\n\"\"\"\n%s\n\"\"\"\n\n", text)
		fmt.Fprintf(&b, "Write %d user messages that place this need in other scenarios: other users, situations, constraints and edge cases. %s", rq.n, intent)
	case ToolChain:
		fmt.Fprintf(&b, "Tools the assistant can call:\n%s\n\n", renderTools(rq.source.Tools))
		fmt.Fprintf(&b, "Example user message:\n\"\"\"\n%s\n\"\"\"\n\n", text)
		fmt.Fprintf(&b, "Write %d user messages that need the assistant to call these tools, some needing several calls in sequence, with the concrete values the calls need.", rq.n)
	}
	return system, b.String()
}

// renderContext writes the turns before the last user message as text.
func renderContext(msgs []record.Message) string {
	last := lastUser(msgs)
	if last <= 0 {
		return ""
	}
	var b strings.Builder
	for _, m := range msgs[:last] {
		t := m.Text()
		for _, c := range m.ToolCalls {
			t += fmt.Sprintf(" [calls %s(%s)]", c.Function.Name, c.Function.Arguments)
		}
		fmt.Fprintf(&b, "[%s] %s\n", m.Role, clip(strings.TrimSpace(t), clipMessage))
		if b.Len() > clipContext {
			break
		}
	}
	return strings.TrimSpace(clip(b.String(), clipContext))
}

func renderTools(raw json.RawMessage) string {
	var ts []struct {
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	}
	_ = json.Unmarshal(raw, &ts)
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "- %s: %s parameters %s\n", t.Function.Name, t.Function.Description, clip(string(t.Function.Parameters), 400))
	}
	return strings.TrimSpace(b.String())
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// candidatePrompt builds the prompt a candidate would become: message
// variation keeps the source's whole conversation before its last user
// message; the other strategies keep only its system and developer
// instructions. The source's tools stay offered.
func candidatePrompt(rq request, text string) (msgs, tools json.RawMessage) {
	var keep []json.RawMessage
	var raw []json.RawMessage
	_ = json.Unmarshal(rq.source.Messages, &raw)
	ms := parseMessages(rq.source.Messages)
	last := lastUser(ms)
	for i := 0; i < last && i < len(raw); i++ {
		if rq.strategy == MessageVariation || ms[i].Role == "system" || ms[i].Role == "developer" {
			keep = append(keep, raw[i])
		}
	}
	u, _ := json.Marshal(map[string]string{"role": "user", "content": text})
	keep = append(keep, u)
	msgs, _ = json.Marshal(keep)
	if hasTools(rq.source.Tools) {
		tools = rq.source.Tools
	}
	return msgs, tools
}

// withText replaces the last user message of a candidate's prompt (an
// edit).
func withText(msgs json.RawMessage, text string) (json.RawMessage, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(msgs, &raw); err != nil {
		return nil, err
	}
	ms := parseMessages(msgs)
	i := lastUser(ms)
	u, _ := json.Marshal(map[string]string{"role": "user", "content": text})
	if i < 0 {
		raw = append(raw, u)
	} else {
		raw[i] = u
	}
	return json.Marshal(raw)
}

// candidateRecord is the record a candidate would become.
func candidateRecord(msgs, tools json.RawMessage) record.Record {
	line := map[string]json.RawMessage{"messages": msgs}
	if hasTools(tools) {
		line["tools"] = tools
	}
	raw, _ := json.Marshal(line)
	r := record.Record{Raw: string(raw), Shape: record.ShapeChat, Messages: msgs}
	if hasTools(tools) {
		r.Tools = tools
	}
	return r
}
