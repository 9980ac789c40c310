package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/tokens"
)

// sideLog collects streamed deltas per side, as the window's events do.
type sideLog struct {
	mu     sync.Mutex
	deltas map[string][]string
	done   map[string]deploy.Answer
}

func newSideLog() *sideLog {
	return &sideLog{deltas: map[string][]string{}, done: map[string]deploy.Answer{}}
}

func (l *sideLog) delta(side, d string) {
	l.mu.Lock()
	l.deltas[side] = append(l.deltas[side], d)
	l.mu.Unlock()
}

func (l *sideLog) finished(a deploy.Answer) {
	l.mu.Lock()
	if _, dup := l.done[a.Side]; dup {
		panic("side " + a.Side + " finished twice")
	}
	l.done[a.Side] = a
	l.mu.Unlock()
}

func (l *sideLog) text(side string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.deltas[side], "")
}

func TestPlaygroundStreamsBothAnswers(t *testing.T) {
	w := newWorld(t, 2)
	prompt := deploy.PlaygroundInput{Prompt: "question number 4 about billing, and please explain it in a few more words", MaxTokens: 200}

	t.Run("both sides stream, each in order, to the same answers as the whole path", func(t *testing.T) {
		whole, err := w.svc.Playground(w.ctx, w.ds, prompt)
		must(t, err)
		w.oa.Reset()
		w.oa.SetChunkDelay(3 * time.Millisecond) // the two streams interleave
		defer w.oa.SetChunkDelay(0)
		l := newSideLog()
		res, err := w.svc.PlaygroundStream(w.ctx, w.ds, prompt, l.delta, l.finished)
		must(t, err)
		for _, pair := range [][2]deploy.Answer{{whole.Base, res.Base}, {whole.Tuned, res.Tuned}} {
			want, got := pair[0], pair[1]
			if got.Text != want.Text || got.Model != want.Model || got.Error != "" || got.Stopped {
				t.Fatalf("%s: streamed %+v, whole %+v", want.Side, got, want)
			}
			if n := len(l.deltas[got.Side]); n < 3 || l.text(got.Side) != got.Text {
				t.Fatalf("%s: %d deltas %q make %q, want %q", got.Side, n, l.deltas[got.Side], l.text(got.Side), got.Text)
			}
			if d := l.done[got.Side]; d.Text != got.Text || d.LatencyMS != got.LatencyMS {
				t.Fatalf("%s: done with %+v", got.Side, d)
			}
			if got.PromptTokens == 0 || got.CompletionTokens != want.CompletionTokens {
				t.Fatalf("%s: tokens %d + %d, whole %d + %d", got.Side, got.PromptTokens, got.CompletionTokens, want.PromptTokens, want.CompletionTokens)
			}
		}
		reqs := w.oa.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests", len(reqs))
		}
		var a, b map[string]any
		must(t, json.Unmarshal(reqs[0].Body, &a))
		must(t, json.Unmarshal(reqs[1].Body, &b))
		if a["stream"] != true {
			t.Fatalf("not streamed: %s", reqs[0].Body)
		}
		delete(a, "model")
		delete(b, "model")
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("settings differ:\n%v\n%v", a, b)
		}
		us, err := w.st.UsageFor(w.ctx, w.ds)
		must(t, err)
		calls := int64(0)
		for _, u := range us {
			if u.Action == "playground" {
				calls += u.Calls
			}
		}
		if calls != 4 {
			t.Fatalf("usage %+v: %d playground calls, want 4 (two whole, two streamed)", us, calls)
		}
	})

	t.Run("stop cancels both and keeps the partial text, ungraded", func(t *testing.T) {
		// The encoder that counts the stopped answer loads once per process
		// (seconds under -race); ChatStream starts loading it long before a
		// person could press Stop.
		tokens.Count("")
		w.oa.SetChunkDelay(30 * time.Millisecond)
		defer w.oa.SetChunkDelay(0)
		ctx, cancel := context.WithCancel(w.ctx)
		defer cancel()
		l := newSideLog()
		var stoppedAt time.Time
		var once sync.Once
		in := deploy.PlaygroundInput{RecordID: w.valid[0], Grade: true}
		res, err := w.svc.PlaygroundStream(ctx, w.ds, in, func(side, d string) {
			l.delta(side, d)
			if side == deploy.SideTuned {
				once.Do(func() { stoppedAt = time.Now(); cancel() })
			}
		}, l.finished)
		must(t, err)
		if d := time.Since(stoppedAt); d > time.Second {
			t.Fatalf("returned %v after Stop", d)
		}
		for _, a := range []deploy.Answer{res.Base, res.Tuned} {
			if !a.Stopped || a.Error != "" || a.Grade != nil {
				t.Fatalf("%s: %+v, want stopped, no error, no grade", a.Side, a)
			}
			if a.Text != l.text(a.Side) || !l.done[a.Side].Stopped {
				t.Fatalf("%s: text %q, streamed %q", a.Side, a.Text, l.text(a.Side))
			}
		}
		if res.Tuned.Text == "" || strings.HasSuffix(res.Tuned.Text, "about billing") {
			t.Fatalf("tuned text %q: want a part of the answer", res.Tuned.Text)
		}
	})

	t.Run("streamed tool calls are assembled", func(t *testing.T) {
		line := `{"messages":[{"role":"user","content":"book a flight to Oslo"}],"tools":[{"type":"function","function":{"name":"book_flight","parameters":{"type":"object","properties":{"to":{"type":"string"},"from":{"type":"string"}}}}}]}`
		recs := []record.Record{ingest.Normalize([]byte(line), 99)}
		w.insert(t, recs, nil)
		w.oa.SetResponder(nil) // the default fake calls the offered tool
		l := newSideLog()
		res, err := w.svc.PlaygroundStream(w.ctx, w.ds, deploy.PlaygroundInput{RecordID: recs[0].ID}, l.delta, nil)
		must(t, err)
		for _, a := range []deploy.Answer{res.Base, res.Tuned} {
			var args map[string]string
			if len(a.ToolCalls) != 1 || a.ToolCalls[0].Function.Name != "book_flight" || json.Unmarshal([]byte(a.ToolCalls[0].Function.Arguments), &args) != nil || args["to"] != "book a flight to Oslo" {
				t.Fatalf("%s answer = %+v", a.Side, a)
			}
			if len(a.Message.ToolCalls) != 1 || a.Message.ToolCalls[0].ID == "" || len(l.deltas[a.Side]) != 0 {
				t.Fatalf("%s message %+v, text deltas %q", a.Side, a.Message, l.deltas[a.Side])
			}
		}
	})
}
