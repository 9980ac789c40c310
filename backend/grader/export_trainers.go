package grader

// ExportTRL returns reward.py for TRL's GRPOTrainer: the exported grader
// module (ExportPython) followed by reward_fn(completions, **kwargs) ->
// list[float] (alias reward), which turns each conversational completion
// into a sample and each dataset row into the item.
//
// The item of row i is, in order of preference: the JSON object of a
// tracetune_item column; else every extra column of the row (TRL passes
// all columns but prompt as keyword lists), with the prompt as messages
// and a JSON-object reference column merged in.
func ExportTRL(g Grader) (string, error) {
	mod, err := ExportPython(g)
	if err != nil {
		return "", err
	}
	return mod + trlWrapper, nil
}

const trlWrapper = `

# ---- TRL GRPOTrainer reward function ----
_TRL_RESERVED = ("completions_ids", "trainer_state", "log_extra", "log_metric", "prompts", "completion_ids")


def _trl_item(i, prompts, kwargs):
    whole = kwargs.get("tracetune_item")
    if isinstance(whole, list) and i < len(whole) and whole[i] is not None:
        it = whole[i]
        return _loads(it) if isinstance(it, str) else dict(it)
    item = {}
    for k, v in kwargs.items():
        if k in _TRL_RESERVED or not isinstance(v, list) or i >= len(v):
            continue
        item[k] = v[i]
    ref = item.get("reference")
    if isinstance(ref, str):
        try:
            parsed = _loads(ref)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            del item["reference"]
            for k, v in parsed.items():
                item.setdefault(k, v)
    p = prompts[i] if isinstance(prompts, list) and i < len(prompts) else None
    if isinstance(p, list):
        item["messages"] = p
    elif isinstance(p, str):
        item["messages"] = [{"role": "user", "content": p}]
    return item


def _trl_message(c):
    if isinstance(c, list):
        for m in c:
            if isinstance(m, dict) and m.get("role") == "assistant":
                return m
        return c[0] if c else ""
    return c


def reward_fn(completions, prompts=None, **kwargs):
    """TRL reward function: one grade 0-1 per completion (conversational or plain text)."""
    return [grade(sample_from_message(_trl_message(c)), _trl_item(i, prompts, kwargs)) for i, c in enumerate(completions)]


reward = reward_fn
`

// ExportFireworks returns the files of a Fireworks evaluator (eval-protocol
// tarball layout): the grader module in its own file, test_grader.py with
// the @evaluation_test entry point (test_grader.py::test_grader), and
// requirements.txt. Rows carry the conversation in messages (the policy's
// answer last) and the item's grader fields as a JSON object string in
// ground_truth.
func ExportFireworks(g Grader) (map[string]string, error) {
	mod, err := ExportPython(g)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"tracetune_grader.py": mod,
		"test_grader.py":      fireworksEntry,
		"requirements.txt":    "eval-protocol\n",
		"README.md":           "# Tracetune grader " + g.Version() + " as a Fireworks evaluator\n\nEntry point: `test_grader.py::test_grader`. The scoring lives in `tracetune_grader.py` (standard library only), the same code the app's exports run everywhere.\n\nEach dataset row: `messages` (the prompt; the policy's answer is appended by the rollout) and `ground_truth`, a JSON object string with the grader fields (`item.*`).\n\n```\n" + PythonJudgeEnvDoc + "\n```\n\nSet the judge key as a Fireworks secret, never in these files.\n",
	}, nil
}

const fireworksEntry = `"""Fireworks evaluator (eval-protocol) for the Tracetune grader in tracetune_grader.py."""
import json

from eval_protocol.models import EvaluateResult, EvaluationRow, MetricResult
from eval_protocol.pytest import SingleTurnRolloutProcessor, evaluation_test

from tracetune_grader import GRADER_VERSION, evaluate, sample_from_message


def _plain(m):
    if hasattr(m, "model_dump"):
        return m.model_dump(exclude_none=True)
    return dict(m)


@evaluation_test(
    input_dataset=["dataset.jsonl"],
    rollout_processor=SingleTurnRolloutProcessor(),
    mode="pointwise",
    passed_threshold=0.0,
)
def test_grader(row: EvaluationRow, **kwargs) -> EvaluationRow:
    msgs = [_plain(m) for m in (row.messages or [])]
    answer = {"role": "assistant", "content": ""}
    if msgs and msgs[-1].get("role") == "assistant":
        answer, msgs = msgs[-1], msgs[:-1]
    item = {}
    gt = row.ground_truth
    if isinstance(gt, str) and gt.strip():
        try:
            parsed = json.loads(gt)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            item.update(parsed)
        else:
            item["reference_answer"] = gt
    elif isinstance(gt, dict):
        item.update(gt)
    item["messages"] = msgs
    tools = getattr(row, "tools", None)
    if tools:
        item["tools"] = [_plain(t) for t in tools]
    res = evaluate(sample_from_message(answer), item)
    metrics = {name: MetricResult(score=s, reason=res["reasoning"].get(name, ""), is_score_valid=True)
               for name, s in res["components"].items()}
    reason = "; ".join(res["errors"]) or ("grader " + GRADER_VERSION)
    row.evaluation_result = EvaluateResult(score=res["score"], reason=reason, metrics=metrics)
    return row
`
