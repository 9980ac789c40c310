package topics

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// messages records the progress messages of a run, to tell which reads it
// made: "reading records" is the whole dataset, "fitting" a new model.
type messages struct {
	mu  sync.Mutex
	all []string
}

func (m *messages) progress() Progress {
	return func(_, _ int64, msg string) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.all = append(m.all, msg)
	}
}

func (m *messages) saw(prefix string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.all {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// pull appends a tracegen file to ds and returns the mark (the last id
// before it) and the new valid records.
func pull(t *testing.T, st *store.Store, ds int64, n int, seed int64) (int64, []record.Record) {
	t.Helper()
	before := validRecords(t, st, ds)
	mark, err := st.BeginAutocat(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := testutil.TracegenFiles(t, n, seed)
	if _, err := importFileInto(t, st, ds, data); err != nil {
		t.Fatal(err)
	}
	after := validRecords(t, st, ds)
	if len(after) <= len(before) {
		t.Fatalf("the pull added no valid record")
	}
	return mark, after[len(before):]
}

// assignmentsOf reads the current assignment of records.
func assignmentsOf(t *testing.T, st *store.Store, rs []record.Record) []record.Record {
	t.Helper()
	out := make([]record.Record, len(rs))
	for i, r := range rs {
		got, err := st.Record(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = got
	}
	return out
}

func uncategorize(t testing.TB, st *store.Store, ds int64, rs []record.Record) {
	t.Helper()
	as := make([]store.Assignment, len(rs))
	for i, r := range rs {
		as[i] = store.Assignment{RecordID: r.ID}
	}
	if err := st.SetAssignments(context.Background(), ds, as); err != nil {
		t.Fatal(err)
	}
}

func sameAssignments(t *testing.T, what string, got, want []record.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Method != record.MethodEmbedding {
			t.Fatalf("%s: record %d placed by %s, not by similarity", what, g.ID, g.Method)
		}
		if g.TopicID == 0 || g.TopicID != w.TopicID || g.Method != w.Method || math.Abs(g.Confidence-w.Confidence) > 1e-9 {
			t.Errorf("%s: record %d on %d (%s %.3f), the full categorization put it on %d (%s %.3f)",
				what, g.ID, g.TopicID, g.Method, g.Confidence, w.TopicID, w.Method, w.Confidence)
		}
	}
}

// TestCategorizeNewReadsOnlyTheNewRecordsAndMatchesCategorize: after
// "recategorize all" stored the model, two pulls are categorized from the
// cache alone (no record but the new ones read, nothing fitted); the
// second pull's assignments equal those of a full unlabeled Categorize,
// which re-reads and re-vectorizes every record to sum the topics again.
// Without a cache, CategorizeNew fits once and stores the model; a pull
// that grows the dataset by more than a quarter refits it.
func TestCategorizeNewReadsOnlyTheNewRecordsAndMatchesCategorize(t *testing.T) {
	data, _ := testutil.TracegenFiles(t, 1500, 5)
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importFile(t, st, "pulls", data)
	svc := New(st).WithAI(nil)
	if _, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 2}, nil); err != nil {
		t.Fatal(err)
	}
	// Without keywords every record is placed by similarity, which the
	// records already on each topic steer.
	ts, err := st.Topics(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range ts {
		tp.Keywords = nil
		if err := st.UpdateTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.TopicModel(ctx, ds); !ok || err != nil {
		t.Fatalf("recategorize all stored no model: %v", err)
	}

	var second []record.Record
	var secondMark int64
	t.Run("two pulls are categorized from the cache, reading only their records", func(t *testing.T) {
		for i, seed := range []int64{77, 78} {
			mark, news := pull(t, st, ds, 150, seed)
			var m messages
			res, err := svc.CategorizeNew(ctx, ds, mark, m.progress())
			if err != nil || res.Categorized != len(news) || res.Vectors != VectorsTFIDF {
				t.Fatalf("pull %d: CategorizeNew = %+v, %v; %d new records", i+1, res, err, len(news))
			}
			if m.saw("reading records") || m.saw("vectorizing records") || m.saw("fitting") {
				t.Fatalf("pull %d read or fitted beyond the new records: %q", i+1, m.all)
			}
			if err := st.EndAutocat(ctx, ds, mark); err != nil {
				t.Fatal(err)
			}
			second, secondMark = assignmentsOf(t, st, news), mark
		}
	})

	t.Run("a full unlabeled Categorize gives the second pull the same assignments", func(t *testing.T) {
		// Uncategorized again, the records on each topic are no longer
		// those the cache summed: Categorize reads and vectorizes them all.
		uncategorize(t, st, ds, second)
		var m messages
		res, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeUnlabeled}, m.progress())
		if err != nil || res.Processed != len(second) {
			t.Fatalf("Categorize = %+v, %v; want the %d records of the second pull", res, err, len(second))
		}
		if !m.saw("reading records") || !m.saw("vectorizing records") || m.saw("fitting") {
			t.Fatalf("the full run did not re-read every record with the stored model: %q", m.all)
		}
		sameAssignments(t, "CategorizeNew", second, assignmentsOf(t, st, second))
	})

	t.Run("without a cache CategorizeNew fits once and the next run uses it", func(t *testing.T) {
		if err := st.DropTopicModel(ctx, ds); err != nil {
			t.Fatal(err)
		}
		uncategorize(t, st, ds, second)
		var m messages
		if _, err := svc.CategorizeNew(ctx, ds, secondMark, m.progress()); err != nil {
			t.Fatal(err)
		}
		if !m.saw("reading records") || !m.saw("fitting") {
			t.Fatalf("no model, yet no fit on every record: %q", m.all)
		}
		fallback := assignmentsOf(t, st, second)
		uncategorize(t, st, ds, second)
		var full messages
		if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeUnlabeled}, full.progress()); err != nil {
			t.Fatal(err)
		}
		if full.saw("fitting") {
			t.Fatalf("the model the fallback stored was fitted again: %q", full.all)
		}
		sameAssignments(t, "fallback CategorizeNew", fallback, assignmentsOf(t, st, second))
	})

	t.Run("a pull that grows the dataset by more than a quarter refits the model", func(t *testing.T) {
		mark, news := pull(t, st, ds, 600, 79)
		var m messages
		res, err := svc.CategorizeNew(ctx, ds, mark, m.progress())
		if err != nil || res.Categorized != len(news) {
			t.Fatalf("CategorizeNew = %+v, %v", res, err)
		}
		if !m.saw("fitting") {
			t.Fatalf("grown by %d records, the model was not refitted: %q", len(news), m.all)
		}
	})
}

