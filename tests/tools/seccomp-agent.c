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

#include "sock.h"

#define MAX_FDS 128

// One message per connection: state JSON + the listener fd.
static int receive_listener(int conn) {
    static char payload[65536];
    int fd = -1;
    size_t nfds;
    ssize_t n;
    do {
        n = recv_fds(conn, payload, sizeof payload, &fd, 1, &nfds);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    printf("state: %s\n", payload);
    if (!nfds) printf("error: no fd received\n");
    fflush(stdout);
    errno = EPROTO;
    return nfds ? fd : -1;
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
    tool_name = "seccomp-agent";
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

    int lsock = sock_bind(argv[optind], SOCK_STREAM, 16);
    if (lsock < 0) return 1;

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
