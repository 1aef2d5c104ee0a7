"""cat.py: cat.h from Python, through ctypes over libcat.so (make lib).

No dependencies beyond the standard library and no compiled extension: the
module loads the shared library and calls its C API.

    import cat
    m = cat.Model("build/kjv_cat.cat")
    ids = m.tokenize("Genesis 1:1")
    print(m.generate("Genesis 1:1", n=32, temp=0))          # greedy
    print(m.generate("Genesis 1:1", n=32, temp=0.8, top_k=40, seed=1))
    s = m.session(chunk=16)
    s.feed(ids)
    row = s.logits()                  # list of padded_vocab floats
    loss, ppl, n = m.perplexity(ids_or_text, window=128, stride=64)

The library is found through $CAT_LIB (a path), then build/libcat.so next to
this directory, then the system's search (ctypes.util.find_library("cat")).
Errors raise cat.Error with the library's message.
MIT License, see LICENSE.
"""
import array
import ctypes
import ctypes.util
import math
import os

__all__ = ["Error", "Model", "Session", "Sampler", "load_library", "version"]

FAMILIES = {0: "dense", 1: "cat", 2: "cat_adaptive", 3: "cat_layer"}


class Error(Exception):
    """A cat.h call failed; .code is its cat_result."""

    def __init__(self, code, what):
        self.code = code
        Exception.__init__(self, "%s: %s" % (what, _lib().cat_result_string(code).decode()))


# ---- the C structures the module fills or reads ---------------------------
# Structures the library reads get room to spare: zero is every field's
# default, so fields added after these stay at their defaults.
class _ConfigHead(ctypes.Structure):
    # the leading fields of cat_config (the module reads only these)
    _fields_ = [("family", ctypes.c_int), ("vocab_size", ctypes.c_int32), ("padded_vocab", ctypes.c_int32),
                ("block_size", ctypes.c_int32), ("chunk_size", ctypes.c_int32), ("dim_fx", ctypes.c_int32)]


class _SessionParams(ctypes.Structure):
    _fields_ = [("chunk_size", ctypes.c_int32), ("max_context", ctypes.c_int32), ("n_batch", ctypes.c_int32),
                ("n_threads", ctypes.c_int32), ("n_seq", ctypes.c_int32), ("kv_type", ctypes.c_int),
                ("kv_budget_bytes", ctypes.c_uint64), ("bf16_dot", ctypes.c_int32), ("_spare", ctypes.c_char * 256)]


class _SamplerParams(ctypes.Structure):
    _fields_ = [("temperature", ctypes.c_float), ("top_k", ctypes.c_int32), ("top_p", ctypes.c_float),
                ("seed", ctypes.c_uint64), ("min_p", ctypes.c_float), ("repeat_penalty", ctypes.c_float),
                ("repeat_last_n", ctypes.c_int32), ("frequency_penalty", ctypes.c_float), ("presence_penalty", ctypes.c_float),
                ("_spare", ctypes.c_char * 256)]


_LIB = None


def load_library(path=None):
    """Load libcat.so (once); path overrides the search."""
    global _LIB
    if _LIB is not None and path is None:
        return _LIB
    cands = [path] if path else []
    if not path:
        if os.environ.get("CAT_LIB"):
            cands.append(os.environ["CAT_LIB"])
        here = os.path.dirname(os.path.abspath(__file__))
        cands.append(os.path.join(here, "..", "build", "libcat.so"))
        found = ctypes.util.find_library("cat")
        if found:
            cands.append(found)
        cands.append("libcat.so")
    err = None
    for c in cands:
        if os.sep in c and not os.path.exists(c):
            continue
        try:
            lib = ctypes.CDLL(c)
            break
        except OSError as e:
            err = e
    else:
        raise OSError("cannot load libcat.so (build it with `make lib`, or set CAT_LIB): %s" % err)
    _declare(lib)
    _LIB = lib
    return lib


def _lib():
    return load_library()


