package llm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"
)

// Embed returns one vector per text, in order. Vectors are cached in SQLite
// by model + sha256(text): texts seen before cost no call, and a re-run on
// the same texts makes zero HTTP requests. Duplicates within texts are sent
// once. Blank texts get a nil vector (the API rejects empty input).
//
// Misses go in batches of EmbedBatch, concurrently within the provider's
// limits. Each batch is cached as soon as it returns, so when one batch
// fails the others are kept (in the cache and in the returned slice, where
// the failed ones are nil) and the error says how many are missing.
func (c *Client) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	if model == "" {
		return out, fmt.Errorf("embeddings on provider %s: no model given", c.cfg.Name)
	}
	// Unique non-blank texts by hash.
	byHash := map[string][]int{}
	var hashes [][]byte
	var uniq []string
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			continue
		}
		h := sha256.Sum256([]byte(t))
		k := string(h[:])
		if _, seen := byHash[k]; !seen {
			hashes = append(hashes, h[:])
			uniq = append(uniq, t)
		}
		byHash[k] = append(byHash[k], i)
	}
	fill := func(k string, v []float32) {
		for _, i := range byHash[k] {
			out[i] = v
		}
	}
	missing := make([]int, 0, len(uniq)) // indexes into uniq
	if c.st != nil && len(hashes) > 0 {
		cached, err := c.st.CachedEmbeddings(ctx, model, hashes)
		if err != nil {
			return out, err
		}
		for j, h := range hashes {
			if v, ok := cached[string(h)]; ok {
				fill(string(h), v)
			} else {
				missing = append(missing, j)
			}
		}
	} else {
		for j := range uniq {
			missing = append(missing, j)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}

	var mu sync.Mutex
	var failed []error
	failedTexts := 0
	var g errgroup.Group
	g.SetLimit(c.cfg.Concurrency)
	for start := 0; start < len(missing); start += c.cfg.EmbedBatch {
		batch := missing[start:min(start+c.cfg.EmbedBatch, len(missing))]
		g.Go(func() error {
			in := make([]string, len(batch))
			for k, j := range batch {
				in[k] = uniq[j]
			}
			vecs, err := c.embedBatch(ctx, model, in)
			if err == nil && c.st != nil {
				hs := make([][]byte, len(batch))
				for k, j := range batch {
					hs[k] = hashes[j]
				}
				// Cache even if the caller is canceling: the call was paid for.
				if perr := c.st.PutEmbeddings(context.WithoutCancel(ctx), model, hs, vecs); perr != nil {
					Logger.Warn("llm: embedding cache write failed", "provider", c.cfg.Name, "err", perr.Error())
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, err)
				failedTexts += len(batch)
				return nil
			}
			for k, j := range batch {
				fill(string(hashes[j]), vecs[k])
			}
			return nil
		})
	}
	g.Wait()
	if len(failed) > 0 {
		return out, fmt.Errorf("%d of %d texts not embedded (the others are kept): %w", failedTexts, len(uniq), errors.Join(failed[0]))
	}
	return out, nil
}

func (c *Client) embedBatch(ctx context.Context, model string, in []string) ([][]float32, error) {
	var resp openai.EmbeddingResponse
	err := c.do(ctx, "embeddings", model, func(actx context.Context) error {
		r, err := c.oa.CreateEmbeddings(actx, openai.EmbeddingRequestStrings{Input: in, Model: openai.EmbeddingModel(model)})
		if err != nil {
			return err
		}
		resp = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.account(ctx, model, resp.Usage.PromptTokens, 0)
	if len(resp.Data) != len(in) {
		return nil, fmt.Errorf("embeddings on provider %s (model %q): %d vectors for %d inputs", c.cfg.Name, model, len(resp.Data), len(in))
	}
	vecs := make([][]float32, len(in))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(in) || vecs[d.Index] != nil {
			return nil, fmt.Errorf("embeddings on provider %s (model %q): bad or repeated index %d", c.cfg.Name, model, d.Index)
		}
		vecs[d.Index] = d.Embedding
	}
	return vecs, nil
}

// Models lists the model ids the provider serves, sorted.
func (c *Client) Models(ctx context.Context) ([]string, error) {
	var list openai.ModelsList
	err := c.do(ctx, "models", "", func(actx context.Context) error {
		l, err := c.oa.ListModels(actx)
		if err != nil {
			return err
		}
		list = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(list.Models))
	for _, m := range list.Models {
		ids = append(ids, m.ID)
	}
	sortStrings(ids)
	return ids, nil
}

func sortStrings(s []string) { sort.Strings(s) }
