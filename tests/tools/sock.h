// What the test tools share: messages prefixed with the tool's name, the
// socket file removed on every way out, a unix socket bound (and listening),
// and one message received with the fds it carries.
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // accept4, MSG_CMSG_CLOEXEC (meson passes it already)
#endif
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

static const char *tool_name = "tool";  // set first thing in main
static const char *sock_path;           // unlinked on exit once bound
__attribute__((unused)) static volatile sig_atomic_t stop;  // set by on_term

// Installed without SA_RESTART, so a blocking call returns EINTR.
static inline void on_term(int sig) {
    (void)sig;
    stop = 1;
}

static void on_alarm(int sig) {
    (void)sig;
    if (write(2, tool_name, strlen(tool_name)) < 0 || write(2, ": timed out\n", 12) < 0) { /* exiting anyway */ }
    if (sock_path) unlink(sock_path);
    _exit(3);
}

static int fail(const char *what) {
    fprintf(stderr, "%s: %s: %s\n", tool_name, what, strerror(errno));
    if (sock_path) unlink(sock_path);
    return 1;
}

// sun_path from PATH; "@name" is an abstract socket.  0 when it does not fit.
static socklen_t sock_addr(struct sockaddr_un *addr, const char *path) {
    size_t len = strlen(path);
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (len == 0 || len >= sizeof addr->sun_path) return 0;
    memcpy(addr->sun_path, path, len);
    if (path[0] == '@') {
        addr->sun_path[0] = '\0';
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    }
    return (socklen_t)sizeof *addr;
}

// A socket of TYPE bound at the file PATH (replacing a stale one), listening
// when it is a stream socket; -1 after printing why.
static int sock_bind(const char *path, int type, int backlog) {
    struct sockaddr_un addr;
    socklen_t alen = sock_addr(&addr, path);
    if (!alen || path[0] == '@') {
        fprintf(stderr, "%s: bad socket path \"%s\"\n", tool_name, path);
        return -1;
    }
    int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (s < 0) return fail("socket"), -1;
    unlink(path);
    if (bind(s, (struct sockaddr *)&addr, alen) < 0) return fail("bind"), -1;
    sock_path = path;
    if (type == SOCK_STREAM && listen(s, backlog) < 0) return fail("listen"), -1;
    return s;
}

// One recvmsg into BUF (NUL-terminated); the fds it carries go to FDS (at
// most MAX, the rest closed), their number to *NFDS.  EINTR is returned,
// not retried: callers that stop on a signal check their flag.
static ssize_t recv_fds(int sock, char *buf, size_t len, int *fds, size_t max, size_t *nfds) {
    char control[CMSG_SPACE(sizeof(int) * 16)];
    struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    *nfds = 0;
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return -1;
    buf[n] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (*nfds < max) fds[(*nfds)++] = fd;
            else close(fd);
        }
    }
    return n;
}
