package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// newRecords opens a real store with one dataset imported from lines.
func newRecords(t *testing.T, lines []string) (*Records, int64) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	d, err := st.CreateDataset(ctx, "recs", "")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n") + "\n"
	if _, err := ingest.Import(ctx, st, d.ID, strings.NewReader(text), int64(len(text)), ingest.Options{Source: "file:test.jsonl"}, nil); err != nil {
		t.Fatal(err)
	}
	return &Records{NewDeps(st, t.TempDir())}, d.ID
}

func userLine(text string) string {
	b, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": text}}})
	return string(b)
}

func TestRecordsPageWalksEveryRecordOnceByCursor(t *testing.T) {
	var lines []string
	for i := range 123 {
		lines = append(lines, userLine(fmt.Sprintf("Question number %d about the shipping of parcels", i)))
	}
	lines = append(lines, `{"messages": [ not json`, userLine("hi"))
	s, ds := newRecords(t, lines)

	seen := map[int64]bool{}
	after, pages := int64(0), 0
	for {
		p, err := s.Page(RecordQuery{DatasetID: ds, AfterID: after, Limit: 50, WithTotal: pages == 0})
		if err != nil {
			t.Fatal(err)
		}
		if pages == 0 && p.Total != 125 {
			t.Fatalf("total = %d, want 125", p.Total)
		}
		if pages > 0 && p.Total != -1 {
			t.Fatalf("page %d counted (%d) without being asked", pages, p.Total)
		}
		for _, r := range p.Rows {
			if seen[r.ID] {
				t.Fatalf("record %d on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		pages++
		if !p.HasMore {
			if p.NextID != 0 || len(p.Rows) != 25 {
				t.Fatalf("last page: next %d, %d rows; want 0, 25", p.NextID, len(p.Rows))
			}
			break
		}
		if len(p.Rows) != 50 || p.NextID != p.Rows[49].ID {
			t.Fatalf("page %d: %d rows, next %d", pages, len(p.Rows), p.NextID)
		}
		after = p.NextID
	}
	if pages != 3 || len(seen) != 125 {
		t.Fatalf("%d pages, %d records; want 3, 125", pages, len(seen))
	}

	// Filters reach the store: the two invalid lines, with their codes,
	// lines and readable previews.
	p, err := s.Page(RecordQuery{DatasetID: ds, Code: "invalid", WithTotal: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 2 || len(p.Rows) != 2 {
		t.Fatalf("invalid: total %d, %d rows", p.Total, len(p.Rows))
	}
	raw, short := p.Rows[0], p.Rows[1]
	if raw.Code != string(record.InvalidDataStructure) || raw.Line != 124 || raw.Preview != `{"messages": [ not json` || raw.Turns != 0 {
		t.Fatalf("raw row = %+v", raw)
	}
	if short.Code != string(record.UserMessageTooShort) || short.Line != 125 || short.Preview != "hi" || short.Turns != 1 {
		t.Fatalf("short row = %+v", short)
	}
	n, err := s.Count(RecordQuery{DatasetID: ds, Search: "parcels question"})
	if err != nil || n != 123 {
		t.Fatalf("search count = %d, %v; want 123", n, err)
	}
}

func TestRecordsPageRejectsBadFiltersByName(t *testing.T) {
	s, ds := newRecords(t, []string{userLine("What are the opening hours on Sunday?")})
	lo, hi := 0.9, 0.2
	for _, c := range []struct {
		q    RecordQuery
		want string
	}{
		{RecordQuery{}, "dataset is required"},
		{RecordQuery{DatasetID: ds, Code: "nonsense"}, `unknown validation code "nonsense"`},
		{RecordQuery{DatasetID: ds, MinConfidence: &lo, MaxConfidence: &hi}, "minimum 0.90 is above maximum 0.20"},
		{RecordQuery{DatasetID: ds, TopicID: -5}, "topic id -5"},
	} {
		if _, err := s.Page(c.q); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Page(%+v) error = %v, want %q", c.q, err, c.want)
		}
	}
}

func TestRecordsEditDeleteAndHealth(t *testing.T) {
	s, ds := newRecords(t, []string{
		userLine("How do I change the delivery address of an order?"),
		userLine("hi"),
		userLine("How do I change the delivery address of an order?"),
	})
	rep, err := s.Health(ds)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 3 || rep.Invalid != 2 || rep.ByCode["duplicate"] != 1 || rep.ByCode["user_message_too_short"] != 1 {
		t.Fatalf("health = %+v", rep)
	}
	p, _ := s.Page(RecordQuery{DatasetID: ds})
	first, short, dup := p.Rows[0].ID, p.Rows[1].ID, p.Rows[2].ID

	if _, err := s.Update(short, `{"messages": [ oops ]}`); err == nil || !strings.Contains(err.Error(), "line 1, column") {
		t.Fatalf("broken JSON error = %v, want its line and column", err)
	}
	r, err := s.Update(short, userLine("hi, which plans include phone support?"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != record.Valid || r.ID != short {
		t.Fatalf("edited record = %d %q", r.ID, r.Code)
	}
	// Deleting the first copy makes its duplicate valid.
	if n, err := s.Delete(ds, []int64{first}); err != nil || n != 1 {
		t.Fatalf("delete = %d, %v", n, err)
	}
	got, err := s.Get(dup)
	if err != nil || got.Code != record.Valid {
		t.Fatalf("duplicate after delete: %q, %v", got.Code, err)
	}
	rep, _ = s.Health(ds)
	if rep.Total != 2 || rep.Valid != 2 || rep.Invalid != 0 || len(rep.Codes) != 0 {
		t.Fatalf("health after fixes = %+v", rep)
	}
	if _, err := s.Delete(ds, nil); err == nil {
		t.Fatal("deleting nothing succeeded")
	}
	if _, err := s.Get(first); err == nil {
		t.Fatal("deleted record still readable")
	}
}

func TestShortenBoundsPreviews(t *testing.T) {
	long := strings.Repeat("é word\n", 10_000)
	got := shorten(long, 240)
	if utf8.RuneCountInString(got) != 240 || !strings.HasSuffix(got, "…") || strings.Contains(got, "\n") || !utf8.ValidString(got) {
		t.Fatalf("shorten gave %d runes: %q", utf8.RuneCountInString(got), got[:40])
	}
	if shorten("  a \t b  ", 10) != "a b" {
		t.Fatal("white space not collapsed")
	}
	if got := shorten("ab\xffcd", 10); got != "ab\xffcd" {
		// short text is kept as it is; only the cut of a long text is repaired
		t.Fatalf("short text changed: %q", got)
	}
}
