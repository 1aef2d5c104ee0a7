/* greedy.c: a program built against the installed library rather than with
   the implementation compiled in:

       cc greedy.c $(pkg-config --cflags --libs cat) -o greedy
       ./greedy MODEL N ID...

   feeds the token ids ID... and prints them followed by the N greedy next
   tokens (fewer if the context fills), space-separated, as cat-generate
   --temp 0 --ids does.
   MIT License, see LICENSE. */
#include <cat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    cat_model *m;
    cat_session *s;
    cat_session_params sp;
    const cat_config *cfg;
    char err[256];
    int32_t *ids, t;
    int i, n, n_ids = argc - 3, status = 1;
    cat_result r;
    if (argc < 4) { fprintf(stderr, "usage: greedy MODEL N ID...\n"); return 2; }
    n = atoi(argv[2]);
    if (cat_model_open(argv[1], &m, err, sizeof err)) { fprintf(stderr, "greedy: %s\n", err); return 1; }
    cfg = cat_model_config(m);
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)n_ids);
    if (!ids) { cat_model_close(m); return 1; }
    for (i = 0; i < n_ids; i++) ids[i] = (int32_t)atol(argv[3 + i]);
    memset(&sp, 0, sizeof sp);   /* zero = defaults */
    r = cat_session_open(m, &sp, &s);
    if (r) { fprintf(stderr, "greedy: %s\n", cat_result_string(r)); free(ids); cat_model_close(m); return 1; }
    for (i = 0; i < n_ids; i++) printf("%d ", ids[i]);
    r = cat_session_feed(s, ids, (size_t)n_ids, NULL);
    for (i = 0; !r && i < n; i++) {
        t = cat_argmax(cat_session_logits(s), cfg->vocab_size);
        printf("%d ", t);
        if (i + 1 < n && cat_session_pos(s) < cat_session_max_context(s)) r = cat_session_feed(s, &t, 1, NULL);
        else if (i + 1 < n) break;
    }
    printf("\n");
    if (r) fprintf(stderr, "greedy: %s\n", cat_result_string(r));
    else status = 0;
    cat_session_close(s);
    free(ids);
    cat_model_close(m);
    return status;
}
