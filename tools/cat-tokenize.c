/* cat-tokenize - encode stdin to token ids, or decode ids back to text.
 *
 *   cat-tokenize (MODEL | --tokenizer tokenizer.json | --vocab vocab.json --merges merges.txt) [TEXT] [--pieces | --decode]
 *
 * Encode (default): TEXT (or -p TEXT, or all of stdin), prints the ids space-separated
 * on one line; --pieces prints one token per line, id and piece.
 * --decode: reads whitespace-separated ids from stdin, writes the decoded bytes.
 * Standard input may be a file or a pipe of at most 256 MiB.
 *
 * MIT License (see LICENSE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#define TOKFILE_IMPLEMENTATION
#include "tokfile.h"

#ifndef CAT_LINKED   /* the Makefile links one compiled implementation (build/cat_impl.o) into every tool */
#define CAT_IMPLEMENTATION
#endif
#include "../cat.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cat-tokenize (MODEL | --tokenizer tokenizer.json | --vocab vocab.json --merges merges.txt)\n"
            "                    [TEXT | -p TEXT] [--pieces | --decode]\n"
            "\n"
            "Encode (default): TEXT given as an argument, or else all of stdin; prints the token\n"
            "ids space-separated on one line.\n"
            "--decode: read whitespace-separated token ids from stdin, write the decoded bytes to stdout.\n"
            "Standard input (a file or a pipe) may hold at most 256 MiB.\n"
            "\n"
            "  MODEL                    a converted cat.h model file (uses its embedded tokenizer)\n"
            "  --tokenizer FILE         HuggingFace tokenizer.json (byte-level BPE)\n"
            "  --vocab FILE --merges FILE  GPT-2 vocab.json and merges.txt\n"
            "  TEXT, -p, --prompt TEXT  the text to encode (default: read stdin)\n"
            "  --pieces                 one token per line: its id and its piece (bytes that are\n"
            "                           not printable ASCII written as \\xNN, as \\n, \\t, \\\\)\n"
            "  --decode                 decode instead of encode\n"
            "  --version                print the version and exit\n"
            "  -h, --help               show this text\n");
}

static const char *const known_options[] = {"--tokenizer", "--vocab", "--merges", "-p", "--prompt", "--pieces", "--decode", "--version", "-h", "--help", NULL};

/* id and piece, the piece's bytes escaped so that one token stays on one line */
static void print_piece(const cat_tokenizer *tok, int32_t id)
{
    size_t len = 0, k;
    const char *p = cat_tokenizer_token_bytes(tok, id, &len);
    printf("%6ld -> '", (long)id);
    for (k = 0; p && k < len; k++) {
        unsigned char c = (unsigned char)p[k];
        if (c == '\\') fputs("\\\\", stdout);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c < 0x20 || c >= 0x7f) printf("\\x%02X", c);
        else putchar(c);
    }
    fputs("'\n", stdout);
}

static const char *result_str(cat_result rc)
{
    return cat_result_string(rc);
}

