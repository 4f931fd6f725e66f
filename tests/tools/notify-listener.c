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
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

static int send_message(const char *message) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path) {
        fprintf(stderr, "notify-listener: NOTIFY_SOCKET is not set\n");
        return 2;
    }
    struct sockaddr_un addr;
    socklen_t alen = sock_addr(&addr, path);
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
    int s = sock_bind(path, SOCK_DGRAM, 0);
    if (s < 0) return 1;
    while (!stop) {
        static char buf[65536];
        int fds[16];
        size_t nfds;
        ssize_t n = recv_fds(s, buf, sizeof buf, fds, 16, &nfds);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("recvmsg");
        }
        print_lines(buf, (size_t)n);
        for (size_t i = 0; i < nfds; i++) close(fds[i]);
        if (nfds) {
            printf("fds: %zu\n", nfds);
            fflush(stdout);
        }
    }
    unlink(path);
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "notify-listener";
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
