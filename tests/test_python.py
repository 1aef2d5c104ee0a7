"""Tests for python/cat.py (ctypes over libcat.so), against the command-line tools.

    python3 tests/test_python.py BUILD_DIR CAT_MODEL DENSE_MODEL

Greedy and seeded generation must give the tokens cat-generate gives, tokenizing
what cat-tokenize gives, perplexity what cat-ppl gives. Prints one line per
check and "N passed, N failed"; exit status 0 iff all pass.
"""
import json
import math
import os
import subprocess
import sys

sys.dont_write_bytecode = True

B = sys.argv[1] if len(sys.argv) > 1 else "build"
CATM = sys.argv[2] if len(sys.argv) > 2 else os.path.join(B, "kjv_cat.cat")
DENSE = sys.argv[3] if len(sys.argv) > 3 else None
os.environ["CAT_LIB"] = os.path.join(B, "libcat.so")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import cat  # noqa: E402

n_pass = n_fail = 0


def check(ok, what, detail=""):
    global n_pass, n_fail
    if ok:
        n_pass += 1
        print("PASS " + what)
    else:
        n_fail += 1
        print("FAIL " + what + (": " + str(detail)[:600] if detail != "" else ""))


def tool(*args, stdin=None):
    r = subprocess.run([os.path.join(B, args[0])] + [str(a) for a in args[1:]], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode:
        raise RuntimeError("%s failed: %s" % (args[0], r.stderr.decode(errors="replace")))
    return r.stdout


def gen_ids(model, *opts):
    """cat-generate --ids: prompt ids then generated ids"""
    return [int(x) for x in tool("cat-generate", "-m", model, "-t", 1, "--ids", *opts).split()]


PROMPT = "Genesis 1:1"
m = cat.Model(CATM)
check(m.family == "cat_adaptive" and m.chunk_size == 16 and m.padded_vocab >= m.vocab_size > 0,
      "Model: family %s, vocab %d (padded %d), block %d, chunk %d" % (m.family, m.vocab_size, m.padded_vocab, m.block_size, m.chunk_size))

# ---- tokenizer ----
text = "In the beginning God created the heaven and the earth.\nAnd the earth was without form"
ids = m.tokenize(text)
want = [int(x) for x in tool("cat-tokenize", CATM, text).split()]
check(ids == want, "tokenize = cat-tokenize (%d ids)" % len(ids), (ids, want))
check(m.detokenize(ids) == text, "detokenize(tokenize(text)) = text")
check(m.tokenize(text.encode()) == ids, "tokenize takes bytes too")

# ---- greedy generation: the same tokens as cat-generate ----
for model, chunk in [(m, 16), (m, 4), (m, 1)]:
    want = gen_ids(CATM, "-p", PROMPT, "-n", 40, "--temp", 0, "--chunk", chunk)
    p = model.tokenize(PROMPT)
    got = model.generate(PROMPT, n=40, temp=0, chunk=chunk, threads=1, ids=True)
    check(p + got == want, "greedy, chunk %d: 40 tokens = cat-generate --temp 0" % chunk, (p + got, want))
want = tool("cat-generate", "-m", CATM, "-t", 1, "-p", PROMPT, "-n", 40, "--temp", 0).decode()
got = m.generate(PROMPT, n=40, temp=0, threads=1)
check(PROMPT + got + "\n" == want, "greedy text = cat-generate's text", (got, want))
if DENSE:
    d = cat.Model(DENSE)
    want = gen_ids(DENSE, "-p", PROMPT, "-n", 40, "--temp", 0)
    got = d.tokenize(PROMPT) + d.generate(PROMPT, n=40, temp=0, threads=1, ids=True)
    check(got == want and d.family == "dense", "dense model: greedy = cat-generate", (got, want))
    d.close()

# ---- sampler settings: seeded sampling, penalty, min-p as in cat-generate ----
for opts, kw in [(["-s", 7], dict(seed=7)),
                 (["-s", 11, "--temp", 1.2, "--top-k", 0, "--top-p", 1], dict(seed=11, temp=1.2, top_k=0, top_p=1.0)),
                 (["-s", 3, "--repeat-penalty", 1.3, "--repeat-last-n", 32], dict(seed=3, repeat_penalty=1.3, repeat_last_n=32)),
                 (["-s", 5, "--min-p", 0.1, "--top-k", 0], dict(seed=5, min_p=0.1, top_k=0)),
                 (["-s", 9, "--frequency-penalty", 0.4, "--presence-penalty", 0.3], dict(seed=9, frequency_penalty=0.4, presence_penalty=0.3)),
                 (["--temp", 0, "--repeat-penalty", 1.5], dict(temp=0, repeat_penalty=1.5))]:
    want = gen_ids(CATM, "-p", PROMPT, "-n", 32, "--chunk", 8, *opts)
    got = m.tokenize(PROMPT) + m.generate(PROMPT, n=32, chunk=8, threads=1, ids=True, **kw)
    check(got == want, "sampling %s = cat-generate" % " ".join(str(o) for o in opts), (got, want))
stop_want = tool("cat-generate", "-m", CATM, "-t", 1, "-p", PROMPT, "-n", 40, "--temp", 0, "--stop", "LORD your").decode()
got = m.generate(PROMPT, n=40, temp=0, threads=1, stop=["LORD your"])
check(PROMPT + got + "\n" == stop_want, "stop string = cat-generate --stop", (got, stop_want))

# ---- sessions and logits ----
s = m.session(chunk=16, threads=1)
p = m.tokenize(PROMPT)
rows = s.feed(p, logits=True)
last = s.logits()
buf = s.logits_buffer()
arr = s.logits_array()
check(len(rows) == len(p) and len(last) == m.padded_vocab and rows[-1] == last and list(arr) == last and buf[5] == last[5],
      "logits: feed(logits=True) rows, logits() list, logits_array(), logits_buffer() agree")
first = max(range(m.vocab_size), key=lambda i: (last[i], -i))
check(first == m.generate(PROMPT, n=1, temp=0, threads=1, ids=True)[0], "argmax of the logits = the first greedy token")
check(s.pos == len(p) and s.chunk == 16 and s.max_context == m.block_size and s.kv_bytes > 0, "session: pos, chunk, max_context, kv_bytes")
s.reset()
check(s.pos == 0, "reset")
s.close()

# ---- session state: truncate, copy, save/load ----
ids40 = m.tokenize(text)[:20]
with m.session(chunk=4, threads=1, n_seq=2) as s:
    s.feed(ids40)
    s.truncate(9)
    after = s.feed([5, 6, 7], logits=True)
    check(s.tokens() == ids40[:9] + [5, 6, 7], "truncate: the tokens held")
    with m.session(chunk=4, threads=1) as f:
        f.feed(ids40[:9])
        want = f.feed([5, 6, 7], logits=True)
    check(after == want, "truncate then feed = a fresh session (logits equal)")
    blob = s.save_state()
    s.copy(0, 1)
    check(s.seq_pos(1) == 12 and s.logits(1) == s.logits(0), "copy: sequence 1 holds sequence 0")
    with m.session(chunk=4, threads=1) as r:
        r.load_state(blob)
        check(r.tokens() == s.tokens() and r.logits() == s.logits(), "load_state(save_state()): tokens and logits")
        r.feed([9])
        s.feed([9])
        check(r.logits() == s.logits(), "the restored state continues identically")
    try:
        with m.session(chunk=8, threads=1) as r:
            r.load_state(blob)
        check(False, "a state of chunk 4 refused at chunk 8")
    except cat.Error as e:
        check("does not belong" in str(e), "a state of chunk 4 refused at chunk 8: %s" % e)

# ---- the sampler's distribution: penalty as specified ----
smp = m.sampler(temp=1.0, top_k=0, top_p=1.0, repeat_penalty=2.0, repeat_last_n=4)
lg = [0.0] * m.vocab_size
lg[0], lg[1], lg[2] = 2.0, -2.0, 1.0
smp.accept(0)
smp.accept(1)
pr = smp.probs(lg)
pen = [1.0, -4.0, 1.0] + [0.0] * (m.vocab_size - 3)
z = sum(math.exp(v) for v in pen)
check(all(abs(pr[i] - math.exp(pen[i]) / z) < 1e-6 for i in range(m.vocab_size)), "Sampler.probs: penalty 2 divides +2 and multiplies -2")
smp.close()

# ---- perplexity = cat-ppl ----
val = os.path.join("models", "kjv", "kjv_val.ids")
with open(val, "rb") as f:
    raw = f.read(4 * 600)
vids = [int.from_bytes(raw[i:i + 4], "little", signed=True) for i in range(0, len(raw), 4)]
tmp = os.path.join(B, "py-val.ids")
with open(tmp, "wb") as f:
    f.write(raw)
for W, S in [(128, 0), (128, 32), (64, 48)]:
    want = json.loads(tool("cat-ppl", CATM, "--ids", tmp, "--window", W, "--stride", S or W, "--json", "-t", 1))
    loss, ppl, n = m.perplexity(vids, window=W, stride=S, threads=1)
    r = want["results"][0]
    check(abs(loss - r["loss"]) < 2e-6 and n == want["tokens"],
          "perplexity window %d stride %d: loss %.6f over %d tokens = cat-ppl" % (W, S or W, loss, n), (loss, n, want))
os.remove(tmp)

# ---- errors ----
try:
    cat.Model(os.path.join(B, "no-such-model.cat"))
    check(False, "a missing model raises cat.Error")
except cat.Error as e:
    check("no-such-model" in str(e) and e.code != 0, "a missing model raises cat.Error: %s" % e)
try:
    m.session(chunk=3)
    check(False, "chunk 3 raises cat.Error")
except cat.Error as e:
    check(True, "an unsupported chunk size raises cat.Error: %s" % e)
m.close()

print("%d passed, %d failed" % (n_pass, n_fail))
sys.exit(1 if n_fail else 0)
