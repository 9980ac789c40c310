package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"tracetune/backend/health"
	"tracetune/backend/record"
)

// Reasons a candidate is rejected, in the order the checks run; the first
// that applies is stored.
const (
	ReasonTooShort           = "too_short"
	ReasonTooLong            = "too_long"
	ReasonArtefact           = "assistant_artefact"
	ReasonPlaceholder        = "placeholder"
	ReasonBraces             = "template_braces"
	ReasonRoleLabel          = "role_label"
	ReasonInvalid            = "invalid" // a health check failed; the detail names its code
	ReasonDuplicateSeed      = "duplicate_of_seed"
	ReasonDuplicateCandidate = "duplicate_of_candidate"
	ReasonNearSeed           = "near_duplicate_of_seed"
	ReasonNearCandidate      = "near_duplicate_of_candidate"
	ReasonByUser             = "rejected_by_user"
)

// Length bounds of a candidate's text, in characters.
const (
	MinChars = 20
	MaxChars = 2000
)

// Near-duplicate thresholds. With an embedding model, a candidate whose
// cosine similarity to a seed or to another candidate is at least
// NearCosine is a near-duplicate: paraphrases that change the wording score
// about 0.80–0.92 with OpenAI's text-embedding-3 models, while copies that
// change a word or the punctuation score 0.96 and more. Offline, the word
// 3-shingles of the normalized texts are compared: a Jaccard index of at
// least NearJaccard means most phrases are shared (changing one word of a
// 20-word message leaves about 0.7; a rewording shares few 3-word runs).
const (
	NearCosine  = 0.95
	NearJaccard = 0.6
)

var (
	artefactRe = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\bas an ai\b`),
		regexp.MustCompile(`(?i)\bas a(n)? (large )?language model\b`),
		regexp.MustCompile(`(?i)\bi('m| am) (just )?an ai\b`),
		regexp.MustCompile(`(?i)^(sure|certainly|of course)[,!.]? here (are|is)\b`),
		regexp.MustCompile(`(?i)\bhere (are|is) (\d+|some|a few|the|your) (new )?(variations?|examples?|prompts?|user messages?)\b`),
	}
	placeholderRe = []*regexp.Regexp{
		regexp.MustCompile(`\[[A-Z][A-Z0-9_ ]*\]`),
		regexp.MustCompile(`(?i)\[(your|insert|enter|add) [^\]]{1,40}\]`),
		regexp.MustCompile(`<[A-Za-z][A-Za-z0-9_]*>`),
	}
	bracesRe = []*regexp.Regexp{
		regexp.MustCompile(`\{\{[^{}]*\}\}`),
		regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_.]*\}`),
		regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_.]*\}`),
	}
	roleLabelRe = regexp.MustCompile(`(?im)^\s*(user|assistant|system|developer|human|ai|bot)\s*:|^\s*###\s*(instruction|input|response)\b`)
	numberingRe = regexp.MustCompile(`^\s*(\d{1,2}[.)]|[-*•])\s+`)
)

// htmlTags are angle-bracket words that are markup, not placeholders.
var htmlTags = map[string]bool{"a": true, "b": true, "i": true, "p": true, "br": true, "div": true, "span": true, "ul": true, "ol": true,
	"li": true, "html": true, "head": true, "body": true, "script": true, "style": true, "table": true, "tr": true, "td": true, "th": true,
	"code": true, "pre": true, "img": true, "input": true, "button": true, "form": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "em": true, "strong": true, "label": true, "select": true, "option": true, "textarea": true, "svg": true}

// Clean tidies a model's answer the way a person would before reading it:
// surrounding white space and quotes, and a list number or bullet.
func Clean(s string) string {
	s = strings.TrimSpace(s)
	s = numberingRe.ReplaceAllString(s, "")
	for len(s) >= 2 {
		first, _ := utf8.DecodeRuneInString(s)
		last, _ := utf8.DecodeLastRuneInString(s)
		if (first == '"' && last == '"') || (first == '“' && last == '”') || (first == '\'' && last == '\'') {
			s = strings.TrimSpace(s[utf8.RuneLen(first) : len(s)-utf8.RuneLen(last)])
			continue
		}
		break
	}
	return s
}

