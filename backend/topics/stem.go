package topics

import "github.com/kljensen/snowball/english"

// stem reduces an English word to its Snowball (Porter2) stem so that the
// forms of one word ("charge", "charged", "charges", "charging") meet in one
// term. English function words are left as they are (the intent-bearing
// ones that featureTerms keeps, "not", "why", "again", stay whole). Stems
// are matched, never shown: names use the commonest surface form of a stem.
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	return english.Stem(w, false)
}
