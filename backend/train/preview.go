package train

import (
	"context"
	"encoding/json"
	"sort"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/tokens"
)

// Preview is what Start would upload, computed without storing anything:
// the split per topic, the prompt tokens, and the notes of the limits.
type Preview struct {
	Trainer      string       `json:"trainer"`
	Train        int          `json:"train"`
	Validation   int          `json:"validation"`
	Topics       []TopicSplit `json:"topics"`
	PromptTokens int64        `json:"prompt_tokens"` // all lines' prompts (estimated from a sample above 2,000 records)
	Estimated    bool         `json:"estimated"`
	Notes        []string     `json:"notes"`
	CostNote     string       `json:"cost_note"`
}

// tokenSample bounds how many records the preview counts tokens of.
const tokenSample = 2000

// MakePreview computes the split Start would make and its size.
func MakePreview(ctx context.Context, st *store.Store, datasetID int64, o Options) (Preview, error) {
	if err := o.Validate(); err != nil {
		return Preview{}, err
	}
	o = o.withDefaults()
	info, _ := TrainerInfo(o.Trainer)
	cands, err := st.TrainCandidates(ctx, datasetID)
	if err != nil {
		return Preview{}, err
	}
	sp, err := makeSplit(cands, o, info)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Trainer: o.Trainer, Train: sp.Train, Validation: sp.Valid, Topics: []TopicSplit{}, Notes: orEmpty(sp.Notes)}
	names := map[int64]string{}
	tops, err := st.Topics(ctx, datasetID)
	if err != nil {
		return p, err
	}
	for _, t := range tops {
		names[t.ID] = t.Name
	}
	by := map[int64]*TopicSplit{}
	for _, r := range sp.Rows {
		ts := by[r.TopicID]
		if ts == nil {
			name := names[r.TopicID]
			if r.TopicID == 0 {
				name = "(no topic)"
			}
			ts = &TopicSplit{TopicID: r.TopicID, Topic: name}
			by[r.TopicID] = ts
		}
		if r.Part == PartValidation {
			ts.Validation++
		} else {
			ts.Train++
		}
	}
	for _, ts := range by {
		p.Topics = append(p.Topics, *ts)
	}
	sort.Slice(p.Topics, func(a, b int) bool {
		return p.Topics[a].Train+p.Topics[a].Validation > p.Topics[b].Train+p.Topics[b].Validation
	})

	// tokens of every k-th record of the split, scaled up
	step := max(1, len(sp.Rows)/tokenSample)
	sample := make([]store.SplitRow, 0, tokenSample+1)
	for i := 0; i < len(sp.Rows); i += step {
		sample = append(sample, sp.Rows[i])
	}
	var counted int64
	n := 0
	err = eachRecord(ctx, st, datasetID, sample, func(rec record.Record, _ string) error {
		msgs, _ := recordTexts(rec)
		for _, t := range msgs {
			c, err := tokens.Count(t)
			if err != nil {
				return err
			}
			counted += int64(c)
		}
		n++
		return nil
	})
	if err != nil {
		return p, err
	}
	if n > 0 {
		p.PromptTokens = counted * int64(len(sp.Rows)) / int64(n)
	}
	p.Estimated = n < len(sp.Rows)
	if info.Remote {
		p.CostNote = "RFT is billed by training time and grader tokens, which depend on the platform; the price is not estimated here"
	} else {
		p.CostNote = "runs on your own GPUs: no platform cost"
	}
	return p, nil
}

func recordTexts(rec record.Record) ([]string, error) {
	var msgs []record.Message
	if err := json.Unmarshal(rec.Messages, &msgs); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.Text())
	}
	return out, nil
}
