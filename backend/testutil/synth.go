package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
)

// Support-desk prompts for generation tests: each topic has banks of
// openers, situations, details and asks, and a prompt is one of each (with
// an order number), so prompts of a topic share its vocabulary the way real
// traffic does while two of them rarely repeat a phrase.
var supportBanks = map[string][4][]string{
	"billing": {
		{"Hi,", "Hello there,", "Good morning,", "Hey support,", "Hi team,", "Quick question:"},
		{"I was charged twice for my subscription this month", "my invoice shows a price higher than the plan I signed up for",
			"the card payment for my renewal failed but the money left my account", "I got billed after I cancelled my plan",
			"the annual plan discount was not applied to my invoice", "there is a charge on my statement I do not recognise",
			"my company needs the VAT number added to past invoices", "the refund you promised has not reached my card"},
		{"It is invoice %d.", "The payment reference is %d.", "My account number is %d.", "It happened on order %d.",
			"The amount was %d dollars.", "Customer id %d, if that helps."},
		{"Can you refund the extra charge?", "Could you send me a corrected invoice?", "What do I need to do to fix the billing?",
			"Please explain why I was charged this amount.", "When will the money be back on my card?", "Can you cancel the duplicate payment?"},
	},
	"shipping": {
		{"Hi,", "Hello,", "Hey there,", "Good afternoon,", "Hi support,", "Sorry to bother you,"},
		{"my package still shows in transit after ten days", "the courier marked my parcel delivered but nothing arrived",
			"I need to change the delivery address of an order that already shipped", "the tracking link in the email does not work",
			"my order was split and only half of it came", "the box arrived crushed and the contents are damaged",
			"I chose express delivery but the parcel came a week late", "customs is holding my shipment and asking for fees"},
		{"The order number is %d.", "Tracking number %d.", "It was order %d from last week.", "My postcode is %d.",
			"The parcel weighs about %d kilos.", "I paid %d dollars for shipping."},
		{"Where is my package now?", "Can you send a replacement?", "Who do I contact to sort this out?",
			"Can I get the shipping fee back?", "How long will the delivery take now?", "Can you open an investigation with the courier?"},
	},
	"account": {
		{"Hi,", "Hello,", "Help please,", "Hey,", "Good evening,", "Hi there,"},
		{"I cannot log in because the password reset email never arrives", "my two-factor codes stopped working after I changed phones",
			"someone else seems to have changed the email on my account", "I want to merge two accounts I created by mistake",
			"my account was locked after too many login attempts", "I need to delete my account and all my data",
			"the single sign-on button shows an error for my company domain", "I cannot change the username on my profile"},
		{"My user id is %d.", "The account was created in %d.", "Error code %d appears on screen.", "I have tried %d times already.",
			"The ticket I opened before is %d.", "My team has %d seats."},
		{"How do I get back into my account?", "Can you unlock it for me?", "What steps should I follow?",
			"Can you reset this from your side?", "Is my data safe?", "How long does this usually take?"},
	},
	"returns": {
		{"Hi,", "Hello,", "Hey team,", "Good morning,", "Hi there,", "Excuse me,"},
		{"I want to return a jacket that does not fit", "the return label you sent has expired",
			"I sent a return two weeks ago and have not heard back", "the item I received is not the one I ordered",
			"I would like to exchange shoes for a bigger size", "the product stopped working after three days",
			"I lost the original packaging but still want to return the blender", "the store refused my return although it is within thirty days"},
		{"Order %d.", "The return number is %d.", "I bought it %d days ago.", "The receipt number is %d.",
			"It cost %d dollars.", "The item code is %d."},
		{"How do I start the return?", "Can you send a new label?", "Will I get a full refund?",
			"Can I swap it instead of a refund?", "What is the status of my return?", "Do I have to pay for the return shipping?"},
	},
	"product": {
		{"Hi,", "Hello,", "Quick one:", "Hey,", "Good day,", "Hi there,"},
		{"I am comparing the pro and basic models of your coffee grinder", "I want to know if the blender is dishwasher safe",
			"the manual does not say what battery the remote uses", "I need a charger that works with the older speaker",
			"I wonder whether the tent is suitable for winter camping", "my kids want the tablet and I need to know about parental controls",
			"I am looking for a laptop bag that fits a sixteen inch screen", "I read that the vacuum has a new filter this year"},
		{"I saw it under item %d.", "The model number is %d.", "My budget is %d dollars.", "I bought one in %d.",
			"The listing id is %d.", "I need %d of them."},
		{"Which one would you recommend?", "Is it compatible?", "What are the differences?",
			"Does it come with a warranty?", "Is it in stock?", "Can you tell me more about it?"},
	},
}

