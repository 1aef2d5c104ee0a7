#!/usr/bin/env python3
# gguf-random.py: a llama-architecture GGUF of random weights with the shapes of
# a cat.h dense model, for timing llama.cpp next to cat-bench (tools/vs-llamacpp.sh).
# Needs llama.cpp's gguf-py (pure Python over numpy): pass its folder with
# --gguf-py or put it on PYTHONPATH.
#   gguf-random.py OUT.gguf --dim 2048 --layers 12 --heads 16 --ffn 5632
#                  --vocab 32000 --ctx 1024 --type f32|bf16|q8_0|q4_0 [--gguf-py DIR]
# MIT License, see LICENSE.
import argparse, sys

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--dim", type=int, required=True)
ap.add_argument("--layers", type=int, required=True)
ap.add_argument("--heads", type=int, required=True)
ap.add_argument("--ffn", type=int, required=True)
ap.add_argument("--vocab", type=int, default=32000)
ap.add_argument("--ctx", type=int, default=1024)
ap.add_argument("--type", default="f32", choices=["f32", "bf16", "q8_0", "q4_0"])
ap.add_argument("--gguf-py", default=None)
a = ap.parse_args()
if a.gguf_py:
    sys.path.insert(0, a.gguf_py)
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

qt = {"f32": Q.F32, "bf16": Q.BF16, "q8_0": Q.Q8_0, "q4_0": Q.Q4_0}[a.type]
D, F, V, L = a.dim, a.ffn, a.vocab, a.layers

# (name, rows, cols, quantized?): norms stay f32, as llama.cpp's converters write them
specs = [("token_embd.weight", V, D, True), ("output_norm.weight", 1, D, False), ("output.weight", V, D, True)]
for i in range(L):
    b = "blk.%d." % i
    specs += [(b + "attn_norm.weight", 1, D, False), (b + "attn_q.weight", D, D, True), (b + "attn_k.weight", D, D, True),
              (b + "attn_v.weight", D, D, True), (b + "attn_output.weight", D, D, True), (b + "ffn_norm.weight", 1, D, False),
              (b + "ffn_gate.weight", F, D, True), (b + "ffn_up.weight", F, D, True), (b + "ffn_down.weight", D, F, True)]

def ttype(k, quant):
    # q4_0: the embeddings and output as Q8_0, the same bytes as cat-convert --dtype q4
    if not quant or qt == Q.F32:
        return Q.F32
    return Q.Q8_0 if qt == Q.Q4_0 and k < 3 else qt

def tensor(k, rows, cols, quant):
    rng = np.random.default_rng(1000 + k)
    if rows == 1:
        return np.ones(cols, dtype=np.float32), Q.F32
    w = (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float32)
    t = ttype(k, quant)
    if t == Q.F32:
        return w, Q.F32
    return gguf.quants.quantize(w, t), t

w = gguf.GGUFWriter(a.out, "llama")
w.add_context_length(a.ctx)
w.add_embedding_length(D)
w.add_block_count(L)
w.add_feed_forward_length(F)
w.add_head_count(a.heads)
w.add_head_count_kv(a.heads)
w.add_layer_norm_rms_eps(1e-5)
w.add_rope_freq_base(10000.0)
w.add_vocab_size(V)
w.add_file_type({Q.F32: 0, Q.BF16: 32, Q.Q8_0: 7, Q.Q4_0: 2}[qt])
# a placeholder SentencePiece-style vocabulary: <unk>, <s>, </s>, then one token per id
w.add_tokenizer_model("llama")
w.add_token_list(["<unk>", "<s>", "</s>"] + ["t%d" % i for i in range(3, V)])
w.add_token_scores([0.0] * V)
w.add_token_types([2, 3, 3] + [1] * (V - 3))
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
for k, (name, rows, cols, quant) in enumerate(specs):   # first the directory ...
    t, dt = tensor(k, rows, cols, quant) if rows == 1 else (None, None)
    if rows == 1:
        w.add_tensor_info(name, t.shape, t.dtype, t.nbytes)
    else:
        eff = ttype(k, quant)
        bs, ts = gguf.GGML_QUANT_SIZES[eff]
        nbytes = rows * cols // bs * ts
        w.add_tensor_info(name, (rows, cols * ts // bs) if eff not in (Q.F32,) else (rows, cols),
                          np.uint8 if eff not in (Q.F32,) else np.float32, nbytes, raw_dtype=None if eff == Q.F32 else eff)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_ti_data_to_file()
for k, (name, rows, cols, quant) in enumerate(specs):   # ... then the data, one tensor at a time
    t, dt = tensor(k, rows, cols, quant)
    w.write_tensor_data(t.view(np.uint8) if t.dtype == np.uint16 else t)
w.close()
