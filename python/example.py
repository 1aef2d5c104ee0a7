"""example.py: cat.h from Python (ctypes over libcat.so; build it with `make lib`).

    python3 python/example.py MODEL [PROMPT]

Generates greedily and with sampling, shows the next-token distribution, and
scores the prompt's own text.
"""
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cat  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else "build/kjv_cat.cat"
prompt = sys.argv[2] if len(sys.argv) > 2 else "Genesis 1:1"

with cat.Model(path) as m:
    print("%s: %s, vocabulary %d, context %d, kernels %s" % (path, m.family, m.vocab_size, m.block_size, cat.version()))
    ids = m.tokenize(prompt)
    print("prompt ids:", ids)

    print("\ngreedy:  ", prompt + m.generate(prompt, n=48, temp=0))
    print("\nsampled: ", prompt + m.generate(prompt, n=48, temp=0.8, top_k=40, top_p=0.95, repeat_penalty=1.1, seed=42))

    # the next-token distribution after the prompt, from the raw logits
    with m.session() as s:
        s.feed(ids)
        logits = s.logits()                       # a list of padded_vocab floats
        probs = m.sampler(temp=1.0, top_k=0, top_p=1.0).probs(logits)
        top = sorted(range(m.vocab_size), key=lambda i: -probs[i])[:5]
        print("\nnext token after the prompt:")
        for t in top:
            print("  %-12r p = %.3f (logit %.2f)" % (m.token_bytes(t).decode("utf-8", "replace"), probs[t], logits[t]))

    text = prompt + m.generate(prompt, n=256, temp=0)
    toks = m.tokenize(text)
    if len(toks) > 65:
        loss, ppl, n = m.perplexity(toks, window=64, stride=32)
        print("\nperplexity of the greedy text (window 64, stride 32): %.3f over %d tokens" % (ppl, n))
