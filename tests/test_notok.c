/* test_notok: cat.h built with CAT_NO_TOKENIZER leaves the tokenizer out (its
   declarations, its code and its Unicode tables) and still loads a model file
   that holds a tokenizer section (skipped: cat_model_tokenizer returns NULL) and
   runs it. The definitions below would clash with anything left in.
   usage: test_notok MODEL
   MIT License, see LICENSE. */
#define CAT_NO_TOKENIZER
#define CAT_IMPLEMENTATION
#include "cat.h"
#include "harness.h"

#include <stdlib.h>

static int cat_tokenizer_encode = 1;      /* clashes with a declaration of the function */
static const int cat__uni_letter = 2;     /* clashes with the Unicode letter table */
struct cat_tokenizer { int defined_here; }; /* clashes with the tokenizer's definition */

int main(int argc, char **argv) {
    cat_model *m = NULL;
    char err[256];
    cat_result r;
    struct cat_tokenizer t;
    t.defined_here = cat_tokenizer_encode + cat__uni_letter;
    if (argc != 2) { fprintf(stderr, "usage: test_notok MODEL\n"); return 2; }
    r = cat_model_open(argv[1], &m, err, sizeof err);
    CHECK(r == CAT_OK && t.defined_here == 3, "cat_model_open %s: %s", argv[1], r ? err : "");
    if (r == CAT_OK) {
        const cat_config *cfg = cat_model_config(m);
        int32_t toks[4] = { 1, 2, 3, 4 };
        float *lg = (float *)malloc(sizeof(float) * 4 * (size_t)cfg->padded_vocab);
        CHECK(cat_model_tokenizer(m) == NULL, "no tokenizer without the tokenizer section");
        CHECK(lg && cat_forward(m, 0, toks, 4, lg) == CAT_OK, "a forward without the tokenizer");
        free(lg);
        cat_model_close(m);
    }
    return test_report();
}