def _declare(lib):
    P, I32, SZ, F = ctypes.c_void_p, ctypes.c_int32, ctypes.c_size_t, ctypes.POINTER(ctypes.c_float)
    I32P, SZP = ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_size_t)
    sig = {
        "cat_result_string": (ctypes.c_char_p, [ctypes.c_int]),
        "cat_model_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(P), ctypes.c_char_p, SZ]),
        "cat_model_close": (None, [P]),
        "cat_model_config": (ctypes.POINTER(_ConfigHead), [P]),
        "cat_model_tokenizer": (P, [P]),
        "cat_model_chunk_ok": (ctypes.c_int, [P, I32]),
        "cat_session_open": (ctypes.c_int, [P, ctypes.POINTER(_SessionParams), ctypes.POINTER(P)]),
        "cat_session_feed": (ctypes.c_int, [P, I32P, SZ, F]),
        "cat_session_feed_multi": (ctypes.c_int, [P, I32P, I32P, SZ, F]),
        "cat_session_logits": (F, [P]),
        "cat_session_seq_logits": (F, [P, I32]),
        "cat_session_seq_pos": (I32, [P, I32]),
        "cat_session_pos": (I32, [P]),
        "cat_session_chunk": (I32, [P]),
        "cat_session_max_context": (I32, [P]),
        "cat_session_kv_bytes": (SZ, [P]),
        "cat_session_reset": (None, [P]),
        "cat_session_seq_tokens": (I32P, [P, I32]),
        "cat_session_seq_truncate": (ctypes.c_int, [P, I32, I32]),
        "cat_session_seq_copy": (ctypes.c_int, [P, I32, I32]),
        "cat_session_seq_state_size": (SZ, [P, I32]),
        "cat_session_seq_state_save": (ctypes.c_int, [P, I32, ctypes.c_void_p, SZ, SZP]),
        "cat_session_seq_state_load": (ctypes.c_int, [P, I32, ctypes.c_char_p, SZ]),
        "cat_session_close": (None, [P]),
        "cat_tokenizer_encode": (ctypes.c_int, [P, ctypes.c_char_p, SZ, I32P, SZ, SZP]),
        "cat_tokenizer_decode": (ctypes.c_int, [P, I32P, SZ, ctypes.c_char_p, SZ, SZP]),
        "cat_tokenizer_token_bytes": (ctypes.POINTER(ctypes.c_char), [P, I32, SZP]),
        "cat_tokenizer_find": (I32, [P, ctypes.c_char_p, SZ]),
        "cat_tokenizer_eot": (I32, [P]),
        "cat_tokenizer_vocab_size": (ctypes.c_uint32, [P]),
        "cat_sampler_init": (ctypes.c_int, [P, ctypes.POINTER(_SamplerParams), I32]),
        "cat_sampler_sample": (ctypes.c_int, [P, F, I32P]),
        "cat_sampler_accept": (None, [P, I32]),
        "cat_sampler_probs": (ctypes.c_int, [P, F, F]),
        "cat_sampler_free": (None, [P]),
        "cat_kernels": (ctypes.c_char_p, []),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args


def version():
    """The library's kernels ("avx512vnni", "avx512", "avx2", "neon", "neon-dotprod", "scalar")."""
    return _lib().cat_kernels().decode()


def _check(code, what):
    if code:
        raise Error(code, what)


def _ids_array(ids):
    ids = list(ids)
    return (ctypes.c_int32 * max(1, len(ids)))(*ids), len(ids)


class _Closing(object):
    """with-statement and garbage-collection support for objects with close()"""

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Model(_Closing):
    """A model file, opened read-only (mapped); shared by its sessions."""

    def __init__(self, path, lib=None):
        self._lib = load_library(lib) if lib else _lib()
        self._m = ctypes.c_void_p()
        err = ctypes.create_string_buffer(512)
        code = self._lib.cat_model_open(os.fsencode(path), ctypes.byref(self._m), err, len(err))
        if code:
            raise Error(code, "%s: %s" % (path, err.value.decode(errors="replace")))
        c = self._lib.cat_model_config(self._m).contents
        self.family = FAMILIES.get(c.family, str(c.family))
        self.vocab_size, self.padded_vocab = c.vocab_size, c.padded_vocab
        self.block_size, self.chunk_size = c.block_size, c.chunk_size
        self._tok = self._lib.cat_model_tokenizer(self._m)
        self.eot = self._lib.cat_tokenizer_eot(self._tok) if self._tok else -1

    def close(self):
        if self._m:
            self._lib.cat_model_close(self._m)
            self._m = None

    # ---- tokenizer ----
    def _need_tok(self):
        if not self._tok:
            raise ValueError("the model file holds no tokenizer")

    def tokenize(self, text):
        """Token ids of text (str or bytes)."""
        self._need_tok()
        b = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        cap = len(b) + 1
        out = (ctypes.c_int32 * cap)()
        n = ctypes.c_size_t()
        _check(self._lib.cat_tokenizer_encode(self._tok, b, len(b), out, cap, ctypes.byref(n)), "tokenize")
        return list(out[:n.value])

    def token_bytes(self, token):
        """The bytes of one token."""
        self._need_tok()
        n = ctypes.c_size_t()
        p = self._lib.cat_tokenizer_token_bytes(self._tok, token, ctypes.byref(n))
        return ctypes.string_at(p, n.value) if p else b""

    def detokenize(self, ids):
        """The text of ids (bytes that are not UTF-8 replaced)."""
        return b"".join(self.token_bytes(t) for t in ids).decode("utf-8", errors="replace")

    # ---- sessions, sampling ----
    def session(self, chunk=0, ctx=0, threads=0, n_seq=1, n_batch=0, kv_type="f32", kv_budget=0):
        return Session(self, chunk=chunk, ctx=ctx, threads=threads, n_seq=n_seq, n_batch=n_batch, kv_type=kv_type, kv_budget=kv_budget)

    def sampler(self, **kw):
        return Sampler(self, **kw)

    def generate(self, prompt="", n=128, temp=0.8, top_k=40, top_p=0.95, min_p=0.0, repeat_penalty=1.0,
                 repeat_last_n=64, frequency_penalty=0.0, presence_penalty=0.0, seed=0, chunk=0, ctx=0, threads=0,
                 stop=(), ids=False):
        """Text generated after prompt (a str, or a list of ids), as cat-generate
        makes it: n tokens at most, ending at <|endoftext|>, a full context or a
        stop string (not included). ids=True returns the generated ids instead."""
        toks = list(prompt) if isinstance(prompt, (list, tuple)) else (self.tokenize(prompt) if prompt else [])
        if not toks:
            if self.eot < 0:
                raise ValueError("empty prompt and no <|endoftext|> to start from")
            toks = [self.eot]
        s = self.session(chunk=chunk, ctx=ctx, threads=threads)
        smp = self.sampler(temp=temp, top_k=top_k, top_p=top_p, min_p=min_p, repeat_penalty=repeat_penalty,
                           repeat_last_n=repeat_last_n if repeat_last_n >= 0 else s.max_context,
                           frequency_penalty=frequency_penalty, presence_penalty=presence_penalty, seed=seed)
        try:
            for t in toks:
                smp.accept(t)
            s.feed(toks)
            out, text = [], b""
            while len(out) < n:
                t = smp.sample(s._logits_ptr())
                if t == self.eot:
                    break
                out.append(t)
                if stop:
                    text += self.token_bytes(t)
                    hit = [text.find(x.encode()) for x in stop if text.find(x.encode()) >= 0]
                    if hit:
                        cut = min(hit)
                        return text[:cut].decode("utf-8", errors="replace") if not ids else out
                if len(out) == n or s.pos >= s.max_context:
                    break
                s.feed([t])
            return out if ids else self.detokenize(out)
        finally:
            smp.close()
            s.close()

    def perplexity(self, tokens, window=0, stride=0, chunk=0, threads=0):
        """(loss, perplexity, tokens scored) over windows of `window` tokens
        (default: the block size), `stride` apart (default: the window), each
        scoring its last `stride` predictions: cat-ppl's --window/--stride."""
        ids = self.tokenize(tokens) if isinstance(tokens, (str, bytes)) else list(tokens)
        W = window or self.block_size
        S = stride or W
        if not (1 <= S <= W <= self.block_size):
            raise ValueError("need 1 <= stride <= window <= block size")
        if len(ids) < W + 1:
            raise ValueError("%d tokens do not fill one window of %d (+1 target)" % (len(ids), W))
        nwin = (len(ids) - 1 - W) // S + 1
        PV = self.padded_vocab
        s = self.session(chunk=chunk, ctx=W, threads=threads)
        buf = (ctypes.c_float * (PV * S))()
        total = 0.0
        try:
            for w in range(nwin):
                base = w * S
                s.reset()
                if S < W:
                    s.feed(ids[base:base + W - S])
                s.feed(ids[base + W - S:base + W], logits_out=buf)
                rows = memoryview(buf).cast("B").cast("f")
                for j in range(S):
                    row = rows[j * PV:(j + 1) * PV]
                    mx = max(row)
                    se = 0.0
                    for v in row:
                        se += math.exp(v - mx)
                    total += (mx + math.log(se)) - row[ids[base + W - S + j + 1]]
        finally:
            s.close()
        count = nwin * S
        loss = total / count
        return loss, math.exp(loss), count


class Session(_Closing):
    """A KV cache and the state of n_seq sequences (cat_session)."""

    def __init__(self, model, chunk=0, ctx=0, threads=0, n_seq=1, n_batch=0, kv_type="f32", kv_budget=0):
        """kv_type: the KV cache's entries, "f32", "bf16" or "q8"; kv_budget: bytes the
        KV cache of all sequences may take at ctx tokens (0: no limit; an adaptive
        CAT then takes the smallest chunk size that fits)."""
        self.model = model
        self._lib = model._lib
        p = _SessionParams()
        p.chunk_size, p.max_context, p.n_threads, p.n_seq, p.n_batch = chunk, ctx, threads, n_seq, n_batch
        p.kv_type = {"f32": 0, "bf16": 1, "q8": 2}[kv_type]
        p.kv_budget_bytes = kv_budget
        self._s = ctypes.c_void_p()
        _check(self._lib.cat_session_open(model._m, ctypes.byref(p), ctypes.byref(self._s)), "cat_session_open")

    def close(self):
        if self._s:
            self._lib.cat_session_close(self._s)
            self._s = None

    def feed(self, ids, logits=False, logits_out=None):
        """Feed token ids. logits=True returns every position's logits as a list
        of rows (lists); logits_out: a ctypes float array of len(ids) * padded_vocab
        to fill instead."""
        arr, n = _ids_array(ids)
        out = None
        if logits_out is not None:
            out = ctypes.cast(logits_out, ctypes.POINTER(ctypes.c_float))
        elif logits:
            logits_out = (ctypes.c_float * (n * self.model.padded_vocab))()
            out = ctypes.cast(logits_out, ctypes.POINTER(ctypes.c_float))
        _check(self._lib.cat_session_feed(self._s, arr, n, out), "cat_session_feed")
        if logits and out is not None:
            PV = self.model.padded_vocab
            flat = list(logits_out)
            return [flat[i * PV:(i + 1) * PV] for i in range(n)]
        return None

    def feed_multi(self, seqs, ids):
        """Batched: ids[i] goes to sequence seqs[i]."""
        sa, n = _ids_array(seqs)
        ta, m = _ids_array(ids)
        if n != m:
            raise ValueError("seqs and ids differ in length")
        _check(self._lib.cat_session_feed_multi(self._s, sa, ta, n, None), "cat_session_feed_multi")

    def _logits_ptr(self, seq=None):
        p = self._lib.cat_session_logits(self._s) if seq is None else self._lib.cat_session_seq_logits(self._s, seq)
        if not p:
            raise ValueError("no token fed yet")
        return p

    def logits_buffer(self, seq=None):
        """The logits after the last fed token as a memoryview of padded_vocab
        floats, without a copy (valid until the next feed)."""
        p = self._logits_ptr(seq)
        arr = (ctypes.c_float * self.model.padded_vocab).from_address(ctypes.addressof(p.contents))
        return memoryview(arr).cast("B").cast("f")

    def logits(self, seq=None):
        """The logits after the last fed token, a list of padded_vocab floats."""
        return self.logits_buffer(seq).tolist()

    def logits_array(self, seq=None):
        """... as an array.array('f') (a copy)."""
        return array.array("f", self.logits_buffer(seq))

    def reset(self):
        self._lib.cat_session_reset(self._s)

    # ---- state: rewind, fork, save, restore ----
    def tokens(self, seq=0):
        """The tokens sequence seq holds."""
        p = self._lib.cat_session_seq_tokens(self._s, seq)
        return list(p[:self.seq_pos(seq)]) if p else []

    def truncate(self, n, seq=0):
        """Rewind sequence seq to its first n tokens (as if never fed more)."""
        _check(self._lib.cat_session_seq_truncate(self._s, seq, n), "cat_session_seq_truncate")

    def copy(self, src, dst):
        """Sequence dst becomes a copy of sequence src."""
        _check(self._lib.cat_session_seq_copy(self._s, src, dst), "cat_session_seq_copy")

    def save_state(self, seq=0):
        """Sequence seq's state as bytes (for load_state)."""
        n = self._lib.cat_session_seq_state_size(self._s, seq)
        buf = ctypes.create_string_buffer(max(1, n))
        wrote = ctypes.c_size_t()
        _check(self._lib.cat_session_seq_state_save(self._s, seq, buf, n, ctypes.byref(wrote)), "cat_session_seq_state_save")
        return buf.raw[:wrote.value]

    def load_state(self, data, seq=0):
        """Restore a state from save_state (same model and chunk size)."""
        data = bytes(data)
        _check(self._lib.cat_session_seq_state_load(self._s, seq, data, len(data)), "cat_session_seq_state_load")

    @property
    def pos(self):
        return self._lib.cat_session_pos(self._s)

    def seq_pos(self, seq):
        return self._lib.cat_session_seq_pos(self._s, seq)

    @property
    def chunk(self):
        return self._lib.cat_session_chunk(self._s)

    @property
    def max_context(self):
        return self._lib.cat_session_max_context(self._s)

    @property
    def kv_bytes(self):
        return self._lib.cat_session_kv_bytes(self._s)


class Sampler(object):
    """cat_sampler: temperature (0 = greedy), top_k, top_p, min_p, the
    penalties over the last repeat_last_n tokens (repeat_penalty,
    frequency_penalty, presence_penalty), and its own RNG (seed)."""

    _SIZE = 512   # room for struct cat_sampler (opaque here)

    def __init__(self, model, temp=0.8, top_k=40, top_p=0.95, min_p=0.0, repeat_penalty=1.0, repeat_last_n=64,
                 frequency_penalty=0.0, presence_penalty=0.0, seed=0):
        self.model = model
        self._lib = model._lib
        p = _SamplerParams()
        p.temperature, p.top_k, p.top_p, p.seed = temp, top_k, top_p, seed
        off = repeat_last_n == 0   # as in cat-generate: no history, no penalties
        p.min_p, p.repeat_last_n = min_p, repeat_last_n
        p.repeat_penalty = 1.0 if off else repeat_penalty
        p.frequency_penalty, p.presence_penalty = (0.0, 0.0) if off else (frequency_penalty, presence_penalty)
        self._buf = ctypes.create_string_buffer(self._SIZE)
        self._p = ctypes.cast(self._buf, ctypes.c_void_p)
        self._ok = False
        _check(self._lib.cat_sampler_init(self._p, ctypes.byref(p), model.vocab_size), "cat_sampler_init")
        self._ok = True

    def close(self):
        if self._ok:
            self._lib.cat_sampler_free(self._p)
            self._ok = False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @staticmethod
    def _as_ptr(logits):
        if isinstance(logits, ctypes.POINTER(ctypes.c_float)):
            return logits, None
        arr = (ctypes.c_float * len(logits))(*logits)
        return ctypes.cast(arr, ctypes.POINTER(ctypes.c_float)), arr

    def sample(self, logits):
        """Draw a token from logits (a list, array, or a session's pointer)."""
        p, keep = self._as_ptr(logits)
        t = ctypes.c_int32(-1)
        _check(self._lib.cat_sampler_sample(self._p, p, ctypes.byref(t)), "cat_sampler_sample")
        return t.value

    def accept(self, token):
        """Record a token the sampler did not pick (for the penalty)."""
        self._lib.cat_sampler_accept(self._p, token)

    def probs(self, logits):
        """The distribution sample() draws from, a list of vocab_size floats."""
        p, keep = self._as_ptr(logits)
        out = (ctypes.c_float * self.model.vocab_size)()
        _check(self._lib.cat_sampler_probs(self._p, p, out), "cat_sampler_probs")
        return list(out)
