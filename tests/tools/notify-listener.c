// notify-listener: stands in for systemd's NOTIFY_SOCKET in tests, and is
// also the sd_notify client run inside containers (built static, so it can
// be copied into a busybox rootfs).
//
//   notify-listener [-t SECONDS] SOCKET   listen: print each line of each
//                                         datagram received on SOCKET
//   notify-listener -s MESSAGE            send MESSAGE as one datagram to
//                                         $NOTIFY_SOCKET ("\n" separates lines)
//
// Listening, fds that arrive with a message (sd_notify_barrier's pipe) are
// closed at once, which is what the barrier waits for; "fds: N" is printed
// for them.  Exits 0 on SIGTERM, 3 when SECONDS (default 60) pass.  The
// socket file is removed on exit.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *sock_path;
static volatile sig_atomic_t stop;

static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "notify-listener: timed out\n";
    if (write(2, msg, sizeof msg - 1) < 0) { /* exiting anyway */ }
    if (sock_path) unlink(sock_path);
    _exit(3);
}

static int fail(const char *what) {
    fprintf(stderr, "notify-listener: %s: %s\n", what, strerror(errno));
    if (sock_path) unlink(sock_path);
    return 1;
}

// sun_path from a NOTIFY_SOCKET value; "@name" is an abstract socket.
static socklen_t make_addr(struct sockaddr_un *addr, const char *path) {
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

static int send_message(const char *message) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path) {
        fprintf(stderr, "notify-listener: NOTIFY_SOCKET is not set\n");
        return 2;
    }
    struct sockaddr_un addr;
    socklen_t alen = make_addr(&addr, path);
    if (!alen) {
        fprintf(stderr, "notify-listener: bad NOTIFY_SOCKET \"%s\"\n", path);
        return 2;
    }
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return fail("socket");
    if (sendto(s, message, strlen(message), 0, (struct sockaddr *)&addr, alen) < 0) {
        fprintf(stderr, "notify-listener: send to %s: %s\n", path, strerror(errno));
        return 1;
    }
    close(s);
    return 0;
}

static void print_lines(const char *buf, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || buf[i] == '\n') {
            if (i > start) printf("%.*s\n", (int)(i - start), buf + start);
            start = i + 1;
        }
    }
    fflush(stdout);
}

static int listen_on(const char *path) {
    struct sockaddr_un addr;
    socklen_t alen = make_addr(&addr, path);
    if (!alen || path[0] == '@') {
        fprintf(stderr, "notify-listener: bad socket path \"%s\"\n", path);
        return 2;
    }
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return fail("socket");
    unlink(path);
    if (bind(s, (struct sockaddr *)&addr, alen) < 0) return fail("bind");
    sock_path = path;
    while (!stop) {
        static char buf[65536];
        char control[CMSG_SPACE(sizeof(int) * 16)];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
        struct msghdr msg = {0};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("recvmsg");
        }
        print_lines(buf, (size_t)n);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int fds[16];
            memcpy(fds, CMSG_DATA(c), count * sizeof(int));
            for (size_t i = 0; i < count; i++) close(fds[i]);
            printf("fds: %zu\n", count);
            fflush(stdout);
        }
    }
    unlink(path);
    return 0;
}

int main(int argc, char **argv) {
    int timeout = 60, opt;
    const char *message = NULL;
    while ((opt = getopt(argc, argv, "t:s:")) != -1) {
        if (opt == 't') timeout = atoi(optarg);
        else if (opt == 's') message = optarg;
        else goto usage;
    }
    if (message) return optind == argc ? send_message(message) : 2;
    if (optind != argc - 1) goto usage;
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout);
    struct sigaction sa = {0};
    sa.sa_handler = on_term;  // no SA_RESTART: recvmsg returns EINTR
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return listen_on(argv[optind]);
usage:
    fprintf(stderr, "usage: notify-listener [-t SECONDS] SOCKET | notify-listener -s MESSAGE\n");
    return 2;
}
