package topics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func TestSlugAndValidName(t *testing.T) {
	for _, c := range []struct{ in, slug string }{
		{"Billing & Refunds", "billing_refunds"},
		{"  SQL help ", "sql_help"},
		{"2fa codes", "topic_2fa_codes"},
		{"__x__", "x"},
		{"Ünïcode", "n_code"},
	} {
		if got := Slug(c.in); got != c.slug {
			t.Errorf("Slug(%q) = %q, want %q", c.in, got, c.slug)
		}
		if err := ValidName(Slug(c.in)); err != nil {
			t.Errorf("ValidName(Slug(%q)): %v", c.in, err)
		}
	}
	for _, bad := range []string{"", "Billing", "a__b", "_a", "a-b", "1abc", "a b"} {
		if ValidName(bad) == nil {
			t.Errorf("ValidName(%q) accepted", bad)
		}
	}
}

var sample = []string{
	"I was charged twice for my order, please refund the duplicate payment",
	"Why does my invoice show a late fee? I want a refund",
	"Refund the charge on my cancelled subscription please",
	"Find me a cheap flight from Boston to London next week",
	"I need to change my return flight to a morning departure",
	"What is the cheapest nonstop flight to Tokyo in March?",
	"Write a SQL query returning the top customers by total spend",
	"How do I find duplicate rows in a SQL table by email?",
	"Explain why my SQL LEFT JOIN returns more rows than expected",
	"Something completely different about gardening tomatoes in spring",
}

func handTopics(t *testing.T, svc *Service, ds int64) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	for _, x := range []struct {
		name, desc string
		kw         []string
	}{
		{"billing", "Charges, invoices and refunds.", []string{"refund", "charged", "invoice", "payment", "fee"}},
		{"flights", "Booking and changing flights.", []string{"flight", "departure", "nonstop", "cheapest"}},
		{"sql", "Writing and debugging SQL queries.", []string{"sql", "query", "rows", "join", "table"}},
	} {
		tp, _, err := svc.AddTopic(context.Background(), ds, 0, x.name, x.desc, x.kw)
		if err != nil {
			t.Fatal(err)
		}
		ids[x.name] = tp.ID
	}
	return ids
}

func TestTreeOperations(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importTexts(t, st, "tree", sample)
	svc := New(st).WithAI(nil)
	ids := handTopics(t, svc, ds)

	if _, _, err := svc.AddTopic(ctx, ds, 0, "Bad Name", "", nil); err == nil {
		t.Error("a non-snake_case name was accepted")
	}
	if _, _, err := svc.AddTopic(ctx, ds, 0, "billing", "", nil); !errors.Is(err, store.ErrTopicNameTaken) {
		t.Errorf("duplicate name: err = %v, want ErrTopicNameTaken", err)
	}
	if err := svc.RenameTopic(ctx, ds, ids["sql"], "sql_help"); err != nil {
		t.Fatal(err)
	}
	if err := svc.RenameTopic(ctx, ds, ids["sql"], "flights"); !errors.Is(err, store.ErrTopicNameTaken) {
		t.Errorf("rename onto an existing name: %v", err)
	}
	if err := svc.EditTopic(ctx, ds, ids["flights"], " Air travel. ", []string{"Flight", "flight", " airport "}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetTarget(ctx, ds, ids["billing"], 50); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetTarget(ctx, ds, ids["billing"], 120); err == nil {
		t.Error("target 120 % accepted")
	}
	fl, _ := st.Topic(ctx, ids["flights"])
	if fl.Description != "Air travel." || strings.Join(fl.Keywords, ",") != "flight,airport" {
		t.Errorf("edit stored %+v", fl)
	}

	// Categorize, then make "billing" a parent: its records lose their topic.
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := st.CountTopics(ctx, ds)
	nBilling := before.ByTopic[ids["billing"]]
	if nBilling == 0 {
		t.Fatal("no record went to billing")
	}
	child, cleared, err := svc.AddTopic(ctx, ds, ids["billing"], "refunds", "Refund requests.", []string{"refund"})
	if err != nil {
		t.Fatal(err)
	}
	if cleared != nBilling {
		t.Errorf("adding a child to billing cleared %d, want its %d records", cleared, nBilling)
	}
	// A topic cannot move into its own subtree.
	if _, err := svc.MoveTopic(ctx, ds, ids["billing"], child.ID); err == nil {
		t.Error("moved a topic under its own child")
	}
	if _, err := svc.MoveTopic(ctx, ds, ids["flights"], ids["billing"]); err != nil {
		t.Fatal(err)
	}
	tree, err := svc.Tree(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 2 || tree[0].Name != "billing" || len(tree[0].Children) != 2 || tree[0].Leaf {
		t.Fatalf("tree after move: %+v", tree)
	}
	// Delete the parent: the subtree goes, its records become uncategorized.
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeUnlabeled}, nil); err != nil {
		t.Fatal(err)
	}
	c, _ := st.CountTopics(ctx, ds)
	want := c.ByTopic[child.ID] + c.ByTopic[ids["flights"]]
	n, err := svc.DeleteTopic(ctx, ds, ids["billing"])
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("delete cleared %d, want %d", n, want)
	}
	ts, _ := st.Topics(ctx, ds)
	if len(ts) != 1 || ts[0].Name != "sql_help" {
		t.Errorf("topics left: %+v", ts)
	}
}

