// Package tokens counts prompt tokens with the o200k_base encoding, fully
// offline (the BPE ranks ship inside tiktoken-go-loader), so validation never
// needs the network.
package tokens

import (
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// Encoding is the tokenizer every count uses.
const Encoding = "o200k_base"

var (
	once    sync.Once
	enc     *tiktoken.Tiktoken
	loadErr error
)

// encoder loads the encoding once; loading parses a few MB of ranks, so it
// happens only when a prompt is large enough to need counting.
func encoder() (*tiktoken.Tiktoken, error) {
	once.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		enc, loadErr = tiktoken.GetEncoding(Encoding)
		if loadErr != nil {
			loadErr = fmt.Errorf("load %s token encoding: %w", Encoding, loadErr)
		}
	})
	return enc, loadErr
}

// Count returns the number of o200k_base tokens of text (special tokens are
// counted as ordinary text).
func Count(text string) (int, error) {
	e, err := encoder()
	if err != nil {
		return 0, err
	}
	return len(e.EncodeOrdinary(text)), nil
}

// Verdict is the outcome of comparing a prompt's token count to a limit.
type Verdict struct {
	Over  bool // the prompt has more tokens than the limit
	Count int  // exact count, or a bound when !Exact
	Exact bool // Count is the exact count
}

// Exceeds says whether parts (the texts of a prompt) plus overhead tokens
// (per-message framing) hold more than limit o200k_base tokens. It tokenizes
// only when it must:
//   - every token is at least one byte, so a prompt of at most limit bytes
//     cannot exceed it (the common case, decided for free);
//   - the tokenizer's pre-split never puts letters separated by white space
//     into one piece, so the number of white-space separated words that
//     contain a letter is a lower bound, which decides huge prompts for free;
//   - otherwise it counts in chunks cut where the pre-split cuts anyway (so
//     chunk counts add up exactly) and stops as soon as the limit is passed.
func Exceeds(parts []string, overhead, limit int) (Verdict, error) {
	upper, lower := overhead, overhead
	for _, p := range parts {
		upper += len(p)
		if lower <= limit {
			lower += wordsWithLetters(p, limit-lower)
		}
	}
	if upper <= limit {
		return Verdict{Count: upper}, nil
	}
	if lower > limit {
		return Verdict{Over: true, Count: lower}, nil
	}
	e, err := encoder()
	if err != nil {
		return Verdict{}, err
	}
	n := overhead
	exact := true
	for _, p := range parts {
		for len(p) > 0 {
			c, natural := cut(p, chunkSize)
			if !natural {
				exact = false
			}
			for _, seg := range splitLongRuns(p[:c]) {
				if len(seg) == longRun {
					exact = false
				}
				// stop as soon as the limit is passed: a 60 MB line
				// costs a few chunks, not the whole text
				if n += len(e.EncodeOrdinary(seg)); n > limit {
					return Verdict{Over: true, Count: n}, nil
				}
			}
			p = p[c:]
		}
	}
	return Verdict{Count: n, Exact: exact}, nil
}

// longRun bounds a run of letters given to the tokenizer at once. The BPE
// merge of one pre-split piece is quadratic in its length, so a 100 KB
// word ("aaaa…", a pasted blob) would take minutes; such runs are counted
// per longRun-byte slice, which can differ from the true count by a token
// or so per slice and only for such text.
const longRun = 256

// splitLongRuns cuts s so that no part holds a run of more than longRun
// bytes without an ASCII space, digit or punctuation (cuts fall on rune
// boundaries).
func splitLongRuns(s string) []string {
	var out []string
	start, run := 0, 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x80 && !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
			run = 0
			continue
		}
		if run >= longRun && (b < 0x80 || b >= 0xC0) { // not a continuation byte
			out = append(out, s[start:i])
			start, run = i, 0
		}
		run++
	}
	return append(out, s[start:])
}

const chunkSize = 8 << 10

// cut returns a prefix length ≥ size (or len(s)) that ends on an ASCII
// letter or digit followed by a space. No pre-split piece of o200k_base
// contains a letter or digit followed by white space, and the pattern has no
// look-behind, so tokenizing the two sides separately gives the same tokens.
// It looks at most maxSearch bytes ahead: text that long without such a
// boundary (a pasted blob, one huge number) is cut at size on a rune
// boundary instead, and natural is false (the count may be off by a token
// per cut).
func cut(s string, size int) (n int, natural bool) {
	if len(s) <= size {
		return len(s), true
	}
	end := min(len(s)-1, maxSearch)
	for i := size; i < end; i++ {
		if s[i] == ' ' && isASCIIAlnum(s[i-1]) {
			return i, true
		}
	}
	if len(s) <= maxSearch {
		return len(s), true
	}
	i := size
	for i > 0 && s[i]&0xC0 == 0x80 { // not inside a rune
		i--
	}
	return i, false
}

// maxSearch bounds how far cut looks for a natural boundary, so that a
// huge text without one is read in chunks rather than whole.
const maxSearch = 64 << 10

func isASCIIAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// wordsWithLetters counts maximal runs without ASCII white space that contain
// at least one letter, stopping once the count passes stop.
func wordsWithLetters(s string, stop int) int {
	n, inWord, hasLetter := 0, false, false
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			i++
			if b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' || b == '\v' {
				if inWord && hasLetter {
					if n++; n > stop {
						return n
					}
				}
				inWord, hasLetter = false, false
				continue
			}
			inWord = true
			if !hasLetter && (b|0x20 >= 'a' && b|0x20 <= 'z') {
				hasLetter = true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		inWord = true
		if !hasLetter && unicode.IsLetter(r) {
			hasLetter = true
		}
	}
	if inWord && hasLetter {
		n++
	}
	return n
}
