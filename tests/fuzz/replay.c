/* replay_fuzz: replays every input kept under REGRESSIONS_DIR/<harness>/
   through its fuzz harness, without libFuzzer (part of make test).
   usage: replay_fuzz [REGRESSIONS_DIR]   (default tests/fuzz/regressions; make test
   also replays the committed corpora, tests/fuzz/corpus;
   run from the repository root: fuzz_encode reads the real vocabularies)
   Each input runs in a child process, so a crash is reported against its
   file and the others still run. Prints "N passed, N failed".
   MIT License, see LICENSE. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define FUZZ_ENTRY fuzz_entry_zip_pickle
#include "fuzz_zip_pickle.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_entry_safetensors
#include "fuzz_safetensors.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_entry_json
#include "fuzz_json.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_entry_tokfile
#include "fuzz_tokfile.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_entry_model
#include "fuzz_model.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_entry_encode
#include "fuzz_encode.c"
#include "../harness.h"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_entry_session
#include "fuzz_session.c"
#undef FUZZ_ENTRY

typedef int (*fuzz_fn)(const uint8_t *, size_t);
static const struct { const char *name; fuzz_fn fn; } harnesses[] = {
    { "zip_pickle", fuzz_entry_zip_pickle }, { "safetensors", fuzz_entry_safetensors }, { "json", fuzz_entry_json },
    { "tokfile", fuzz_entry_tokfile }, { "model", fuzz_entry_model }, { "encode", fuzz_entry_encode },
    { "session", fuzz_entry_session },
};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    size_t cap = 0, n = 0, r;
    if (!f) return NULL;
    for (;;) {
        if (n == cap) {
            uint8_t *nb = (uint8_t *)realloc(b, cap = cap ? 2 * cap : 4096);
            if (!nb) { free(b); fclose(f); return NULL; }
            b = nb;
        }
        r = fread(b + n, 1, cap - n, f);
        if (!r) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/fuzz/regressions";
    size_t h;
    /* load fuzz_encode's vocabularies once, before forking */
    fuzz_entry_encode((const uint8_t *)"\0", 1);
    fuzz_entry_encode((const uint8_t *)"\1", 1);
    for (h = 0; h < sizeof harnesses / sizeof harnesses[0]; h++) {
        char sub[4096];
        DIR *d;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, cap = 0, i;
        snprintf(sub, sizeof sub, "%s/%s", dir, harnesses[h].name);
        d = opendir(sub);
        if (d) {
            while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.') continue;
                if (n == cap) names = (char **)realloc(names, sizeof(char *) * (cap = cap ? 2 * cap : 16));
                names[n] = (char *)malloc(strlen(de->d_name) + 1);
                strcpy(names[n++], de->d_name);
            }
            closedir(d);
        }
        if (n == 0) { printf("FAIL %s: no regression inputs in %s\n", harnesses[h].name, sub); test_count(0); }
        if (n > 1) qsort(names, n, sizeof(char *), cmp_str);
        for (i = 0; i < n; i++) {
            char path[8192];
            size_t len = 0;
            uint8_t *data;
            pid_t pid;
            int st = 0;
            snprintf(path, sizeof path, "%s/%s", sub, names[i]);
            data = read_all(path, &len);
            if (!data) { printf("FAIL %s: cannot read\n", path); test_count(0); continue; }
            fflush(stdout);
            pid = fork();
            if (pid == 0) { harnesses[h].fn(data, len); fflush(NULL); _exit(0); }
            if (pid < 0 || waitpid(pid, &st, 0) != pid) { printf("FAIL %s: cannot run it\n", path); test_count(0); }
            else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) { printf("ok   %s (%lu bytes)\n", path, (unsigned long)len); test_count(1); }
            else if (WIFSIGNALED(st)) { printf("FAIL %s: killed by signal %d\n", path, WTERMSIG(st)); test_count(0); }
            else { printf("FAIL %s: exit status %d\n", path, WEXITSTATUS(st)); test_count(0); }
            free(data);
            free(names[i]);
        }
        free(names);
    }
    return test_report();
}
