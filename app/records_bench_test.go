package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/ingest"
	"tracetune/backend/store"
)

// benchRecords imports n synthetic records (1 in 20 too short) once per
// benchmark binary run.
func benchRecords(b *testing.B, n int) (*Records, int64) {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	d, err := st.CreateDataset(ctx, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	words := []string{"invoice", "refund", "password", "shipping", "warranty", "discount", "delivery", "account"}
	for i := range n {
		text := fmt.Sprintf("Question %d about my %s and the %s of order %d", i, words[i%8], words[(i/8)%8], i*7)
		if i%20 == 0 {
			text = "hi"
		}
		sb.WriteString(userLine(text))
		sb.WriteByte('\n')
	}
	text := sb.String()
	if _, err := ingest.Import(ctx, st, d.ID, strings.NewReader(text), int64(len(text)), ingest.Options{}, nil); err != nil {
		b.Fatal(err)
	}
	return &Records{NewDeps(st, b.TempDir())}, d.ID
}

// BenchmarkRecordsPage measures what the records browser asks for: the first
// page (rows projected for the table) under each filter, a deep page by
// cursor, and the match count the browser asks for beside the first page.
func BenchmarkRecordsPage(b *testing.B) {
	s, ds := benchRecords(b, 100_000)
	lo, hi := 0.0, 0.5
	no := false
	mid, err := s.Page(RecordQuery{DatasetID: ds, AfterID: 0, Limit: 5000})
	if err != nil {
		b.Fatal(err)
	}
	deep := mid.NextID * 18 // ~90k records in
	for _, c := range []struct {
		name  string
		q     RecordQuery
		count bool
	}{
		{"first", RecordQuery{DatasetID: ds}, false},
		{"deep_cursor", RecordQuery{DatasetID: ds, AfterID: deep}, false},
		{"code_invalid", RecordQuery{DatasetID: ds, Code: "invalid"}, false},
		{"code_exact", RecordQuery{DatasetID: ds, Code: "user_message_too_short"}, false},
		{"valid", RecordQuery{DatasetID: ds, Code: "valid"}, false},
		{"uncategorized", RecordQuery{DatasetID: ds, TopicID: -1}, false},
		{"generated_no", RecordQuery{DatasetID: ds, Generated: &no}, false},
		{"confidence", RecordQuery{DatasetID: ds, MinConfidence: &lo, MaxConfidence: &hi}, false},
		{"search", RecordQuery{DatasetID: ds, Search: "warranty refund"}, false},
		{"count_all", RecordQuery{DatasetID: ds}, true},
		{"count_invalid", RecordQuery{DatasetID: ds, Code: "invalid"}, true},
		{"count_search", RecordQuery{DatasetID: ds, Search: "warranty refund"}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var err error
				if c.count {
					_, err = s.Count(c.q)
				} else {
					var p RecordPage
					p, err = s.Page(c.q)
					if err == nil && len(p.Rows) == 0 {
						b.Fatal("empty page")
					}
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("health", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Health(ds); err != nil {
				b.Fatal(err)
			}
		}
	})
}
