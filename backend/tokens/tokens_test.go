package tokens

import (
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChunkedCountIsExact: counting in chunks cut at letter-space
// boundaries gives exactly the count of the whole text, and the word lower
// bound never exceeds it.
func TestChunkedCountIsExact(t *testing.T) {
	texts := []string{
		strings.Repeat("The quarterly report lists revenue, churn, and cost figures per region. ", 400),
		strings.Repeat("naïve café — 東京 2024-01-01T10:00:00Z {\"k\": [1,2,3]}\n\tindented  spaces   here ", 300),
		strings.Repeat("x1 ", 9000),
	}
	for i, text := range texts {
		whole, err := Count(text)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Exceeds([]string{text}, 0, len(text)-1) // just under the byte bound: forces the exact path
		if err != nil {
			t.Fatal(err)
		}
		if !v.Exact || v.Count != whole {
			t.Errorf("text %d: chunked %d (exact %v), whole %d", i, v.Count, v.Exact, whole)
		}
		if lb := wordsWithLetters(text, len(text)); lb > whole {
			t.Errorf("text %d: lower bound %d above the count %d", i, lb, whole)
		}
	}
}

func TestExceedsDecisions(t *testing.T) {
	short := strings.Repeat("word ", 100) // 500 bytes: under any limit ≥ 500 without counting
	if v, _ := Exceeds([]string{short}, 3, 8000); v.Over || v.Exact {
		t.Errorf("short prompt: %+v", v)
	}
	huge := strings.Repeat("word ", 20000) // 20000 words: over 8000 by the lower bound
	if v, _ := Exceeds([]string{huge}, 3, 8000); !v.Over || v.Exact || v.Count <= 8000 {
		t.Errorf("huge prompt: %+v", v)
	}
	// in between, the exact count decides
	mid := strings.Repeat("0123456789", 4000) // no letters: the lower bound says nothing
	n, _ := Count(mid)
	if v, _ := Exceeds([]string{mid}, 0, n); v.Over || !v.Exact || v.Count != n {
		t.Errorf("at the limit: %+v, count %d", v, n)
	}
	if v, _ := Exceeds([]string{mid}, 0, n-1); !v.Over {
		t.Errorf("one under the limit: %+v, count %d", v, n)
	}
}

// TestLongRunIsFast: a 100 KB word would take minutes in one BPE merge; it
// is counted per slice, close to the true count.
func TestLongRunIsFast(t *testing.T) {
	run := strings.Repeat("abcdefgh", 12500)
	v, err := Exceeds([]string{run}, 0, len(run)-1)
	if err != nil {
		t.Fatal(err)
	}
	if v.Exact || v.Over || v.Count < len(run)/16 {
		t.Fatalf("%+v", v)
	}
	small := strings.Repeat("abcdefgh", 128) // 1 KB: the whole-run count is still cheap to compare with
	whole, _ := Count(small)
	got, _ := Exceeds([]string{small}, 0, len(small)-1)
	if d := got.Count - whole; d < -8 || d > 8 {
		t.Fatalf("sliced count %d, whole %d", got.Count, whole)
	}
}

// TestHugeLineStopsEarly is issue 16's item 5: a 60 MB prompt is decided
// in well under a second with memory that does not grow with it, whatever
// the text (one huge word, one huge number, words).
func TestHugeLineStopsEarly(t *testing.T) {
	const size = 60 << 20
	if _, err := Count("warm up the encoder"); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{
		"one word":   strings.Repeat("abcdefghij", size/10),
		"one number": strings.Repeat("0123456789", size/10),
		"json blob":  strings.Repeat(`{"k":[1,2,3],"v":"x"}`, size/21),
		"words":      strings.Repeat("lorem ipsum dolor ", size/18),
	}
	for name, text := range texts {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			// CPU time of this process, not the wall clock: other
			// processes on a busy machine must not fail the test
			start := cpuTime()
			v, err := Exceeds([]string{text}, 3, 8000)
			took := cpuTime() - start
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Over {
				t.Fatalf("%d MB not over 8000 tokens: %+v", len(text)>>20, v)
			}
			if took > 500*time.Millisecond {
				t.Errorf("took %v", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			t.Logf("%s: %v, %d KB allocated, count %d", name, took, (after.TotalAlloc-before.TotalAlloc)>>10, v.Count)
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
