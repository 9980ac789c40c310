package topics

import "testing"

func TestStemJoinsWordForms(t *testing.T) {
	for _, group := range [][]string{
		{"charge", "charged", "charges", "charging"},
		{"card", "cards"},
		{"top", "topped", "topping", "tops"},
		{"transfer", "transferred", "transfers", "transferring"},
		{"decline", "declined", "declines", "declining"},
		{"receive", "received", "receiving"},
		{"verify", "verifies", "verified"},
		{"exchange", "exchanged", "exchanges", "exchanging"},
	} {
		want := stem(group[0])
		for _, w := range group[1:] {
			if got := stem(w); got != want {
				t.Errorf("stem(%q) = %q, stem(%q) = %q: want them equal", w, got, group[0], want)
			}
		}
	}
	for _, w := range []string{"status", "bus", "is", "pin", "atm", "sms", "address", "404", "café"} {
		if got := stem(w); got != w && !(w == "address" && got == "address") {
			t.Errorf("stem(%q) = %q, want it unchanged", w, got)
		}
	}
}
