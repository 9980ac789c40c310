package main

import (
	"net/http"
	"os"
	"strconv"

	"tracetune/backend/testutil"
)

// The fake fine-tuning platform (files, RFT jobs, events, checkpoints),
// which also answers chat, embeddings and models like the openai fake, so
// one provider can serve every role. A job advances one stage each time it
// is read. FAKE_FINETUNE_KEY makes it require that key;
// FAKE_FINETUNE_STEPS sets the training steps (default 6);
// FAKE_FINETUNE_REFUSE=1 refuses every job as an account that cannot
// fine-tune.
func init() {
	register("finetune", "/v1", func() http.Handler {
		f := testutil.NewFineTune()
		f.Chat = testutil.NewOpenAI().Handler()
		if k := os.Getenv("FAKE_FINETUNE_KEY"); k != "" {
			f.RequireKey(k)
		}
		if n, _ := strconv.Atoi(os.Getenv("FAKE_FINETUNE_STEPS")); n > 0 {
			f.SetSteps(n, 2)
		}
		if os.Getenv("FAKE_FINETUNE_REFUSE") == "1" {
			f.Refuse(&testutil.Failure{})
		}
		return f.Handler()
	})
}
