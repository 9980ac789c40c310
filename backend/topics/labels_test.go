package topics

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// A verb can be a topic's most distinctive word ("the file came from …");
// it stays a keyword but never becomes part of the topic's name.
func TestOfflineNamesSkipFillerVerbs(t *testing.T) {
	st := testutil.OpenStore(t)
	var texts []string
	for i := 0; i < 40; i++ {
		texts = append(texts,
			fmt.Sprintf("pandas read_csv fails, the csv came from excel export number %d", i),
			fmt.Sprintf("how do I bake sourdough bread with rye flour, attempt %d", i))
	}
	ds := importTexts(t, st, "labels", texts)
	g, err := New(st).Generate(context.Background(), ds, GenerateOptions{K: 2, Seed: 1, Offline: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Topics) != 2 {
		t.Fatalf("topics = %+v", g.Topics)
	}
	for _, tp := range g.Topics {
		for _, part := range strings.Split(tp.Name, "_") {
			if labelFiller[part] {
				t.Errorf("topic %q is named with the filler word %q (keywords %v)", tp.Name, part, tp.Keywords)
			}
		}
	}
}
