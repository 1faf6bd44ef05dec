/*
 * wasi_sockets: checks that a host refuses the four WASI preview 1 socket functions cleanly.
 *
 *   wasi_sockets
 *
 * What the host must provide (the contract): nothing but stdio; no arguments, no preopens. The host must
 * accept a module that imports sock_accept, sock_recv, sock_send and sock_shutdown (a host may instead
 * refuse to load it, which is also a clean refusal, but then this program cannot run). It is kept apart from
 * wasi_check.c so that the other checks run on hosts that refuse such modules.
 *
 * Each function is called on fd 7777 (not open), then on stdin (fd 0, not a socket). Each call must return an
 * errno, and not trap: EBADF, ENOTSOCK, ENOTSUP, ENOTCAPABLE (a missing sock_* right) or ENOSYS.
 *
 * Output: one line per check, "ok NAME" or "FAIL NAME: expected ..., got ...", on stdout; exits 0 when all
 * passed, 1 otherwise, through proc_exit.
 */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int failures;

static void expect_refused(const char *name, int e) {
    switch (e) {
    case __WASI_ERRNO_BADF:
    case __WASI_ERRNO_NOTSOCK:
    case __WASI_ERRNO_NOTSUP:
    case __WASI_ERRNO_NOTCAPABLE:
    case __WASI_ERRNO_NOSYS:
        printf("ok %s\n", name);
        return;
    default:
        failures++;
        if (e == 0) {
            printf("FAIL %s: expected EBADF, ENOTSOCK, ENOTSUP, ENOTCAPABLE or ENOSYS, got success\n", name);
        } else {
            printf("FAIL %s: expected EBADF, ENOTSOCK, ENOTSUP, ENOTCAPABLE or ENOSYS, got errno %d\n", name,
                   e);
        }
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    static const struct {
        __wasi_fd_t fd;
        const char *suffix;
    } targets[] = {{7777, "bad_fd"}, {0, "stdin"}};
    char buf[16];
    char name[64];
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        __wasi_fd_t fd = targets[i].fd;

        __wasi_fd_t accepted = 0;
        snprintf(name, sizeof name, "sock_accept.%s", targets[i].suffix);
        expect_refused(name, __wasi_sock_accept(fd, 0, &accepted));

        __wasi_iovec_t in = {.buf = (uint8_t *) buf, .buf_len = sizeof buf};
        __wasi_size_t received = 0;
        __wasi_roflags_t roflags = 0;
        snprintf(name, sizeof name, "sock_recv.%s", targets[i].suffix);
        expect_refused(name, __wasi_sock_recv(fd, &in, 1, 0, &received, &roflags));

        __wasi_ciovec_t out = {.buf = (const uint8_t *) "ping", .buf_len = 4};
        __wasi_size_t sent = 0;
        snprintf(name, sizeof name, "sock_send.%s", targets[i].suffix);
        expect_refused(name, __wasi_sock_send(fd, &out, 1, 0, &sent));

        snprintf(name, sizeof name, "sock_shutdown.%s", targets[i].suffix);
        expect_refused(name, __wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
    }
    fflush(stdout);
    __wasi_proc_exit(failures == 0 ? 0 : 1);
}
