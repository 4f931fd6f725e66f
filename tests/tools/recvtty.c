// recvtty: the other end of --console-socket, for tests.
//
//   recvtty [-i INPUT] [-t SECONDS] SOCKET
//
// Listens on the unix socket SOCKET, accepts one connection, receives the
// pty master over SCM_RIGHTS, writes INPUT (if given) to the master, then
// copies everything the container prints to stdout until the pty's last slave
// is closed (read gives EIO).  Exits 0 then; non-zero on any error, or when
// SECONDS (default 30) pass first, so a broken runtime cannot hang a test.
// The socket file is removed on exit.
#ifndef _GNU_SOURCE
#endif
#include <signal.h>
#include <stdlib.h>

#include "sock.h"

// One message carrying one fd; the payload (the runtime sends the pty's
// name) is ignored.
static int receive_fd(int conn) {
    char payload[256];
    int fds[1] = {-1};
    size_t nfds;
    ssize_t n;
    do {
        n = recv_fds(conn, payload, sizeof payload, fds, 1, &nfds);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if (nfds != 1) {
        errno = EBADMSG;
        return -1;
    }
    return fds[0];
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "recvtty";
    const char *input = NULL;
    unsigned timeout = 30;
    int opt;
    while ((opt = getopt(argc, argv, "i:t:")) != -1) {
        if (opt == 'i') input = optarg;
        else if (opt == 't') timeout = (unsigned)atoi(optarg);
        else return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: recvtty [-i INPUT] [-t SECONDS] SOCKET\n");
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm(timeout);

    int lfd = sock_bind(argv[optind], SOCK_STREAM, 1);
    if (lfd < 0) return 1;

    int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) return fail("accept");
    int master = receive_fd(conn);
    if (master < 0) return fail("receive pty master");
    close(conn);
    close(lfd);
    unlink(sock_path);
    sock_path = NULL;

    if (input && write_all(master, input, strlen(input)) < 0) return fail("write input");

    char buf[4096];
    for (;;) {
        ssize_t n = read(master, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EIO) break;  // every slave fd is closed
        if (n < 0) return fail("read pty");
        if (n == 0) break;
        if (write_all(1, buf, (size_t)n) < 0) return fail("write stdout");
    }
    close(master);
    return 0;
}
