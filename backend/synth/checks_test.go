package synth_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/synth"
	"tracetune/backend/testutil"
)

func promptRecord(text string) record.Record {
	msgs, _ := json.Marshal([]map[string]string{{"role": "system", "content": "You are the support assistant of Acme."}, {"role": "user", "content": text}})
	return record.Record{Shape: record.ShapeChat, Messages: msgs, Raw: `{"messages":` + string(msgs) + `}`}
}

func TestChecksRejectCandidatesWithTheRightReason(t *testing.T) {
	seed := "I was charged twice for my subscription this month, can you refund one of the charges?"
	near := "Hello, my package from order 4471 still shows in transit after ten days and I am travelling on Friday. Where is it now?"
	cases := []struct {
		name, text, reason string
	}{
		{"an assistant artefact", "As an AI language model, I cannot access your account, but here is how refunds usually work.", synth.ReasonArtefact},
		{"a list the model introduced", "Sure, here are 3 variations of the message about my late parcel and the refund.", synth.ReasonArtefact},
		{"double template braces", "Hi, my name is {{name}} and the invoice for my plan looks wrong this month.", synth.ReasonBraces},
		{"single template braces", "Please check order {order_id}, the parcel never arrived at my address.", synth.ReasonBraces},
		{"a bracket placeholder", "[PLACEHOLDER] I need help with the refund of my last subscription payment.", synth.ReasonPlaceholder},
		{"an angle placeholder", "Dear support, I am <customer_name> and my order has not arrived yet.", synth.ReasonPlaceholder},
		{"a role label", "User: my password reset email never arrives, what should I do now?", synth.ReasonRoleLabel},
		{"too short", "Refund please.", synth.ReasonTooShort},
		{"too long", strings.Repeat("My order is late and I want to know where it is. ", 45), synth.ReasonTooLong},
		{"an exact copy of a seed prompt", "I was charged TWICE for my subscription this month — can you refund one of the charges", synth.ReasonDuplicateSeed},
		{"a near copy of a seed prompt", "I was charged twice for my subscription this month. Can you please refund one of the charges?", synth.ReasonNearSeed},
		{"a passing candidate", near, ""},
		{"the same candidate again", near, synth.ReasonDuplicateCandidate},
		{"a near-identical candidate", strings.Replace(near, "Where is it now?", "Where is it right now?", 1), synth.ReasonNearCandidate},
		{"a different request", "My two-factor codes stopped working after I changed phones. How do I get back into my account?", ""},
	}
	for _, mode := range []string{"offline", "embedding"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			c := synth.NewChecker(record.DefaultSettings())
			if mode == "embedding" {
				c.Embed = func(_ context.Context, texts []string) ([][]float32, error) {
					out := make([][]float32, len(texts))
					for i, s := range texts {
						out[i] = testutil.Embed(s, 256)
					}
					return out, nil
				}
			}
			if err := c.AddSeeds(ctx, []int64{7}, []string{seed}); err != nil {
				t.Fatal(err)
			}
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					v, err := c.Check(ctx, int64(100+i), tc.text, promptRecord(tc.text), seed)
					if err != nil {
						t.Fatal(err)
					}
					if v.Reason != tc.reason {
						t.Fatalf("reason %q (%s), want %q", v.Reason, v.Detail, tc.reason)
					}
					if v.Reason != "" && v.Detail == "" {
						t.Fatal("a rejection without its detail")
					}
				})
			}
		})
	}
}

func TestChecksLetTheUsersOwnMarkupThrough(t *testing.T) {
	// Braces and tags that the source prompt itself holds are the user's
	// (code, templates), not artefacts of the model.
	src := "In my Python code print(f'{total}') fails inside <div> tags, why?"
	text := "My f-string print(f'{total}') shows nothing when the page renders the <div> block. What is wrong?"
	c := synth.NewChecker(record.DefaultSettings())
	v, err := c.Check(context.Background(), 1, text, promptRecord(text), src)
	if err != nil {
		t.Fatal(err)
	}
	if v.Reason != "" {
		t.Fatalf("rejected %s: %s", v.Reason, v.Detail)
	}
}

func TestCleanStripsWhatTheModelWrapsAroundAPrompt(t *testing.T) {
	for in, want := range map[string]string{
		`  "Where is my parcel?" `:       "Where is my parcel?",
		"1. Where is my parcel?":         "Where is my parcel?",
		"- “Where is my parcel?”":        "Where is my parcel?",
		"Where is my parcel (order 12)?": "Where is my parcel (order 12)?",
	} {
		if got := synth.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
