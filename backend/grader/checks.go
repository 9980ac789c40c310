package grader

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// stringCheck is OpenAI's string_check: eq, ne (exact, case-sensitive),
// like (input contains reference), ilike (the same, case-insensitive).
// The exported Python lower-cases with str.lower(); Go's ToLower agrees on
// everything but a few special cases (documented in README).
func stringCheck(op, input, ref string) (float64, error) {
	var ok bool
	switch op {
	case "eq":
		ok = input == ref
	case "ne":
		ok = input != ref
	case "like":
		ok = strings.Contains(input, ref)
	case "ilike":
		ok = strings.Contains(pyLower(input), pyLower(ref))
	default:
		return 0, fmt.Errorf("unknown string_check operation %q (eq, ne, like, ilike)", op)
	}
	if ok {
		return 1, nil
	}
	return 0, nil
}

// pyLower lowers a string as Python's str.lower() does for the cases where
// Go differs: İ (U+0130) becomes "i̇".
func pyLower(s string) string {
	if strings.ContainsRune(s, 'İ') {
		s = strings.ReplaceAll(s, "İ", "i\u0307")
	}
	return strings.ToLower(s)
}

// Metrics text_similarity supports locally (and in the exported Python).
var Metrics = []string{"fuzzy_match", "bleu", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l"}

func knownMetric(m string) bool {
	for _, x := range Metrics {
		if x == m {
			return true
		}
	}
	return false
}

// similarity computes a text_similarity metric, as OpenAI names them:
//   - fuzzy_match: rapidfuzz's fuzz.ratio / 100, the normalized Indel
//     similarity of the two strings' code points: 2·LCS / (len a + len b),
//     1 when both are empty;
//   - bleu: NLTK's sentence_bleu of the whitespace tokens (one reference,
//     BLEU-4, uniform weights, no smoothing: method0, so a missing n-gram
//     order contributes sys.float_info.min);
//   - rouge_N / rouge_l: Google's rouge-score F-measure (rouge1…rouge5,
//     rougeL) with its default tokenizer and no stemming.
func similarity(metric, input, ref string) (float64, error) {
	switch metric {
	case "fuzzy_match":
		return fuzzRatio(input, ref), nil
	case "bleu":
		return sentenceBLEU([][]string{pySplit(ref)}, pySplit(input)), nil
	case "rouge_l":
		return rougeL(rougeTokens(ref), rougeTokens(input)), nil
	case "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5":
		return rougeN(rougeTokens(ref), rougeTokens(input), int(metric[6]-'0')), nil
	}
	return 0, fmt.Errorf("text_similarity metric %q is not supported (use one of %s)", metric, strings.Join(Metrics, ", "))
}

// fuzzRatio is rapidfuzz.fuzz.ratio(a, b) / 100.
func fuzzRatio(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	total := len(ra) + len(rb)
	if total == 0 {
		return 1
	}
	l := lcsLen(ra, rb)
	return float64(2*l) / float64(total)
}

func lcsLen[T comparable](a, b []T) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
			} else if prev[j] >= cur[j-1] {
				cur[j] = prev[j]
			} else {
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// pyWhitespace is str.isspace() of Python: Go's unicode.IsSpace plus the
// information separators U+001C–U+001F.
func pyWhitespace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// pySplit is Python's str.split() with no argument.
func pySplit(s string) []string {
	return strings.FieldsFunc(s, pyWhitespace)
}

func ngrams(toks []string, n int) map[string]int {
	out := map[string]int{}
	for i := 0; i+n <= len(toks); i++ {
		out[strings.Join(toks[i:i+n], "\x00")]++
	}
	return out
}

// sentenceBLEU is nltk.translate.bleu_score.sentence_bleu(references,
// hypothesis) with its defaults.
func sentenceBLEU(refs [][]string, hyp []string) float64 {
	var num, den [5]int
	for n := 1; n <= 4; n++ {
		counts := ngrams(hyp, n)
		maxRef := map[string]int{}
		for _, r := range refs {
			for g, c := range ngrams(r, n) {
				if c > maxRef[g] {
					maxRef[g] = c
				}
			}
		}
		total := 0
		for g, c := range counts {
			num[n] += min(c, maxRef[g])
			total += c
		}
		den[n] = max(1, total)
	}
	if num[1] == 0 {
		return 0
	}
	// closest reference length, shorter one on ties
	hl := len(hyp)
	rl := -1
	for _, r := range refs {
		d := abs(len(r) - hl)
		if rl < 0 || d < abs(rl-hl) || (d == abs(rl-hl) && len(r) < rl) {
			rl = len(r)
		}
	}
	bp := 1.0
	switch {
	case hl > rl:
	case hl == 0:
		bp = 0
	default:
		bp = math.Exp(1 - float64(rl)/float64(hl))
	}
	terms := make([]float64, 0, 4)
	for n := 1; n <= 4; n++ {
		p := math.SmallestNonzeroFloat64
		if num[n] != 0 {
			p = float64(num[n]) / float64(den[n])
		} else {
			p = 2.2250738585072014e-308 // sys.float_info.min
		}
		terms = append(terms, 0.25*math.Log(p))
	}
	return bp * math.Exp(fsum(terms))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fsum is Python's math.fsum: the correctly rounded sum (Shewchuk).
func fsum(xs []float64) float64 {
	var partials []float64
	for _, x := range xs {
		i := 0
		for _, y := range partials {
			if math.Abs(x) < math.Abs(y) {
				x, y = y, x
			}
			hi := x + y
			lo := y - (hi - x)
			if lo != 0 {
				partials[i] = lo
				i++
			}
			x = hi
		}
		partials = append(partials[:i], x)
	}
	s := 0.0
	for _, p := range partials {
		s += p
	}
	return s
}

// rougeTokens is rouge-score's default tokenizer without stemming: lower
// case, every run of characters other than [a-z0-9] a separator.
func rougeTokens(s string) []string {
	s = pyLower(s)
	var toks []string
	start := -1
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		alnum := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
		if alnum && start < 0 {
			start = i
		}
		if !alnum && start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
	return toks
}

func fmeasure(p, r float64) float64 {
	if p+r > 0 {
		return 2 * p * r / (p + r)
	}
	return 0
}

// rougeL is rouge-score's rougeL F-measure (target = reference).
func rougeL(target, pred []string) float64 {
	if len(target) == 0 || len(pred) == 0 {
		return 0
	}
	l := float64(lcsLen(target, pred))
	return fmeasure(l/float64(len(pred)), l/float64(len(target)))
}

// rougeN is rouge-score's rougeN F-measure.
func rougeN(target, pred []string, n int) float64 {
	tg, pg := ngrams(target, n), ngrams(pred, n)
	inter, tt, pt := 0, 0, 0
	for g, c := range tg {
		inter += min(c, pg[g])
		tt += c
	}
	for _, c := range pg {
		pt += c
	}
	p := float64(inter) / float64(max(pt, 1))
	r := float64(inter) / float64(max(tt, 1))
	return fmeasure(p, r)
}

// toolCallMatch compares the sample's tool calls with the reference calls
// (an item field): each reference call is paired, in order, with the first
// unused sample call of the same name, which earns 0.5 for the name and 0.5
// more when its arguments are equal as JSON. The total is divided by the
// larger of the two counts, so missing and extra calls both cost. No calls
// expected and none made scores 1.
func toolCallMatch(ref any, calls any) (float64, error) {
	refs, err := callList(ref)
	if err != nil {
		return 0, err
	}
	got, err := callList(calls)
	if err != nil {
		return 0, err
	}
	if len(refs) == 0 && len(got) == 0 {
		return 1, nil
	}
	used := make([]bool, len(got))
	credit := 0.0
	for _, r := range refs {
		for j, g := range got {
			if used[j] || g.name != r.name {
				continue
			}
			used[j] = true
			credit += 0.5
			if jsonEqual(r.args, g.args) {
				credit += 0.5
			}
			break
		}
	}
	return credit / float64(max(len(refs), len(got))), nil
}

type callRef struct {
	name string
	args any
}

// callList reads tool calls given as a list of {"function":{name,arguments}}
// or {name, arguments}, or that list as a JSON string. Arguments written as
// a JSON string are parsed (kept as the string when they are not JSON).
func callList(v any) ([]callRef, error) {
	if s, ok := v.(string); ok {
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		d, err := decodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("reference tool calls are not JSON: %v", err)
		}
		v = d
	}
	if v == nil {
		return nil, nil
	}
	if o, ok := v.(*object); ok {
		v = []any{o}
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("tool calls must be a list, not %s", kindOf(v))
	}
	out := make([]callRef, 0, len(arr))
	for _, c := range arr {
		fn := c
		if f := field(c, "function"); f != nil {
			fn = f
		}
		if _, ok := fn.(*object); !ok {
			return nil, fmt.Errorf("a tool call must be an object, not %s", kindOf(fn))
		}
		args := field(fn, "arguments")
		if s, ok := args.(string); ok {
			if d, err := decodeJSON([]byte(s)); err == nil {
				args = d
			}
		}
		out = append(out, callRef{name: strField(fn, "name"), args: args})
	}
	return out, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case *object:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonEqual compares two JSON values: numbers by value, objects regardless
// of key order, booleans never equal to numbers.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, _ := numberFloat(x)
		fy, _ := numberFloat(y)
		return fx == fy
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *object:
		y, ok := b.(*object)
		if !ok || len(x.m) != len(y.m) {
			return false
		}
		for k, v := range x.m {
			w, ok := y.m[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}
