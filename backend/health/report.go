package health

import (
	"context"
	"fmt"
	"math"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// CodeCount is one group of View Issues.
type CodeCount struct {
	Code     string  `json:"code"`
	Count    int     `json:"count"`
	Lines    []int   `json:"lines"`    // line numbers of the first 50 records with the code
	Examples []int64 `json:"examples"` // ids of the first 5
	Title    string  `json:"title"`
	Advice   string  `json:"advice"`
}

// Report is a dataset's health.
type Report struct {
	Total          int            `json:"total"`
	Valid          int            `json:"valid"`
	Invalid        int            `json:"invalid"`
	InvalidPercent float64        `json:"invalid_percent"`
	ByCode         map[string]int `json:"by_code"`
	Codes          []CodeCount    `json:"codes"` // in check order
	Advice         []string       `json:"advice"`
	// SamePrompt lists groups of records that share a prompt but differ
	// in their grader fields: valid, distinct training items (a note, not
	// an issue).
	SamePrompt []store.PromptGroup `json:"same_prompt"`
	// SamePromptSkipped: the dataset is too large for the note in this
	// report (it reads every prompt key); FullReport gives it.
	SamePromptSkipped bool `json:"same_prompt_skipped"`
}

// samePromptScanMax is the largest dataset (records that passed checks
// 1–12) whose ReportFor lists same-prompt groups: the note reads every
// prompt key, a few milliseconds per ten thousand records, and the window
// asks for the report after every change.
const samePromptScanMax = 50000

// samePromptGroups is how many same-prompt groups a report lists.
const samePromptGroups = 20

const (
	sampleLines    = 50
	sampleExamples = 5
)

// ReportFor computes a dataset's health report. Counts come from the
// trigger-maintained summary and samples from the (dataset, code, id)
// index, so it costs the same at a thousand records or a million; the
// same-prompt note is left out above samePromptScanMax records.
func ReportFor(ctx context.Context, st *store.Store, datasetID int64) (Report, error) {
	return report(ctx, st, datasetID, false)
}

// FullReport is ReportFor with the same-prompt note at any size (the
// headless health command).
func FullReport(ctx context.Context, st *store.Store, datasetID int64) (Report, error) {
	return report(ctx, st, datasetID, true)
}

func report(ctx context.Context, st *store.Store, datasetID int64, full bool) (Report, error) {
	counts, err := st.CodeCounts(ctx, datasetID)
	if err != nil {
		return Report{}, err
	}
	rep := Report{ByCode: map[string]int{}, Codes: []CodeCount{}, Advice: []string{}}
	for code, n := range counts {
		rep.Total += n
		if code == "" {
			rep.Valid += n
			continue
		}
		rep.Invalid += n
		rep.ByCode[code] = n
	}
	if rep.Total > 0 {
		rep.InvalidPercent = math.Round(1000*float64(rep.Invalid)/float64(rep.Total)) / 10
	}
	for _, c := range record.CheckOrder {
		n := counts[string(c)]
		if n == 0 {
			continue
		}
		lines, ids, err := st.CodeSamples(ctx, datasetID, string(c), sampleLines)
		if err != nil {
			return rep, err
		}
		info := codeInfo[c]
		rep.Codes = append(rep.Codes, CodeCount{Code: string(c), Count: n, Lines: lines,
			Examples: ids[:min(len(ids), sampleExamples)], Title: info.title, Advice: info.advice})
	}
	// codes not in CheckOrder (written by a newer version) still count
	for code, n := range rep.ByCode {
		if _, known := codeInfo[record.Code(code)]; !known {
			lines, ids, err := st.CodeSamples(ctx, datasetID, code, sampleLines)
			if err != nil {
				return rep, err
			}
			rep.Codes = append(rep.Codes, CodeCount{Code: code, Count: n, Lines: lines, Examples: ids[:min(len(ids), sampleExamples)], Title: code})
		}
	}
	if passing := rep.Valid + rep.ByCode[string(record.Duplicate)]; full || passing <= samePromptScanMax {
		if rep.SamePrompt, err = st.SamePromptGroups(ctx, datasetID, PromptPrefix, samePromptGroups); err != nil {
			return rep, err
		}
	} else {
		rep.SamePromptSkipped = true
	}
	if rep.SamePrompt == nil {
		rep.SamePrompt = []store.PromptGroup{}
	}
	rep.Advice = advise(rep)
	if n := len(rep.SamePrompt); n > 0 {
		rep.Advice = append(rep.Advice, fmt.Sprintf("Same prompt, different reference: %d group(s) of records share a prompt but differ in their grader fields. They are distinct training items, not duplicates.", n))
	}
	return rep, nil
}

type info struct{ title, advice string }

var codeInfo = map[record.Code]info{
	record.InvalidDataStructure: {"Not a JSON object", "These lines are not JSON objects (bad JSON, an array or a bare string), or input/messages has the wrong type. Check that the file is JSONL: one complete JSON object per line."},
	record.MissingInput:         {"Output without input", "These lines carry an output but no input. The gateway export probably dropped the request: export with request bodies included."},
	record.MissingMessages:      {"No messages", "These objects have neither input.messages nor messages. Map your fields to the chat format: {\"messages\":[{\"role\":\"user\",\"content\":…}]}."},
	record.EmptyMessages:        {"Empty conversation", "messages is an empty array: there is no prompt to train on. Remove these records."},
	record.InvalidRole:          {"Unknown role", "A message is not an object or its role is not system, developer, user, assistant or tool. Rename custom roles (for example narrator → system)."},
	record.NoUserMessage:        {"No user message", "The conversation has no user turn. RFT needs a user prompt to answer."},
	record.EmptyUserMessage:     {"Empty user message", "A user turn is empty or white space. Often a template variable that was not filled in: fix the logging or delete these records."},
	record.UserMessageTooShort:  {"User message too short", "A user turn is shorter than the minimum (default 10 characters), like \"hi\" or \"ok\". Such prompts teach little; delete them or lower the minimum in the dataset settings."},
	record.MissingToolCallID:    {"Tool call without id", "An assistant tool call has no id, or a tool message has no tool_call_id, so results cannot be matched to calls."},
	record.OrphanToolResult:     {"Tool result without its call", "A tool message answers a call that no earlier assistant message made. The gateway is probably logging tool results without the assistant turn that called the tool."},
	record.LastMessageNotUser:   {"Prompt does not end with the user", "The prompt must end with a user message (OpenAI and Azure RFT reject other lines). Cut the conversation after the last user turn or delete these records."},
	record.ExceedsMaxTokens:     {"Prompt too long", "The prompt (messages and tools) is over the token limit (default 8000, o200k_base). Shorten system prompts or pasted context, or raise the limit in the dataset settings."},
	record.Duplicate:            {"Duplicate", "The same prompt with the same grader fields (or the same trace id) appears earlier in the dataset; only the first copy is used. Duplicates are harmless but skew topic balance."},
}

// Title returns the short name of a code for people.
func Title(c record.Code) string {
	if i, ok := codeInfo[c]; ok {
		return i.title
	}
	return string(c)
}

// advise turns the counts into a few plain-language lines, biggest problem
// first.
func advise(r Report) []string {
	out := []string{}
	if r.Total == 0 {
		return append(out, "The dataset has no records yet: import a JSONL file or pull traces from a gateway.")
	}
	if r.Invalid == 0 {
		return append(out, fmt.Sprintf("All %d records are valid.", r.Total))
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(r.Total) }
	if pct(r.Invalid) > 5 {
		out = append(out, fmt.Sprintf("%.1f %% of the records are invalid (more than 5 %%): fix or delete them before training; invalid records are left out of categorization, coverage, dry runs and training.", pct(r.Invalid)))
	}
	tool := r.ByCode[string(record.MissingToolCallID)] + r.ByCode[string(record.OrphanToolResult)]
	if tool > 0 && float64(tool) >= 0.2*float64(r.Invalid) {
		out = append(out, fmt.Sprintf("%d records have tool-chain errors: the gateway is probably logging tool results without their calls (or without call ids).", tool))
	}
	if n := r.ByCode[string(record.InvalidDataStructure)]; n > 0 {
		out = append(out, fmt.Sprintf("%d lines are not JSON objects: the file may be truncated or not JSONL.", n))
	}
	if n := r.ByCode[string(record.LastMessageNotUser)]; n > 0 {
		out = append(out, fmt.Sprintf("%d prompts end with an assistant or tool turn: RFT providers reject them.", n))
	}
	if n := r.ByCode[string(record.Duplicate)]; n > 0 && pct(n) > 10 {
		out = append(out, fmt.Sprintf("%.0f %% of the records are duplicates: the export may contain retries or repeated pulls.", pct(n)))
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("%d invalid records (%.1f %%): open View Issues to review them.", r.Invalid, pct(r.Invalid)))
	}
	return out
}
