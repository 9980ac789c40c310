# ---- Tracetune grader runtime: Python 3 standard library only ----
# Mirrors backend/grader (Go) rule for rule, so that a sample scores the same
# here as in the app's Test Sample and dry run.
import copy as _copy
import json as _json
import math as _math
import os as _os
import re as _re
import time as _time
import urllib.error as _urlerr
import urllib.request as _urlreq

_TMPL = _re.compile(r"\{\{[\t\n\f\r ]*([^{}]*?)[\t\n\f\r ]*\}\}")
_INDEX = _re.compile(r"^[+-]?[0-9]+$")
_SHORTHANDS = ("messages", "response", "lastUserMessage", "tools", "toolCalls", "systemPrompt")
DEFAULT_JUDGE_SCHEMA = {"type": "object", "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1},
                        "reasoning": {"type": "string"}}, "required": ["score", "reasoning"], "additionalProperties": False}


def _no_constants(name):
    raise ValueError("invalid JSON constant " + name)


def _loads(text):
    return _json.loads(text, parse_constant=_no_constants)


def _pystr(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(v)
    return _json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _pystr_nonempty(v):
    if isinstance(v, list) and len(v) == 0:
        return ""
    return _pystr(v)


def _parse_path(p):
    i = min([j for j in (p.find("."), p.find("[")) if j >= 0], default=-1)
    if i < 0:
        return p, []
    root, rest, steps = p[:i], p[i:], []
    while rest:
        if rest[0] == ".":
            rest = rest[1:]
            cands = [j for j in (rest.find("."), rest.find("[")) if j >= 0]
            j = min(cands) if cands else len(rest)
            if j == 0:
                raise ValueError("empty name in %r" % p)
            steps.append(("key", rest[:j]))
            rest = rest[j:]
        elif rest[0] == "[":
            j = rest.find("]")
            if j < 0:
                raise ValueError("unclosed [ in %r" % p)
            idx = rest[1:j].strip()
            if not _INDEX.match(idx):
                raise ValueError("index %r is not a number" % idx)
            steps.append(("idx", int(idx)))
            rest = rest[j + 1:]
        else:
            raise ValueError("unexpected %r in %r" % (rest[0], p))
    return root, steps


def _walk(v, steps):
    for kind, s in steps:
        if isinstance(v, dict):
            if kind == "idx" or s not in v:
                return None, False
            v = v[s]
        elif isinstance(v, list):
            if kind != "idx":
                return None, False
            i = s + len(v) if s < 0 else s
            if i < 0 or i >= len(v):
                return None, False
            v = v[i]
        else:
            return None, False
    return v, True


def _field(v, k):
    return v.get(k) if isinstance(v, dict) else None


def _str_field(v, k):
    x = _field(v, k)
    return x if isinstance(x, str) else ""


def _content_text(c):
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        parts = []
        for p in c:
            if isinstance(p, dict) and isinstance(p.get("text"), str):
                parts.append(p["text"])
        return "\n".join(parts)
    return ""


def _call_lines(calls):
    out = []
    for c in calls if isinstance(calls, list) else []:
        fn = _field(c, "function")
        args = _field(fn, "arguments")
        if not isinstance(args, str):
            args = _pystr(args)
        out.append("[tool call] " + _str_field(fn, "name") + "(" + args + ")")
    return out


def _transcript(msgs):
    blocks = []
    for m in msgs if isinstance(msgs, list) else []:
        lines = [_str_field(m, "role") + ": " + _content_text(_field(m, "content"))]
        lines += _call_lines(_field(m, "tool_calls"))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _response_text(text, calls):
    lines = _call_lines(calls)
    if not lines:
        return text
    if text != "":
        lines = [text] + lines
    return "\n".join(lines)


def _last_user(msgs):
    msgs = msgs if isinstance(msgs, list) else []
    for m in reversed(msgs):
        if _str_field(m, "role") == "user":
            return _content_text(_field(m, "content"))
    return ""


def _system_prompt(msgs):
    for m in msgs if isinstance(msgs, list) else []:
        if _str_field(m, "role") in ("system", "developer"):
            return _content_text(_field(m, "content"))
    return ""


class _Env:
    def __init__(self, sample, item):
        self.sample, self.item = sample, item
        msgs = item.get("messages")
        out_tools = sample.get("output_tools")
        self.short = {
            "messages": _transcript(msgs),
            "response": _response_text(_pystr(sample.get("output_text")), out_tools),
            "lastUserMessage": _last_user(msgs),
            "tools": _pystr_nonempty(item.get("tools")),
            "toolCalls": _pystr_nonempty(out_tools),
            "systemPrompt": _system_prompt(msgs),
        }

    def render(self, t):
        def one(m):
            try:
                root, steps = _parse_path(m.group(1))
            except ValueError:
                return ""
            if root in ("sample", "item"):
                v, ok = _walk(self.sample if root == "sample" else self.item, steps)
                return _pystr(v) if ok else ""
            return self.short.get(root, "")
        return _TMPL.sub(one, t or "")


def string_check(op, inp, ref):
    if op == "eq":
        ok = inp == ref
    elif op == "ne":
        ok = inp != ref
    elif op == "like":
        ok = ref in inp
    elif op == "ilike":
        ok = ref.lower() in inp.lower()
    else:
        raise ValueError("unknown string_check operation %r (eq, ne, like, ilike)" % op)
    return 1.0 if ok else 0.0


def _lcs_len(a, b):
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if x == b[j - 1]:
                cur[j] = prev[j - 1] + 1
            elif prev[j] >= cur[j - 1]:
                cur[j] = prev[j]
            else:
                cur[j] = cur[j - 1]
        prev = cur
    return prev[len(b)]


def fuzz_ratio(a, b):
    """rapidfuzz.fuzz.ratio(a, b) / 100: 2*LCS / (len a + len b)."""
    total = len(a) + len(b)
    if total == 0:
        return 1.0
    return float(2 * _lcs_len(a, b)) / float(total)


def _ngrams(toks, n):
    out = {}
    for i in range(0, len(toks) - n + 1):
        g = tuple(toks[i:i + n])
        out[g] = out.get(g, 0) + 1
    return out


def sentence_bleu(refs, hyp):
    """nltk.translate.bleu_score.sentence_bleu with its defaults (BLEU-4, method0)."""
    num, den = [0] * 5, [0] * 5
    for n in range(1, 5):
        counts = _ngrams(hyp, n)
        max_ref = {}
        for r in refs:
            for g, c in _ngrams(r, n).items():
                if c > max_ref.get(g, 0):
                    max_ref[g] = c
        total = 0
        for g, c in counts.items():
            num[n] += min(c, max_ref.get(g, 0))
            total += c
        den[n] = max(1, total)
    if num[1] == 0:
        return 0.0
    hl = len(hyp)
    rl = min((len(r) for r in refs), key=lambda x: (abs(x - hl), x))
    if hl > rl:
        bp = 1.0
    elif hl == 0:
        bp = 0.0
    else:
        bp = _math.exp(1 - float(rl) / float(hl))
    terms = []
    for n in range(1, 5):
        p = float(num[n]) / float(den[n]) if num[n] != 0 else 2.2250738585072014e-308
        terms.append(0.25 * _math.log(p))
    return bp * _math.exp(_math.fsum(terms))


def _rouge_tokens(s):
    s = _re.sub(r"[^a-z0-9]+", " ", s.lower())
    return [t for t in _re.split(r"\s+", s) if _re.match(r"^[a-z0-9]+$", t)]


def _fmeasure(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_l(target, pred):
    if not target or not pred:
        return 0.0
    l = float(_lcs_len(target, pred))
    return _fmeasure(l / float(len(pred)), l / float(len(target)))


def rouge_n(target, pred, n):
    tg, pg = _ngrams(target, n), _ngrams(pred, n)
    inter = sum(min(c, pg.get(g, 0)) for g, c in tg.items())
    tt, pt = sum(tg.values()), sum(pg.values())
    return _fmeasure(float(inter) / float(max(pt, 1)), float(inter) / float(max(tt, 1)))


def similarity(metric, inp, ref):
    if metric == "fuzzy_match":
        return fuzz_ratio(inp, ref)
    if metric == "bleu":
        return sentence_bleu([ref.split()], inp.split())
    if metric == "rouge_l":
        return rouge_l(_rouge_tokens(ref), _rouge_tokens(inp))
    if metric in ("rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5"):
        return rouge_n(_rouge_tokens(ref), _rouge_tokens(inp), int(metric[6]))
    raise ValueError("text_similarity metric %r is not supported" % metric)


def _kind_of(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _call_list(v):
    if isinstance(v, str):
        if v.strip() == "":
            return []
        try:
            v = _loads(v)
        except ValueError as e:
            raise ValueError("reference tool calls are not JSON: %s" % e)
    if v is None:
        return []
    if isinstance(v, dict):
        v = [v]
    if not isinstance(v, list):
        raise ValueError("tool calls must be a list, not %s" % _kind_of(v))
    out = []
    for c in v:
        fn = c
        f = _field(c, "function")
        if f is not None:
            fn = f
        if not isinstance(fn, dict):
            raise ValueError("a tool call must be an object, not %s" % _kind_of(fn))
        args = fn.get("arguments")
        if isinstance(args, str):
            try:
                args = _loads(args)
            except ValueError:
                pass
        out.append((_str_field(fn, "name"), args))
    return out


def _json_eq(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b)
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_json_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and len(a) == len(b) and all(k in b and _json_eq(v, b[k]) for k, v in a.items())
    return False


def tool_call_match(ref, calls):
    refs, got = _call_list(ref), _call_list(calls)
    if not refs and not got:
        return 1.0
    used = [False] * len(got)
    credit = 0.0
    for name, args in refs:
        for j, (gname, gargs) in enumerate(got):
            if used[j] or gname != name:
                continue
            used[j] = True
            credit += 0.5
            if _json_eq(args, gargs):
                credit += 0.5
            break
    return credit / float(max(len(refs), len(got)))


def _tool_component(field, sample, item):
    root, steps = _parse_path("item." + field)
    ref, ok = _walk(item, steps)
    if not ok:
        raise ValueError("the item has no field %s (the expected tool calls)" % field)
    return tool_call_match(ref, sample.get("output_tools") or [])


def _reasoning_model(model):
    m = model.rsplit("/", 1)[-1]
    return any(m.startswith(p) for p in ("o1", "o3", "o4", "gpt-5"))


def judge_body(comp, model, prompt):
    """The chat request a judge sends: the same body as the app's (backend/grader JudgeRequest)."""
    msg = {"role": "user"}
    if prompt != "":
        msg["content"] = prompt
    body = {"model": model, "messages": [msg]}
    max_tok = comp.get("max_tokens") or 256
    if _reasoning_model(model):
        body["max_completion_tokens"] = max_tok
    else:
        body["max_tokens"] = max_tok
        t = comp.get("temperature") or 0
        body["temperature"] = t if t != 0 else 1e-45  # the app sends float32's smallest, as 0 is dropped
    body["response_format"] = {"type": "json_schema", "json_schema": {
        "name": "judge", "schema": comp.get("schema") or DEFAULT_JUDGE_SCHEMA, "strict": False}}
    body["stream"] = False  # as go-openai writes it
    return body


def _extract_json(text):
    i = text.find("```")
    if i >= 0:
        rest = text[i + 3:]
        nl = rest.find("\n")
        if nl >= 0:
            rest = rest[nl + 1:]
        j = rest.find("```")
        if j >= 0:
            return _loads(rest[:j].strip())
    try:
        return _loads(text)
    except ValueError:
        pass
    dec = _json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                return dec.raw_decode(text, i)[0]
            except ValueError:
                continue
    raise ValueError("the judge's answer is not JSON: %r" % text[:120])


def _judge(comp, prompt):
    """Env: TRACETUNE_JUDGE_BASE_URL (default https://api.openai.com/v1), TRACETUNE_JUDGE_API_KEY,
    TRACETUNE_JUDGE_API_KEY_HEADER (Authorization, or api-key for Azure), TRACETUNE_JUDGE_MODEL
    (for judges that name no model), TRACETUNE_JUDGE_TIMEOUT (seconds, default 120)."""
    model = comp.get("model") or _os.environ.get("TRACETUNE_JUDGE_MODEL", "")
    if not model:
        raise ValueError("no judge model: set TRACETUNE_JUDGE_MODEL")
    base = _os.environ.get("TRACETUNE_JUDGE_BASE_URL", "https://api.openai.com/v1").rstrip("/")
    headers = {"Content-Type": "application/json"}
    key = _os.environ.get("TRACETUNE_JUDGE_API_KEY", "")
    if key:
        hdr = _os.environ.get("TRACETUNE_JUDGE_API_KEY_HEADER", "Authorization")
        headers[hdr] = "Bearer " + key if hdr.lower() == "authorization" else key
    data = _json.dumps(judge_body(comp, model, prompt)).encode("utf-8")
    timeout = float(_os.environ.get("TRACETUNE_JUDGE_TIMEOUT", "120"))
    last = None
    for attempt in range(4):
        try:
            req = _urlreq.Request(base + "/chat/completions", data=data, headers=headers, method="POST")
            with _urlreq.urlopen(req, timeout=timeout) as resp:
                answer = _json.loads(resp.read().decode("utf-8"))
            break
        except _urlerr.HTTPError as e:
            last = e
            if e.code != 429 and e.code < 500:
                raise ValueError("judge %s: HTTP %d" % (model, e.code))
        except (_urlerr.URLError, OSError) as e:
            last = e
        _time.sleep(min(8.0, 0.5 * 2 ** attempt))
    else:
        raise ValueError("judge %s: %s" % (model, last))
    text = ((answer.get("choices") or [{}])[0].get("message") or {}).get("content") or ""
    out = _extract_json(text)
    if not isinstance(out, dict) or "score" not in out:
        raise ValueError("the judge's answer has no score")
    reasoning = out.get("reasoning") if isinstance(out.get("reasoning"), str) else ""
    s = out["score"]
    if isinstance(s, bool) or not isinstance(s, (int, float)):
        raise ValueError("the judge's score %r is not a number" % (s,))
    s = float(s)
    if s != s or s < 0 or s > 1:
        raise ValueError("the judge's score %r is outside 0-1" % s)
    return s, reasoning


def _script_score(v):
    if isinstance(v, bool):
        f = 1.0 if v else 0.0
    elif isinstance(v, (int, float)):
        f = float(v)
    else:
        raise ValueError("grade returned %s, not a number" % type(v).__name__)
    if f != f or f < 0 or f > 1:
        raise ValueError("grade returned %r, outside 0-1" % f)
    return f


def _load_scripts(components):
    fns = {}
    for c in components:
        if c["kind"] == "script":
            ns = {"json": _json, "math": _math, "re": _re, "__name__": "grader_" + c["name"]}
            exec(compile(c["source"], "<" + c["name"] + ">", "exec"), ns)
            fns[c["name"]] = ns["grade"]
    return fns


def _component(c, env, scripts):
    kind = c["kind"]
    if kind == "script":
        return _script_score(scripts[c["name"]](_copy.deepcopy(env.sample), _copy.deepcopy(env.item))), ""
    if kind == "string_check":
        return string_check(c.get("operation", ""), env.render(c.get("input")), env.render(c.get("reference"))), ""
    if kind == "text_similarity":
        return similarity(c.get("metric", ""), env.render(c.get("input")), env.render(c.get("reference"))), ""
    if kind == "tool_call_match":
        return _tool_component(c["reference_field"], env.sample, env.item), ""
    if kind == "llm_judge":
        return _judge(c, env.render(c.get("prompt")))
    raise ValueError("unknown kind %r" % kind)


def evaluate(sample, item, components=None, scripts=None):
    """Grades one sample: {"score", "components": {name: score}, "reasoning": {...}, "errors": ["name: reason"]}.
    A component that fails scores 0 and its error is listed."""
    components = GRADER["components"] if components is None else components
    scripts = _SCRIPTS if scripts is None else scripts
    sample = dict(sample)
    sample.setdefault("output_text", "")
    sample.setdefault("output_tools", [])
    if sample.get("output_tools") is None:
        sample["output_tools"] = []
    sample.setdefault("output_json", None)
    item = dict(item)
    item.setdefault("messages", [])
    env = _Env(sample, item)
    res = {"score": 0.0, "components": {}, "reasoning": {}, "errors": []}
    total = 0.0
    for c in components:
        try:
            s, why = _component(c, env, scripts)
        except Exception as e:  # a failing component scores 0, as in the app
            s, why = 0.0, ""
            res["errors"].append(c["name"] + ": " + str(e))
        res["components"][c["name"]] = s
        if why:
            res["reasoning"][c["name"]] = why
        total += c["weight"] * s
    res["score"] = total
    return res


def grade(sample, item):
    """OpenAI's python-grader signature: the weighted score 0-1 of one sample."""
    return evaluate(sample, item)["score"]


def sample_from_text(text, tool_calls=None):
    """The sample dict of a model answer: output_json is the text parsed as JSON, else None."""
    try:
        out_json = _loads(text) if text.strip() else None
    except ValueError:
        out_json = None
    return {"output_text": text, "output_json": out_json, "output_tools": list(tool_calls or [])}


def sample_from_message(msg):
    """The sample of an assistant message ({"role","content","tool_calls"}) or a plain string."""
    if isinstance(msg, str):
        return sample_from_text(msg)
    return sample_from_text(_content_text(msg.get("content")), msg.get("tool_calls"))
