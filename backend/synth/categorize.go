package synth

import (
	"context"
	"fmt"
	"math"
	"strings"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// The categorization pass of accepted candidates: each is compared with
// every leaf topic's profile (its name, description and keywords, and a
// sample of its real records) and gets a confidence per topic, a softmax of
// the similarities as step 2's categorization computes it. It uses the
// embedding model when one is assigned (cached), TF-IDF offline.

// Tuning, as in backend/topics: softTemp turns similarities into a
// confidence; profileSamples is how many real records describe a topic.
const (
	softTemp       = 0.05
	profileSamples = 40
)

type classifier struct {
	leaves []record.Topic
	embed  Embedder
	dense  [][]float32          // topic centroids (embeddings)
	sparse []map[string]float64 // topic centroids (TF-IDF)
	idf    map[string]float64
}

// verdict is one text's categorization: the best topic and the confidence
// of every topic.
type verdict struct {
	ok       bool
	best     int64
	bestConf float64
	conf     map[int64]float64
}

func newClassifier(ctx context.Context, st *store.Store, datasetID int64, leaves []record.Topic) (*classifier, error) {
	c := &classifier{leaves: leaves}
	if len(leaves) < 2 {
		return c, nil
	}
	emb, err := embedderFor(ctx, st)
	if err != nil {
		return nil, err
	}
	c.embed = emb
	no := false
	docs := make([][]string, len(leaves)) // per topic: its texts
	for i, t := range leaves {
		docs[i] = append(docs[i], strings.ReplaceAll(t.Name, "_", " ")+". "+t.Description+" "+strings.Join(t.Keywords, ", "))
		rs, err := st.Records(ctx, store.RecordFilter{DatasetID: datasetID, Code: "valid", TopicID: t.ID, Generated: &no, Limit: profileSamples})
		if err != nil {
			return nil, fmt.Errorf("records of topic %s: %w", t.Name, err)
		}
		for _, r := range rs {
			if s := lastUserText(r.Messages); strings.TrimSpace(s) != "" {
				docs[i] = append(docs[i], s)
			}
		}
	}
	if c.embed != nil {
		for _, ds := range docs {
			vecs, err := c.embed(ctx, ds)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil { // an unavailable model: TF-IDF decides
				c.embed, c.dense = nil, nil
				break
			}
			c.dense = append(c.dense, centroid(vecs))
		}
	}
	// TF-IDF over every profile text: offline, and when embedding fails.
	df := map[string]int{}
	n := 0
	for _, ds := range docs {
		for _, d := range ds {
			n++
			for w := range termSet(d) {
				df[w]++
			}
		}
	}
	c.idf = map[string]float64{}
	for w, k := range df {
		c.idf[w] = math.Log(float64(1+n) / float64(1+k))
	}
	for _, ds := range docs {
		sum := map[string]float64{}
		for _, d := range ds {
			for w, x := range c.tfidf(d) {
				sum[w] += x
			}
		}
		c.sparse = append(c.sparse, unit(sum))
	}
	return c, nil
}

func (c *classifier) classify(ctx context.Context, texts []string) ([]verdict, error) {
	out := make([]verdict, len(texts))
	if len(c.leaves) == 0 {
		return out, nil
	}
	if len(c.leaves) == 1 {
		for i := range out {
			id := c.leaves[0].ID
			out[i] = verdict{ok: true, best: id, bestConf: 1, conf: map[int64]float64{id: 1}}
		}
		return out, nil
	}
	var vecs [][]float32
	if c.embed != nil {
		var err error
		if vecs, err = c.embed(ctx, texts); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			c.embed = nil
		}
	}
	for i, t := range texts {
		sims := make([]float64, len(c.leaves))
		for j := range c.leaves {
			if c.embed != nil {
				if i < len(vecs) {
					sims[j] = cosine(vecs[i], c.dense[j])
				}
			} else {
				sims[j] = sparseDot(unit(c.tfidf(t)), c.sparse[j])
			}
		}
		out[i] = softmax(c.leaves, sims)
	}
	return out, nil
}

func softmax(leaves []record.Topic, sims []float64) verdict {
	v := verdict{ok: true, conf: map[int64]float64{}}
	hi := math.Inf(-1)
	for _, s := range sims {
		hi = math.Max(hi, s)
	}
	sum := 0.0
	ex := make([]float64, len(sims))
	for j, s := range sims {
		ex[j] = math.Exp((s - hi) / softTemp)
		sum += ex[j]
	}
	for j, t := range leaves {
		p := ex[j] / sum
		v.conf[t.ID] = p
		if p > v.bestConf {
			v.best, v.bestConf = t.ID, p
		}
	}
	return v
}

var stop = map[string]bool{"the": true, "and": true, "for": true, "you": true, "with": true, "that": true, "this": true, "are": true,
	"was": true, "but": true, "not": true, "have": true, "can": true, "please": true, "how": true, "what": true, "my": true, "our": true,
	"your": true, "from": true, "has": true, "had": true, "its": true, "it's": true, "i'm": true, "would": true, "could": true, "there": true}

func termSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(Normalize(s)) {
		if len(w) > 2 && !stop[w] {
			out[w] = true
		}
	}
	return out
}

func (c *classifier) tfidf(s string) map[string]float64 {
	tf := map[string]float64{}
	for _, w := range strings.Fields(Normalize(s)) {
		if len(w) > 2 && !stop[w] {
			tf[w]++
		}
	}
	for w, x := range tf {
		tf[w] = (1 + math.Log(x)) * c.idf[w]
	}
	return tf
}

func unit(v map[string]float64) map[string]float64 {
	n := 0.0
	for _, x := range v {
		n += x * x
	}
	if n == 0 {
		return v
	}
	n = math.Sqrt(n)
	for w := range v {
		v[w] /= n
	}
	return v
}

func sparseDot(a, b map[string]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	d := 0.0
	for w, x := range a {
		d += x * b[w]
	}
	return d
}

func centroid(vecs [][]float32) []float32 {
	var out []float32
	for _, v := range vecs {
		if v == nil {
			continue
		}
		if out == nil {
			out = make([]float32, len(v))
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n == 0 || len(v) != len(out) {
			continue
		}
		n = math.Sqrt(n)
		for i, x := range v {
			out[i] += float32(float64(x) / n)
		}
	}
	return out
}
