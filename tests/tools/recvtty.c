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
#define _GNU_SOURCE  // accept4, MSG_CMSG_CLOEXEC (meson passes it already)
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *sock_path;

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "recvtty: timed out\n";
    if (write(2, msg, sizeof msg - 1) < 0) { /* exiting anyway */ }
    if (sock_path) unlink(sock_path);
    _exit(3);
}

static int fail(const char *what) {
    fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
    if (sock_path) unlink(sock_path);
    return 1;
}

// One message carrying one fd; the payload (the runtime sends the pty's
// name) is ignored.
static int receive_fd(int conn) {
    char payload[256];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int))) {
        errno = EBADMSG;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
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

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[optind]) >= sizeof addr.sun_path) {
        fprintf(stderr, "recvtty: socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[optind]);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) return fail("socket");
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) return fail("bind");
    sock_path = argv[optind];
    if (listen(lfd, 1) < 0) return fail("listen");

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