// Normalize is the text two prompts are compared on for exact duplicates:
// lower case, letters and digits only, single spaces.
func Normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// Shingles returns the hashed word 3-shingles of a normalized text (its
// words when it has fewer than three).
func Shingles(norm string) map[uint64]struct{} {
	w := strings.Fields(norm)
	out := map[uint64]struct{}{}
	k := 3
	if len(w) < k {
		k = 1
	}
	for i := 0; i+k <= len(w); i++ {
		h := fnv.New64a()
		h.Write([]byte(strings.Join(w[i:i+k], " ")))
		out[h.Sum64()] = struct{}{}
	}
	return out
}

// Jaccard is |a∩b| / |a∪b| (0 for two empty sets).
func Jaccard(a, b map[uint64]struct{}) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for k := range a {
		if _, ok := b[k]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

func cosine(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

// Embedder embeds texts (the embedding role, cached by content hash).
type Embedder func(ctx context.Context, texts []string) ([][]float32, error)

// known is a text a candidate must not repeat: a seed record's last user
// message or an earlier candidate's text.
type known struct {
	id       int64
	norm     string
	shingles map[uint64]struct{}
	vec      []float32
}

// Checker checks candidates against the artefact rules, the health rules of
// the dataset, and for duplicates against seeds and each other. It is not
// safe for concurrent use.
type Checker struct {
	Settings record.Settings
	// Embed, when set, decides near-duplicates by embedding similarity;
	// nil uses word shingles.
	Embed Embedder
	// Stored looks a full prompt's hash up among the dataset's records
	// (exact duplicates beyond the seeds loaded); may be nil.
	Stored func(ctx context.Context, hash string) (int64, bool, error)

	// Fallback says why embeddings stopped being used, if they did.
	Fallback string

	seeds, cands []known
	seedNorm     map[string]int64
	candNorm     map[string]int64
}

// NewChecker returns a checker for a dataset's settings.
func NewChecker(set record.Settings) *Checker {
	return &Checker{Settings: set, seedNorm: map[string]int64{}, candNorm: map[string]int64{}}
}

// AddSeeds registers real records' last user messages (by record id).
func (c *Checker) AddSeeds(ctx context.Context, ids []int64, texts []string) error {
	ks, err := c.known(ctx, ids, texts)
	if err != nil {
		return err
	}
	for _, k := range ks {
		if _, ok := c.seedNorm[k.norm]; !ok {
			c.seedNorm[k.norm] = k.id
		}
	}
	c.seeds = append(c.seeds, ks...)
	return nil
}

// AddCandidates registers earlier candidates' texts (by candidate id).
func (c *Checker) AddCandidates(ctx context.Context, ids []int64, texts []string) error {
	ks, err := c.known(ctx, ids, texts)
	if err != nil {
		return err
	}
	for _, k := range ks {
		c.addCandidate(k)
	}
	return nil
}

func (c *Checker) addCandidate(k known) {
	if _, ok := c.candNorm[k.norm]; !ok {
		c.candNorm[k.norm] = k.id
	}
	c.cands = append(c.cands, k)
}

// nameRecent gives the last len(ids) candidates remembered (checked under
// id 0 before they were stored) their ids, in order.
func (c *Checker) nameRecent(ids []int64) {
	base := len(c.cands) - len(ids)
	for i, id := range ids {
		k := &c.cands[base+i]
		if c.candNorm[k.norm] == k.id {
			c.candNorm[k.norm] = id
		}
		k.id = id
	}
}

func (c *Checker) known(ctx context.Context, ids []int64, texts []string) ([]known, error) {
	out := make([]known, len(texts))
	for i, t := range texts {
		n := Normalize(t)
		out[i] = known{id: ids[i], norm: n, shingles: Shingles(n)}
	}
	if c.Embed != nil && len(texts) > 0 {
		vecs, err := c.Embed(ctx, texts)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			// The check goes on with word shingles rather than stopping
			// the run: the note says so.
			c.Embed = nil
			c.Fallback = fmt.Sprintf("the embedding model failed (%v): near-duplicates were checked by shared word runs", err)
			return out, nil
		}
		for i := range out {
			if i < len(vecs) {
				out[i].vec = vecs[i]
			}
		}
	}
	return out, nil
}

// Verdict is a check's outcome: Reason "" passes.
type Verdict struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// Check runs every check on a candidate prompt (its new last user message
// text, and the record it would become). allowed is the text the candidate
// was made from: placeholders, braces and role labels found there are the
// user's own and pass. A passing candidate is remembered under id, so the
// next one may not repeat it.
func (c *Checker) Check(ctx context.Context, id int64, text string, rec record.Record, allowed string) (Verdict, error) {
	v := staticCheck(text, allowed)
	if v.Reason != "" {
		return v, nil
	}
	r := rec
	health.Check(&r, c.Settings)
	if r.Code != record.Valid {
		return Verdict{ReasonInvalid, fmt.Sprintf("%s: %s", r.Code, r.Detail)}, nil
	}
	norm := Normalize(text)
	if sid, ok := c.seedNorm[norm]; ok {
		return Verdict{ReasonDuplicateSeed, fmt.Sprintf("the same text as record %d", sid)}, nil
	}
	if c.Stored != nil {
		sid, ok, err := c.Stored(ctx, r.Hash)
		if err != nil {
			return Verdict{}, err
		}
		if ok {
			return Verdict{ReasonDuplicateSeed, fmt.Sprintf("the same prompt as record %d", sid)}, nil
		}
	}
	if cid, ok := c.candNorm[norm]; ok {
		return Verdict{ReasonDuplicateCandidate, fmt.Sprintf("the same text as candidate %d", cid)}, nil
	}
	ks, err := c.known(ctx, []int64{id}, []string{text})
	if err != nil {
		return Verdict{}, err
	}
	k := ks[0]
	if v := c.near(k, c.seeds, ReasonNearSeed, "record"); v.Reason != "" {
		return v, nil
	}
	if v := c.near(k, c.cands, ReasonNearCandidate, "candidate"); v.Reason != "" {
		return v, nil
	}
	c.addCandidate(k)
	return Verdict{}, nil
}

func (c *Checker) near(k known, pool []known, reason, what string) Verdict {
	for _, o := range pool {
		if k.vec != nil && o.vec != nil {
			if s := cosine(k.vec, o.vec); s >= NearCosine {
				return Verdict{reason, fmt.Sprintf("%.2f embedding similarity to %s %d (limit %.2f)", s, what, o.id, NearCosine)}
			}
			continue
		}
		if j := Jaccard(k.shingles, o.shingles); j >= NearJaccard {
			return Verdict{reason, fmt.Sprintf("shares %.0f %% of its word runs with %s %d (limit %.0f %%)", 100*j, what, o.id, 100*NearJaccard)}
		}
	}
	return Verdict{}
}

// staticCheck runs the checks that read the text alone: length, assistant
// artefacts, placeholders, template braces and role labels.
func staticCheck(text, allowed string) Verdict {
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	switch {
	case n < MinChars:
		return Verdict{ReasonTooShort, fmt.Sprintf("%d characters (at least %d)", n, MinChars)}
	case n > MaxChars:
		return Verdict{ReasonTooLong, fmt.Sprintf("%d characters (at most %d)", n, MaxChars)}
	}
	for _, re := range artefactRe {
		if m := re.FindString(text); m != "" && !strings.Contains(strings.ToLower(allowed), strings.ToLower(m)) {
			return Verdict{ReasonArtefact, fmt.Sprintf("reads like the model talking: %q", m)}
		}
	}
	for _, re := range placeholderRe {
		for _, m := range re.FindAllString(text, -1) {
			if strings.Contains(allowed, m) || htmlTags[strings.ToLower(strings.Trim(m, "<>"))] {
				continue
			}
			return Verdict{ReasonPlaceholder, fmt.Sprintf("an unfilled placeholder %s", m)}
		}
	}
	for _, re := range bracesRe {
		for _, m := range re.FindAllString(text, -1) {
			if !strings.Contains(allowed, m) {
				return Verdict{ReasonBraces, fmt.Sprintf("unfilled template braces %s", m)}
			}
		}
	}
	if m := roleLabelRe.FindString(text); m != "" && !strings.Contains(strings.ToLower(allowed), strings.ToLower(strings.TrimSpace(m))) {
		return Verdict{ReasonRoleLabel, fmt.Sprintf("a role label %q: the prompt must be the user's words alone", strings.TrimSpace(m))}
	}
	return Verdict{}
}

// lastUserText returns the text of a messages array's last user message.
func lastUserText(msgs json.RawMessage) string {
	var ms []record.Message
	_ = json.Unmarshal(msgs, &ms)
	return record.LastUserText(ms)
}
