/* syscall-probe N...: calls syscall(N) with zero arguments for each N and
 * prints "N ERRNO" (0 when the call succeeded).  Static, so it runs as a
 * busybox container's process, where the seccomp filter answers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        long nr = strtol(argv[i], NULL, 0);
        errno = 0;
        long rc = syscall(nr, 0, 0, 0, 0, 0, 0);
        printf("%ld %d\n", nr, rc < 0 ? errno : 0);
    }
    return 0;
}
