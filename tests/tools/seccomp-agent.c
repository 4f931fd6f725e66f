// seccomp-agent: the other end of linux.seccomp.listenerPath, for tests.
//
//   seccomp-agent [-t SECONDS] SOCKET
//
// Listens on the unix stream socket SOCKET.  Each connection carries one
// message: the container process state (JSON, config-linux.md) with the
// seccomp notify fd in SCM_RIGHTS; it is printed as "state: JSON".  Then
// every notification on every received fd is answered: mkdir and mkdirat
// get a fake success (return 0, nothing is created) and are printed as
// "notify: mkdir PID"; anything else continues as if unfiltered.  A
// listener fd whose processes have all exited is closed ("closed: N").
// Exits 0 on SIGTERM, 3 when SECONDS (default 60) pass, so a broken runtime
// cannot hang a test.  The socket file is removed on exit.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 128

static const char *sock_path;
static volatile sig_atomic_t stop;

static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "seccomp-agent: timed out\n";
    if (write(2, msg, sizeof msg - 1) < 0) { /* exiting anyway */ }
    if (sock_path) unlink(sock_path);
    _exit(3);
}

static int fail(const char *what) {
    fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
    if (sock_path) unlink(sock_path);
    return 1;
}

// One message per connection: state JSON + the listener fd.
static int receive_listener(int conn) {
    static char payload[65536];
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload - 1};
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
    payload[n] = '\0';
    int fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int fds[4];
            memcpy(fds, CMSG_DATA(c), count * sizeof(int));
            for (size_t i = 0; i < count; i++) {
                if (fd < 0) fd = fds[i];
                else close(fds[i]);
            }
        }
    }
    printf("state: %s\n", payload);
    if (fd < 0) printf("error: no fd received\n");
    fflush(stdout);
    errno = EPROTO;
    return fd;
}

// Answer one notification; returns -1 when the fd is dead.
static int handle(int fd, struct seccomp_notif *req, struct seccomp_notif_resp *resp, size_t resp_size) {
    memset(req, 0, sizeof *req);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
        // ENOENT: the process was killed between poll and recv
        return errno == ENOENT || errno == EINTR ? 0 : -1;
    }
    memset(resp, 0, resp_size);
    resp->id = req->id;
    int nr = req->data.nr;
    if (nr == SYS_mkdir || nr == SYS_mkdirat) {
        resp->val = 0;
        resp->error = 0;
        printf("notify: mkdir %u\n", req->pid);
    } else {
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        printf("notify: continue syscall %d pid %u\n", nr, req->pid);
    }
    fflush(stdout);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT) return -1;
    return 0;
}

int main(int argc, char **argv) {
    int timeout = 60, opt;
    while ((opt = getopt(argc, argv, "t:")) != -1) {
        if (opt == 't') timeout = atoi(optarg);
        else {
            fprintf(stderr, "usage: seccomp-agent [-t SECONDS] SOCKET\n");
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: seccomp-agent [-t SECONDS] SOCKET\n");
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout);
    struct sigaction sa = {0};
    sa.sa_handler = on_term;  // no SA_RESTART: poll returns EINTR
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[optind]) >= sizeof addr.sun_path) {
        fprintf(stderr, "seccomp-agent: socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[optind]);
    int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lsock < 0) return fail("socket");
    unlink(addr.sun_path);
    if (bind(lsock, (struct sockaddr *)&addr, sizeof addr) < 0) return fail("bind");
    sock_path = argv[optind];
    if (listen(lsock, 16) < 0) return fail("listen");

    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) return fail("SECCOMP_GET_NOTIF_SIZES");
    size_t req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
                                                                         : sizeof(struct seccomp_notif);
    size_t resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
                           ? sizes.seccomp_notif_resp
                           : sizeof(struct seccomp_notif_resp);
    struct seccomp_notif *req = calloc(1, req_size);
    struct seccomp_notif_resp *resp = calloc(1, resp_size);
    if (!req || !resp) return fail("calloc");

    struct pollfd fds[MAX_FDS + 1];
    int nfds = 1;
    fds[0] = (struct pollfd){.fd = lsock, .events = POLLIN};
    while (!stop) {
        int n = poll(fds, (nfds_t)nfds, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("poll");
        }
        if (fds[0].revents & POLLIN) {
            int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                int fd = receive_listener(conn);
                close(conn);
                if (fd >= 0 && nfds <= MAX_FDS) fds[nfds++] = (struct pollfd){.fd = fd, .events = POLLIN};
                else if (fd >= 0) close(fd);
            }
        }
        for (int i = 1; i < nfds; i++) {
            short ev = fds[i].revents;
            int dead = 0;
            if (ev & POLLIN) dead = handle(fds[i].fd, req, resp, resp_size) < 0;
            else if (ev & (POLLHUP | POLLERR | POLLNVAL)) dead = 1;
            if (dead) {
                printf("closed: %d\n", fds[i].fd);
                fflush(stdout);
                close(fds[i].fd);
                fds[i] = fds[--nfds];
                fds[nfds] = (struct pollfd){0};
                i--;
            }
        }
    }
    unlink(sock_path);
    return 0;
}