func TestHierarchyExportImportKeepAndClear(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importTexts(t, st, "a", sample)
	svc := New(st).WithAI(nil)
	handTopics(t, svc, ds)
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := svc.ExportJSON(ctx, ds, &buf); err != nil {
		t.Fatal(err)
	}
	h, err := ParseHierarchy(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != HierarchyVersion || len(h.Topics) != 3 || h.Topics[0].Name != "billing" || len(h.Topics[0].Keywords) != 5 {
		t.Fatalf("round trip: %+v", h)
	}
	assigned, _ := svc.AssignmentCount(ctx, ds)
	counts, _ := st.CountTopics(ctx, ds)
	ts, _ := st.Topics(ctx, ds)
	var sqlCount int
	for _, tp := range ts {
		if tp.Name == "sql" {
			sqlCount = counts.ByTopic[tp.ID]
		}
	}
	// Keep: drop "sql", keep the others; only sql's records are cleared.
	h.Topics = h.Topics[:2]
	res, err := svc.Import(ctx, ds, h, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cleared != sqlCount || res.Topics != 2 {
		t.Errorf("keep import: %+v, want %d cleared", res, sqlCount)
	}
	if n, _ := svc.AssignmentCount(ctx, ds); n != assigned-sqlCount {
		t.Errorf("after keep: %d assignments, want %d", n, assigned-sqlCount)
	}
	// Clear: everything goes.
	left, _ := svc.AssignmentCount(ctx, ds)
	res, err = svc.Import(ctx, ds, h, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cleared != left {
		t.Errorf("clear import cleared %d, want %d", res.Cleared, left)
	}
	// Into another dataset, nested.
	ds2 := importTexts(t, st, "b", sample[:3])
	nested := `{"version":1,"topics":[{"name":"support","description":"d","keywords":["help"],"subtopics":[{"name":"billing","keywords":["refund"]}]}]}`
	h2, err := ParseHierarchy(strings.NewReader(nested))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Import(ctx, ds2, h2, true); err != nil {
		t.Fatal(err)
	}
	tree, _ := svc.Tree(ctx, ds2)
	if len(tree) != 1 || len(tree[0].Children) != 1 || !tree[0].Children[0].Leaf {
		t.Fatalf("nested import: %+v", tree)
	}
}

func TestParseHierarchyErrorsNameTheTopic(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`{"topics":[{"name":"a"},{"name":"a"}]}`, `topics[1]: topic name "a" is used twice`},
		{`{"topics":[{"name":"ok","subtopics":[{"name":"Bad Name"}]}]}`, `topics[0].subtopics[0]`},
		{`{"version":9,"topics":[]}`, "version 9"},
		{`{"topics":[{"name":"a","target":150}]}`, "outside 0–100"},
		{`{"topics": [`, "not valid JSON"},
	} {
		_, err := ParseHierarchy(strings.NewReader(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseHierarchy(%s) = %v, want error containing %q", c.doc, err, c.want)
		}
	}
	h, err := ParseHierarchy(strings.NewReader(`[{"name":"a","keywords":["X","x"]}]`))
	if err != nil || len(h.Topics) != 1 || len(h.Topics[0].Keywords) != 1 {
		t.Errorf("bare array: %+v, %v", h, err)
	}
}

func TestTemplates(t *testing.T) {
	ts := Templates()
	if len(ts) < 5 {
		t.Fatalf("%d templates, want at least 5", len(ts))
	}
	keys := map[string]bool{}
	for _, tp := range ts {
		keys[tp.Key] = true
		if err := checkSpecs(cloneSpecs(tp.Topics)); err != nil {
			t.Errorf("template %s: %v", tp.Key, err)
		}
		for _, sp := range tp.Topics {
			if len(sp.Keywords) < 5 || sp.Description == "" {
				t.Errorf("template %s topic %s: %d keywords, description %q", tp.Key, sp.Name, len(sp.Keywords), sp.Description)
			}
		}
	}
	for _, k := range []string{"customer_support", "coding_assistant", "data_analysis", "agent_tool_use", "general_chat"} {
		if !keys[k] {
			t.Errorf("template %s missing", k)
		}
	}
	st := testutil.OpenStore(t)
	ds := importTexts(t, st, "tpl", sample)
	svc := New(st).WithAI(nil)
	res, err := svc.ApplyTemplate(context.Background(), ds, "customer_support", false)
	if err != nil || res.Topics != 6 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if _, err := svc.ApplyTemplate(context.Background(), ds, "nope", false); err == nil || !strings.Contains(err.Error(), "customer_support") {
		t.Errorf("unknown template: %v", err)
	}
}

func TestKeywordMatch(t *testing.T) {
	leaves := []record.Topic{
		{Name: "billing", Keywords: []string{"refund", "invoice", "charged"}},
		{Name: "flights", Keywords: []string{"flight", "sign in"}},
	}
	topic, conf := keywordMatch([]string{
		"Refund the invoice I was charged for",  // 3 hits: clear
		"refunds and flights",                   // 1 and 1: a tie
		"one refund only",                       // 1 hit: not enough alone
		"I cannot sign in to book my flight",    // phrase + word
		"nothing relevant here at all, really.", // none
	}, leaves)
	want := []struct {
		topic int
		conf  float64
	}{{0, 0.95}, {-1, 0}, {0, 0.65}, {1, 0.8}, {-1, 0}}
	for i, w := range want {
		if topic[i] != w.topic || fmt.Sprintf("%.2f", conf[i]) != fmt.Sprintf("%.2f", w.conf) {
			t.Errorf("text %d: topic %d conf %.2f, want %d %.2f", i, topic[i], conf[i], w.topic, w.conf)
		}
	}
}

func TestLowConfidenceConfirmAndMove(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importTexts(t, st, "low", sample)
	svc := New(st).WithAI(nil)
	ids := handTopics(t, svc, ds)
	res, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeUnlabeled}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Processed != len(sample) || res.LowConfidence == 0 {
		t.Fatalf("categorize: %+v (the gardening prompt fits no topic and must be low)", res)
	}
	low, err := svc.LowConfidence(ctx, ds, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(low) != res.LowConfidence {
		t.Fatalf("%d low-confidence items, categorize said %d", len(low), res.LowConfidence)
	}
	var garden LowItem
	for _, it := range low {
		if it.Confidence >= record.LowConfidence || it.Topic == "" {
			t.Errorf("item %+v", it)
		}
		if strings.Contains(it.Text, "gardening") {
			garden = it
		}
	}
	if garden.RecordID == 0 {
		t.Fatalf("gardening prompt not in the low-confidence list: %+v", low)
	}
	if err := svc.Move(ctx, ds, []int64{garden.RecordID}, ids["flights"]); err != nil {
		t.Fatal(err)
	}
	r, _ := st.Record(ctx, garden.RecordID)
	if r.TopicID != ids["flights"] || r.Confidence != 1 || r.Method != record.MethodManual {
		t.Errorf("moved record: topic %d conf %v method %s", r.TopicID, r.Confidence, r.Method)
	}
	rest, _ := svc.LowConfidence(ctx, ds, 0, 100)
	var restIDs []int64
	for _, it := range rest {
		restIDs = append(restIDs, it.RecordID)
	}
	if err := svc.Confirm(ctx, ds, restIDs); err != nil {
		t.Fatal(err)
	}
	if left, _ := svc.LowConfidence(ctx, ds, 0, 100); len(left) != 0 {
		t.Errorf("%d still low after confirming", len(left))
	}
	// Manual choices survive "recategorize all".
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil); err != nil {
		t.Fatal(err)
	}
	r, _ = st.Record(ctx, garden.RecordID)
	if r.TopicID != ids["flights"] || r.Method != record.MethodManual {
		t.Errorf("recategorize all overrode a manual choice: %+v", r)
	}
	if err := svc.Move(ctx, ds, []int64{garden.RecordID}, 999999); err == nil {
		t.Error("moved to a topic that does not exist")
	}
	if err := svc.Move(ctx, ds, []int64{424242}, ids["sql"]); err == nil || !strings.Contains(err.Error(), "424242") {
		t.Errorf("moving an unknown record: %v", err)
	}
}

func TestCategorizeUnlabeledAfterNewRecords(t *testing.T) {
	data, _ := testutil.TracegenFiles(t, 1200, 5)
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importFile(t, st, "grow", data)
	svc := New(st).WithAI(nil)
	if _, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 2}, nil); err != nil {
		t.Fatal(err)
	}
	first, err := svc.Categorize(ctx, ds, CategorizeOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	more, _ := testutil.TracegenFiles(t, 300, 77)
	if _, err := importFileInto(t, st, ds, more); err != nil {
		t.Fatal(err)
	}
	s, _ := svc.Stats(ctx, ds)
	if s.Uncategorized == 0 || s.Categorized != first.Processed {
		t.Fatalf("after import: %+v", s)
	}
	n, _ := svc.AssignmentCount(ctx, ds)
	second, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeUnlabeled}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.Processed != s.Uncategorized {
		t.Errorf("unlabeled mode processed %d, want the %d new records", second.Processed, s.Uncategorized)
	}
	if m, _ := svc.AssignmentCount(ctx, ds); m != n+s.Uncategorized {
		t.Errorf("assignments %d, want %d", m, n+s.Uncategorized)
	}
	// Regenerating clears exactly what AssignmentCount announced.
	warned, _ := svc.AssignmentCount(ctx, ds)
	g, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.Cleared != warned {
		t.Errorf("regenerate cleared %d, the warning said %d", g.Cleared, warned)
	}
}