// TestCategorizeNewWithAProviderEmbedsOnlyTheNewRecords: with embeddings,
// only the new records are read and embedded.
func TestCategorizeNewWithAProviderEmbedsOnlyTheNewRecords(t *testing.T) {
	f := testutil.StartOpenAI(t)
	t.Setenv("OPENAI_BASE_URL", f.URL)
	t.Setenv("OPENAI_API_KEY", "sk-test-topics")
	data, _ := testutil.TracegenFiles(t, 400, 21)
	st := testutil.OpenStore(t)
	ds := importFile(t, st, "provider", data)
	svc := New(st)
	ctx := context.Background()
	if _, err := svc.Generate(ctx, ds, GenerateOptions{K: 4, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil); err != nil {
		t.Fatal(err)
	}
	mark, news := pull(t, st, ds, 60, 90)
	var m messages
	res, err := svc.CategorizeNew(ctx, ds, mark, m.progress())
	if err != nil || res.Categorized != len(news) || res.Vectors != VectorsEmbedding {
		t.Fatalf("CategorizeNew = %+v, %v; %d new records", res, err, len(news))
	}
	if m.saw("reading records") || m.saw("fitting") {
		t.Fatalf("the provider path read every record: %q", m.all)
	}
	if _, ok, _ := st.TopicModel(ctx, ds); ok {
		t.Fatal("the provider path stored an offline model it does not use")
	}
}

// TestCatModelSmoothsEveryRecordAgainstTheStoredCorpus: on a corpus small
// enough to smooth, the model keeps the corpus' vectors; a fitted record
// gets the same vector from the model (stored and read back) as from the
// fit, and a new record's vector is smoothed (not the bare LSA one) yet
// does not depend on the other new records.
func TestCatModelSmoothsEveryRecordAgainstTheStoredCorpus(t *testing.T) {
	texts := intents(t, "banking77_test.csv").texts
	fitted, fresh := texts[:1200], texts[1200:1210]
	m, all := fitCatModel(fitted)
	if m.lsa == nil || len(m.corpus) != len(fitted) || len(m.once) != len(fitted) {
		t.Fatalf("the model kept %d corpus vectors (%d once smoothed) of %d records", len(m.corpus), len(m.once), len(fitted))
	}
	b, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeCatModel(b)
	if err != nil || back == nil {
		t.Fatalf("decode: %v", err)
	}
	t.Run("a fitted record's vector is the one the fit gave", func(t *testing.T) {
		got := back.vectors(fitted[:50]).(*denseSpace)
		want := all.(*denseSpace)
		for i := range got.docs {
			if !slices.Equal(got.docs[i], want.docs[i]) {
				t.Fatalf("record %d: the stored model gives another vector than the fit", i)
			}
		}
	})
	t.Run("a new record's vector is smoothed and depends on it alone", func(t *testing.T) {
		together := back.vectors(fresh).(*denseSpace)
		for i, text := range fresh {
			alone := back.vectors([]string{text}).(*denseSpace)
			if !slices.Equal(alone.docs[0], together.docs[i]) {
				t.Errorf("new record %d: its vector changes with the other new records", i)
			}
			bare := back.features().vector(text)
			normalize(bare)
			if slices.Equal(bare, together.docs[i]) {
				t.Errorf("new record %d: its vector was not smoothed", i)
			}
		}
	})
}