int main(int argc, char **argv)
{
    const char *model = NULL, *tok_json = NULL, *vocab = NULL, *merges = NULL, *text = NULL, *pos[2] = {NULL, NULL};
    int decode = 0, pieces = 0, n_pos = 0, i, status = 1;
    char err[512];
    tokfile tf;
    cat_tokenizer *owned = NULL;
    const cat_tokenizer *tok = NULL;
    char *in = NULL;
    size_t in_len = 0;
    cat_model *cm = NULL;

    memset(&tf, 0, sizeof tf);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); return 0; }
        else if (strcmp(a, "--version") == 0) { cli_version("cat-tokenize"); return 0; }
        else if (strcmp(a, "--decode") == 0) decode = 1;
        else if (strcmp(a, "--pieces") == 0) pieces = 1;
        else if (strcmp(a, "-p") == 0 || strcmp(a, "--prompt") == 0) {
            if (i + 1 >= argc) { fprintf(stderr, "cat-tokenize: %s needs the text\n", a); return 2; }
            if (text) { fprintf(stderr, "cat-tokenize: give the text once\n"); return 2; }
            text = argv[++i];
        }
        else if (strcmp(a, "--tokenizer") == 0 || strcmp(a, "--vocab") == 0 || strcmp(a, "--merges") == 0) {
            if (i + 1 >= argc) { fprintf(stderr, "cat-tokenize: %s needs a file name\n", a); return 2; }
            if (a[2] == 't') tok_json = argv[++i];
            else if (a[2] == 'v') vocab = argv[++i];
            else merges = argv[++i];
        } else if (a[0] == '-' && a[1] != 0) return cli_unknown("cat-tokenize", a, known_options);
        else if (n_pos < 2) pos[n_pos++] = a;
        else { fprintf(stderr, "cat-tokenize: unexpected argument '%s' (one MODEL and one TEXT at most; try --help)\n", a); return 2; }
    }
    /* positional: MODEL then TEXT; with --tokenizer or --vocab/--merges only TEXT */
    if (tok_json || vocab || merges) {
        if (n_pos == 2) { fprintf(stderr, "cat-tokenize: unexpected argument '%s' (the tokenizer is given by option; try --help)\n", pos[1]); return 2; }
        if (n_pos == 1) { if (text) { fprintf(stderr, "cat-tokenize: give the text once\n"); return 2; } text = pos[0]; }
    } else {
        model = pos[0];
        if (n_pos == 2) { if (text) { fprintf(stderr, "cat-tokenize: give the text once\n"); return 2; } text = pos[1]; }
    }
    if (decode && (pieces || text)) { fprintf(stderr, "cat-tokenize: --decode reads ids from stdin; it takes no TEXT nor --pieces\n"); return 2; }
    if ((model != NULL) + (tok_json != NULL) + (vocab != NULL || merges != NULL) != 1) {
        fprintf(stderr, "cat-tokenize: give exactly one of MODEL, --tokenizer FILE, or --vocab FILE --merges FILE (try --help)\n");
        return 2;
    }
    if ((vocab != NULL) != (merges != NULL)) {
        fprintf(stderr, "cat-tokenize: --vocab and --merges go together\n");
        return 2;
    }

    if (model) {
        cat_result rc = cat_model_open(model, &cm, err, sizeof err);
        if (rc != CAT_OK) { fprintf(stderr, "cat-tokenize: %s: %s\n", model, err[0] ? err : result_str(rc)); return 1; }
        tok = cat_model_tokenizer(cm);
        if (!tok) { fprintf(stderr, "cat-tokenize: %s: %s\n", model, result_str(CAT_ERR_NO_TOKENIZER)); goto done; }
    } else {
        cat_result rc;
        int ok = (tok_json ? tokfile_load_hf(&tf, tok_json, err, sizeof err) : tokfile_load_gpt2(&tf, vocab, merges, err, sizeof err)) == 0;
        if (!ok) { fprintf(stderr, "cat-tokenize: %s\n", err); return 1; }
        rc = cat_tokenizer_create(&owned, tf.n_vocab, (const char *const *)tf.tokens, tf.lens, tf.n_merges, tf.merges, tf.n_special, tf.special);
        if (rc != CAT_OK) { fprintf(stderr, "cat-tokenize: cannot build the tokenizer (%s)\n", result_str(rc)); goto done; }
        tok = owned;
    }

    if (text) {
        in_len = strlen(text);
        in = (char *)malloc(in_len + 1);
        if (!in) { fprintf(stderr, "cat-tokenize: out of memory\n"); goto done; }
        memcpy(in, text, in_len + 1);
    } else {
        /* standard input, a pipe or a file, up to UTIL_LIMIT_TEXT (256 MiB) */
        in = (char *)util_read_input("-", UTIL_LIMIT_TEXT, "text input", 1, &in_len, err, sizeof err);
        if (!in) { fprintf(stderr, "cat-tokenize: %s\n", err); goto done; }
    }

    if (!decode) {
        size_t n = 0, k;
        int32_t *ids = (int32_t *)malloc((in_len ? in_len : 1) * sizeof(int32_t));
        cat_result rc;
        if (!ids) { fprintf(stderr, "cat-tokenize: out of memory\n"); goto done; }
        rc = cat_tokenizer_encode(tok, in, in_len, ids, in_len, &n);
        if (rc != CAT_OK) { fprintf(stderr, "cat-tokenize: encode failed (%s)\n", result_str(rc)); free(ids); goto done; }
        if (pieces) for (k = 0; k < n; k++) print_piece(tok, ids[k]);
        else {
            for (k = 0; k < n; k++) printf(k ? " %ld" : "%ld", (long)ids[k]);
            printf("\n");
        }
        free(ids);
    } else {
        size_t pos = 0, k = 0, cap = 0;
        int32_t *ids = NULL;
        uint32_t nv = cat_tokenizer_vocab_size(tok);
        while (pos < in_len) {
            unsigned long v = 0;
            size_t start;
            while (pos < in_len && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\v' || in[pos] == '\f')) pos++;
            if (pos == in_len) break;
            start = pos;
            while (pos < in_len && in[pos] >= '0' && in[pos] <= '9') {
                if (v <= 0x7FFFFFFFul) v = v * 10 + (unsigned long)(in[pos] - '0'); /* saturates above INT32_MAX */
                pos++;
            }
            if (pos == start || (pos < in_len && !(in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\v' || in[pos] == '\f'))) {
                fprintf(stderr, "cat-tokenize: input token %lu is not a number (byte offset %lu)\n", (unsigned long)k + 1, (unsigned long)start);
                free(ids);
                goto done;
            }
            if (v >= nv) {
                fprintf(stderr, "cat-tokenize: id %.*s out of range (vocabulary size %lu)\n", (int)(pos - start), in + start, (unsigned long)nv);
                free(ids);
                goto done;
            }
            if (k == cap) {
                int32_t *ni;
                cap = cap ? cap * 2 : 4096;
                ni = (int32_t *)realloc(ids, cap * sizeof(int32_t));
                if (!ni) { fprintf(stderr, "cat-tokenize: out of memory\n"); free(ids); goto done; }
                ids = ni;
            }
            ids[k++] = (int32_t)v;
        }
        {
            size_t out_len = 0;
            cat_result rc = cat_tokenizer_decode(tok, ids, k, NULL, 0, &out_len);
            char *out = (char *)malloc(out_len ? out_len : 1);
            if (rc != CAT_OK && rc != CAT_ERR_BUFFER) { fprintf(stderr, "cat-tokenize: decode failed (%s)\n", result_str(rc)); free(out); free(ids); goto done; }
            if (!out) { fprintf(stderr, "cat-tokenize: out of memory\n"); free(ids); goto done; }
            rc = cat_tokenizer_decode(tok, ids, k, out, out_len, &out_len);
            if (rc != CAT_OK) { fprintf(stderr, "cat-tokenize: decode failed (%s)\n", result_str(rc)); free(out); free(ids); goto done; }
            if (out_len && fwrite(out, 1, out_len, stdout) != out_len) { fprintf(stderr, "cat-tokenize: write error\n"); free(out); free(ids); goto done; }
            free(out);
        }
        free(ids);
    }
    if (fflush(stdout) != 0) { fprintf(stderr, "cat-tokenize: write error: %s\n", strerror(errno)); goto done; }
    status = 0;
done:
    free(in);
    cat_tokenizer_free(owned);
    tokfile_free(&tf);
    if (cm) cat_model_close(cm);
    return status;
}
