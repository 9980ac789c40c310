package topics

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// corpus is the valid records of a dataset reduced to what topics read:
// the last user message of each prompt.
type corpus struct {
	ids     []int64
	texts   []string
	topic   []int64 // current topic (0: none)
	methods []string
}

// pageSize is the keyset page used to stream records from the store.
const pageSize = 5000

// loadCorpus reads every valid record of a dataset in id order.
func (s *Service) loadCorpus(ctx context.Context, datasetID int64, progress Progress) (*corpus, error) {
	c := &corpus{}
	total, err := s.st.CountTopics(ctx, datasetID)
	if err != nil {
		return nil, fmt.Errorf("count valid records of dataset %d: %w", datasetID, err)
	}
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ps, err := s.st.Prompts(ctx, store.PromptFilter{DatasetID: datasetID, AfterID: after, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("read records of dataset %d after id %d: %w", datasetID, after, err)
		}
		for _, p := range ps {
			c.ids = append(c.ids, p.ID)
			c.texts = append(c.texts, lastUser(p.Messages))
			c.topic = append(c.topic, p.TopicID)
			c.methods = append(c.methods, p.Method)
		}
		report(progress, int64(len(c.ids)), int64(total.Valid), "reading records")
		if len(ps) < pageSize {
			return c, nil
		}
		after = ps[len(ps)-1].ID
	}
}

// lastUser extracts the last user message's text from a stored messages
// array without decoding fields topics never reads.
func lastUser(messages string) string {
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal([]byte(messages), &msgs) != nil {
		return ""
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return strings.TrimSpace(record.ContentText(msgs[i].Content))
		}
	}
	return ""
}

// embedAll embeds texts in chunks so that progress moves and a cancel stops
// between calls; empty texts (which providers reject) get a single space.
func embedAll(ctx context.Context, ai AI, texts []string, progress Progress, what string) ([][]float32, error) {
	const chunk = 512
	out := make([][]float32, 0, len(texts))
	for lo := 0; lo < len(texts); lo += chunk {
		part := append([]string(nil), texts[lo:min(len(texts), lo+chunk)]...)
		for i, t := range part {
			if strings.TrimSpace(t) == "" {
				part[i] = " "
			}
		}
		vs, err := ai.Embed(ctx, part)
		if err != nil {
			return nil, err
		}
		if len(vs) != len(part) {
			return nil, fmt.Errorf("embedding %s: the provider returned %d vectors for %d texts", what, len(vs), len(part))
		}
		for _, v := range vs {
			c := append([]float32(nil), v...)
			normalize(c)
			out = append(out, c)
		}
		report(progress, int64(len(out)), int64(len(texts)), "embedding "+what)
	}
	return out, nil
}
