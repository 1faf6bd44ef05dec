/*
 * sizer: a WASI command that lists the regular files of one directory.
 *
 *   sizer DIR
 *
 * Prints one line per regular file directly inside DIR (not recursive), sorted by
 * name (byte order), as "<size in bytes>\t<name>\n" on stdout, and exits 0.
 * Entries that are not regular files (directories, symbolic links, ...) are skipped.
 *
 * Errors:
 *   - no argument (or more than one): usage on stderr, exit 2;
 *   - DIR cannot be opened (for example because no directory was mapped into the
 *     sandbox, so the WASI preopen lookup fails): "sizer: cannot open DIR: <reason>"
 *     on stderr, exit 1;
 *   - any later error while reading DIR: a message on stderr, exit 1.
 *
 * Built with clang and wasi-libc (see scripts/build-sample-plugins.sh):
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug sizer.c -o sizer.wasm
 * The Terrarium manifest is appended as a custom section by the build script
 * (src/main/manifests/sizer.json).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
    char *name;
    long long size;
};

static int compare_entries(const void *a, const void *b) {
    const struct entry *x = a;
    const struct entry *y = b;
    return strcmp(x->name, y->name);
}

static void fail_out_of_memory(void) {
    fputs("sizer: out of memory\n", stderr);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fputs("usage: sizer DIR\n"
              "Lists the regular files in DIR as lines \"<size>\\t<name>\", sorted by name.\n",
              stderr);
        return 2;
    }
    const char *path = argv[1];

    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "sizer: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    int dfd = dirfd(dir);

    struct entry *entries = NULL;
    size_t count = 0;
    size_t capacity = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (de == NULL) {
            if (errno != 0) {
                fprintf(stderr, "sizer: cannot read %s: %s\n", path, strerror(errno));
                closedir(dir);
                return 1;
            }
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            fprintf(stderr, "sizer: cannot stat %s/%s: %s\n", path, de->d_name, strerror(errno));
            closedir(dir);
            return 1;
        }
        if (!S_ISREG(st.st_mode)) {
            continue;
        }
        if (count == capacity) {
            capacity = capacity == 0 ? 16 : capacity * 2;
            struct entry *grown = realloc(entries, capacity * sizeof *entries);
            if (grown == NULL) {
                fail_out_of_memory();
            }
            entries = grown;
        }
        entries[count].name = strdup(de->d_name);
        if (entries[count].name == NULL) {
            fail_out_of_memory();
        }
        entries[count].size = (long long) st.st_size;
        count++;
    }
    closedir(dir);

    if (count > 0) {
        qsort(entries, count, sizeof *entries, compare_entries);
    }
    for (size_t i = 0; i < count; i++) {
        printf("%lld\t%s\n", entries[i].size, entries[i].name);
        free(entries[i].name);
    }
    free(entries);

    if (fflush(stdout) != 0) {
        fprintf(stderr, "sizer: cannot write output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