func TestGenerateIsDeterministicAndCancellable(t *testing.T) {
	data, _ := testutil.TracegenFiles(t, 2000, 9)
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importFile(t, st, "det", data)
	svc := New(st).WithAI(nil)
	var prev string
	for i := 0; i < 2; i++ {
		g, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 42}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, tp := range g.Topics {
			fmt.Fprintf(&b, "%s:%v;", tp.Name, tp.Keywords)
		}
		if i == 1 && b.String() != prev {
			t.Errorf("same seed, different topics:\n%s\n%s", prev, b.String())
		}
		prev = b.String()
	}
	g, err := svc.Generate(ctx, ds, GenerateOptions{K: 5, Seed: 42}, nil)
	if err != nil || g.K != 5 || len(g.Topics) != 5 {
		t.Fatalf("k=5: %d topics, %v", len(g.Topics), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.Generate(cctx, ds, GenerateOptions{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled generate: %v", err)
	}
	if _, err := svc.Categorize(cctx, ds, CategorizeOptions{Mode: ModeAll}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled categorize: %v", err)
	}
	empty, _ := st.CreateDataset(ctx, "empty", "")
	if _, err := svc.Generate(ctx, empty.ID, GenerateOptions{}, nil); err == nil || !strings.Contains(err.Error(), "no valid records") {
		t.Errorf("generate on an empty dataset: %v", err)
	}
	if _, err := svc.Categorize(ctx, empty.ID, CategorizeOptions{}, nil); err == nil || !strings.Contains(err.Error(), "no topics") {
		t.Errorf("categorize without topics: %v", err)
	}
}
