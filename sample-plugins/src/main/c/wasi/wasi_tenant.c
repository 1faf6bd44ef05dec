/*
 * wasi_tenant: one tenant of a file-system isolation test.
 *
 *   wasi_tenant DIR OWNER
 *
 * What the host must provide (the contract): DIR, a writable preopened directory (or a directory inside
 * one); OWNER, any text. No environment, stdin unused.
 *
 * It writes DIR/owner.txt with the content OWNER (no newline added), waits about 50 ms (poll_oneoff on the
 * monotonic clock) so that tenants started together overlap, then prints on stdout, in this order:
 *   - "file NAME" for every entry of DIR except "." and "..", sorted by name (byte order);
 *   - "owner CONTENT", CONTENT being what DIR/owner.txt holds after the wait.
 * Two tenants whose DIRs are the same guest path but different host directories each see only their own
 * owner.txt and their own OWNER. Exits 0; on any error it prints "wasi_tenant: ..." on stderr and exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static void die(const char *what, const char *path) {
    fprintf(stderr, "wasi_tenant: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: wasi_tenant DIR OWNER\n", stderr);
        return 2;
    }
    const char *dir = argv[1];
    char path[1024];
    snprintf(path, sizeof path, "%s/owner.txt", dir);

    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(argv[2], f) < 0 || fclose(f) != 0) {
        die("cannot write", path);
    }

    __wasi_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub.u.u.clock.timeout = 50ull * 1000 * 1000;
    __wasi_event_t event;
    __wasi_size_t nevents;
    int e = __wasi_poll_oneoff(&sub, &event, 1, &nevents);
    if (e != 0) {
        errno = e;
        die("poll_oneoff failed", "");
    }

    DIR *d = opendir(dir);
    if (d == NULL) {
        die("cannot open", dir);
    }
    char *names[256];
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 || count == 256) {
            continue;
        }
        names[count] = strdup(de->d_name);
        if (names[count] == NULL) {
            die("out of memory", "");
        }
        count++;
    }
    closedir(d);
    qsort(names, count, sizeof *names, compare);
    for (size_t i = 0; i < count; i++) {
        printf("file %s\n", names[i]);
        free(names[i]);
    }

    char content[4096];
    f = fopen(path, "r");
    if (f == NULL) {
        die("cannot read", path);
    }
    size_t len = fread(content, 1, sizeof content - 1, f);
    fclose(f);
    content[len] = '\0';
    printf("owner %s\n", content);
    return fflush(stdout) == 0 ? 0 : 1;
}