// SupportTopics are the topics SupportPrompt knows, in a fixed order.
var SupportTopics = []string{"billing", "shipping", "account", "returns", "product"}

// SupportPrompt returns the i-th support prompt of a topic (one of
// SupportTopics); the same i gives the same prompt.
func SupportPrompt(topic string, i int) string {
	return composeSupport(topic, uint64(i)*2654435761+17)
}

func composeSupport(topic string, h uint64) string {
	// splitmix64's finalizer: every input bit moves every output bit, so
	// nearby seeds pick unrelated parts
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	b, ok := supportBanks[topic]
	if !ok {
		b = supportBanks["product"]
	}
	pick := func(xs []string, k uint64) string { return xs[(h>>k)%uint64(len(xs))] }
	num := 1000 + int(h%9000)
	return fmt.Sprintf("%s %s. %s %s", pick(b[0], 3), pick(b[1], 11), fmt.Sprintf(pick(b[2], 19), num), pick(b[3], 27))
}

var (
	writeNRe  = regexp.MustCompile(`Write (\d+)`)
	topicRe   = regexp.MustCompile(`(?m)^Topic: ([a-z0-9_]+)`)
	examplesR = regexp.MustCompile(`(?s)"""\n(.*?)\n"""`)
)

// GenerationResponder answers synthetic-prompt requests (a JSON object
// {"prompts": […]} holding the number of messages the request asks for)
// with support prompts of the request's topic, deterministic per request:
// the same request gets the same prompts, another source or example
// another set. Anything else gets DefaultResponder's answer.
func GenerationResponder(req ChatRequest) ChatReply {
	user := req.LastUser()
	m := writeNRe.FindStringSubmatch(user)
	if m == nil {
		return DefaultResponder(req)
	}
	n, _ := strconv.Atoi(m[1])
	topic := "product"
	if t := topicRe.FindStringSubmatch(user); t != nil {
		for _, k := range SupportTopics {
			if strings.Contains(t[1], k) {
				topic = k
			}
		}
	}
	out := make([]string, n)
	for i := range out {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s|%d", user, i)
		out[i] = composeSupport(topic, h.Sum64())
	}
	b, _ := json.Marshal(map[string][]string{"prompts": out})
	return ChatReply{Content: string(b)}
}

// SourceOf returns the first quoted block of a generation request (the
// source message or first example), for responders that vary it.
func SourceOf(req ChatRequest) string {
	if m := examplesR.FindStringSubmatch(req.LastUser()); m != nil {
		return m[1]
	}
	return ""
}

// TokenUsage wraps the fake's handler so that chat completions report
// usage the way OpenAI counts it, with a real tokenizer (count): each
// message's text plus 4 tokens of framing, 3 tokens priming the reply, and
// the response_format schema; the completion is the reply's text. The fake
// alone counts words, which no provider does; tests that compare a token
// estimate with recorded usage need the provider's counting.
func TokenUsage(next http.Handler, count func(string) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var resp map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || resp["usage"] == nil {
			copyRecorded(w, rec)
			return
		}
		var req ChatRequest
		_ = json.Unmarshal(body, &req)
		pt := 3
		for _, m := range req.Messages {
			pt += count(contentText(m.Content)) + 4
		}
		if rf := req.ResponseFormat; rf != nil && rf.JSONSchema != nil {
			pt += count(string(rf.JSONSchema.Schema))
		}
		ct := 0
		if cs, ok := resp["choices"].([]any); ok && len(cs) > 0 {
			if c, ok := cs[0].(map[string]any); ok {
				if msg, ok := c["message"].(map[string]any); ok {
					if s, ok := msg["content"].(string); ok {
						ct = count(s)
					}
				}
			}
		}
		resp["usage"] = map[string]any{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(resp)
	})
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
